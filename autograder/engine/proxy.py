"""The `student` object hidden tests call: `student.call("pkg.module:function", *args, **kwargs)`.

Two implementations with one behaviour:
- `WorkerStudent` sends the call to the sandboxed worker process (grading);
- `InProcessStudent` imports and calls directly (staff debugging, and the engine's own tests),
  optionally with `hwN.submission` aliased to another package such as the reference solution.
Both pass arguments and results through the codec, so a test sees the same types either way.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import time
from pathlib import Path
from typing import Any

from autograder.engine.worker import codec, wire, worker_main

from . import messages
from .file_problems import with_file_problems
from .results import first_line
from .sandbox import Sandbox, WorkerStartError

MAX_REPLY_BYTES = 512 << 20
STARTUP_BUDGET_S = 60.0  # starting Python, importing torch and the student's modules


class StudentError(Exception):
    """Student code could not produce a result; the message is written for the student.

    kind: "todo", "syntax", "import", "raised", "exit", "result", "timeout", "died", "memory",
    "budget" (the grading's total time budget ran out).
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


_TEMPLATES = {
    "todo": messages.NOT_ATTEMPTED,
    "syntax": messages.SYNTAX_ERROR,
    "import": messages.IMPORT_ERROR,
    "raised": messages.RAISED,
    "exit": messages.EXITED,
    "result": messages.BAD_RESULT,
}


def error_from_reply(error: Any) -> StudentError:
    if not isinstance(error, dict) or not all(isinstance(error.get(k), str) for k in ("kind", "type", "message")):
        return StudentError("result", messages.MALFORMED_REPLY)
    kind = error["kind"] if error["kind"] in _TEMPLATES else "raised"
    return StudentError(kind, _TEMPLATES[kind].format(type=error["type"], message=error["message"]))


def call_seed(grading_seed: int, test_id: str, index: int) -> int:
    """A seed per (grading, test, call): reproducible, and different between gradings."""
    digest = hashlib.sha256(f"{grading_seed}/{test_id}/{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


class _Clock:
    """The current test's identity and deadline, and the grading's total deadline, set by the plugin."""

    def __init__(self) -> None:
        self.test_id = ""
        self.name = ""  # the test's name as students read it (its docstring's first line)
        self.budget_s = 30.0
        self.deadline = float("inf")
        self.calls = 0
        self.total_budget_s = float("inf")
        self.total_deadline = float("inf")

    def start_total(self, budget_s: float, started: float) -> None:
        """The whole grading may run `budget_s` seconds from `started` (a time.monotonic())."""
        self.total_budget_s, self.total_deadline = budget_s, started + budget_s

    def begin(self, test_id: str, budget_s: float, name: str = "") -> None:
        self.test_id, self.budget_s, self.calls, self.name = test_id, budget_s, 0, name or test_id
        self.deadline = time.monotonic() + budget_s

    @property
    def total_spent(self) -> bool:
        return time.monotonic() >= self.total_deadline

    def left(self) -> float:
        """Seconds the current call may wait: the test's and the grading's budgets both hold."""
        return min(self.deadline, self.total_deadline) - time.monotonic()


class BudgetUsedUp(StudentError):
    """The grading's total time budget ran out; the plugin writes the message (it knows the
    tests that used the budget). `during` is True when it ran out inside the current test."""

    def __init__(self, during: bool):
        super().__init__("budget", "")
        self.during = during


def describe_target(target: str) -> str:
    """A call target as a student reads it: `prototype_logits (protonet.py)`, or a grader probe."""
    module, _, function = target.partition(":")
    if module == "probes":
        return f"the grader's check `{function}` (it runs your code)"
    stem = module.rpartition(".")[2]
    return f"`{function}` ({stem}.py)" if ".submission." in module else f"`{function}` ({module})"


_OOM_MARKERS = ("can't allocate memory", "cannot allocate memory", "not enough memory", "out of memory")


def _is_out_of_memory(error: Any) -> bool:
    """Whether a worker's error reply is an allocation failure (Python's, numpy's or PyTorch's)."""
    if not isinstance(error, dict):
        return False
    kind, message = str(error.get("type", "")), str(error.get("message", "")).lower()
    return "MemoryError" in kind or any(m in message for m in _OOM_MARKERS)


class WorkerStudent:
    def __init__(self, sandbox: Sandbox, grading_seed: int, file_problems: dict[str, str] | None = None):
        self.sandbox = sandbox
        self.grading_seed = grading_seed
        self.clock = _Clock()
        self.file_problems = dict(file_problems or {})
        # Set when the student's modules cannot even be loaded (a hang or a death at import):
        # every later call fails at once with the same message instead of paying its budget again.
        self.unloadable: StudentError | None = None
        # Call target -> name of the test in which it timed out: later calls to it fail at once.
        self.timed_out: dict[str, str] = {}
        self.startups: dict[str, float] = {}  # test id -> seconds spent starting workers in it
        self.loaded_once = False  # a worker has imported the student's modules at least once

    def _ensure_started(self) -> None:
        """Starts the worker if it is not running. Start-up has its own budget (and counts against
        the grading's total): the test's deadline moves by the time it took."""
        worker = self.sandbox.worker
        if worker.alive:
            return
        began = time.monotonic()
        budget = max(0.0, min(STARTUP_BUDGET_S, self.clock.total_deadline - began))
        try:
            failures = worker.start(budget)
            self.loaded_once = True
            if failures:
                # A submission must import as a whole: one broken module fails every test, with
                # the first module's error as the message (a syntax error names the line).
                self.unloadable = error_from_reply(next(iter(failures.values())))
        except WorkerStartError as err:
            if err.timed_out and self.loaded_once and self.clock.total_spent:  # loaded before: budget ran out
                raise BudgetUsedUp(during=True) from None
            if err.timed_out and self.loaded_once:
                raise StudentError("died", messages.WORKER_START_FAILED.format(reason=err.reason)) from None
            template = messages.IMPORT_HANGS if err.timed_out else messages.IMPORT_DIED
            self.unloadable = StudentError("import", template.format(seconds=budget, reason=err.reason))
        spent = time.monotonic() - began
        self.clock.deadline += spent
        self.startups[self.clock.test_id] = self.startups.get(self.clock.test_id, 0.0) + spent
        if self.unloadable is not None:
            raise self.unloadable

    def call(self, target: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._call(target, *args, **kwargs)
        except StudentError as err:
            problem = with_file_problems(err, target, self.file_problems)
            if problem is err:
                raise
            raise problem from None

    def _call(self, target: str, *args: Any, **kwargs: Any) -> Any:
        seed = call_seed(self.grading_seed, self.clock.test_id, self.clock.calls)
        self.clock.calls += 1
        request = codec.to_bytes(
            {"target": target, "args": list(args), "kwargs": kwargs, "seed": seed},
            where="the test's arguments",
        )
        if self.unloadable is not None:
            raise self.unloadable
        if target in self.timed_out:
            raise StudentError("timeout", messages.ALREADY_TIMED_OUT.format(
                function=describe_target(target), test=self.timed_out[target]))
        if self.clock.total_spent:
            raise BudgetUsedUp(during=True)
        if self.clock.left() <= 0:
            raise StudentError("timeout", messages.TIMEOUT.format(seconds=self.clock.budget_s))
        self._ensure_started()
        worker = self.sandbox.worker
        try:
            reply = codec.from_bytes(worker.call(request, self.clock.left(), MAX_REPLY_BYTES))
        except wire.WireTimeout:
            worker.stop()
            if self.clock.total_deadline < self.clock.deadline:
                raise BudgetUsedUp(during=True) from None
            self.timed_out.setdefault(target, self.clock.name)
            raise StudentError("timeout", messages.TIMEOUT.format(seconds=self.clock.budget_s)) from None
        except (wire.WireClosed, BrokenPipeError, wire.WireTooLarge, codec.CodecError) as err:
            raise self._died(err) from None
        except OSError as err:
            worker.stop()
            raise StudentError("died", messages.WORKER_START_FAILED.format(reason=err)) from None
        if not isinstance(reply, dict) or len(reply) != 1 or not ({"ok", "error"} & set(reply)):
            raise StudentError("result", messages.MALFORMED_REPLY)
        if "error" in reply:
            if _is_out_of_memory(reply["error"]):
                raise self._out_of_memory(reply["error"])
            raise error_from_reply(reply["error"])
        return reply["ok"]

    def _out_of_memory(self, error: dict[str, Any]) -> StudentError:
        """The allocation that failed under the worker's limit, with how much it had reached; the
        worker is restarted for the next test (its heap may be left in pieces)."""
        worker = self.sandbox.worker
        use = worker.memory.sample()
        worker.stop()
        detail = f"{error.get('type')}: {first_line(str(error.get('message', '')))[:200]}"
        return StudentError("memory", messages.OUT_OF_MEMORY.format(
            limit=self.sandbox.limits.memory_mb, used=use.describe(), detail=detail))

    def _died(self, err: BaseException) -> StudentError:
        worker = self.sandbox.worker
        reason = worker.exit_reason() if isinstance(err, (wire.WireClosed, BrokenPipeError)) else str(err)
        tail = worker.log_tail().strip()
        use = worker.memory.current
        worker.stop()
        limit = self.sandbox.limits.memory_mb
        # Killed near the limit (a C++ allocator that aborts, the kernel's OOM killer): say memory.
        if reason.startswith("killed by") and use.virtual_mb >= 0.9 * limit:
            return StudentError("memory", messages.KILLED_BY_MEMORY_LIMIT.format(
                reason=reason, limit=limit, used=use.describe()))
        message = messages.WORKER_DIED.format(reason=reason)
        if tail:
            message += messages.OUTPUT_TAIL.format(tail=tail[-600:])
        return StudentError("died", message)

    def staff_notes(self) -> list[str]:
        """Lines for staff only: who the worker ran as, when not an unprivileged user, and which calls
        timed out. Only what two gradings with one seed share (make check compares them): no timings."""
        notes = []
        if self.sandbox.user_note:
            notes.append(messages.RUNNING_AS_ROOT.format(reason=self.sandbox.user_note))
        if self.timed_out:
            notes.append("calls that timed out: " + "; ".join(
                f"{target} in {test!r}" for target, test in self.timed_out.items()))
        return notes

    def close(self) -> None:
        self.sandbox.close()


def alias_submission(homework: str, package: str) -> None:
    """Makes `hwN.submission` and each `hwN.submission.<module>` resolve to `package`'s modules."""
    target = importlib.import_module(package)
    importlib.import_module(homework)
    sys.modules[f"{homework}.submission"] = target
    for path in sorted(Path(target.__file__).parent.glob("*.py")):
        if path.stem != "__init__":
            module = importlib.import_module(f"{package}.{path.stem}")
            sys.modules[f"{homework}.submission.{path.stem}"] = module


class InProcessStudent:
    """Calls student code in this process; only for code that needs no defending.

    It behaves as the worker does (the worker's own target resolution, seeding and error
    descriptions), so a call gives the same result or the same message either way.
    """

    def __init__(self, homework: str, grading_seed: int, package: str | None = None):
        self.homework = homework
        self.grading_seed = grading_seed
        self.clock = _Clock()
        if package:
            alias_submission(homework, package)

    def call(self, target: str, *args: Any, **kwargs: Any) -> Any:
        seed = call_seed(self.grading_seed, self.clock.test_id, self.clock.calls)
        self.clock.calls += 1
        sent_args, sent_kwargs = codec.roundtrip([list(args), kwargs], "the test's arguments")
        worker_main.seed_everything(seed)
        try:
            function = worker_main.resolve(target, self.homework, f"autograder.tests.{self.homework}.probes")
            value = function(*sent_args, **sent_kwargs)
        except worker_main.ImportFailure as failure:
            raise error_from_reply(worker_main.describe(failure.original, during_import=True)) from failure
        except (Exception, SystemExit) as err:  # as the worker: the student's exception is an outcome
            raise error_from_reply(worker_main.describe(err, during_import=False)) from err
        try:
            return codec.roundtrip(value, "the value returned")
        except codec.CodecError as err:
            raise error_from_reply({"kind": "result", "type": "CodecError", "message": str(err)}) from err

    def staff_notes(self) -> list[str]:
        return []

    def close(self) -> None:
        pass
