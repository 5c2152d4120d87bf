"""Calibrates the outcome thresholds of test_hw2_training.py on the reference (CALIBRATION.md).

    .venv/bin/python -m autograder.tests.hw2.calibrate [--seeds 20] [--variants protonet maml]

Prints, per method and grading seed, the test accuracy the training test checks, then min / mean /
max over the seeds.
"""

from __future__ import annotations

from autograder.staff.outcome_calibration import run_cli
from autograder.tests.hw2.test_hw2_training import RUNS, outcome

if __name__ == "__main__":
    run_cli("hw2", {method: (f"test_hw2_training.py::test_{method}_training_learns",
                             lambda call, seed, method=method: outcome(call, method, seed))
                    for method in RUNS})
