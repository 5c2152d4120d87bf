"""Grading a folder of submissions in parallel: one results.json each, gradebook.csv and similarity.csv.

Each submission is graded in its own process (`python -m autograder grade`), so a submission that
crashes, hangs or exhausts memory costs its own row and nothing else: a grading process that ends
without a results.json, or runs past `timeout_s`, gets a row with every test failed and the reason.
Each row's `notes` say why a score may surprise (files missing, misplaced or ignored, a worker that
did not start, a budget used up); `similarity.csv` lists pairs that look copied (`similarity.py`).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.engine import messages
from autograder.engine.intake import SubmissionError, read_submission
from autograder.engine.results import first_line, max_score
from autograder.engine.suite import KIT_ROOT, load_suite

from .similarity import find_similar, write_similarity

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
GRADING_TIMEOUT_S = 1800.0  # a staff-side grading that runs longer is stopped and reported
# Test outputs worth a note beside the score: the student's code never ran, or a budget ran out.
_WORTH_A_NOTE = tuple(template.split("{")[0] for template in (
    messages.WORKER_START_FAILED, messages.IMPORT_HANGS, messages.IMPORT_DIED,
    messages.TIME_BUDGET_USED_UP, messages.OUT_OF_MEMORY, messages.KILLED_BY_MEMORY_LIMIT))


@dataclass(frozen=True)
class Outcome:
    submission_id: str
    results: dict[str, Any] | None
    error: str
    seconds: float

    @property
    def max_score(self) -> float:
        """The points the suite offers (0 without results)."""
        return max_score(self.results) if self.results is not None else 0.0

    @property
    def full_marks(self) -> bool:
        """Graded, with at least one test, and every point earned."""
        r = self.results
        return r is not None and bool(r["tests"]) and r["score"] == self.max_score


def submission_id(path: Path) -> str:
    stem = path.name[: -len(".zip")] if path.name.endswith(".zip") else path.name
    return _UNSAFE.sub("_", stem) or "submission"


def list_submissions(folder: Path) -> list[Path]:
    """Every zip and every sub-folder of `folder`, in name order (hidden entries skipped)."""
    items = [p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_symlink()
             and (p.is_dir() or p.suffix == ".zip")]
    return sorted(items, key=lambda p: p.name)


def grade_in_subprocess(homework: str, path: Path, out: Path, seed: int, timeout_s: float = GRADING_TIMEOUT_S,
                        tests: list[str] | None = None, kit_root: Path = KIT_ROOT,
                        metrics: Path | None = None, allow_root_worker: bool = False) -> Outcome:
    sid = submission_id(path)
    results = out / f"{sid}.json"
    results.unlink(missing_ok=True)
    command = [sys.executable, "-m", "autograder", "grade", "--hw", homework, "--submission", str(path),
               "--out", str(results), "--seed", str(seed), "--quiet"]
    if kit_root != KIT_ROOT:
        command += ["--kit-root", str(kit_root)]
    if tests:
        command += ["--tests", ",".join(tests)]
    if metrics is not None:
        command += ["--metrics", str(metrics)]
    if allow_root_worker:
        command += ["--allow-root-worker"]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=KIT_ROOT, capture_output=True, text=True, timeout=timeout_s,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})
        error = "" if done.returncode == 0 else first_line(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit code {done.returncode}")
    except subprocess.TimeoutExpired:
        error = f"grading did not finish within {timeout_s:g} s"
    seconds = time.monotonic() - started
    data = json.loads(results.read_text()) if results.is_file() else None
    if data is None and not error:
        error = "grading wrote no results"
    return Outcome(sid, data, error, seconds)


def notes_of(results: dict[str, Any] | None) -> list[str]:
    """Why a score may surprise: every line of the results' top-level output (intake notes), the
    staff notes, then per kind of failure worth a note (worker start or import failures, time or
    memory budget used up) how many tests it failed and the first such message."""
    if results is None:
        return []
    notes = [line.strip() for line in str(results.get("output", "")).splitlines() if line.strip()]
    notes += [f"staff: {n}" for n in results.get("extra_data", {}).get("staff_notes", [])]
    by_kind: dict[str, list[str]] = {}
    for test in results.get("tests", []):
        for line in str(test.get("output", "")).splitlines():
            kind = next((prefix for prefix in _WORTH_A_NOTE if line.startswith(prefix)), None)
            if kind is not None:
                by_kind.setdefault(kind, []).append(line.strip())
                break
    for found in by_kind.values():
        notes.append(found[0] if len(found) == 1 else f"{len(found)} tests: {found[0]}")
    return notes


def summary_lines(outcomes: list[Outcome]) -> list[str]:
    """The `make grade-all` summary: one line per submission, its notes indented below it."""
    lines = []
    for o in outcomes:
        score = f"{o.results['score']:g}" if o.results else "-"
        lines.append(f"{o.submission_id:40s} {score:>8s}  {o.seconds:6.1f} s  {o.error}".rstrip())
        lines += [f"    {note}" for note in notes_of(o.results)]
    return lines


def write_gradebook(outcomes: list[Outcome], path: Path) -> None:
    """gradebook.csv: id, total, max, one column per test (by number and name), error, notes
    (the lines of `notes_of`, joined by " | ")."""
    columns: dict[str, None] = {}
    for outcome in outcomes:
        for test in (outcome.results or {}).get("tests", []):
            columns[f"{test['number']} {test['name']}".strip()] = None
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "total", "max", *columns, "error", "notes"])
        for outcome in outcomes:
            tests = (outcome.results or {}).get("tests", [])
            points = {f"{t['number']} {t['name']}".strip(): t["score"] for t in tests}
            maximum = outcome.max_score
            total = (outcome.results or {}).get("score", 0)
            writer.writerow([outcome.submission_id, total, maximum, *(points.get(c, 0) for c in columns),
                             outcome.error, " | ".join(notes_of(outcome.results))])


def write_similarity_report(homework: str, paths: list[Path], path: Path, kit_root: Path = KIT_ROOT) -> int:
    """similarity.csv for the submissions at `paths`, read as the grader reads them; returns the
    number of pairs flagged. Unreadable submissions have nothing to compare and are left out."""
    suite = load_suite(homework, kit_root)
    taken = {}
    for submission in paths:
        try:
            taken[submission_id(submission)] = read_submission(submission, suite.student_files).files
        except SubmissionError:
            continue
    stub = {name: (suite.homework_dir / "submission" / name).read_bytes() for name in suite.student_files
            if (suite.homework_dir / "submission" / name).is_file()}
    pairs = find_similar(taken, stub)
    write_similarity(pairs, path)
    return len(pairs)


def grade_all(homework: str, folder: Path, out: Path, jobs: int = 2, seed: int = 0,
              timeout_s: float = GRADING_TIMEOUT_S, progress: bool = True, kit_root: Path = KIT_ROOT,
              allow_root_worker: bool = False) -> list[Outcome]:
    """Grades every submission of `folder` into `out`: one results.json each, gradebook.csv and
    similarity.csv."""
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    paths = list_submissions(folder)
    ids = [submission_id(p) for p in paths]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"submissions map to the same id: {sorted(duplicates)}; rename them.")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(grade_in_subprocess, homework, p, out, seed, timeout_s, kit_root=kit_root,
                               allow_root_worker=allow_root_worker) for p in paths]
        outcomes = [f.result() for f in tqdm(futures, desc=f"grading {homework}", disable=not progress)]
    write_gradebook(outcomes, out / "gradebook.csv")
    write_similarity_report(homework, paths, out / "similarity.csv", kit_root)
    return outcomes
