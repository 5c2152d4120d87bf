"""`make audit`: flakiness over many grading seeds, and `grade-all` at scale, into BENCHMARKS.md.

- Each reference and each blank stub is graded `runs` times with seeds 1..runs; every grading must
  give full marks (reference) or 0 (stub). Rows merge per homework (`make audit HW=hw1` keeps the
  other homeworks' rows).
- `grade-all` over `scale` mixed submissions of one homework (`_scale_pool`): the harness must
  finish every one, and honest submissions must get their scores beside hostile ones.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.engine.suite import Suite, load_suite

from .batch import grade_all, grade_in_subprocess, submission_id
from .bench import update_sections


def run_audit(homeworks: list[str], runs: int = 20, jobs: int = 2, scale: int = 200) -> int:
    """Grades each reference and each blank stub `runs` times with seeds 1..runs (0 skips it), then
    `grade-all` over `scale` mixed submissions of the first homework (0 skips it)."""
    work = Path(tempfile.mkdtemp(prefix="mtml-audit-"))
    rows = ["| homework | submission | gradings | expected score every time | distinct scores |", "|---|---|---|---|---|"]
    failures = 0
    sections = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for hw in homeworks if runs else []:
            suite = load_suite(hw)
            for label, path, want_full in (("reference", suite.solutions_dir, True),
                                           ("blank stub", suite.homework_dir / "submission", False)):
                futures = [pool.submit(grade_in_subprocess, hw, path, work / f"{hw}-{label}-{s}", s)
                           for s in range(1, runs + 1)]
                scores, good = [], 0
                for f in futures:
                    o = f.result()
                    if o.results is None:
                        scores.append(None)
                        continue
                    total = o.max_score
                    scores.append(o.results["score"])
                    good += o.results["score"] == (total if want_full else 0)
                failures += runs - good
                rows.append(f"| {hw} | {label} | {runs} | {good}/{runs} | {sorted(set(map(str, scores)))} |")
    if runs:
        sections["audit"] = f"## Flakiness audit (`make audit`, seeds 1..{runs})\n\n" + "\n".join(rows)
        update_sections(sections)  # written now: the scale run below takes much longer
    if scale:
        scale_text, scale_failures = _scale_run(load_suite(homeworks[0]), work, scale, jobs)
        sections["scale"] = scale_text
        failures += scale_failures
        update_sections({"scale": scale_text})
    shutil.rmtree(work, ignore_errors=True)
    print("\n\n".join(sections.values()))
    return 1 if failures else 0


def _scale_pool(suite: Suite, pool_dir: Path, count: int) -> list[tuple[str, Path]]:
    """(kind, submission) x `count`, shuffled with a fixed seed: every attack of the hostile bank
    once, every mutant twice, blank stubs for a tenth, references for the rest (a class in which
    most submissions are honest and every kind of hostile one turns up)."""
    from .attacks import load_attacks, unmet_requirements
    from .attacks import materialise as materialise_attack
    from .mutants import load_mutants
    from .mutants import materialise as materialise_mutant

    hostile = [("attack", materialise_attack(suite, a, pool_dir / "attacks"))
               for a in load_attacks(suite) if not unmet_requirements(a)]
    mutants = [("mutant", materialise_mutant(suite, m, pool_dir / f"mutant-{m.name}")) for m in load_mutants(suite)]
    chosen = (hostile + 2 * mutants + [("blank stub", suite.homework_dir / "submission")] * (count // 10))[:count]
    chosen += [("reference", suite.solutions_dir)] * (count - len(chosen))
    random.Random(0).shuffle(chosen)
    return chosen


def _scale_run(suite: Suite, work: Path, count: int, jobs: int) -> tuple[str, int]:
    """`grade-all` over `count` mixed submissions (`_scale_pool`); returns the section and the number
    of gradings that went wrong: the harness did not finish one, or a submission did not get the
    score its kind must get (references full marks, blank stubs 0, mutants below full marks)."""
    folder = work / "scale"
    folder.mkdir()
    kinds: dict[str, str] = {}
    for i, (kind, source) in enumerate(_scale_pool(suite, work / "scale-pool", count)):
        target = folder / f"{i:04d}-{source.name}"
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target = target.with_suffix(source.suffix)
            shutil.copy2(source, target)
        kinds[submission_id(target)] = kind
    started = time.monotonic()
    outcomes = grade_all(suite.homework, folder, work / "scale-graded", jobs=jobs, progress=True)
    minutes = (time.monotonic() - started) / 60
    broken = [o.submission_id for o in outcomes if o.results is None or o.error]
    tally: dict[str, list[int]] = {}  # kind -> [graded as it must be, count]
    for o in outcomes:
        kind = kinds[o.submission_id]
        right = o.results is not None and not o.error
        if right and kind != "attack":
            total = o.max_score
            score = o.results["score"]
            right = score == total if kind == "reference" else score == 0 if kind == "blank stub" else score < total
        counts = tally.setdefault(kind, [0, 0])
        counts[0] += right
        counts[1] += 1
    wrong = sum(n - good for good, n in tally.values())
    mix = "; ".join(f"{kind}s {good}/{n}" for kind, (good, n) in sorted(tally.items()))
    text = (f"## `make grade-all` at scale ({suite.homework}, JOBS={jobs})\n\n"
            f"{len(outcomes)} submissions graded in {minutes:.1f} min: {len(outcomes) / minutes:.1f} "
            f"submissions per minute; harness failures: {len(broken)}" + (f" ({broken[:5]})" if broken else "")
            + ". Graded as their kind must be (references full marks, blank stubs 0, mutants below full "
            f"marks, attacks a results.json; an attack's exact score is `make check`'s job): {mix}.")
    return text, wrong + len(broken)
