"""Building what leaves the repository: the student handout and the Gradescope autograder zip.

Handout (`dist/hwN-handout.zip`): hwN/ with its stubs, the data code, Makefile, README.md and
pyproject.toml — never anything from autograder/. Autograder (`dist/hwN-autograder.zip`):
`setup.sh` and `run_autograder` at the root plus the kit files that grading hwN needs (engine, hwN's
hidden suite and reference, hwN/, data/). `check_handout` proves a handout holds no staff file.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .suite import KIT_ROOT

_SKIP_PARTS = {"__pycache__", ".venv", "dist", "cache", "downloads", "runs", ".pytest_cache"}
GRADESCOPE_DIR = Path(__file__).resolve().parent / "gradescope"
# Zips are reproducible: fixed timestamps, sorted names, fixed permissions.
_EPOCH = (2020, 1, 1, 0, 0, 0)


class PackagingError(ValueError):
    """A built zip would leak staff files or miss required ones; the message names them."""


def _files(root: Path, rel: str, exclude: Iterable[str] = ()) -> list[Path]:
    base = root / rel
    if base.is_file():
        return [base]
    skip = set(exclude)
    found = []
    for path in sorted(base.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and not _SKIP_PARTS & set(parts) and not any(
                "/".join(parts).startswith(s) for s in skip) and path.suffix != ".pyc":
            found.append(path)
    return found


def _write_zip(target: Path, entries: dict[str, bytes], executables: set[str]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            mode = 0o755 if name in executables else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name])
    os.replace(tmp, target)
    return target


def handout_entries(homework: str, root: Path = KIT_ROOT) -> dict[str, bytes]:
    paths = _files(root, homework) + _files(root, "data", exclude=["data/tests"])
    paths += [root / name for name in ("Makefile", "README.md", "pyproject.toml")]
    return {str(p.relative_to(root)): p.read_bytes() for p in paths}


def check_handout(entries: dict[str, bytes], homework: str) -> None:
    """Raises PackagingError if a staff file or a solution block is in the handout."""
    leaks = [n for n in entries if n.startswith("autograder/") or "/solutions/" in n or "mutant" in n]
    leaks += [n for n, data in entries.items() if b"# BEGIN SOLUTION" in data and n.endswith(".py")]
    if leaks:
        raise PackagingError(f"the {homework} handout would leak staff files: {sorted(set(leaks))}")
    needed = [f"{homework}/README.md", f"{homework}/submission/__init__.py", "Makefile"]
    missing = [n for n in needed if n not in entries]
    if missing:
        raise PackagingError(f"the {homework} handout misses {missing}")


def build_handout(homework: str, dist: Path = KIT_ROOT / "dist", root: Path = KIT_ROOT) -> Path:
    entries = handout_entries(homework, root)
    check_handout(entries, homework)
    return _write_zip(dist / f"{homework}-handout.zip", entries, executables=set())


def autograder_entries(homework: str, root: Path = KIT_ROOT) -> dict[str, bytes]:
    paths = (_files(root, "autograder/__init__.py") + _files(root, "autograder/__main__.py")
             + _files(root, "autograder/engine", exclude=["autograder/engine/tests"])
             + _files(root, f"autograder/tests/{homework}") + _files(root, f"autograder/solutions/{homework}")
             + _files(root, homework) + _files(root, "data", exclude=["data/tests"])
             + [root / "pyproject.toml", root / "README.md"])
    entries = {str(p.relative_to(root)): p.read_bytes() for p in paths}
    for needed in ("autograder/tests/__init__.py", "autograder/solutions/__init__.py"):
        if (root / needed).is_file():
            entries[needed] = (root / needed).read_bytes()
    entries["setup.sh"] = (GRADESCOPE_DIR / "setup.sh").read_bytes()
    entries["run_autograder"] = (GRADESCOPE_DIR / "run_autograder").read_bytes().replace(
        b"__HOMEWORK__", homework.encode())
    return entries


def build_autograder(homework: str, dist: Path = KIT_ROOT / "dist", root: Path = KIT_ROOT) -> Path:
    entries = autograder_entries(homework, root)
    others = [n for n in entries if n.startswith(("autograder/tests/hw", "autograder/solutions/hw"))
              and not n.startswith((f"autograder/tests/{homework}/", f"autograder/solutions/{homework}/"))]
    if others or any(n.startswith("autograder/mutants") for n in entries):
        raise PackagingError(f"the {homework} autograder would carry other files: {others}")
    return _write_zip(dist / f"{homework}-autograder.zip", entries, executables={"setup.sh", "run_autograder"})
