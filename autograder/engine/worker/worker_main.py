"""The untrusted worker: imports student code and runs the calls the grader sends it.

Started by `sandbox.Worker` as `python -I worker_main.py ROOT IN_FD OUT_FD HOMEWORK MODULES` inside
the sandbox (a pristine copy of the homework with the student's files overlaid). It first imports
every student module and sends `{"hello": {module: error}}`; then each request is
`{"target": "pkg.module:function", "args": [...], "kwargs": {...}, "seed": int}`; each reply is
`{"ok": value}` or `{"error": {"kind", "type", "message"}}`. Nothing here is trusted by the grader:
every reply is checked there. Copied into the sandbox with `codec.py` and `wire.py`.

The grader's in-process student (`proxy.InProcessStudent`) calls `resolve`, `seed_everything` and
`describe` too, so that code run without a worker behaves exactly as in one.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
import traceback
from typing import Any

SUBMISSION_PART = os.sep + "submission" + os.sep
PROBES_MODULE = "grading_probes"
MAX_TRACE_LINES = 12


def _student_frames(err: BaseException) -> list[str]:
    """The traceback lines that point into the student's files: what a student can act on."""
    lines = []
    for frame in traceback.extract_tb(err.__traceback__):
        if SUBMISSION_PART in frame.filename:
            name = frame.filename.split(SUBMISSION_PART, 1)[1]
            lines.append(f"  {name}, line {frame.lineno}, in {frame.name}: {frame.line or ''}".rstrip())
    return lines[-MAX_TRACE_LINES:]


def describe(err: BaseException, during_import: bool) -> dict[str, str]:
    """The error reply for an exception of the student's: kind, type and a message for the student."""
    if isinstance(err, SyntaxError) and err.filename and SUBMISSION_PART in err.filename:
        name = err.filename.split(SUBMISSION_PART, 1)[1]
        text = (err.text or "").strip()
        return {
            "kind": "syntax",
            "type": type(err).__name__,
            "message": f"{name}, line {err.lineno}: {err.msg}" + (f"\n    {text}" if text else ""),
        }
    message = str(err)
    if isinstance(err, NotImplementedError) and message.startswith("TODO"):
        kind = "todo"
    elif isinstance(err, SystemExit):
        kind = "exit"
        message = f"your code called exit({err.code!r})"
    elif during_import:
        kind = "import"
    else:
        kind = "raised"
    frames = _student_frames(err)
    if frames and kind != "todo":
        message += "\n" + "\n".join(frames)
    return {"kind": kind, "type": type(err).__name__, "message": message}


class ImportFailure(Exception):
    """Importing the target's module failed: the student's error is `original`."""

    def __init__(self, original: BaseException):
        super().__init__(str(original))
        self.original = original


def allowed_prefixes(homework: str) -> tuple[str, ...]:
    """The modules a call may target besides the probes: the homework's and the data layer's."""
    return (homework + ".", "data.")


def resolve(target: str, homework: str, probes_module: str = PROBES_MODULE) -> Any:
    """The function a call target `"pkg.module:attr.attr"` names; `"probes:..."` is the suite's probes."""
    module_name, _, attr = target.partition(":")
    if module_name == "probes":
        module_name = probes_module
    elif not module_name.startswith(allowed_prefixes(homework)):
        raise ValueError(f"target {target!r} is outside the homework")
    try:
        module = importlib.import_module(module_name)
    except BaseException as err:  # SystemExit at import time is the student's too
        raise ImportFailure(err) from err
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def seed_everything(seed: int) -> None:
    """Seeds Python's, numpy's and PyTorch's generators, as before every call."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.manual_seed(seed)


def serve(in_fd: int, out_fd: int, homework: str, modules: list[str]) -> None:
    import codec
    import torch
    import wire

    torch.set_num_threads(1)
    # The hello frame: every student module imported once, up front, so that a submission that
    # hangs or dies at import is recognised as such by the grader, not once per test.
    failed = {}
    for name in modules:
        try:
            importlib.import_module(f"{homework}.submission.{name}")
        except BaseException as err:  # the student's import-time error, SystemExit included
            failed[name] = describe(err, during_import=True)
    wire.write_frame(out_fd, codec.to_bytes({"hello": failed}))
    while True:
        try:
            request = codec.from_bytes(wire.read_frame(in_fd))
        except wire.WireClosed:
            return
        try:
            seed_everything(int(request.get("seed", 0)))
            function = resolve(request["target"], homework)
            value = function(*request.get("args", []), **request.get("kwargs", {}))
            payload = codec.ok_reply(value, where="the value returned")
        except ImportFailure as failure:
            payload = codec.to_bytes({"error": describe(failure.original, during_import=True)})
        except codec.CodecError as err:
            payload = codec.to_bytes({"error": {"kind": "result", "type": "CodecError", "message": str(err)}})
        except BaseException as err:  # the student's exception, whatever it is, is a test outcome
            payload = codec.to_bytes({"error": describe(err, during_import=False)})
        wire.write_frame(out_fd, payload)


def main() -> None:
    root, in_fd, out_fd, homework = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    modules = [m for m in sys.argv[5].split(",") if m] if len(sys.argv) > 5 else []
    engine_dir = os.path.dirname(os.path.abspath(__file__))
    # Isolated mode (-I) keeps the worker's cwd and PYTHON* variables out of sys.path; the sandbox
    # root comes first so the homework package resolves to the pristine copy.
    sys.path[:0] = [root, engine_dir]
    sys.dont_write_bytecode = True
    serve(in_fd, out_fd, homework, modules)


if __name__ == "__main__":
    main()
