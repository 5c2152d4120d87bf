"""`make check`'s grading half: what staff need to trust each homework's autograder.

For every homework, all gradings run in parallel subprocesses (`jobs`):
  - the reference scores full marks under `seeds` different grading seeds, and grading it again
    with seed 1 gives the same results.json apart from timings;
  - the blank stub scores 0, with one failed entry per test and no crash;
  - every mutant loses points on the tests it names and on no other test (end-to-end tests aside);
  - each homework README's points table agrees with the suite's @weight's (`points_table`);
  - the handout zip builds and holds no staff file;
  - the Gradescope zip builds and its `run_autograder` grades the reference (full marks) and the
    blank stub (0) against a fake /autograder root;
  - every attack of the hostile bank gets exactly its expected score and leaks nothing, and the
    machine is left as it was (no worker process alive, the kit's files unchanged).
Stub sync, ruff and the kit's unit tests are separate Makefile steps.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.engine.grade import list_tests
from autograder.engine.results import max_score
from autograder.engine.suite import Suite, load_suite

from .attacks import (
    Attack,
    claim_orphans,
    load_attacks,
    machine_state,
    secret_lines,
    unmet_requirements,
    verify,
)
from .attacks import materialise as materialise_attack
from .batch import GRADING_TIMEOUT_S, Outcome, grade_in_subprocess, submission_id
from .hangs import hang_job
from .mutants import charge_problem, graded_tests, load_mutants, materialise
from .packaging import build_autograder, build_handout
from .points_table import points_table_problems


@dataclass(frozen=True)
class Check:
    homework: str
    name: str
    ok: bool
    detail: str
    seconds: float


def _print(c: Check) -> None:
    print(f"{'ok  ' if c.ok else 'FAIL'} {c.homework}  {c.name:45s} {c.detail}  ({c.seconds:.1f} s)", flush=True)


def _score_line(outcome: Outcome) -> str:
    if outcome.results is None:
        return f"no results ({outcome.error})"
    total = outcome.max_score
    failed = [t["name"] for t in outcome.results["tests"] if t["status"] != "passed"]
    return f"{outcome.results['score']:g}/{total:g}" + (f", failed: {failed[:3]}" if failed else "")


def _zero(outcome: Outcome, suite_tests: int | None) -> bool:
    r = outcome.results
    return (r is not None and r["score"] == 0 and all(t["status"] == "failed" for t in r["tests"])
            and (suite_tests is None or len(r["tests"]) == suite_tests))


def _without_timings(value: Any) -> Any:
    """`value` (parsed results.json) without its `execution_time` entries, at any depth."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "execution_time"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def _same_results(outcome: Outcome, first: Path) -> str:
    """"" when `outcome` has the same results as the results file `first`, apart from timings."""
    if outcome.results is None or not first.is_file():
        return "one of the two gradings wrote no results"
    before, again = _without_timings(json.loads(first.read_text())), _without_timings(outcome.results)
    if before == again:
        return ""
    changed = [t["name"] for t, u in zip(before.get("tests", []), again.get("tests", []), strict=False) if t != u]
    return f"results differ between two gradings with the same seed (tests: {changed[:3]})"


def _fake_root_run(suite: Suite, zip_path: Path, submission: Path, work: Path) -> dict:
    """Runs the built run_autograder as Gradescope would, against a fake /autograder root."""
    root = work / "autograder-root"
    shutil.rmtree(root, ignore_errors=True)
    (root / "results").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    shutil.copytree(submission, root / "submission")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "MTML_VENV": str(Path(sys.prefix))}
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=False,
                   capture_output=True, timeout=GRADING_TIMEOUT_S)
    results = root / "results" / "results.json"
    return json.loads(results.read_text()) if results.is_file() else {}


def _public_tests(suite: Suite, handout: Path, work: Path, with_reference: bool) -> int:
    """Runs the handout's own `pytest hwN/tests` in an unpacked copy; returns pytest's exit code."""
    tree = work / ("handout-reference" if with_reference else "handout-blank")
    shutil.rmtree(tree, ignore_errors=True)
    with zipfile.ZipFile(handout) as archive:
        archive.extractall(tree)
    if with_reference:
        for name in suite.student_files:
            shutil.copy2(suite.solutions_dir / name, tree / suite.homework / "submission" / name)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{suite.homework}/tests"],
                          cwd=tree, capture_output=True, timeout=GRADING_TIMEOUT_S, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return done.returncode


def _check_packaging(suite: Suite, dist: Path, work: Path) -> list[Check]:
    checks = []
    started = time.monotonic()
    try:
        handout = build_handout(suite.homework, dist)
        checks.append(Check(suite.homework, "handout zip, no staff files", True, handout.name,
                            time.monotonic() - started))
    except ValueError as err:
        return [Check(suite.homework, "handout zip, no staff files", False, str(err), 0.0)]
    # pytest exits 0 when all pass, 1 when some fail; anything else is a broken handout.
    for with_reference, want in ((True, 0), (False, 1)):
        started = time.monotonic()
        code = _public_tests(suite, handout, work, with_reference)
        label = "public tests pass on the reference" if with_reference else "public tests fail cleanly on stubs"
        checks.append(Check(suite.homework, label, code == want, f"pytest exit code {code}", time.monotonic() - started))
    started = time.monotonic()
    package = build_autograder(suite.homework, dist)
    for label, submission, want_full in (("reference", suite.solutions_dir, True),
                                         ("blank stub", suite.homework_dir / "submission", False)):
        data = _fake_root_run(suite, package, submission, work / label.replace(" ", "-"))
        total = max_score(data)
        ok = bool(data.get("tests")) and data["score"] == (total if want_full else 0)
        checks.append(Check(suite.homework, f"gradescope zip, fake root, {label}", ok,
                            f"{data.get('score', 'no results')}/{total:g}", time.monotonic() - started))
        started = time.monotonic()
    return checks


Verdict = Callable[[Outcome], str]  # "" when the outcome is right, else what is wrong


def _expect(ok: Callable[[Outcome], bool], why: str) -> Verdict:
    return lambda outcome: "" if ok(outcome) else why


def homework_jobs(suite: Suite, seeds: int, work: Path) -> list[tuple[str, Callable[[], Outcome], Verdict]]:
    """(label, grading to run, verdict on its outcome) for one homework."""
    hw = suite.homework
    out = work / hw
    jobs: list[tuple[str, Callable[[], Outcome], Verdict]] = []
    for seed in range(1, seeds + 1):
        jobs.append((f"reference, seed {seed}",
                     lambda seed=seed: grade_in_subprocess(hw, suite.solutions_dir, out / f"ref{seed}", seed),
                     _expect(lambda o: o.full_marks, "not full marks")))
    # Regraded with seed 1 again: the verdicts run in job order, so seed 1's results exist by then.
    jobs.append(("reference, seed 1 again: same results.json",
                 lambda: grade_in_subprocess(hw, suite.solutions_dir, out / "ref1-again", 1),
                 lambda o: _same_results(o, out / "ref1" / f"{submission_id(suite.solutions_dir)}.json")))
    jobs.append(("blank stub scores 0",
                 lambda: grade_in_subprocess(hw, suite.homework_dir / "submission", out / "stub", 1),
                 _expect(lambda o: _zero(o, None), "not 0 with every test failed")))
    jobs.append(hang_job(suite, out))

    def check_points_table() -> Outcome:
        problems = points_table_problems(suite.homework_dir / "README.md", list_tests(suite))
        return Outcome("README.md", {"tests": [], "score": 0}, "; ".join(problems), 0.0)

    jobs.append(("readme points table agrees with the suite", check_points_table, lambda o: o.error))
    mutants = load_mutants(suite)
    mutant_listing = list_tests(suite) if mutants else []
    for mutant in mutants:
        folder = materialise(suite, mutant, out / "mutants" / mutant.name)
        # The whole suite but the end-to-end tests it does not list: its bug is charged only where it says.
        graded = graded_tests(mutant, mutant_listing)

        def run(folder: Path = folder, tests: list[str] = graded, name: str = mutant.name) -> Outcome:
            return grade_in_subprocess(hw, folder, out / f"mutant-{name}", 1, tests=tests)

        jobs.append((f"mutant {mutant.name} loses points only where listed", run,
                     lambda o, m=mutant: charge_problem(m, mutant_listing, o.results)))
    attacks = load_attacks(suite)
    if attacks:
        listing, secrets = list_tests(suite), secret_lines(suite)
        for attack in attacks:
            unmet = unmet_requirements(attack)
            if unmet:
                jobs.append((f"attack {attack.name} SKIPPED (platform lacks {', '.join(unmet)})",
                             lambda: Outcome("skipped", {"tests": [], "score": 0}, "", 0.0), lambda o: ""))
                continue
            path = materialise_attack(suite, attack, out / "attacks")

            def run_attack(path: Path = path, attack: Attack = attack) -> Outcome:
                return grade_in_subprocess(hw, path, out / f"attack-{attack.name}", 1,
                                           tests=list(attack.tests) or None)

            jobs.append((f"attack {attack.name}", run_attack,
                         lambda o, a=attack: verify(a, o.results, secrets, listing, suite.kit_root)))
    return jobs


def run_checks(homeworks: list[str], jobs: int = 2, seeds: int = 3, only: str = "") -> int:
    """Runs every check (or those whose label starts with `only`: reference, blank, mutant,
    attack, handout, gradescope, walkthrough) and prints one line each; returns the exit code."""
    work = Path(tempfile.mkdtemp(prefix="mtml-check-"))
    dist = work / "dist"
    suites = [load_suite(hw) for hw in homeworks]
    claim_orphans()  # what a grading leaves behind stays in this run's process tree, where it is counted
    before = {s.homework: machine_state(s) for s in suites}
    planned = [(s.homework, *job) for s in suites for job in homework_jobs(s, seeds, work)
               if job[0].startswith(only)]
    started = time.monotonic()
    checks: list[Check] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [(hw, label, verdict, pool.submit(run)) for hw, label, run, verdict in planned]
        packaging = [pool.submit(_check_packaging, s, dist, work / f"pkg-{s.homework}") for s in suites
                     if not only or only in ("handout", "gradescope", "public")]
        from .walkthrough import walk_through  # imports this module: imported late, not at the top

        packaging += [pool.submit(walk_through, s, work / f"walk-{s.homework}") for s in suites
                      if not only or only == "walkthrough"]
        for hw, label, verdict, future in futures:
            outcome = future.result()
            problem = verdict(outcome)
            detail = _score_line(outcome) + (f" -- {problem}" if problem else "")
            checks.append(Check(hw, label, not problem, detail, outcome.seconds))
            _print(checks[-1])
        for future in packaging:
            for check in future.result():
                checks.append(check)
                _print(check)
    for suite in suites:
        after = machine_state(suite)
        changed = [k for k in before[suite.homework]["kit"] if before[suite.homework]["kit"][k] != after["kit"][k]]
        detail = f"kit folders changed: {changed}; workers alive: {after['workers'][:3]}"
        checks.append(Check(suite.homework, "machine left as it was", not changed and not after["workers"], detail, 0.0))
        _print(checks[-1])
    failed = [c for c in checks if not c.ok]
    for c in failed:
        _print(c)
    print(f"grading checks took {time.monotonic() - started:.0f} s")
    print(f"checks: {len(checks) - len(failed)} passed, {len(failed)} failed")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0
