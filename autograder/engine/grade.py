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
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from . import messages
from .confinement import become_subreaper, choose_worker_identity
from .intake import SubmissionError, read_submission
from .plugin import GradingSession, Settings
from .suite import KIT_ROOT, Suite, load_suite


def pytest_args(suite: Suite, tests: list[str] | None = None) -> list[str]:
    """The command line of a grading's pytest run; everything else is in its `Settings`."""
    args = [str(suite.tests_dir), "-p", "autograder.engine.plugin", "--assert=plain",
            "-p", "no:cacheprovider", "-qq", "--tb=no", "--no-header", "-W", "ignore"]
    if tests:
        args += ["-k", " or ".join(tests)]
    return args


def run_suite(settings: Settings, tests: list[str] | None = None, quiet: bool = True) -> GradingSession:
    """Runs the hidden suite of `settings.suite` with these settings, in this process; returns the
    session (its results, its student) after results.json, if asked for, has been written."""
    session = GradingSession(settings)
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
        pytest.main(pytest_args(settings.suite, tests), plugins=[session])
    return session


def list_tests(suite: Suite) -> list[dict[str, Any]]:
    """The suite's tests as collected (function, name, number, max_score, visibility, tags).

    Collected in a subprocess, so that it can be called from any process, threads included.
    """
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "listing.json"
        args = pytest_args(suite) + ["--homework", suite.homework, "--collect-only", "--test-listing", str(listing)]
        if suite.kit_root != KIT_ROOT:
            args += ["--kit-root", str(suite.kit_root)]
        subprocess.run([sys.executable, "-m", "pytest", *args], cwd=KIT_ROOT, capture_output=True, timeout=600,
                       check=False)
        if not listing.is_file():
            raise RuntimeError(f"cannot collect the hidden suite of {suite.homework}; run it with pytest -v")
        return json.loads(listing.read_text())


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

    The submission goes from the intake (which applies the allow-list) to the worker in memory.
    One that cannot be read at all fails every test with the intake's reason. Raises
    RootWorkerError, before reading the submission, when the grader is root and the student's code
    could not run as another user, unless `allow_root_worker`.
    """
    root_note = worker_identity_note(allow_root_worker)
    # Only a process whose sole children are workers may reap strays: here, every other child is
    # by construction something a student left behind.
    reap_strays = become_subreaper()
    suite = load_suite(homework, kit_root)
    common = dict(suite=suite, grading_seed=seed, results_json=results, reap_strays=reap_strays,
                  staff_notes=(root_note,) if root_note else ())
    try:
        intake = read_submission(submission, suite.student_files)
        settings = Settings(files=intake.files, notes=tuple(intake.notes), file_problems=intake.problems, **common)
    except SubmissionError as err:
        message = f"Your submission could not be read: {err}"
        settings = Settings(files={}, notes=(message,), fail_all=message, **common)
    run_suite(settings, tests, quiet)
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
