"""Probes of the hw1 hidden suite: they run in the untrusted worker, next to the student's code.

Each probe builds student objects from plain data (arrays, a state_dict, a config dict), runs them
and returns raw observations (episodes, logits, gradients, predictions). Probes hold no expected
values and no query labels: the grader computes every verdict. Imports are absolute (in the worker
this file is loaded as a top-level module).

Dimension letters: E episodes, B episodes per batch, C classes, S drawings per class, N ways,
K shots, D pixels per image (784 for the model; the sampler is also probed with small images).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from hw1.config import TrainConfig
from hw1.submission.attention import AttentionMetaLearner
from hw1.submission.loss import query_loss
from hw1.submission.model import MANN
from hw1.submission.sampler import sample_episode
from hw1.training import fit


def sample_episodes(images: np.ndarray, num_classes: int, num_shots: int, count: int, seed: int) -> dict[str, Any]:
    """`count` episodes from one seeded generator.

    Returns {"first": (images, labels) of the first episode as the student returned them,
    "images": [E, K+1, N, D], "labels": [E, K+1, N, N]} (stacked as float32; None when the
    episodes do not stack, which the grader reports from "first").
    """
    generator = torch.Generator().manual_seed(seed)
    episodes = [sample_episode(images, num_classes, num_shots, generator) for _ in range(count)]
    first = episodes[0]
    try:
        stacked_images = torch.stack([torch.as_tensor(e[0]).float() for e in episodes])
        stacked_labels = torch.stack([torch.as_tensor(e[1]).float() for e in episodes])
    except (RuntimeError, TypeError, IndexError):
        stacked_images = stacked_labels = None
    return {"first": (first[0], first[1]), "images": stacked_images, "labels": stacked_labels}


def _model(num_classes: int, hidden_size: int, state: dict[str, torch.Tensor], kind: str = "lstm") -> torch.nn.Module:
    if kind == "attention":
        model: torch.nn.Module = AttentionMetaLearner(num_classes, width=hidden_size)
    else:
        model = MANN(num_classes, hidden_size)
    got = set(model.state_dict())
    if got != set(state):
        raise ValueError(
            "MANN's parameters are not laid out as the handout gives them (expected "
            f"{sorted(state)[:6]}, got {sorted(got)[:6]}); keep the layers __init__ provides."
        )
    model.load_state_dict(state)
    return model


def model_forward(
    num_classes: int, hidden_size: int, state: dict[str, torch.Tensor],
    images: torch.Tensor, labels: torch.Tensor, kind: str = "lstm", training: bool = False,
) -> dict[str, torch.Tensor]:
    """MANN (or, kind="attention", AttentionMetaLearner) with the grader's weights on
    [B, K+1, N, D] images and [B, K+1, N, N] labels, in eval mode (train mode if `training`;
    the LSTM has no dropout, so a correct forward gives the same logits in both).

    Returns the logits and the two input tensors as they are after the call (an in-place write
    into the caller's labels shows up there).
    """
    model = _model(num_classes, hidden_size, state, kind)
    model.train(training)
    with torch.no_grad():
        logits = model(images, labels)
    return {"logits": logits, "images_after": images, "labels_after": labels}


def loss_gradient(logits: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """query_loss and its gradient with respect to the logits [B, K+1, N, N]."""
    logits = logits.detach().clone().requires_grad_(True)
    loss = query_loss(logits, labels)
    loss.backward()
    grad = logits.grad if logits.grad is not None else torch.zeros_like(logits)
    return {"loss": loss.detach(), "grad": grad}


def train_and_predict(
    config: dict[str, Any], train_images: np.ndarray, test_images: torch.Tensor,
    test_labels: torch.Tensor, attempts: int = 3, restart_below: float = 0.6,
) -> dict[str, Any]:
    """Meta-trains with the provided loop (your sampler, model and loss), then predicts.

    train_images: [C, S, H, W] uint8 training classes. test_images: [E, K+1, N, D] test episodes
    built by the grader; test_labels: [E, K+1, N, N] with the query row already zeroed (the
    worker never sees the query answers). An LSTM run can sit at chance for a while before it
    starts to match (the plateau of Santoro et al.'s curves), so a run whose final training query
    accuracy is below `restart_below` is restarted from a new initialisation, up to `attempts`
    runs in all. Returns {"logits": query logits [E, N, N] of the last run, "runs": runs made}.
    """
    torch.set_num_threads(1)
    for attempt in range(attempts):
        cfg = TrainConfig(**{**config, "seed": int(config["seed"]) + 7919 * attempt})
        # The learning-curve points use the training classes, so no labelled test episode ever
        # reaches the worker.
        model, rows = fit(cfg, train_images, train_images)
        if rows and rows[-1].train_accuracy >= restart_below:
            break
    model.eval()
    with torch.no_grad():
        logits = model(test_images, test_labels)  # [E, K+1, N, N]
    return {"logits": logits[:, -1], "runs": attempt + 1}
