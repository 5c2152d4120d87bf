"""Calibrates the outcome thresholds of test_hw3_outcome.py on the reference solution.

`python -m autograder.tests.hw3.calibrate --seeds 20` runs the outcome of every mode with grading
seeds 1..N through the same probe as the hidden test (in-process, one CPU thread, hw3.submission
aliased to the reference) and prints min / mean / max and the threshold (min - MARGIN) to paste
into MIN_ACCURACY and CALIBRATION.md.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from autograder.engine.proxy import InProcessStudent
from autograder.tests.hw3.test_hw3_outcome import CONFIGS, outcome

MARGIN = 0.10


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--modes", nargs="+", default=list(CONFIGS))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    for mode in args.modes:
        accs = []
        started = time.monotonic()
        for seed in range(1, args.seeds + 1):
            student = InProcessStudent("hw3", seed, "autograder.solutions.hw3")
            student.clock.begin(f"test_hw3_outcome.py::{mode}", 600)
            accs.append(outcome(student.call, mode, seed))
        seconds = (time.monotonic() - started) / args.seeds
        print(f"{mode}: seeds 1..{args.seeds}, min {min(accs):.3f}, mean {statistics.fmean(accs):.3f}, "
              f"max {max(accs):.3f}, threshold {min(accs) - MARGIN:.2f}, {seconds:.1f} s per run; "
              f"all: {[round(a, 3) for a in accs]}", flush=True)


if __name__ == "__main__":
    main()
