"""Calibrates the hw1 hidden suite on the reference solution; numbers go into CALIBRATION.md.

    .venv/bin/python -m autograder.tests.hw1.calibrate outcome [--seeds 20]
    .venv/bin/python -m autograder.tests.hw1.calibrate uniform [--seeds 50]

`outcome`: runs the training test's `outcome` in-process (hw1.submission aliased to the reference,
one CPU thread) for grading seeds 0..n-1; prints each accuracy, the minimum, mean and wall time.
`uniform`: runs the chi-square tests of test_hw1_sampler.py for seeds 0..n-1 and prints the
smallest p-values seen (they must stay above the suite's ALPHA at every seed).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from typing import Any

import torch


def _in_process_call(probes: Any):
    def call(target: str, *args: Any, **kwargs: Any) -> Any:
        torch.manual_seed(12345)
        return getattr(probes, target.split(":")[1])(*args, **kwargs)
    return call


class _Student:
    """Enough of the grader's proxy for the sampler tests, in-process."""

    def __init__(self, probes: Any) -> None:
        self.call = _in_process_call(probes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("outcome", "uniform"))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from autograder.engine.proxy import alias_submission

    alias_submission("hw1", "autograder.solutions.hw1")
    probes = importlib.import_module("autograder.tests.hw1.probes")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    if args.what == "outcome":
        training = importlib.import_module("autograder.tests.hw1.test_hw1_training")
        accuracies, times = [], []
        for seed in seeds:
            start = time.perf_counter()
            accuracies.append(training.outcome(_in_process_call(probes), seed))
            times.append(time.perf_counter() - start)
            print(f"seed {seed}: accuracy {accuracies[-1]:.3f} ({times[-1]:.1f} s)", flush=True)
        print(f"== accuracy min {min(accuracies):.3f} mean {statistics.mean(accuracies):.3f} "
              f"max {max(accuracies):.3f}; seconds mean {statistics.mean(times):.1f} max {max(times):.1f}")
        return
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
    student = _Student(probes)
    for seed in seeds:
        current.clear()
        sampler.test_classes_drawn_uniformly(student, seed)
        sampler.test_query_positions_uniform(student, seed)
        for name, p in zip(seen, current, strict=True):
            seen[name].append(p)
        print(f"seed {seed}: p-values " + ", ".join(f"{p:.3g}" for p in current), flush=True)
    print("== smallest p-values: " + ", ".join(f"{k} {min(v):.3g}" for k, v in seen.items())
          + f" (ALPHA {sampler.ALPHA:g}, {len(seeds)} seeds)")


if __name__ == "__main__":
    main()
