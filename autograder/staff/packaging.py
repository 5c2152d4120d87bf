"""Building what leaves the repository: the student handout and the Gradescope autograder zip.

Handout (`dist/hwN-handout.zip`): what a student of hwN needs and nothing else. hwN/ with its stubs
and `hwN/submission/SIGNATURES.json` (what `make submission` compares against), the data code,
`handin/` (the submission rules and `make submission`), pyproject.toml, the Makefile without its
staff block, and a student README.md written from `handout_readme.md` (never the kit's README).
`check_handout` proves it holds no staff file or solution block and that no file in it names a
staff-only path or command (`autograder/...`, `python -m autograder`, `make bench`, ...), naming
the file and line of each. Autograder (`dist/hwN-autograder.zip`): `setup.sh` and `run_autograder`
at the root plus the kit files that grading hwN needs (engine, hwN's hidden suite and reference,
hwN/, data/, handin/).
"""

from __future__ import annotations

import json
import os
import re
import stat
import string
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

from autograder.engine.suite import KIT_ROOT
from data.__main__ import HOMEWORK_DATASETS
from handin.signatures import MANIFEST_NAME, manifest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Gradescope images may run 3.10
    import tomli as tomllib

_SKIP_PARTS = {"__pycache__", ".venv", "dist", "cache", "downloads", "runs", ".pytest_cache"}
GRADESCOPE_DIR = Path(__file__).resolve().parent / "gradescope"
# Zips are reproducible: fixed timestamps, sorted names, fixed permissions.
_EPOCH = (2020, 1, 1, 0, 0, 0)
HANDOUT_README = Path(__file__).resolve().parent / "handout_readme.md"
# The Makefile's staff targets sit between these two lines; a handout's Makefile leaves them out.
STAFF_BEGIN = "# >>> staff targets: left out of every handout (autograder/staff/packaging.py)"
STAFF_END = "# <<< end of staff targets"
DATASET_TITLES = {"movielens": "MovieLens 100K", "omniglot": "Omniglot", "banking77": "BANKING77"}
DATA_NOTES = {"movielens": "MovieLens 100K may not be redistributed, so it is not in this handout and a\n"
                           "course mirror may not hold it: without `DATA_MIRROR`, `make data` downloads it\n"
                           "from grouplens.org."}
# Files of the handout whose text is checked for staff references (others are binary data).
_TEXT_SUFFIXES = (".py", ".md", ".txt", ".toml", ".json", ".cfg", ".sh", "Makefile")


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


def handout_makefile(text: str) -> tuple[str, list[str]]:
    """(the Makefile without its staff blocks, the targets those blocks define)."""
    kept: list[str] = []
    targets: list[str] = []
    inside = False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        marker = line.rstrip("\n")
        if marker in (STAFF_BEGIN, STAFF_END):
            if inside == (marker == STAFF_BEGIN):
                raise PackagingError(f"Makefile:{number}: {marker!r} out of order; staff blocks open with "
                                     f"{STAFF_BEGIN!r} and close with {STAFF_END!r}")
            inside = marker == STAFF_BEGIN
        elif inside:
            if match := re.match(r"^([a-z][a-z-]*):", line):
                targets.append(match.group(1))
        else:
            kept.append(line)
    if inside or not targets:
        raise PackagingError(f"the Makefile must put its staff targets between {STAFF_BEGIN!r} and "
                             f"{STAFF_END!r} lines, so that handouts leave them out")
    return "".join(kept), targets


def handout_pyproject(text: str, homework: str) -> str:
    """pyproject.toml for a handout: the tests of hwN only, no settings for staff folders."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("testpaths"):
            out.append(f'testpaths = ["{homework}/tests"]\n')
        elif "autograder/" in line:
            if out and out[-1].lstrip().startswith("#"):
                out.pop()  # the comment that explained the dropped setting
        else:
            out.append(line)
    result = "".join(out)
    tomllib.loads(result)  # a handout must get a valid file; raises if the edit broke it
    return result


def _runs_folder(homework: str, root: Path) -> str:
    config = root / homework / "config.py"
    found = re.findall(r'out_dir: str = "([^"]+)"', config.read_text()) if config.is_file() else []
    return f"`{found[0]}/<run name>/`" if found else "`runs/`"


def _listing(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def student_readme(homework: str, student_files: list[str], root: Path = KIT_ROOT) -> str:
    """The handout's top-level README.md, for students of `homework` (from `handout_readme.md`)."""
    first = (root / homework / "README.md").read_text().splitlines()[0].lstrip("# ").strip()
    datasets = list(HOMEWORK_DATASETS.get(homework, ()))
    return string.Template(HANDOUT_README.read_text()).substitute(
        title=first or homework,
        homework=homework,
        files=f"{_listing(student_files)} in `{homework}/submission/`",
        datasets=(" and ".join(DATASET_TITLES[d] for d in datasets) if datasets else "nothing to prepare"),
        first_dataset=datasets[0] if datasets else "",
        data_note="".join(f"\n\n{DATA_NOTES[d]}" for d in datasets if d in DATA_NOTES),
        runs=_runs_folder(homework, root),
    )


def handout_entries(homework: str, root: Path = KIT_ROOT) -> dict[str, bytes]:
    paths = (_files(root, homework) + _files(root, "data", exclude=["data/tests"])
             + _files(root, "runconfig", exclude=["runconfig/tests"])
             + _files(root, "handin", exclude=["handin/tests"]))
    entries = {str(p.relative_to(root)): p.read_bytes() for p in paths}
    stubs = {p.name: p.read_text() for p in sorted((root / homework / "submission").glob("*.py"))
             if p.name != "__init__.py"}
    entries[f"{homework}/submission/{MANIFEST_NAME}"] = (json.dumps(manifest(stubs), indent=2) + "\n").encode()
    makefile, _ = handout_makefile((root / "Makefile").read_text())
    entries["Makefile"] = makefile.encode()
    entries["pyproject.toml"] = handout_pyproject((root / "pyproject.toml").read_text(), homework).encode()
    entries["README.md"] = student_readme(homework, sorted(stubs), root).encode()
    return entries


def staff_references(entries: dict[str, bytes], staff_targets: Iterable[str], homework: str) -> list[str]:
    """"file:line: names `what`" for every mention of a staff-only path or command in the entries."""
    targets = "|".join(sorted((re.escape(t) for t in staff_targets), key=len, reverse=True))
    patterns = [
        r"\bautograder[/.]\w[\w*./-]*",     # autograder/bench/hw2.py, autograder.bench.hw2
        r"python -m autograder\b",
        r"\bBENCHMARKS\.md\b",
        r"\bdist/hw\d",                      # the staff's built zips
        rf"\bhw(?!{homework[2:]}\b)\d+/",   # another homework's folder, absent from this handout
    ] + ([rf"\bmake +(?:{targets})(?![\w-])"] if targets else [])
    pattern = re.compile("|".join(f"(?:{p})" for p in patterns))
    found = []
    for name in sorted(entries):
        if not name.endswith(_TEXT_SUFFIXES):
            continue
        for number, line in enumerate(entries[name].decode("utf-8", "replace").splitlines(), start=1):
            for match in pattern.finditer(line):
                found.append(f"{name}:{number}: names `{match.group(0)}`")
    return found


def check_handout(entries: dict[str, bytes], homework: str, staff_targets: Iterable[str] = ()) -> None:
    """Raises PackagingError if a staff file, a solution block or a staff reference is in the handout."""
    leaks = [n for n in entries if n.startswith("autograder/") or "/solutions/" in n or "mutant" in n]
    leaks += [n for n, data in entries.items() if b"# BEGIN SOLUTION" in data and n.endswith(".py")]
    if leaks:
        raise PackagingError(f"the {homework} handout would leak staff files: {sorted(set(leaks))}")
    needed = [f"{homework}/README.md", f"{homework}/submission/__init__.py", "Makefile", "README.md",
              f"{homework}/submission/{MANIFEST_NAME}", "handin/layout.py", "handin/check.py"]
    missing = [n for n in needed if n not in entries]
    if missing:
        raise PackagingError(f"the {homework} handout misses {missing}")
    references = staff_references(entries, staff_targets, homework)
    if references:
        raise PackagingError(f"the {homework} handout names staff-only paths or commands a student does not "
                             "have; reword these lines (say what the result is, not where staff got it):\n  "
                             + "\n  ".join(references))


def build_handout(homework: str, dist: Path = KIT_ROOT / "dist", root: Path = KIT_ROOT) -> Path:
    entries = handout_entries(homework, root)
    _, staff_targets = handout_makefile((root / "Makefile").read_text())
    check_handout(entries, homework, staff_targets)
    return _write_zip(dist / f"{homework}-handout.zip", entries, executables=set())


def autograder_entries(homework: str, root: Path = KIT_ROOT) -> dict[str, bytes]:
    paths = (_files(root, "autograder/__init__.py") + _files(root, "autograder/__main__.py")
             + _files(root, "autograder/cli.py")
             + _files(root, "autograder/engine", exclude=["autograder/engine/tests"])
             + _files(root, f"autograder/tests/{homework}") + _files(root, f"autograder/solutions/{homework}")
             + _files(root, homework) + _files(root, "data", exclude=["data/tests"])
             + _files(root, "runconfig", exclude=["runconfig/tests"])
             + _files(root, "handin", exclude=["handin/tests"])
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
