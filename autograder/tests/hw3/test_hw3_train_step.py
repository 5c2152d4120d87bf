"""Hidden tests of hw3's train_step.py: cross-entropy, gradient accumulation, optimizer stepping.

The model is the provided BagOfWordsClassifier (hw3/tiny.py), so these tests do not depend on the
student's TextClassifier. The worker runs the student's training_step over M micro-batches with
plain SGD and returns every parameter after every micro-step and the micro-steps at which the
optimizer and the scheduler stepped (`probes:accumulation`); the grader replays the same run with
the reference training_step and compares. Plain SGD makes every parameter change proportional to
the accumulated gradient, so a wrong loss scale, a missing zero_grad or a step at the wrong time
all show up in the parameters.

Dimension letters: M micro-steps, B sentences per micro-batch, T tokens, C classes.
"""

from __future__ import annotations

from typing import Any

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.checks import expect_close, expect_true
from autograder.solutions.hw3.train_step import training_step
from hw3.tiny import BagOfWordsClassifier

VOCAB, N_CLASSES, B, T = 30, 4, 3, 6
LR = 0.5
ATOL = 1e-5  # float32, a handful of SGD steps


def _micro_batches(seed: int, m: int) -> list[dict[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(m):
        lengths = torch.randint(2, T + 1, (B,), generator=g)
        mask = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).to(torch.int64)  # [B, T]
        ids = torch.randint(1, VOCAB, (B, T), generator=g) * mask
        batches.append({"input_ids": ids, "attention_mask": mask,
                        "labels": torch.randint(0, N_CLASSES, (B,), generator=g)})
    return batches


def _replay(state: dict[str, torch.Tensor], batches: list[dict[str, torch.Tensor]], n: int) -> dict[str, Any]:
    model = BagOfWordsClassifier(VOCAB, N_CLASSES)
    model.load_state_dict(state)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    params, losses = [], []
    for i, mb in enumerate(batches):
        losses.append(training_step(model, optimizer, mb["input_ids"], mb["attention_mask"], mb["labels"],
                                    micro_step=i, accum_steps=n))
        params.append({k: p.detach().clone() for k, p in model.named_parameters()})
    return {"params": params, "losses": losses}


def _run(student: Any, seed: int, n: int, m: int) -> tuple[dict[str, Any], dict[str, Any]]:
    state = BagOfWordsClassifier(VOCAB, N_CLASSES, seed=seed).state_dict()
    batches = _micro_batches(seed, m)
    got = student.call("probes:accumulation", state, VOCAB, N_CLASSES, batches, n, LR)
    return got, _replay(state, batches, n)


def _compare_params(got: dict[str, Any], want: dict[str, Any], n: int) -> None:
    for i, (g, w) in enumerate(zip(got["params"], want["params"], strict=True)):
        for name in w:
            expect_close(g[name], w[name], atol=ATOL,
                         what=f"parameter {name} after micro-step {i} (accum_steps={n}, plain SGD)")


@weight(3)
@number("4.1")
def test_gradient_accumulation(student, grading_seed):
    """with accum_steps = n the optimizer steps after micro-steps n-1, 2n-1, ... with the mean gradient"""
    for n, m in ((3, 8), (2, 5)):
        got, want = _run(student, grading_seed + n, n, m)
        steps = [i for i in range(m) if (i + 1) % n == 0]
        expect_true(got["optimizer_steps"] == steps,
                    f"accum_steps={n}: optimizer.step() was called after micro-steps {got['optimizer_steps']} "
                    f"(counting from 0), expected after {steps}")
        expect_true(got["scheduler_steps"] == steps,
                    f"accum_steps={n}: scheduler.step() was called after micro-steps {got['scheduler_steps']}, "
                    "expected once right after each optimizer step")
        _compare_params(got, want, n)


@weight(1)
@number("4.2")
def test_single_step_cross_entropy(student, grading_seed):
    """accum_steps = 1: one SGD step per micro-batch on the mean cross-entropy, which is returned"""
    got, want = _run(student, grading_seed, 1, 3)
    expect_true(got["optimizer_steps"] == [0, 1, 2],
                f"accum_steps=1: optimizer.step() after micro-steps {got['optimizer_steps']}, expected [0, 1, 2]")
    expect_close(torch.tensor(got["losses"]), torch.tensor(want["losses"]), atol=ATOL,
                 what="returned losses (mean cross-entropy of each micro-batch, as floats)")
    _compare_params(got, want, 1)
