"""Staff command: measure the reference's own time per hidden test and its memory, and write
`autograder/tests/hwN/budgets.toml`, from which each test's budget is derived (suite.py).

    .venv/bin/python -m autograder.staff.calibrate --hw hw2

Grades the reference exactly as `make grade` does (sandboxed worker, one thread) `--runs` times
with grading seeds 0, 1, ...; keeps each test's largest time, less the worker start-ups that fell
in it (start-up has its own budget). Run it on one core that nothing else uses: the load average
before and after is written into the file, so a reader can tell a quiet measurement.
`--dry-run` prints without writing; the worker's peak memory is printed either way, and `--json`
writes the figures `make bench` reports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine.memwatch import MemoryUse
from autograder.engine.suite import KIT_ROOT, Suite, load_suite


@dataclass
class Measurement:
    """One grading of the reference: seconds per test function, score and worker memory peak."""

    seconds: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    max_score: float = 0.0
    worker_peak: MemoryUse = field(default_factory=MemoryUse)
    grader_peak_mb: float = 0.0
    wall_s: float = 0.0


def measure(suite: Suite, seed: int) -> Measurement:
    """Grades the reference once, in this process, and returns what it measured."""
    from autograder.engine.grade import run_suite
    from autograder.engine.intake import read_submission
    from autograder.engine.plugin import Settings
    from autograder.engine.proxy import WorkerStudent

    files = read_submission(suite.solutions_dir, suite.student_files).files
    started = time.monotonic()
    session = run_suite(Settings(suite=suite, files=files, grading_seed=seed))
    m = Measurement(wall_s=time.monotonic() - started)
    student = session.student
    startups = student.startups if isinstance(student, WorkerStudent) else {}
    for result in session.results.values():
        function = result.test_id.partition("::")[2].split("[")[0]
        spent = max(0.0, result.duration_s - startups.get(result.test_id, 0.0))
        m.seconds[function] = max(m.seconds.get(function, 0.0), spent)
        m.score += result.score
        m.max_score += result.max_score
    if isinstance(student, WorkerStudent):
        m.worker_peak = student.sandbox.worker.memory.overall
    m.grader_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return m


def render(suite: Suite, runs: list[Measurement], load_before: float, load_after: float) -> str:
    seconds: dict[str, float] = {}
    for run in runs:
        for name, value in run.seconds.items():
            seconds[name] = max(seconds.get(name, 0.0), value)
    worker = MemoryUse(max(r.worker_peak.virtual_mb for r in runs), max(r.worker_peak.resident_mb for r in runs))
    lines = [
        f"# The reference's own seconds per hidden test of {suite.homework}: the largest of {len(runs)} "
        f"gradings (seeds 0-{len(runs) - 1}),",
        "# worker start-up excluded. Written by `python -m autograder.staff.calibrate "
        f"--hw {suite.homework}`; do not edit by hand.",
        f"# Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({platform.machine()}), one thread, "
        f"load average {load_before:.2f} before and {load_after:.2f} after.",
        "# A test's budget is max(test_budget_floor_s, test_budget_multiple x seconds), both from suite.toml.",
        f"# Worker peak: {worker.describe()} under a limit of {suite.worker_memory_mb} MB.",
        "[reference_s]",
    ]
    lines += [f"{name} = {value:.3f}" for name, value in sorted(seconds.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hw", required=True)
    parser.add_argument("--runs", type=int, default=3, help="gradings with seeds 0..runs-1; the largest time is kept")
    parser.add_argument("--dry-run", action="store_true", help="print the table, write nothing")
    parser.add_argument("--json", default="", help="also write the measured figures to this JSON file")
    args = parser.parse_args(argv)
    suite = load_suite(args.hw, KIT_ROOT)
    load_before = os.getloadavg()[0]
    runs = []
    for seed in range(args.runs):
        run = measure(suite, seed)
        print(f"{suite.homework} seed {seed}: {run.score:g}/{run.max_score:g} in {run.wall_s:.1f} s; "
              f"worker peak {run.worker_peak.describe()}; grader peak resident {run.grader_peak_mb:.0f} MB",
              file=sys.stderr)
        if run.score != run.max_score:
            print("error: the reference did not score full marks; fix that before calibrating", file=sys.stderr)
            return 1
        runs.append(run)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "wall_s": max(r.wall_s for r in runs),
            "worker_virtual_mb": max(r.worker_peak.virtual_mb for r in runs),
            "worker_resident_mb": max(r.worker_peak.resident_mb for r in runs),
            "grader_resident_mb": max(r.grader_peak_mb for r in runs),
        }))
    text = render(suite, runs, load_before, os.getloadavg()[0])
    print(text)
    if not args.dry_run:
        suite.budgets_file.write_text(text)
        print(f"wrote {suite.budgets_file}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
