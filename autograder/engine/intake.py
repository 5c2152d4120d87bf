"""Reading a submission (a zip, a folder or one .py file) into the allow-listed files, defensively.

Where a file may sit is decided by `handin.layout.place_files`, the rule the student's
`make submission` uses too: an allow-listed name is taken at any depth as long as it is found
exactly once. This module adds the safety rules of reading untrusted input: a zip is never
extracted to disk; members are read in memory with caps on count and size (zip bombs); names
with `..` or absolute paths are refused (path traversal); symlinks are never followed. A file
that is not taken leaves a problem for its name, which every test of that file repeats.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from handin.layout import Placement, place_files

from . import messages

MAX_FILE_BYTES = 1 << 20  # a source file above 1 MiB is not a homework answer
MAX_MEMBERS = 2000
MAX_TOTAL_BYTES = 64 << 20
MAX_NAMED_IGNORED = 10  # the note lists this many ignored files, then counts the rest


class SubmissionError(ValueError):
    """The submission cannot be read at all; the message says what to upload instead."""


@dataclass
class Intake:
    """files: allow-listed name -> content taken. problems: allow-listed name -> why the blank
    stub is graded in its place (one paragraph for the student). notes: every line worth showing
    at the top of the results (the problems, then the ignored files)."""

    files: dict[str, bytes] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _is_safe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return bool(path.parts) and not path.is_absolute() and ".." not in path.parts


def _too_large(member: str) -> str:
    return messages.FILE_TOO_LARGE.format(member=member, mib=MAX_FILE_BYTES >> 20)


def _finish(placement: Placement, files: dict[str, bytes], too_large: dict[str, str],
            refused: list[str]) -> Intake:
    """The intake of what was read: a problem per name not taken, notes for the results' top."""
    intake = Intake(files=files)
    for name, problem in {**placement.problems, **too_large}.items():
        intake.problems[name] = messages.FILE_NOT_TAKEN.format(problem=problem)
    intake.notes += [intake.problems[name] for name in sorted(intake.problems)]
    # Copies of one name are already named by its problem; list only what else was left out.
    ignored = [p for p in placement.ignored if PurePosixPath(p.replace("\\", "/")).name not in placement.problems]
    ignored += refused
    if ignored:
        shown = ignored[:MAX_NAMED_IGNORED]
        more = f" and {len(ignored) - MAX_NAMED_IGNORED} more" if len(ignored) > MAX_NAMED_IGNORED else ""
        intake.notes.append(messages.EXTRA_FILES.format(names=", ".join(shown) + more))
    return intake


def read_zip(path: Path, allowed: tuple[str, ...]) -> Intake:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise SubmissionError(f"{path.name} is not a readable zip file ({err}); upload the .py files or a valid zip.") from err
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise SubmissionError(f"the zip holds {len(members)} entries; upload only your .py files.")
        safe: list[str] = []  # a zip may hold two members of one name: both count as copies
        by_name: dict[str, zipfile.ZipInfo] = {}
        refused: list[str] = []
        for info in members:
            if info.is_dir():
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                refused.append(f"{info.filename} (symlink)")
            elif not _is_safe(info.filename):
                refused.append(f"{info.filename} (unsafe path)")
            else:
                safe.append(info.filename)
                by_name[info.filename] = info
        placement = place_files(safe, allowed)
        files, too_large, total = {}, {}, 0
        for name, member in placement.chosen.items():
            info = by_name[member]
            if info.file_size > MAX_FILE_BYTES:
                too_large[name] = _too_large(member)
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise SubmissionError("the zip expands to more than the size limit; upload only your .py files.")
            # Read at most the cap + 1: a member lying about its size cannot inflate memory.
            with archive.open(info) as f:
                data = f.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                too_large[name] = _too_large(member)
                continue
            files[name] = data
    return _finish(placement, files, too_large, sorted(refused))


def read_folder(root: Path, allowed: tuple[str, ...]) -> Intake:
    relative: list[str] = []
    refused: list[str] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in names + [d for d in dirs if (here / d).is_symlink()]:
            rel = (here / name).relative_to(root).as_posix()
            if (here / name).is_symlink():
                refused.append(f"{rel} (symlink)")
            elif (here / name).is_file():
                relative.append(rel)
        if len(relative) + len(refused) > MAX_MEMBERS:
            raise SubmissionError(f"{root} holds more than {MAX_MEMBERS} files; upload only your .py files.")
    placement = place_files(relative, allowed)
    files, too_large = {}, {}
    for name, member in placement.chosen.items():
        if (root / member).stat().st_size > MAX_FILE_BYTES:
            too_large[name] = _too_large(member)
            continue
        files[name] = (root / member).read_bytes()
    return _finish(placement, files, too_large, sorted(refused))


def read_submission(path: Path, allowed: tuple[str, ...]) -> Intake:
    """The allow-listed files of a zip, a folder, or a single .py file."""
    if path.is_symlink():
        raise SubmissionError(f"{path} is a symlink; pass the real file or folder.")
    if path.is_dir():
        return read_folder(path, allowed)
    if path.is_file() and path.suffix == ".zip":
        return read_zip(path, allowed)
    if path.is_file() and path.name in allowed:
        placement = place_files([path.name], allowed)
        too_large = {path.name: _too_large(path.name)} if path.stat().st_size > MAX_FILE_BYTES else {}
        files = {} if too_large else {path.name: path.read_bytes()}
        return _finish(placement, files, too_large, [])
    raise SubmissionError(f"{path} is not a folder, a .zip or one of {', '.join(allowed)}.")
