"""Grading one submission exactly as Gradescope will: intake, hidden suite over a sandboxed worker,
results.json. Used by `make grade`, by `run_autograder` on Gradescope, and once per submission by
`make grade-all` (each in its own process).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from . import messages
from .intake import SubmissionError, read_submission
from .results import Report, TestResult
from .sandbox import choose_worker_identity, enable_stray_reaping
from .suite import KIT_ROOT, Suite, load_suite


def pytest_args(suite: Suite, *, seed: int, results: Path, tests: list[str] | None,
                submission_dir: Path | None = None, student_impl: str | None = None,
                notes: list[str] | None = None, staff_notes: list[str] | None = None, file_problems: dict[str, str] | None = None) -> list[str]:
    args = [str(suite.tests_dir), "-p", "autograder.engine.plugin", "--homework", suite.homework,
            "--grading-seed", str(seed), "--results-json", str(results), "--assert=plain",
            "-p", "no:cacheprovider", "-qq", "--tb=no", "--no-header", "-W", "ignore"]
    if suite.kit_root != KIT_ROOT:
        args += ["--kit-root", str(suite.kit_root)]
    if submission_dir is not None:
        args += ["--submission-dir", str(submission_dir)]
    if student_impl is not None:
        args += ["--student-impl", student_impl]
    for note in notes or []:
        args += ["--grading-note", note]
    for note in staff_notes or []:
        args += ["--staff-note", note]
    for name, problem in sorted((file_problems or {}).items()):
        args += ["--file-problem", f"{name}={problem}"]
    if tests:
        args += ["-k", " or ".join(tests)]
    return args


def list_tests(suite: Suite) -> list[dict[str, Any]]:
    """The suite's tests as collected (function, name, number, max_score, visibility, tags).

    Collected in a subprocess, so that it can be called from any process, threads included.
    """
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "listing.json"
        args = pytest_args(suite, seed=0, results=Path(tmp) / "unused.json", tests=None)
        subprocess.run([sys.executable, "-m", "pytest", *args, "--collect-only", "--test-listing", str(listing)],
                       cwd=KIT_ROOT, capture_output=True, timeout=600, check=False)
        if not listing.is_file():
            raise RuntimeError(f"cannot collect the hidden suite of {suite.homework}; run it with pytest -v")
        return json.loads(listing.read_text())


def _all_failed(suite: Suite, message: str, started: float) -> dict[str, Any]:
    """A results.json for a submission that could not be read: every test, each failed, one reason."""
    tests = [TestResult(name=t["name"], number=t["number"], max_score=t["max_score"], output=message,
                        visibility=t["visibility"], tags=t["tags"]) for t in list_tests(suite)]
    return Report(tests=tests, execution_time=time.monotonic() - started, output=message,
                  visibility=suite.visibility).to_gradescope()


class RootWorkerError(ValueError):
    """Grading as root would run the student's code as root; the message gives staff the fix."""


def worker_identity_note(allow_root_worker: bool) -> str:
    """A staff note for the results, or "" -- after refusing to let student code run as root.

    As root the worker runs as an unprivileged uid of its own; where that is impossible (the
    interpreter sits where no other user can reach it, or every uid slot is taken) it would stay
    root with its capabilities dropped. That is refused unless staff asked for it explicitly.
    """
    if os.geteuid() != 0:
        return ""
    identity, reason = choose_worker_identity()
    if identity is not None:
        return ""
    if not allow_root_worker:
        raise RootWorkerError(messages.ROOT_WORKER_REFUSED.format(reason=reason))
    return messages.ROOT_WORKER_ALLOWED.format(reason=reason)


def grade(homework: str, submission: Path, results: Path, *, seed: int = 0,
          tests: list[str] | None = None, kit_root: Path = KIT_ROOT, quiet: bool = True,
          allow_root_worker: bool = False) -> dict[str, Any]:
    """Grades `submission` (zip, folder or .py) and writes results.json; returns its content.

    Raises RootWorkerError, before reading the submission, when the grader is root and the
    student's code could not run as another user, unless `allow_root_worker`.
    """
    started = time.monotonic()
    root_note = worker_identity_note(allow_root_worker)
    enable_stray_reaping()
    suite = load_suite(homework, kit_root)
    try:
        intake = read_submission(submission, suite.student_files)
    except SubmissionError as err:
        data = _all_failed(suite, f"Your submission could not be read: {err}", started)
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(json.dumps(data, indent=2) + "\n")
        return data
    staging = Path(tempfile.mkdtemp(prefix=f"mtml-intake-{homework}-"))
    try:
        for name, content in intake.files.items():
            (staging / name).write_bytes(content)
        args = pytest_args(suite, seed=seed, results=results, tests=tests, submission_dir=staging,
                           notes=intake.notes, staff_notes=[root_note] if root_note else [],
                           file_problems=intake.problems)
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
            pytest.main(args)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not results.is_file():
        raise RuntimeError(f"the hidden suite of {homework} wrote no results; run it with -v to see why")
    return json.loads(results.read_text())


def peak_memory_mb() -> float:
    """Peak resident memory of this grader plus the largest worker it started, in MiB.

    The two peaks may not coincide, so their sum is an upper bound of what grading needed at once.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024
