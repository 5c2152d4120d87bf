"""Hidden test of hw1 as a whole: a short meta-training run on synthetic data must learn to match.

The grader draws a small synthetic task (`episode_data.pattern_classes`: 6 classes, each a random
ink pattern, drawings that differ by a few pixels; seeded by the grading seed) and splits every
class's drawings: the first TRAIN_DRAWERS go to the worker, which meta-trains the
student's model with the provided loop (`hw1.training.fit`: the student's sampler, forward and
loss) and then predicts test episodes that the grader built from the held-out drawings with the
reference sampler. The worker receives those episodes with the query labels already zeroed; the
grader keeps the answers and computes the query accuracy itself.

The class set is small, so a few hundred steps suffice; the labels are still episode-relative (class
i of one episode is any character), so only a model that reads the support labels can beat chance.
Threshold calibrated on the reference (CALIBRATION.md, `calibrate.py` beside this file).

Dimension letters: E test episodes, C classes, S drawings, N ways, K shots, D = 784 pixels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.engine.carry_forward import END_TO_END
from autograder.engine.checks import expect_shape, expect_true
from autograder.solutions.hw1.sampler import sample_episode
from autograder.tests.hw1.episode_data import pattern_classes

CLASSES, DRAWERS, TRAIN_DRAWERS = 6, 20, 15  # synthetic classes, drawings each, drawings for training
N, K = 2, 1
TEST_EPISODES = 400
TRAIN = {"num_classes": N, "num_shots": K, "batch_size": 64, "hidden_size": 64, "lr": 5e-3,
         "steps": 300, "eval_interval": 200, "eval_batches": 1, "final_episodes": 1,
         "data": "synthetic", "threads": 1, "progress": False}
# Calibrated on the reference over grading seeds 0..19 (CALIBRATION.md): minimum 0.65, mean 0.88.
# Chance is 1/N = 0.5; over 400 x 2 query predictions its standard deviation is 0.018, so 0.6 is
# more than 5 standard deviations above what a model that learned nothing can reach.
MIN_ACCURACY = 0.6


def make_task(seed: int) -> dict[str, Any]:
    """Training drawings for the worker; test episodes (answers kept) from the held-out drawings."""
    images = pattern_classes(CLASSES, DRAWERS, seed)  # [C, S, 28, 28] uint8
    train_images = np.ascontiguousarray(images[:, :TRAIN_DRAWERS])  # [C, 15, 28, 28] uint8
    held_out = np.ascontiguousarray(images[:, TRAIN_DRAWERS:])  # [C, 5, 28, 28] uint8
    generator = torch.Generator().manual_seed(seed + 1)
    episodes = [sample_episode(held_out, N, K, generator) for _ in range(TEST_EPISODES)]
    images = torch.stack([e[0] for e in episodes])  # [E, K+1, N, D]
    labels = torch.stack([e[1] for e in episodes])  # [E, K+1, N, N]
    answers = labels[:, K].argmax(-1)  # [E, N], stays in the grader
    hidden = labels.clone()
    hidden[:, K] = 0.0  # the worker never sees the query labels
    return {"train_images": train_images, "images": images, "labels": hidden, "answers": answers}


def outcome(call: Any, seed: int) -> float:
    """Query accuracy of a model trained through `call` (student.call) on the task of `seed`."""
    task = make_task(seed)
    config = {**TRAIN, "seed": seed}
    got = call("probes:train_and_predict", config, task["train_images"], task["images"], task["labels"])
    logits = got["logits"]
    expect_shape(logits, (TEST_EPISODES, N, N), "query logits of the trained model")
    return float((logits.argmax(-1) == task["answers"]).float().mean())


@weight(4)
@number("4.1")
@tags(END_TO_END)  # depends on every function: any bug may cost points here
@pytest.mark.budget(120)
def test_training_outcome(student, grading_seed):
    """training: a short run on a synthetic task learns 2-way 1-shot matching"""
    accuracy = outcome(student.call, grading_seed)
    expect_true(accuracy >= MIN_ACCURACY,
                f"after {TRAIN['steps']} meta-training steps on synthetic {N}-way {K}-shot episodes, the "
                f"query accuracy on held-out drawings is {accuracy:.3f} (chance {1 / N:.2f}); a correct "
                "sampler, forward pass and loss learn far more. Check that the query labels are hidden, "
                "the query row is shuffled, and the loss scores the query row.")
