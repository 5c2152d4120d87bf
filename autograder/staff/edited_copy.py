"""An edited copy of a reference submission: how mutants and attacks are written down and built.

A mutant or an attack is the reference (or the blank stub) with a few textual edits; each edit's
`old` text must occur exactly once, so that an entry that no longer matches the reference fails
loudly instead of silently grading the unedited reference.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder.engine.suite import Suite


def copy_submission(suite: Suite, target: Path, base: str = "reference") -> Path:
    """Copies the allow-listed files of the reference (`base="reference"`) or of the blank stub
    (`base="stub"`) into `target` (created) and returns it."""
    source = suite.solutions_dir if base == "reference" else suite.homework_dir / "submission"
    target.mkdir(parents=True, exist_ok=True)
    for name in suite.student_files:
        shutil.copy2(source / name, target / name)
    return target


def replace_once(path: Path, old: str, new: str, owner: str, error: type[Exception]) -> None:
    """Replaces the one occurrence of `old` in `path` by `new`; raises `error` naming `owner` (e.g.
    "mutant 'x'") when `old` occurs zero or several times."""
    text = path.read_text()
    count = text.count(old)
    if count != 1:
        raise error(f"{owner}: its `old` text occurs {count} times in {path.name} (must be once); "
                    "update it to match the current reference.")
    path.write_text(text.replace(old, new))
