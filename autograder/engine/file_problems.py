"""Intake problems of a submission's files, carried into the message of every test they affect.

The intake (grade.py) knows that a file was misplaced or found twice, and passes one sentence per
allow-listed file name with the plugin's `--file-problem NAME=MESSAGE`. A failed student call is
put down to a file when the call's target is that file's module, when a blank stub's
`TODO: hwN.<module>.<function>` marker names it (a probe calling the stub), or when the message
names `<file>.py` (a traceback line). Then the sentence comes first, so a student whose file was
present but misplaced reads why, not only "Not attempted yet".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .proxy import StudentError

_TODO = re.compile(r"TODO: hw\d+\.([A-Za-z_][A-Za-z0-9_]*)\.")
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
    return type(err)(err.kind, " ".join(dict.fromkeys(found)) + "\n" + str(err))
