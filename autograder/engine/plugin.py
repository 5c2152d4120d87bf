"""The engine's pytest plugin: fixtures for hidden tests, points from gradescope-utils decorators,
and a results.json with one entry per collected test whatever happens to the student's code.

A grading (`grade.grade`) builds one `Settings` (the allow-listed files in memory, the suite, the
seed, the notes) and hands `pytest.main` a `GradingSession` made from it. Staff may also run a
hidden suite by hand with `-p autograder.engine.plugin` and these options, which the same
`Settings` resolver reads:
  --homework hwN          the homework (default: the `hwN` folder the tests live in)
  --submission-dir DIR    grade the submission in DIR (read by the intake, as a grading does) in a
                          sandboxed worker
  --student-impl PKG      no worker: run in-process with hwN.submission aliased to PKG
                          (e.g. autograder.solutions.hw0); neither option: in-process on hwN/submission
  --grading-seed N        seed that every test derives its data from (default 0)
  --results-json PATH     where to write Gradescope's results.json

Budgets (suite.toml, see suite.py): each test has a wall-clock budget (`@pytest.mark.budget`, else
the calibrated multiple of the reference's time, else `test_timeout_s`), and the whole grading has
`time_budget_s`: once it is spent, every remaining test fails at once, so results.json stays
complete and the grading ends well inside Gradescope's timeout.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import messages
from .intake import SubmissionError, read_submission
from .proxy import BudgetUsedUp, InProcessStudent, StudentError, WorkerStudent
from .results import Report, TestResult, first_line
from .sandbox import Sandbox
from .suite import Suite, load_suite


@dataclass(frozen=True)
class Settings:
    """Everything one grading needs, resolved once."""

    suite: Suite
    files: dict[str, bytes] | None = None  # allow-listed name -> content, for a worker; None: in-process
    student_impl: str | None = None  # in-process only: the package aliased as hwN.submission
    grading_seed: int = 0
    results_json: Path | None = None
    notes: tuple[str, ...] = ()  # lines for the top of the student's results
    staff_notes: tuple[str, ...] = ()  # lines for staff only (extra_data.staff_notes)
    file_problems: dict[str, str] = field(default_factory=dict)  # allow-listed file name -> sentence
    fail_all: str = ""  # when set, every test fails with this message and no student code runs
    reap_strays: bool = False  # kill a worker's detached descendants (only in a subreaper process)
    test_listing: Path | None = None

    @property
    def homework(self) -> str:
        return self.suite.homework


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grading", "homework grading engine")
    group.addoption("--homework", default=None, help="homework id, e.g. hw0 (default: from the test path)")
    group.addoption("--submission-dir", default=None, help="folder of allow-listed student files; grade in a worker")
    group.addoption("--student-impl", default=None, help="package to alias as hwN.submission, in-process")
    group.addoption("--grading-seed", type=int, default=0, help="seed every test derives its data from")
    group.addoption("--results-json", default=None, help="write Gradescope results.json here")
    group.addoption("--kit-root", default=None, help=argparse.SUPPRESS)  # the engine's own tests
    group.addoption("--test-listing", default=None, help="write the collected tests (function, name, number, points) here")


def _homework_from_args(config: pytest.Config) -> str:
    for arg in config.args:
        for part in Path(arg).resolve().parts[::-1]:
            if part.startswith("hw") and part[2:].isdigit():
                return part
    raise pytest.UsageError("cannot tell the homework from the test paths; pass --homework hwN")


def resolve_settings(config: pytest.Config) -> Settings:
    """Settings from the command-line options (staff running a hidden suite by hand)."""
    homework = config.getoption("homework") or _homework_from_args(config)
    submission = config.getoption("submission_dir")
    impl = config.getoption("student_impl")
    if submission and impl:
        raise pytest.UsageError("--submission-dir and --student-impl exclude each other")
    results = config.getoption("results_json")
    kit_root = config.getoption("kit_root")
    suite = load_suite(homework, Path(kit_root)) if kit_root else load_suite(homework)
    listing = config.getoption("test_listing")
    common = dict(suite=suite, student_impl=impl, grading_seed=config.getoption("grading_seed"),
                  results_json=Path(results) if results else None, test_listing=Path(listing) if listing else None)
    if not submission:
        return Settings(**common)
    try:
        intake = read_submission(Path(submission), suite.student_files)
    except SubmissionError as err:
        raise pytest.UsageError(f"--submission-dir {submission}: {err}") from None
    return Settings(files=intake.files, notes=tuple(intake.notes), file_problems=intake.problems, **common)


def failure_message(exc: BaseException) -> str:
    """What the student sees for a failed test: never a grader traceback or an expected value."""
    if isinstance(exc, StudentError):
        return str(exc)
    if isinstance(exc, AssertionError):
        return str(exc) or "A check of your result failed."
    if isinstance(exc, pytest.skip.Exception):
        return "Skipped: " + str(exc)
    return messages.TEST_ERROR.format(type=type(exc).__name__, message=first_line(str(exc))[:300])


class GradingSession:
    """State of one grading run: the student proxy and the result of every collected test."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.results: dict[str, TestResult] = {}
        self.started = time.monotonic()
        self._student: WorkerStudent | InProcessStudent | None = None
        self.collect_errors: list[str] = []

    @property
    def student(self) -> WorkerStudent | InProcessStudent:
        if self._student is None:
            s = self.settings
            if s.files is not None:
                sandbox = Sandbox(s.suite, s.files, hidden=self._hidden(), reap_strays=s.reap_strays)
                self._student = WorkerStudent(sandbox, s.grading_seed, s.file_problems)
                self._student.clock.start_total(s.suite.time_budget_s, self.started)
            else:
                self._student = InProcessStudent(s.homework, s.grading_seed, s.student_impl)
        return self._student

    def _hidden(self) -> tuple[Path, ...]:
        """Folders the worker must not see besides the kit's autograder/: where results go."""
        results = self.settings.results_json
        return () if results is None else (results.resolve().parent,)

    # --- hooks -----------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        unweighted = [item.nodeid for item in items if getattr(item, "obj", None) is not None
                      and getattr(item.obj, "__weight__", None) is None]
        if unweighted:
            raise pytest.UsageError(f"hidden tests without @weight: {unweighted}")
        for item in items:
            func = item.obj
            doc = first_line(func.__doc__ or "") or item.name
            self.results[item.nodeid] = TestResult(
                name=doc,
                number=str(getattr(func, "__number__", "")),
                max_score=float(func.__weight__),
                visibility=getattr(func, "__visibility__", self.settings.suite.visibility),
                tags=list(getattr(func, "__tags__", ())),
                test_id=f"{Path(str(item.fspath)).name}::{item.name}",
            )
        if self.settings.test_listing is not None:
            listing = [{"function": item.name, "name": r.name, "number": r.number, "max_score": r.max_score,
                        "visibility": r.visibility, "tags": r.tags}
                       for item, r in ((item, self.results[item.nodeid]) for item in items)]
            self.settings.test_listing.write_text(json.dumps(listing, indent=1))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {first_line(str(report.longrepr))}")

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        for attr in ("__score__", "__leaderboard_value__"):
            if hasattr(item.obj, attr):
                delattr(item.obj, attr)
        marker = item.get_closest_marker("budget")
        function = getattr(item, "originalname", item.name)
        budget = float(marker.args[0]) if marker else self.settings.suite.test_budget(function)
        result = self.results[item.nodeid]
        if self.settings.fail_all:  # nothing of the student's runs: no worker is started
            raise StudentError("intake", self.settings.fail_all)
        student = self.student
        student.clock.begin(result.test_id, budget, result.name)
        # A submission that cannot load keeps its own message; otherwise a spent budget fails at once.
        if isinstance(student, WorkerStudent) and student.unloadable is None and student.clock.total_spent:
            raise BudgetUsedUp(during=False)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]):
        outcome = yield
        report = outcome.get_result()
        result = self.results.get(item.nodeid)
        if result is None:
            return
        result.duration_s += report.duration
        if report.when == "call" and report.passed:
            result.status, result.score = "passed", result.max_score
        elif report.failed:
            result.status, result.score = "failed", 0.0
            if not result.output:  # the first failure is the one worth reading
                hidden = getattr(item.obj, "__hide_errors__", None)
                exc = call.excinfo.value if call.excinfo is not None else AssertionError()
                if isinstance(exc, BudgetUsedUp):  # never hidden: it is not about the student's result
                    result.output = self._budget_used_up(exc.during)
                else:
                    result.output = hidden or failure_message(exc)
        if report.when == "teardown":
            partial = getattr(item.obj, "__score__", None)
            if isinstance(partial, (int, float)):
                result.score = min(max(float(partial), 0.0), result.max_score)
            column = getattr(item.obj, "__leaderboard_column__", None)
            if column is not None:
                result.leaderboard = {
                    "name": column,
                    "value": getattr(item.obj, "__leaderboard_value__", None),
                    "order": getattr(item.obj, "__leaderboard_sort_order__", "desc"),
                }

    def _budget_used_up(self, during: bool) -> str:
        spent = sorted((r for r in self.results.values() if r.duration_s >= 0.5), key=lambda r: -r.duration_s)
        heaviest = ", ".join(f'"{r.name}" ({r.duration_s:.0f} s)' for r in spent[:3]) or "none took long"
        return messages.TIME_BUDGET_USED_UP.format(
            seconds=self.settings.suite.time_budget_s, heaviest=heaviest,
            when="during this test" if during else "before this test")

    def staff_notes(self) -> list[str]:
        """Lines for course staff only (results.json's extra_data and the grader's own output)."""
        # Only what is the same in two gradings with one seed (make check compares them): no timings.
        return list(self.settings.staff_notes) + (self._student.staff_notes() if self._student is not None else [])

    def report(self) -> Report:
        tests = sorted(self.results.values(), key=lambda t: (_number_key(t.number), t.test_id))
        for test in tests:
            if test.status != "passed" and not test.output:
                test.output = messages.DID_NOT_RUN
        lines = list(self.settings.notes)
        lines += [f"collection error: {e}" for e in self.collect_errors]
        return Report(tests=tests, execution_time=time.monotonic() - self.started, output="\n".join(lines),
                      visibility=self.settings.suite.visibility, staff_notes=self.staff_notes())

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # The worker and anything it left running die before the results are written, so nothing
        # of the student's can overwrite them afterwards.
        report = self.report()
        if self._student is not None:
            self._student.close()
        if self.settings.results_json is not None:
            report.write(self.settings.results_json)


def _number_key(number: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in number.split(".")) if number else (10**6,)
    except ValueError:
        return (10**6,)


# --- module-level hooks: wire the session object into pytest ---------------------------------

_SESSION_KEY = pytest.StashKey[GradingSession]()


def pytest_configure(config: pytest.Config) -> None:
    import torch

    torch.set_num_threads(1)  # hidden suites are budgeted for one CPU thread
    config.addinivalue_line("markers", "budget(seconds): wall-clock budget of one hidden test")
    # A grading hands pytest its session; staff running pytest by hand get one from the options.
    session = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, GradingSession)), None)
    if session is None:
        session = GradingSession(resolve_settings(config))
        config.pluginmanager.register(session, "grading-session")
    config.stash[_SESSION_KEY] = session


@pytest.fixture
def student(request: pytest.FixtureRequest) -> WorkerStudent | InProcessStudent:
    """The student's code, behind the process boundary: `student.call("pkg.mod:fn", ...)`."""
    return request.config.stash[_SESSION_KEY].student


@pytest.fixture
def grading_seed(request: pytest.FixtureRequest) -> int:
    """Changes between gradings; derive every random input of a test from it."""
    return request.config.stash[_SESSION_KEY].settings.grading_seed
