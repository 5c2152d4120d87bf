"""Mutants: realistic wrong submissions, written as exact edits of the reference solution.

`autograder/mutants/hwN/mutants.toml` holds `[[mutant]]` tables with `name`, `description`,
`file`, `old`, `new` and `tests` (see autograder/README.md). An edit whose `old` text does not
occur exactly once is an error, so a mutant cannot silently stop applying when the reference changes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .suite import Suite, tomllib

REQUIRED = ("name", "description", "file", "old", "new", "tests")


class MutantError(ValueError):
    """A mutant is malformed or no longer applies; the message names it and the fix."""


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


def load_mutants(suite: Suite) -> list[Mutant]:
    path = suite.mutants_file
    if not path.is_file():
        return []
    with open(path, "rb") as f:
        raw = tomllib.load(f).get("mutant", [])
    mutants = []
    for i, entry in enumerate(raw):
        missing = [k for k in REQUIRED if k not in entry]
        extra = sorted(set(entry) - set(REQUIRED))
        if missing or extra:
            raise MutantError(f"{path}: mutant #{i + 1} has missing keys {missing} / unknown keys {extra}")
        mutants.append(Mutant(**{**entry, "tests": tuple(entry["tests"])}))
    names = [m.name for m in mutants]
    if len(set(names)) != len(names):
        raise MutantError(f"{path}: mutant names must be unique")
    return mutants


def materialise(suite: Suite, mutant: Mutant, target: Path) -> Path:
    """Writes the reference files with the mutant's edit applied into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in suite.student_files:
        shutil.copy2(suite.solutions_dir / name, target / name)
    edited = target / mutant.file
    if not edited.is_file():
        raise MutantError(f"mutant {mutant.name!r}: {mutant.file} is not a solution file of {suite.homework}")
    text = edited.read_text()
    count = text.count(mutant.old)
    if count != 1:
        raise MutantError(
            f"mutant {mutant.name!r}: its `old` text occurs {count} times in {mutant.file} (must be once); "
            "update the mutant to match the current reference."
        )
    edited.write_text(text.replace(mutant.old, mutant.new))
    return target
