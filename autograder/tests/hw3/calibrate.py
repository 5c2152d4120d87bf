"""Calibrates the outcome thresholds of test_hw3_outcome.py on the reference (CALIBRATION.md).

    .venv/bin/python -m autograder.tests.hw3.calibrate [--seeds 20] [--first-seed 1]

Prints, per mode and grading seed, the accuracy of one fine-tuning run through the hidden test's
probe, then min / mean / max; the threshold is the minimum less a margin of 0.10.
"""

from __future__ import annotations

from autograder.staff.outcome_calibration import run_cli
from autograder.tests.hw3.test_hw3_outcome import CONFIGS, outcome

if __name__ == "__main__":
    run_cli("hw3", {mode: ("test_hw3_outcome.py::test_full_finetuning_learns",
                           lambda call, seed, mode=mode: outcome(call, mode, seed))
                    for mode in CONFIGS})
