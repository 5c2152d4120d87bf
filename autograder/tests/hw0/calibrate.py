"""Calibrates the outcome thresholds of test_hw0_training.py on the reference solution.

    .venv/bin/python -m autograder.tests.hw0.calibrate [--seeds 30] [--modes shared separate mmoe]

Runs `outcome` of the hidden test in-process with hw0.submission aliased to the reference, one CPU
thread, for grading seeds 0..N-1, and prints min / mean / max of the rating skill and ranking lift
per mode, and the wall time per run. Results go into CALIBRATION.md by hand.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--modes", nargs="+", default=["shared", "separate", "mmoe"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    from autograder.engine.proxy import alias_submission

    alias_submission("hw0", "autograder.solutions.hw0")
    probes = importlib.import_module("autograder.tests.hw0.probes")
    training = importlib.import_module("autograder.tests.hw0.test_hw0_training")

    def call(target: str, *a, **k):
        torch.manual_seed(12345)
        return getattr(probes, target.split(":")[1])(*a, **k)

    for mode in args.modes:
        skills, lifts, times = [], [], []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            start = time.perf_counter()
            got = training.outcome(call, mode, seed)
            times.append(time.perf_counter() - start)
            skills.append(got["skill"])
            lifts.append(got["lift"])
            print(f"{mode} seed {seed}: skill {got['skill']:.3f} lift {got['lift']:.3f} "
                  f"(mse {got['mse']:.3f} base {got['base_mse']:.3f}, mrr {got['mrr']:.4f} pop {got['pop_mrr']:.4f}) "
                  f"{times[-1]:.1f}s", flush=True)
        print(f"== {mode}: skill min {min(skills):.3f} mean {statistics.mean(skills):.3f} max {max(skills):.3f}; "
              f"lift min {min(lifts):.3f} mean {statistics.mean(lifts):.3f} max {max(lifts):.3f}; "
              f"seconds mean {statistics.mean(times):.2f} max {max(times):.2f}", flush=True)


if __name__ == "__main__":
    main()
