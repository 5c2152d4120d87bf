"""Calibrates the outcome thresholds of test_hw0_training.py on the reference (CALIBRATION.md).

    .venv/bin/python -m autograder.tests.hw0.calibrate [--seeds 30] [--variants shared separate mmoe]

Prints, per sharing mode and grading seed, the rating skill and ranking lift the test checks (and
the MSE and MRR behind them), then min / mean / max over the seeds.
"""

from __future__ import annotations

from autograder.staff.outcome_calibration import run_cli
from autograder.tests.hw0.test_hw0_training import outcome

if __name__ == "__main__":
    run_cli("hw0", {mode: (f"test_hw0_training.py::test_training_learns_{mode}",
                           lambda call, seed, mode=mode: outcome(call, mode, seed))
                    for mode in ("shared", "separate", "mmoe")}, seeds=30)
