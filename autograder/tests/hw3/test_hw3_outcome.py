"""Hidden tests of hw3 as a whole: a short fine-tuning run on a synthetic text task must learn it.

The grader draws a keyword-intent task (hw3/synthetic.py; seeded by the grading seed) and sends the
worker the training sentences with their labels and the test sentences *without* labels. The
worker builds the tiny BERT, runs the provided pipeline (build_classifier, fit, predict) on the
student's selection, LoRA, classifier and training step (`probes:finetune_predict`), and returns
predicted classes; the grader computes the accuracy on the labels it kept.

The head starts at random (a linear head, not the prototype start), so a pipeline that does not
train stays near chance (1/6), while the reference reaches the accuracies in CALIBRATION.md.
Thresholds: the reference's minimum over the calibration seeds, less a margin (see calibrate.py).
"""

from __future__ import annotations

from typing import Any

import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.engine.carry_forward import END_TO_END
from autograder.engine.checks import expect_dtype, expect_shape, expect_true
from hw3.synthetic import make_intents

N_CLASSES = 6
TRAIN_PER_CLASS = 16
TEST_PER_CLASS = 30
COMMON = {"data": "synthetic", "head": "linear", "head_init": "random", "epochs": 15, "batch_size": 16,
          "warmup_ratio": 0.1, "schedule": "linear"}
# Only full fine-tuning: on a *random* tiny BERT the other modes train too little to be told apart
# from a broken pipeline (their parts are checked by the unit tests instead; CALIBRATION.md).
CONFIGS = {"all": {**COMMON, "mode": "all", "lr": 3e-3, "head_lr": 3e-3}}
# Calibrated on the reference (CALIBRATION.md): minimum accuracy over 20 seeds (0.644) less a
# margin of 0.10; chance is 1/6 = 0.17.
MIN_ACCURACY = {"all": 0.54}


def outcome(call: Any, mode: str, seed: int) -> float:
    """Accuracy of one fine-tuning run through `call` (student.call) on the task of `seed`."""
    train = make_intents(N_CLASSES, TRAIN_PER_CLASS, seed=seed)
    test = make_intents(N_CLASSES, TEST_PER_CLASS, seed=seed + 1_000_003)
    predicted = call("probes:finetune_predict", CONFIGS[mode], train.texts, train.labels, test.texts,
                     N_CLASSES, seed)
    expect_dtype(predicted, torch.int64, "predicted classes")
    expect_shape(predicted, (len(test.texts),), "predicted classes")
    return float((predicted == test.labels).to(torch.float64).mean())


@weight(3)
@number("6.1")
@tags(END_TO_END)  # depends on every function: any bug may cost points here
def test_full_finetuning_learns(student, grading_seed):
    """mode "all": a short fine-tuning run of the tiny BERT learns the synthetic intent task"""
    accuracy = outcome(student.call, "all", grading_seed)
    expect_true(accuracy >= MIN_ACCURACY["all"],
                f"after fine-tuning in mode 'all' the test accuracy is {accuracy:.3f}, below the required "
                f"{MIN_ACCURACY['all']:.2f} (chance: {1 / N_CLASSES:.2f})")

