"""Hidden tests of hw2 as a whole: short meta-training runs on synthetic Omniglot must learn.

The grader draws a small synthetic Omniglot (`data.omniglot.make_synthetic_omniglot`, 16 x 16,
seeded by the grading seed), splits its characters, and sends the worker only the TRAINING
characters plus the support sets and query IMAGES of T test tasks drawn from unseen characters.
The worker meta-trains with the provided `Learner` (which calls the student's functions) and
returns predicted query labels (`probes:train_and_predict`); the grader scores them against the
query labels it kept. Chance is 1/N = 20%.

Thresholds are calibrated on the reference over many grading seeds (CALIBRATION.md; rerun with
`python -m autograder.tests.hw2.test_hw2_training --seeds 20`).

Dimension letters: T test tasks, N ways, K shots, Q queries per class.
"""

from __future__ import annotations

from typing import Any

import pytest
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.engine.carry_forward import END_TO_END
from autograder.engine.checks import expect_shape, expect_true
from data.omniglot import make_synthetic_omniglot, split_omniglot
from hw2.episodes import EpisodeSampler

IMAGE_SIZE, CHARACTERS, DRAWERS = 16, 150, 10
TEST_TASKS, TEST_QUERIES = 20, 5
COMMON = {"data": "synthetic", "ways": 5, "queries": 5, "hidden": 16, "progress": False, "execution": "loop"}
RUNS = {
    "protonet": {**COMMON, "method": "protonet", "shots": 1, "meta_batch": 2, "iterations": 60, "lr": 3e-3},
    "maml": {**COMMON, "method": "maml", "shots": 1, "meta_batch": 2, "iterations": 60, "lr": 3e-3,
             "inner_steps": 1, "inner_lr": 0.4},
}
# Wall-clock budget of one run: about 5 s of CPU for the reference, but 60 s were seen on a
# machine shared by many jobs (CALIBRATION.md), so the budget is generous.
BUDGET_S = 150
# Calibrated on the reference over grading seeds 0-19 (CALIBRATION.md): minimum 0.702 (ProtoNet)
# and 0.628 (MAML), less a margin of about 0.15; chance is 0.20.
MIN_ACCURACY = {"protonet": 0.55, "maml": 0.45}


def make_problem(seed: int, method: str) -> dict[str, Any]:
    """Training characters and T test tasks of unseen characters; the query labels stay here."""
    arrays = make_synthetic_omniglot(CHARACTERS, DRAWERS, IMAGE_SIZE, seed=seed)
    sets = split_omniglot(arrays, kind="random", seed=seed)
    run = RUNS[method]
    test = EpisodeSampler(sets["test"], run["ways"], run["shots"], TEST_QUERIES, seed=seed + 1).sample(TEST_TASKS)
    return {"train_images": sets["train"].images, "test": test, "config": {**run, "seed": seed}}


def outcome(call: Any, method: str, seed: int) -> float:
    """Trains through `call` (student.call) and returns the grader-side test accuracy."""
    problem = make_problem(seed, method)
    test = problem["test"]
    got = call("probes:train_and_predict", problem["config"], problem["train_images"],
               test.x_support, test.y_support, test.x_query)
    predictions = expect_shape(got, tuple(test.y_query.shape), f"{method} test predictions")
    return float((predictions == test.y_query).float().mean())


def _check(student: Any, method: str, seed: int) -> None:
    accuracy = outcome(student.call, method, seed)
    expect_true(accuracy >= MIN_ACCURACY[method],
                f"after a short {method} meta-training run on synthetic characters, the 5-way 1-shot "
                f"accuracy on unseen characters is {100 * accuracy:.1f}%, below what a correct solution "
                f"reaches ({100 * MIN_ACCURACY[method]:.0f}%); chance is 20%.")


@weight(2)
@number("3.1")
@tags(END_TO_END)  # depends on every function: any bug may cost points here
@pytest.mark.budget(BUDGET_S)
def test_protonet_training_learns(student, grading_seed):
    """training (ProtoNet): a short run classifies unseen characters well above chance"""
    _check(student, "protonet", grading_seed)


@weight(2)
@number("3.2")
@tags(END_TO_END)  # depends on every function: any bug may cost points here
@pytest.mark.budget(BUDGET_S)
def test_maml_training_learns(student, grading_seed):
    """training (MAML): a short run classifies unseen characters well above chance"""
    _check(student, "maml", grading_seed)
