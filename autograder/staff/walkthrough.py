"""`make check`'s walk-through: each handout unzipped alone, used the way a student uses it.

For one homework, in a fresh temporary folder holding only the unzipped `hwN-handout.zip`:
1. `make help` lists exactly the student targets (`STUDENT_TARGETS`), and each one resolves
   (`make -n`): nothing staff-only is offered, nothing offered is missing.
2. `make data DATA_MIRROR=...` with the mirror CI uses (`DATA_MIRROR` in the environment; without
   it this step is skipped with a note): every data set of the homework is prepared, except that
   one the mirror holds no folder for (MovieLens may not be redistributed) must fail the command
   and be named in its summary, as `python -m data` documents.
3. `make submission` on the blank stubs: it exits 0, its zip holds exactly the allow-list, and it
   names every function of the stubs that still raises NotImplementedError.
4. The reference copied into `hwN/submission/`: `make submission` reports no problem and no warning,
   the public tests pass, the student's files are left byte for byte as they were, and the kit's
   grader gives the zip it wrote full marks.
5. Smoke runs: `smoke_hook` (the README's offline commands on the reference, in their stated ranges)
   when `autograder/staff/smoke.py` provides `run_smoke`; otherwise a note says they did not run.

No reinstall: the handout's `.venv` is a symlink to the kit's, and its pyproject.toml is dated
before that environment's install stamp, so make sees an installed environment.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

from autograder.engine.suite import KIT_ROOT, Suite
from data.__main__ import HOMEWORK_DATASETS
from handin.signatures import unfinished

from .batch import grade_in_subprocess
from .packaging import build_handout
from .selfcheck import Check, _score_line

STUDENT_TARGETS = frozenset({"help", "venv", "test", "data", "submission", "lint"})
STEP_TIMEOUT_S = 600
# Variables a calling make (`make check HW=hw2`) passes down that must not steer the student's make.
_MAKE_STATE = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "HW", "DATASETS", "VENV", "PYTHON")


def _student_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _MAKE_STATE and k != "DATA_MIRROR"}
    env["OMP_NUM_THREADS"] = "1"
    return env


def _make(tree: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=tree, env=_student_env(),
                          capture_output=True, text=True, timeout=STEP_TIMEOUT_S, check=False)


def _tail(done: subprocess.CompletedProcess, lines: int = 4) -> str:
    text = (done.stdout + done.stderr).strip().splitlines()
    return " | ".join(text[-lines:])


def unpack(homework: str, work: Path, kit_root: Path = KIT_ROOT) -> Path:
    """The handout built and unzipped alone into `work/handout`, sharing the kit's .venv."""
    shutil.rmtree(work, ignore_errors=True)
    zip_path = build_handout(homework, work / "dist", kit_root)
    tree = work / "handout"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tree)
    venv = kit_root / ".venv"
    (tree / ".venv").symlink_to(venv, target_is_directory=True)
    stamp = venv / ".installed"
    if stamp.is_file():  # make rebuilds .venv when pyproject.toml is newer than the stamp
        old = stamp.stat().st_mtime - 60
        os.utime(tree / "pyproject.toml", (old, old))
    return tree


def check_help(tree: Path) -> tuple[bool, str]:
    done = _make(tree, "help")
    listed = {line.split()[0] for line in done.stdout.splitlines()[1:] if line.strip()}
    broken = [t for t in sorted(listed) if _make(tree, "-n", t).returncode != 0]
    ok = done.returncode == 0 and listed == STUDENT_TARGETS and not broken and "DATASETS=" in done.stdout
    return ok, f"lists {sorted(listed)}" + (f"; `make -n` fails for {broken}" if broken else "")


def check_data(tree: Path, homework: str, mirror: str | None) -> tuple[bool, str]:
    if not mirror:
        return True, "skipped: DATA_MIRROR is not set here"
    wanted = HOMEWORK_DATASETS.get(homework, ())
    absent = [d for d in wanted if not (Path(mirror) / d).is_dir()]
    done = _make(tree, "data", f"DATA_MIRROR={mirror}")
    summary = done.stdout + done.stderr
    said = " | ".join(line.strip()[:160] for line in summary.splitlines()
                      if line.startswith("make data:") or re.match(r"^ +\w+ +(prepared|FAILED|not prepared)", line))
    if absent:
        ok = done.returncode != 0 and all(re.search(rf"^ +{d} +FAILED:", summary, re.M) for d in absent)
        return ok, f"the mirror holds no {absent}: exit {done.returncode}, must fail and say so -- {said}"
    ok = done.returncode == 0 and all(re.search(rf"^ +{d} +prepared:", summary, re.M) for d in wanted)
    return ok, f"exit {done.returncode} -- {said or _tail(done)}"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def _zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def check_blank_submission(tree: Path, suite: Suite) -> tuple[bool, str]:
    folder = tree / suite.homework / "submission"
    expected = [q for name in suite.student_files
                for q, _ in unfinished(ast.parse((folder / name).read_text()))]
    done = _make(tree, "submission")
    zip_path = tree / f"{suite.homework}-submission.zip"
    members = sorted(_zip_members(zip_path)) if zip_path.is_file() else []
    unnamed = [q for q in expected if not re.search(rf"written\): {re.escape(q)}  \(", done.stdout)]
    ok = done.returncode == 0 and members == list(suite.student_files) and bool(expected) and not unnamed
    return ok, (f"exit {done.returncode}; zip {members}; {len(expected) - len(unnamed)}/{len(expected)} "
                f"unfinished functions named" + (f", missing {unnamed[:3]}" if unnamed else ""))


def check_reference_submission(tree: Path, suite: Suite, work: Path) -> tuple[bool, str]:
    folder = tree / suite.homework / "submission"
    for name in suite.student_files:
        shutil.copy2(suite.solutions_dir / name, folder / name)
    before = _snapshot(folder)
    done = _make(tree, "submission")
    zip_path = tree / f"{suite.homework}-submission.zip"
    if done.returncode != 0 or not zip_path.is_file():
        return False, f"exit {done.returncode}, no zip -- {_tail(done)}"
    noisy = [line for line in done.stdout.splitlines() if line.startswith(("PROBLEM", "WARNING"))]
    summary = [line for line in done.stdout.splitlines() if re.search(r"\d+ passed", line)]
    tests_ok = bool(summary) and not re.search(r"failed|error", summary[-1])
    same_zip = _zip_members(zip_path) == {n: (suite.solutions_dir / n).read_bytes() for n in suite.student_files}
    untouched = _snapshot(folder) == before
    outcome = grade_in_subprocess(suite.homework, zip_path, work / "graded", 1, STEP_TIMEOUT_S)
    ok = not noisy and tests_ok and same_zip and untouched and outcome.full_marks
    detail = (f"public tests: {summary[-1].strip() if summary else 'no summary'}; zip graded "
              f"{_score_line(outcome)}" + (f"; printed {noisy[:2]}" if noisy else "")
              + ("" if same_zip else "; zip differs from the reference files")
              + ("" if untouched else "; the student's files were modified"))
    return ok, detail


def smoke_hook(tree: Path, homework: str) -> tuple[bool, str]:
    """The README's offline smoke commands on the reference, when the smoke module exists."""
    if importlib.util.find_spec(f"{__package__}.smoke") is None:
        return True, "not run: autograder/staff/smoke.py (SMOKE_RUNS, run_smoke) is not in this kit yet"
    from . import smoke  # type: ignore[attr-defined]

    return smoke.smoke_homework(homework, tree)


def walk_through(suite: Suite, work: Path, mirror: str | None = None) -> list[Check]:
    """Every step of the module docstring for one homework; one Check per step."""
    hw = suite.homework
    mirror = mirror if mirror is not None else os.environ.get("DATA_MIRROR") or None
    checks: list[Check] = []
    started = time.monotonic()
    try:
        tree = unpack(hw, work, suite.kit_root)
    except ValueError as err:
        return [Check(hw, "walk-through: handout builds", False, str(err), time.monotonic() - started)]
    steps = [("walk-through: make help, student targets only", lambda: check_help(tree)),
             ("walk-through: make data from DATA_MIRROR", lambda: check_data(tree, hw, mirror)),
             ("walk-through: make submission, blank stubs", lambda: check_blank_submission(tree, suite)),
             ("walk-through: make submission, reference", lambda: check_reference_submission(tree, suite, work)),
             ("walk-through: smoke runs on the reference", lambda: smoke_hook(tree, hw))]
    for label, step in steps:
        try:
            ok, detail = step()
        except (OSError, ValueError, subprocess.TimeoutExpired, zipfile.BadZipFile) as err:
            ok, detail = False, f"{type(err).__name__}: {err}"
        checks.append(Check(hw, label, ok, detail, time.monotonic() - started))
        started = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    return checks
