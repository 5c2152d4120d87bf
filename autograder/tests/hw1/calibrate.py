"""Calibrates the hw1 hidden suite on the reference solution; numbers go into CALIBRATION.md.

    .venv/bin/python -m autograder.tests.hw1.calibrate outcome [--seeds 20]
    .venv/bin/python -m autograder.tests.hw1.calibrate uniform [--seeds 50]

`outcome`: the training test's `outcome` on the reference (autograder/staff/outcome_calibration.py)
for grading seeds 0..n-1; prints each accuracy, then min / mean / max and the wall time.
`uniform`: runs the chi-square tests of test_hw1_sampler.py for seeds 0..n-1 and prints the
smallest p-values seen (they must stay above the suite's ALPHA at every seed).
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

import torch

from autograder.engine.proxy import InProcessStudent
from autograder.staff.outcome_calibration import run_cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("outcome", "uniform"))
    args, rest = parser.parse_known_args()
    if args.what == "outcome":
        from autograder.tests.hw1.test_hw1_training import outcome

        run_cli("hw1", {"outcome": ("test_hw1_training.py::test_training_outcome", outcome)}, argv=rest)
        return
    uniform(rest)


def uniform(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="smallest p-values of the sampler's chi-square tests")
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    sampler = importlib.import_module("autograder.tests.hw1.test_hw1_sampler")
    episode_data = importlib.import_module("autograder.tests.hw1.episode_data")
    seen: dict[str, list[float]] = {"classes": [], "columns": [], "support drawings": [],
                                    "query drawings": [], "query": []}
    original = episode_data.chi_square_pvalue
    current: list[float] = []

    def recording(*a: Any, **k: Any) -> float:
        p = original(*a, **k)
        current.append(p)
        return p

    sampler.chi_square_pvalue = recording
    for seed in seeds:
        student = InProcessStudent("hw1", seed, "autograder.solutions.hw1")
        current.clear()
        student.clock.begin("test_hw1_sampler.py::test_classes_drawn_uniformly", float("inf"))
        sampler.test_classes_drawn_uniformly(student, seed)
        student.clock.begin("test_hw1_sampler.py::test_query_positions_uniform", float("inf"))
        sampler.test_query_positions_uniform(student, seed)
        for name, p in zip(seen, current, strict=True):
            seen[name].append(p)
        print(f"seed {seed}: p-values " + ", ".join(f"{p:.3g}" for p in current), flush=True)
    print("== smallest p-values: " + ", ".join(f"{k} {min(v):.3g}" for k, v in seen.items())
          + f" (ALPHA {sampler.ALPHA:g}, {len(seeds)} seeds)")


if __name__ == "__main__":
    main()
