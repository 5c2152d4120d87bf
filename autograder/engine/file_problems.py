"""Intake problems of a submission's files, carried into the message of every test they affect.

The intake (grade.py) knows that a file was misplaced or found twice, and passes one sentence per
allow-listed file name in the grading's settings (`Settings.file_problems`). A failed student call is
put down to a file when the call's target is that file's module, when a blank stub's
`TODO: hwN.<module>.<function>` marker names it (a probe calling the stub), or when the message
names `<file>.py` (a traceback line). Then the sentence comes first, so a student whose file was
present but misplaced reads why; a blank stub's failure then says which stub function was reached,
never "Not attempted yet" (the student did attempt it, in a file the grader could not take).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import messages

if TYPE_CHECKING:
    from .proxy import StudentError

_TODO = re.compile(r"TODO: hw\d+\.([A-Za-z_][A-Za-z0-9_]*)\.")
_MARKER = re.compile(r"TODO: hw\d+(?:\.[A-Za-z0-9_]+)+")
_FILE_NAME = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*\.py)\b")


def implicated_files(target: str, message: str) -> list[str]:
    """The submission files a failed call points at: its target's module, the module of a stub's
    `TODO: hwN.<module>.<function>` marker, and every `<name>.py` the message names."""
    module = target.partition(":")[0]
    names = [module.rpartition(".")[2] + ".py"] if ".submission." in module else []
    names += [m + ".py" for m in _TODO.findall(message)] + _FILE_NAME.findall(message)
    return list(dict.fromkeys(names))


def with_file_problems(err: StudentError, target: str, problems: dict[str, str]) -> StudentError:
    """`err` with the intake's problem sentence of each implicated file put first (a misplaced or
    duplicated file explains a blank-stub failure better than "Not attempted yet")."""
    if not problems or err.kind in ("budget", "timeout", "memory"):
        return err
    found = [problems[name] for name in implicated_files(target, str(err)) if name in problems]
    if not found:
        return err
    head = " ".join(dict.fromkeys(found))
    if err.kind == "todo":
        markers = ", ".join(dict.fromkeys(_MARKER.findall(str(err)))) or "a TODO"
        return type(err)(err.kind, messages.STUB_REACHED.format(problems=head, markers=markers))
    return type(err)(err.kind, head + "\n" + str(err))
