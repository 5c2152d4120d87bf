"""Reading a submission (a zip or a folder) into the allow-listed files, defensively.

A student's file may sit at the root, under `submission/`, or under `hwN/submission/`. Only names
on the homework's allow-list are taken; everything else is reported as ignored. A zip is never
extracted to disk: members are read in memory with caps on count and size (zip bombs), names with
`..` or absolute paths are ignored (path traversal), and symlinks are never followed.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import messages

MAX_FILE_BYTES = 1 << 20  # a source file above 1 MiB is not a homework answer
MAX_MEMBERS = 2000
MAX_TOTAL_BYTES = 64 << 20


class SubmissionError(ValueError):
    """The submission cannot be read at all; the message says what to upload instead."""


@dataclass
class Intake:
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _rank(parts: tuple[str, ...], homework: str) -> int | None:
    """How well a path matches an expected location: lower is better, None is no match."""
    parents = parts[:-1]
    if parents == ():
        return 0
    if parents == ("submission",):
        return 1
    if parents == (homework, "submission"):
        return 2
    if len(parents) >= 1 and parents[-1] == "submission":
        return 3
    return None


def _safe_parts(name: str) -> tuple[str, ...] | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return tuple(p for p in path.parts if p not in ("", "."))


def _choose(candidates: dict[str, list[tuple[int, str]]]) -> dict[str, str]:
    return {name: min(options)[1] for name, options in candidates.items() if options}


# Files that come with a submission folder but are not worth a note (the package marker, OS litter).
_QUIET = {"__init__.py", ".DS_Store", "Thumbs.db"}


def _finish(intake: Intake, allowed: tuple[str, ...], ignored: list[str]) -> Intake:
    ignored = [name for name in ignored if PurePosixPath(name).name not in _QUIET]
    for name in allowed:
        if name not in intake.files:
            intake.notes.append(messages.MISSING_FILE.format(name=name))
    if ignored:
        shown = sorted(ignored)[:10]
        more = f" and {len(ignored) - 10} more" if len(ignored) > 10 else ""
        intake.notes.append(messages.EXTRA_FILES.format(names=", ".join(shown) + more))
    return intake


def read_zip(path: Path, homework: str, allowed: tuple[str, ...]) -> Intake:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise SubmissionError(f"{path.name} is not a readable zip file ({err}); upload the .py files or a valid zip.") from err
    intake, ignored = Intake(), []
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise SubmissionError(f"the zip holds {len(members)} entries; upload only your .py files.")
        candidates: dict[str, list[tuple[int, str]]] = {name: [] for name in allowed}
        by_name = {}
        for info in members:
            if info.is_dir() or "__MACOSX" in info.filename:
                continue
            parts = _safe_parts(info.filename)
            is_link = stat.S_ISLNK(info.external_attr >> 16)
            rank = _rank(parts, homework) if parts else None
            if parts is None or is_link or parts[-1] not in allowed or rank is None:
                ignored.append(info.filename)
                continue
            candidates[parts[-1]].append((rank, info.filename))
            by_name[info.filename] = info
        total = 0
        for name, member in _choose(candidates).items():
            info = by_name[member]
            if info.file_size > MAX_FILE_BYTES:
                intake.notes.append(f"{member} is larger than {MAX_FILE_BYTES >> 20} MiB and was ignored.")
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise SubmissionError("the zip expands to more than the size limit; upload only your .py files.")
            # Read at most the declared size + 1: a member lying about its size cannot inflate memory.
            with archive.open(info) as f:
                data = f.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                intake.notes.append(f"{member} is larger than {MAX_FILE_BYTES >> 20} MiB and was ignored.")
                continue
            intake.files[name] = data
    return _finish(intake, allowed, ignored)


def read_folder(root: Path, homework: str, allowed: tuple[str, ...]) -> Intake:
    intake, ignored = Intake(), []
    candidates: dict[str, list[tuple[int, str]]] = {name: [] for name in allowed}
    entries = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        entries += [Path(folder) / n for n in names] + [Path(folder) / d for d in dirs if (Path(folder) / d).is_symlink()]
        if len(entries) > MAX_MEMBERS:
            raise SubmissionError(f"{root} holds more than {MAX_MEMBERS} files; upload only your .py files.")
    for path in sorted(entries):
        parts = path.relative_to(root).parts
        rank = _rank(parts, homework)
        if path.is_symlink() or not path.is_file() or path.name not in allowed or rank is None:
            ignored.append("/".join(parts) + (" (symlink)" if path.is_symlink() else ""))
            continue
        candidates[path.name].append((rank, str(path)))
    for name, member in _choose(candidates).items():
        size = Path(member).stat().st_size
        if size > MAX_FILE_BYTES:
            intake.notes.append(f"{name} is larger than {MAX_FILE_BYTES >> 20} MiB and was ignored.")
            continue
        intake.files[name] = Path(member).read_bytes()
    return _finish(intake, allowed, ignored)


def read_submission(path: Path, homework: str, allowed: tuple[str, ...]) -> Intake:
    """The allow-listed files of a zip, a folder, or a single .py file."""
    if path.is_symlink():
        raise SubmissionError(f"{path} is a symlink; pass the real file or folder.")
    if path.is_dir():
        return read_folder(path, homework, allowed)
    if path.is_file() and path.suffix == ".zip":
        return read_zip(path, homework, allowed)
    if path.is_file() and path.name in allowed:
        return _finish(Intake(files={path.name: path.read_bytes()}), allowed, [])
    raise SubmissionError(f"{path} is not a folder, a .zip or one of {', '.join(allowed)}.")
