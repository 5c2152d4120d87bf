"""Where a submission's files may sit, and which one is taken for each allow-listed name.

Students zip their work in many shapes: the files at the root, under `submission/`, under
`hwN/submission/`, inside one folder named after themselves, or a few folders deep. A file is
taken wherever it sits, as long as its name is on the allow-list and appears exactly once. A
name found twice is ambiguous (an old copy beside the new one?), so no copy is taken and the
problem says where they all are. What operating systems and Python leave behind
(`__MACOSX/`, `._*` resource forks, `.DS_Store`, `Thumbs.db`, `__pycache__/`) never counts as a
copy and is not worth naming.

This module looks at names only. Reading members safely (path traversal, symlinks, size caps)
is the caller's job, before it passes the paths here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LITTER_FOLDERS = frozenset({"__MACOSX", "__pycache__"})
LITTER_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
# The package marker of a submission folder comes along with it and is never an answer.
QUIET_FILES = frozenset({"__init__.py"})
MAX_PATHS_NAMED = 4  # a problem names at most this many places of one file

MISSING = "{name} is missing from your submission."
FOUND_MORE_THAN_ONCE = (
    "{name} is in your submission {times} ({places}), so none of them was taken: keep exactly one."
)


@dataclass(frozen=True)
class Placement:
    """Which member of a submission is taken for each allow-listed name, and why others were not.

    chosen: allow-listed file name -> member path taken (as it was given).
    problems: allow-listed name -> one sentence saying why no file was taken for it.
    ignored: member paths not taken and worth naming, sorted (litter and package markers left out).
    """

    chosen: dict[str, str]
    problems: dict[str, str]
    ignored: list[str]


def _parts(path: str) -> list[str]:
    return [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]


def is_litter(path: str) -> bool:
    """Whether `path` is something an OS or Python added (a resource fork, a cache, a folder entry)."""
    parts = _parts(path)
    if not parts or path.endswith(("/", "\\")):
        return True
    name = parts[-1]
    return (any(p in LITTER_FOLDERS for p in parts) or name in LITTER_FILES
            or name.startswith("._") or name.endswith(".pyc"))


def _join(items: list[str]) -> str:
    if len(items) > MAX_PATHS_NAMED:
        items = items[: MAX_PATHS_NAMED - 1] + [f"{len(items) - MAX_PATHS_NAMED + 1} more"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def place_files(paths: Iterable[str], allowed: Iterable[str]) -> Placement:
    """Takes each allow-listed name from the one path that holds it, at any depth.

    paths: member paths of a zip, or paths relative to a submission folder ('/' or '\\' separated).
    allowed: the file names a student submits (e.g. "maml.py").
    """
    found: dict[str, list[str]] = {name: [] for name in allowed}
    ignored: list[str] = []
    for path in paths:
        if is_litter(path):
            continue
        name = _parts(path)[-1]
        if name in found:
            found[name].append(path)
        elif name not in QUIET_FILES:
            ignored.append(path)
    chosen: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name in sorted(found):
        places = sorted(found[name])
        if len(places) == 1:
            chosen[name] = places[0]
        elif not places:
            problems[name] = MISSING.format(name=name)
        else:
            times = "twice" if len(places) == 2 else f"{len(places)} times"
            problems[name] = FOUND_MORE_THAN_ONCE.format(name=name, times=times, places="at " + _join(places))
            ignored += places
    return Placement(chosen=chosen, problems=problems, ignored=sorted(ignored))
