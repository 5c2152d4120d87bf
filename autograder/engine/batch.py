"""Grading a folder of submissions in parallel: one results.json each plus gradebook.csv.

Each submission is graded in its own process (`python -m autograder grade`), so a submission that
crashes, hangs or exhausts memory costs its own row and nothing else: a grading process that ends
without a results.json, or runs past `timeout_s`, gets a row with every test failed and the reason.
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

from .results import first_line
from .suite import KIT_ROOT

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Outcome:
    submission_id: str
    results: dict[str, Any] | None
    error: str
    seconds: float


def submission_id(path: Path) -> str:
    stem = path.name[: -len(".zip")] if path.name.endswith(".zip") else path.name
    return _UNSAFE.sub("_", stem) or "submission"


def list_submissions(folder: Path) -> list[Path]:
    """Every zip and every sub-folder of `folder`, in name order (hidden entries skipped)."""
    items = [p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_symlink()
             and (p.is_dir() or p.suffix == ".zip")]
    return sorted(items, key=lambda p: p.name)


def grade_in_subprocess(homework: str, path: Path, out: Path, seed: int, timeout_s: float,
                        tests: list[str] | None = None, kit_root: Path = KIT_ROOT,
                        metrics: Path | None = None) -> Outcome:
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


def write_gradebook(outcomes: list[Outcome], path: Path) -> None:
    """gradebook.csv: id, total, max, one column per test (by number and name), error summary."""
    columns: dict[str, None] = {}
    for outcome in outcomes:
        for test in (outcome.results or {}).get("tests", []):
            columns[f"{test['number']} {test['name']}".strip()] = None
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "total", "max", *columns, "error"])
        for outcome in outcomes:
            tests = (outcome.results or {}).get("tests", [])
            points = {f"{t['number']} {t['name']}".strip(): t["score"] for t in tests}
            maximum = sum(t["max_score"] for t in tests)
            total = (outcome.results or {}).get("score", 0)
            writer.writerow([outcome.submission_id, total, maximum, *(points.get(c, 0) for c in columns),
                             outcome.error])


def grade_all(homework: str, folder: Path, out: Path, jobs: int = 2, seed: int = 0,
              timeout_s: float = 1800.0, progress: bool = True) -> list[Outcome]:
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    paths = list_submissions(folder)
    ids = [submission_id(p) for p in paths]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"submissions map to the same id: {sorted(duplicates)}; rename them.")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(grade_in_subprocess, homework, p, out, seed, timeout_s) for p in paths]
        outcomes = [f.result() for f in tqdm(futures, desc=f"grading {homework}", disable=not progress)]
    write_gradebook(outcomes, out / "gradebook.csv")
    return outcomes
