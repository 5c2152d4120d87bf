"""Calibrating a hidden suite's training-outcome thresholds on the reference, one way for every homework.

A training test asserts that an outcome (an accuracy, a skill score) clears a threshold; the
threshold is set from the reference's outcomes over many grading seeds, with a margin, and written
down in the suite's CALIBRATION.md. `calibrate` runs the test's own `outcome(call, seed)` on the
in-process student (the reference aliased as `hwN.submission`, one CPU thread, the grader's own
per-call seeding for the given test), so the numbers are the ones grading would see.
Each suite's `calibrate.py` names its outcomes and calls `run_cli`:

    .venv/bin/python -m autograder.tests.hw2.calibrate [--seeds 20] [--first-seed 0] [--variants maml]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch

from autograder.engine.proxy import InProcessStudent

Outcome = Callable[[Callable[..., Any], int], Any]  # outcome(student.call, grading_seed)


@dataclass(frozen=True)
class Run:
    seed: int
    value: Any  # a number, or a dict of named numbers
    seconds: float


def calibrate(homework: str, outcome: Outcome, seeds: Iterable[int], test_id: str = "") -> list[Run]:
    """`outcome` of the reference for each grading seed; `test_id` ("file.py::test_name") seeds the
    student's calls as grading that test does."""
    torch.set_num_threads(1)
    runs = []
    for seed in seeds:
        student = InProcessStudent(homework, seed, f"autograder.solutions.{homework}")
        student.clock.begin(test_id or f"calibration::{homework}", float("inf"))
        started = time.perf_counter()
        value = outcome(student.call, seed)
        runs.append(Run(seed, value, time.perf_counter() - started))
    return runs


def spread(runs: list[Run]) -> str:
    """min / mean / max of each outcome (of each named number for a dict) and of the seconds."""
    first = runs[0].value
    names = list(first) if isinstance(first, dict) else [""]
    parts = []
    for name in names:
        values = [float(r.value[name] if name else r.value) for r in runs]
        parts.append(f"{name or 'outcome'} min {min(values):.3f} mean {statistics.fmean(values):.3f} "
                     f"max {max(values):.3f}")
    seconds = [r.seconds for r in runs]
    return "; ".join(parts) + f"; seconds mean {statistics.fmean(seconds):.1f} max {max(seconds):.1f}"


def run_cli(homework: str, outcomes: dict[str, tuple[str, Outcome]], seeds: int = 20,
            argv: list[str] | None = None) -> None:
    """Command line of a suite's calibrate.py: `outcomes` maps a variant name to (test id, outcome)."""
    parser = argparse.ArgumentParser(description=f"Calibrates the training outcomes of {homework}'s hidden suite.")
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--variants", nargs="+", default=list(outcomes), choices=list(outcomes))
    args = parser.parse_args(argv)
    for variant in args.variants:
        test_id, outcome = outcomes[variant]
        seeds_run = range(args.first_seed, args.first_seed + args.seeds)
        runs = calibrate(homework, outcome, seeds_run, test_id)
        for run in runs:
            print(f"{variant} seed {run.seed}: {run.value} ({run.seconds:.1f} s)", flush=True)
        print(f"== {variant}, seeds {args.first_seed}..{seeds_run[-1]}: {spread(runs)}", flush=True)
