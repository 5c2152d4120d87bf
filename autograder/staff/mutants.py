"""Mutants: realistic wrong submissions, written as exact edits of the reference solution.

`autograder/mutants/hwN/mutants.toml` holds `[[mutant]]` tables with `name`, `description`,
`file`, `old`, `new` and `tests` (see autograder/README.md): the tests where the mutant's bug is
charged, and the only ones, end-to-end tests aside (see `charge_problem`). An edit whose `old` text
does not occur exactly once is an error, so a mutant cannot silently stop applying when the
reference changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.engine.carry_forward import END_TO_END
from autograder.engine.suite import Suite, read_toml

from .edited_copy import copy_submission, replace_once

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
    raw = read_toml(path, MutantError).get("mutant", [])
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
    copy_submission(suite, target)
    edited = target / mutant.file
    if not edited.is_file():
        raise MutantError(f"mutant {mutant.name!r}: {mutant.file} is not a solution file of {suite.homework}")
    replace_once(edited, mutant.old, mutant.new, f"mutant {mutant.name!r}", MutantError)
    return target


# --- where a mutant may lose points --------------------------------------------------------------
#
# A mutant's `tests` are the tests where its bug is charged: it must lose points in at least one
# of them and in no other test of the suite, so that one bug costs the student once (a caller
# whose helper is wrong is graded on its own logic, from the helper's outputs). End-to-end tests
# are the exception: a training run or an outcome measured on the whole submission depends on
# every function, so any bug may cost points there. They carry the gradescope-utils tag
# `@tags(END_TO_END)` (autograder/engine/carry_forward.py).
# `make check` grades each mutant on every test that is not end-to-end plus the end-to-end tests
# it lists (training runs are the slow part of a suite, so the others are skipped).


def end_to_end_tests(listing: list[dict[str, Any]]) -> set[str]:
    """Function names of the tests tagged END_TO_END in `listing` (from `grade.list_tests`)."""
    return {t["function"] for t in listing if END_TO_END in t.get("tags", [])}


def graded_tests(mutant: Mutant, listing: list[dict[str, Any]]) -> list[str]:
    """The tests a mutant is graded on: every non-end-to-end test and the end-to-end tests it lists."""
    end_to_end = end_to_end_tests(listing)
    return [t["function"] for t in listing if t["function"] not in end_to_end or t["function"] in mutant.tests]


def charge_problem(mutant: Mutant, listing: list[dict[str, Any]], results: dict[str, Any] | None) -> str:
    """"" when the mutant lost points in one of its listed tests and in no other test that is not
    end-to-end (results: the parsed results.json of its grading); otherwise what is wrong."""
    functions = {t["function"] for t in listing}
    unknown = sorted(set(mutant.tests) - functions)
    if unknown:
        return f"lists tests the suite does not have: {unknown}"
    if results is None or not results.get("tests"):
        return "its grading wrote no results"
    # results.json names tests by their docstring; the listing maps (number, name) to the function.
    by_key = {(t["number"], t["name"]): t["function"] for t in listing}
    lost = set()
    for test in results["tests"]:
        if test["score"] < test["max_score"]:
            lost.add(by_key.get((test["number"], test["name"]), f"{test['number']} {test['name']}"))
    end_to_end = end_to_end_tests(listing)
    if not lost & set(mutant.tests):
        return "kept full marks on every test it lists"
    elsewhere = sorted(lost - set(mutant.tests) - end_to_end)
    if elsewhere:
        return f"also lost points in tests it does not list: {elsewhere}"
    return ""
