"""`make demo`: grade every reference solution and every blank handout; print one table.

Runs offline on a fresh machine: the hidden suites use synthetic data, never downloads.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.engine.suite import load_suite

from .batch import grade_in_subprocess


def run_demo(homeworks: list[str], jobs: int = 2) -> int:
    work = Path(tempfile.mkdtemp(prefix="mtml-demo-"))
    plan = []
    for hw in homeworks:
        suite = load_suite(hw)
        plan.append((hw, "reference solution", suite.solutions_dir))
        plan.append((hw, "blank handout", suite.homework_dir / "submission"))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(grade_in_subprocess, hw, path, work / f"{hw}-{i}", 0)
                   for i, (hw, _, path) in enumerate(plan)]
        outcomes = [f.result() for f in futures]
    print(f"{'homework':10s} {'submission':20s} {'score/max':>12s} {'seconds':>8s}")
    bad = 0
    for (hw, label, _), o in zip(plan, outcomes, strict=True):
        if o.results is None:
            bad += 1
            print(f"{hw:10s} {label:20s} {'error':>12s} {o.seconds:8.1f}  {o.error}")
            continue
        total = o.max_score
        print(f"{hw:10s} {label:20s} {o.results['score']:>5g}/{total:<6g} {o.seconds:8.1f}")
    print(f"graded {len(plan)} submissions in {time.monotonic() - started:.1f} s")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0
