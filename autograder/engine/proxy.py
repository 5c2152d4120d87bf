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
from types import ModuleType
from typing import Any

from . import codec, messages, wire
from .sandbox import Sandbox

MAX_REPLY_BYTES = 512 << 20
STARTUP_BUDGET_S = 60.0  # starting Python, importing torch and the student's modules


class StudentError(Exception):
    """Student code could not produce a result; the message is written for the student.

    kind: "todo", "syntax", "import", "raised", "exit", "result", "timeout", "died".
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
    """The current test's identity and deadline, set by the plugin before each test."""

    def __init__(self) -> None:
        self.test_id = ""
        self.budget_s = 30.0
        self.deadline = float("inf")
        self.calls = 0

    def begin(self, test_id: str, budget_s: float) -> None:
        self.test_id, self.budget_s, self.calls = test_id, budget_s, 0
        self.deadline = time.monotonic() + budget_s


class WorkerStudent:
    def __init__(self, sandbox: Sandbox, grading_seed: int):
        self.sandbox = sandbox
        self.grading_seed = grading_seed
        self.clock = _Clock()
        # Set when the student's modules cannot even be loaded (a hang or a death at import):
        # every later call fails at once with the same message instead of paying its budget again.
        self.unloadable: StudentError | None = None

    def _ensure_started(self, left: float) -> None:
        worker = self.sandbox.worker
        if worker.alive:
            return
        worker.stop()
        budget = min(left, STARTUP_BUDGET_S)
        try:
            worker.start()
            hello = codec.from_bytes(worker.hello(budget))
            failures = hello.get("hello") if isinstance(hello, dict) else None
            if not isinstance(failures, dict):
                raise codec.CodecError("malformed hello")
            if failures:
                # A submission must import as a whole: one broken module fails every test, with
                # the first module's error as the message (a syntax error names the line).
                self.unloadable = error_from_reply(next(iter(failures.values())))
        except wire.WireTimeout:
            worker.stop()
            self.unloadable = StudentError("import", messages.IMPORT_HANGS.format(seconds=budget))
        except (wire.WireClosed, codec.CodecError, wire.WireTooLarge, OSError):
            reason = worker.exit_reason()
            worker.stop()
            self.unloadable = StudentError("import", messages.IMPORT_DIED.format(reason=reason))
        if self.unloadable is not None:
            raise self.unloadable

    def call(self, target: str, *args: Any, **kwargs: Any) -> Any:
        seed = call_seed(self.grading_seed, self.clock.test_id, self.clock.calls)
        self.clock.calls += 1
        request = codec.to_bytes(
            {"target": target, "args": list(args), "kwargs": kwargs, "seed": seed},
            where="the test's arguments",
        )
        if self.unloadable is not None:
            raise self.unloadable
        worker = self.sandbox.worker
        left = self.clock.deadline - time.monotonic()
        if left <= 0:
            raise StudentError("timeout", messages.TIMEOUT.format(seconds=self.clock.budget_s))
        self._ensure_started(left)
        left = self.clock.deadline - time.monotonic()
        try:
            reply = codec.from_bytes(worker.call(request, left, MAX_REPLY_BYTES))
        except wire.WireTimeout:
            worker.stop()
            raise StudentError("timeout", messages.TIMEOUT.format(seconds=self.clock.budget_s)) from None
        except (wire.WireClosed, BrokenPipeError, wire.WireTooLarge, codec.CodecError) as err:
            reason = worker.exit_reason() if isinstance(err, (wire.WireClosed, BrokenPipeError)) else str(err)
            tail = worker.log_tail().strip()
            worker.stop()
            message = messages.WORKER_DIED.format(reason=reason)
            if tail:
                message += messages.OUTPUT_TAIL.format(tail=tail[-600:])
            raise StudentError("died", message) from None
        except OSError as err:
            worker.stop()
            raise StudentError("died", messages.WORKER_START_FAILED.format(reason=err)) from None
        if not isinstance(reply, dict) or len(reply) != 1 or not ({"ok", "error"} & set(reply)):
            raise StudentError("result", messages.MALFORMED_REPLY)
        if "error" in reply:
            raise error_from_reply(reply["error"])
        return reply["ok"]

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
    """Calls student code in this process; only for code that needs no defending."""

    def __init__(self, homework: str, grading_seed: int, package: str | None = None):
        self.homework = homework
        self.grading_seed = grading_seed
        self.clock = _Clock()
        if package:
            alias_submission(homework, package)

    def _resolve(self, target: str) -> Any:
        module_name, _, attr = target.partition(":")
        if module_name == "probes":
            module_name = f"autograder.tests.{self.homework}.probes"
        module: ModuleType | Any = importlib.import_module(module_name)
        for part in attr.split("."):
            module = getattr(module, part)
        return module

    def call(self, target: str, *args: Any, **kwargs: Any) -> Any:
        import numpy as np
        import torch

        seed = call_seed(self.grading_seed, self.clock.test_id, self.clock.calls)
        self.clock.calls += 1
        sent_args, sent_kwargs = codec.roundtrip([list(args), kwargs], "the test's arguments")
        torch.manual_seed(seed)
        np.random.seed(seed)
        try:
            value = self._resolve(target)(*sent_args, **sent_kwargs)
        except NotImplementedError as err:
            if str(err).startswith("TODO"):
                raise StudentError("todo", messages.NOT_ATTEMPTED.format(message=err)) from err
            raise StudentError("raised", messages.RAISED.format(type="NotImplementedError", message=err)) from err
        except Exception as err:
            raise StudentError("raised", messages.RAISED.format(type=type(err).__name__, message=err)) from err
        try:
            return codec.roundtrip(value, "the value returned")
        except codec.CodecError as err:
            raise StudentError("result", messages.BAD_RESULT.format(message=err)) from err

    def close(self) -> None:
        pass
