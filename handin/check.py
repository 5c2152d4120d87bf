"""`make submission HW=hwN`: check your work the way the grader will read it, and zip it for upload.

What it does, in order (it only reads your files; the one file it writes is `hwN-submission.zip` at
the top of this folder, replaced on every run):
1. finds each file the grader takes (`handin.layout.place_files`, the grader's own rules) in
   `hwN/submission/`; a missing file or a file that does not parse stops here, with no zip;
2. names every function that still raises NotImplementedError, and every name the grader calls
   that you removed or whose parameters you changed (against `hwN/submission/SIGNATURES.json`);
3. writes the zip with exactly those files at its root, and reads it back with the same rules;
4. runs the public tests (`python -m pytest hwN/tests`) and prints their summary.
Nothing is sent anywhere: upload the zip yourself. Exit status: 0 when the zip was written (read
the warnings above it), 1 when it was not, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from handin.layout import place_files
from handin.signatures import MANIFEST_NAME, compare, unfinished

ROOT = Path(__file__).resolve().parent.parent
MAX_FAILURES_SHOWN = 15

# What the student reads; the tests of this module match these.
NO_HOMEWORK = "no homework folder here: run this at the top of the unzipped handout (a folder with hwN/submission/)."
WHICH_HOMEWORK = "this folder holds {homeworks}: say which one, e.g. `make submission HW={first}`."
NO_SUBMISSION_FOLDER = "{folder} does not exist: `make submission HW=hwN` needs hwN/submission/ with your files."
MISSING = "{problem} Restore the starter file from the handout zip ({path}) and fill it in."
DUPLICATE = "{problem} The grader would take none either: keep only {path}."
SYNTAX = "{path} does not parse, so the grader could run none of its tests:\n    line {line}: {message}"
NOT_TAKEN = ("not submitted: {paths}. The grader takes only {allowed}; code in another file is not "
             "graded and cannot be imported by these files. Move it into one of them.")
UNFINISHED = "still raises NotImplementedError (scores 0 until written): {name}  ({path}:{line})"
NO_MANIFEST = ("signatures not checked: {path} is missing (each handout ships one; if you deleted it, "
               "restore it from the handout zip).")
BAD_MANIFEST = "signatures not checked: {path} is not the file the handout shipped; restore it from the handout zip."
NO_ZIP = "no zip written: fix the problems above and run `make submission HW={homework}` again."
ZIP_MISMATCH = "internal check failed: reading {zip} back with the grader's rules gave {got}, not {want}."
REMINDER = ("The hidden suite checks much more than the public tests (properties, fresh random data, "
            "a short training run): passing the public tests is necessary, not sufficient.")
UPLOAD = "Upload {zip} to Gradescope."


class UsageError(ValueError):
    """The command cannot tell which homework to check; the message says what to type."""


@dataclass
class Report:
    """What the check found; `lines` are printed in order, `problems` stop the zip."""

    homework: str
    files: dict[str, Path] = field(default_factory=dict)  # allow-listed name -> file found
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def find_homework(root: Path, requested: str | None) -> str:
    """The homework to check: `requested`, else the only `hw*/submission/` folder here."""
    if requested:
        return requested
    found = sorted(p.parent.name for p in root.glob("hw*/submission") if p.is_dir())
    if not found:
        raise UsageError(NO_HOMEWORK)
    if len(found) > 1:
        raise UsageError(WHICH_HOMEWORK.format(homeworks=", ".join(found), first=found[0]))
    return found[0]


def allow_list(folder: Path, manifest: dict | None) -> list[str]:
    """The file names the grader takes: the manifest's, else the starter `.py` files present."""
    if manifest is not None:
        return sorted(manifest["files"])
    return sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py")


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def inspect(root: Path, homework: str) -> Report:
    """Steps 1 and 2 of the module docstring, without writing anything."""
    report = Report(homework)
    folder = root / homework / "submission"
    if not folder.is_dir():
        report.problems.append(NO_SUBMISSION_FOLDER.format(folder=_relative(folder, root)))
        return report
    manifest_path = folder / MANIFEST_NAME
    manifest = None
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text())
            manifest["files"].items()
        except (ValueError, KeyError, TypeError, AttributeError):
            report.warnings.append(BAD_MANIFEST.format(path=_relative(manifest_path, root)))
            manifest = None
    allowed = allow_list(folder, manifest)
    members = [str(p.relative_to(folder)) for p in sorted(folder.rglob("*")) if p.is_file()]
    placement = place_files(members, allowed)
    for name, problem in placement.problems.items():
        present = any(Path(m).name == name for m in members)
        report.problems.append((DUPLICATE if present else MISSING).format(
            problem=problem, path=f"{homework}/submission/{name}"))
    extra = [m for m in placement.ignored if m.endswith(".py") and Path(m).name not in placement.problems]
    if extra:
        report.warnings.append(NOT_TAKEN.format(
            paths=", ".join(f"{homework}/submission/{m}" for m in extra), allowed=", ".join(allowed)))
    if manifest is None and not manifest_path.is_file():
        report.warnings.append(NO_MANIFEST.format(path=_relative(manifest_path, root)))
    for name, member in placement.chosen.items():
        path = folder / member
        shown = _relative(path, root)
        report.files[name] = path
        try:
            tree = ast.parse(path.read_bytes(), filename=shown)
        except (SyntaxError, ValueError) as err:
            line = getattr(err, "lineno", None) or "?"
            report.problems.append(SYNTAX.format(path=shown, line=line, message=getattr(err, "msg", str(err))))
            continue
        for qualname, line in unfinished(tree):
            report.warnings.append(UNFINISHED.format(name=qualname, path=shown, line=line))
        if manifest is not None:
            report.warnings += [f"{shown}: {p}" for p in compare(manifest["files"].get(name, {}), tree)]
    return report


def write_zip(report: Report, target: Path) -> Path:
    """The zip with exactly the files of `report` at its root, read back with the grader's rules."""
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(report.files):
            archive.write(report.files[name], arcname=name)
    with zipfile.ZipFile(tmp) as archive:
        placed = place_files(archive.namelist(), sorted(report.files))
    if sorted(placed.chosen) != sorted(report.files) or placed.ignored:
        tmp.unlink()
        raise RuntimeError(ZIP_MISMATCH.format(zip=target.name, got=sorted(placed.chosen), want=sorted(report.files)))
    os.replace(tmp, target)
    return target


def public_tests(root: Path, homework: str, timeout_s: float = 1800) -> tuple[int, list[str]]:
    """Runs the public tests; (pytest's exit code, its FAILED lines and summary line)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", f"{homework}/tests", "-q", "--tb=no", "-rfE", "-p", "no:cacheprovider"],
        cwd=root, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    tail = [line for line in done.stdout.splitlines() if line.strip()][-1:] or [done.stderr.strip()[-500:]]
    return done.returncode, lines + tail


def run(root: Path, homework: str | None, run_tests: bool = True) -> int:
    homework = find_homework(root, homework)
    print(f"== checking {homework}/submission/ as the grader will read it")
    report = inspect(root, homework)
    for name, path in sorted(report.files.items()):
        print(f"  {name:20s} from {_relative(path, root)}")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    for warning in report.warnings:
        print(f"WARNING: {warning}")
    if report.problems:
        print(NO_ZIP.format(homework=homework))
        return 1
    target = write_zip(report, root / f"{homework}-submission.zip")
    print(f"== wrote {target.name} with {len(report.files)} files: {', '.join(sorted(report.files))}")
    if run_tests:
        print(f"== public tests: python -m pytest {homework}/tests")
        _, lines = public_tests(root, homework)
        failures, summary = lines[:-1], lines[-1]
        for line in failures[:MAX_FAILURES_SHOWN]:
            print(f"  {line}")
        if len(failures) > MAX_FAILURES_SHOWN:
            print(f"  ... and {len(failures) - MAX_FAILURES_SHOWN} more")
        print(f"  {summary}")
    print(REMINDER)
    print(UPLOAD.format(zip=target.name))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handin", description=__doc__.splitlines()[0])
    parser.add_argument("--hw", default="", help="homework to check (default: the only one in this folder)")
    parser.add_argument("--no-tests", action="store_true", help="skip the public tests")
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        return run(Path(args.root), args.hw or None, run_tests=not args.no_tests)
    except UsageError as err:
        print(f"make submission: {err}", file=sys.stderr)
        return 2
