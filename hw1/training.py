"""Meta-training and evaluation of the black-box meta-learner on batches of episodes.

Dimension letters: B episodes per batch, N ways, K shots, D = 784 pixels.

One step: sample B training episodes, predict every image with the query labels hidden (your
`MANN.forward`), score the query row (your `query_loss`), one Adam step. Accuracy is always the
query accuracy: the share of query images whose largest logit is their class.
"""

from __future__ import annotations

import logging
import math
import os
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from hw1.config import TrainConfig
from hw1.episodes import sample_batch
from hw1.submission.attention import AttentionMetaLearner
from hw1.submission.loss import query_loss
from hw1.submission.model import MANN

log = logging.getLogger(__name__)

Z_95 = 1.959964  # two-sided 95% quantile of the standard normal


def build_model(config: TrainConfig) -> torch.nn.Module:
    """The black-box model named by `config.model`, freshly initialised from the current seed."""
    if config.model == "lstm":
        return MANN(config.num_classes, config.hidden_size)
    if config.model == "attention":
        return AttentionMetaLearner(config.num_classes, width=config.hidden_size)
    raise ValueError(f"unknown model {config.model!r}")


def episode_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Query accuracy of each episode.

    logits, labels: [B, K+1, N, N] float32 (labels one-hot, query row included).
    Returns: [B] float32, the share of the N query images classified correctly.
    """
    predicted = logits[:, -1].argmax(dim=-1)  # [B, N]
    target = labels[:, -1].argmax(dim=-1)  # [B, N]
    return (predicted == target).float().mean(dim=-1)


@dataclass(frozen=True)
class Accuracy:
    """Mean query accuracy over E episodes and the half-width of its normal 95% interval."""

    mean: float
    ci95: float
    episodes: int


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
    images: np.ndarray,
    config: TrainConfig,
    episodes: int,
    generator: torch.Generator,
) -> Accuracy:
    """Query accuracy of `model` over `episodes` episodes of one split (batches of B).

    images: [C, S, H, W] uint8, the split to draw from (e.g. the test classes).
    """
    model.eval()
    scores = []
    remaining = episodes
    while remaining > 0:
        size = min(config.batch_size, remaining)
        x, y = sample_batch(images, size, config.num_classes, config.num_shots, generator)
        scores.append(episode_accuracy(model(x, y), y))
        remaining -= size
    model.train()
    per_episode = torch.cat(scores).double()  # [E]
    std = float(per_episode.std()) if episodes > 1 else 0.0
    return Accuracy(float(per_episode.mean()), Z_95 * std / math.sqrt(episodes), episodes)


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far (all its threads), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class LogRow:
    """One point of the learning curve."""

    step: int
    train_loss: float  # mean query loss over the steps since the previous row
    train_accuracy: float  # mean training query accuracy over the same steps
    val_accuracy: float  # query accuracy on eval_batches * B fresh validation episodes
    seconds: float  # wall time of training so far (summed over resumed parts)
    cpu_seconds: float  # CPU time of training so far (summed over resumed parts)
    load1: float  # the machine's 1-minute load average at this row (times mean little above 1/core)


CHECKPOINT = "checkpoint.pt"  # in the run folder, rewritten at every learning-curve row


def save_checkpoint(path: Path, step: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    generators: dict[str, torch.Generator], rows: list[LogRow]) -> None:
    """Everything needed to continue training exactly where it stopped, written atomically."""
    state = {
        "step": step,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "generators": {name: g.get_state() for name, g in generators.items()},
        "rows": [asdict(r) for r in rows],
    }
    partial = path.with_suffix(".partial")
    torch.save(state, partial)
    partial.replace(path)  # a kill during the write leaves the previous checkpoint intact


def fit(
    config: TrainConfig,
    train_images: np.ndarray,
    val_images: np.ndarray,
    on_row: Callable[[LogRow], None] | None = None,
    on_step: Callable[[int], None] | None = None,
    checkpoint: Path | None = None,
    resume: bool = False,
) -> tuple[torch.nn.Module, list[LogRow]]:
    """Meta-trains a fresh model (or continues one); returns it and its learning curve.

    train_images, val_images: [C_s, S, H, W] uint8 of the training and validation classes.
    on_row: called with every learning-curve row (logging, CSV). on_step: called after every step.
    checkpoint: file rewritten at every row; with resume=True training continues from it (same
    model, optimiser, episode generators and curve), so a resumed run equals an uninterrupted one.
    Training and evaluation draw from two generators seeded from config.seed, so the validation
    episodes do not depend on how many training episodes were drawn before them.
    """
    torch.manual_seed(config.seed)
    model = build_model(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    generators = {"train": torch.Generator().manual_seed(config.seed),
                  "val": torch.Generator().manual_seed(config.seed + 1_000_003)}
    train_gen, val_gen = generators["train"], generators["val"]
    rows: list[LogRow] = []
    first = 1
    if resume:
        if checkpoint is None or not checkpoint.is_file():
            raise FileNotFoundError(f"--resume: no checkpoint at {checkpoint}; start the run without --resume.")
        state = torch.load(checkpoint, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        for name, g in generators.items():
            g.set_state(state["generators"][name])
        rows = [LogRow(**r) for r in state["rows"]]
        first = state["step"] + 1
        log.info("resumed from %s at step %d", checkpoint, state["step"])
    done_wall = rows[-1].seconds if rows else 0.0
    done_cpu = rows[-1].cpu_seconds if rows else 0.0
    losses, accuracies = [], []
    start, start_cpu = time.perf_counter(), cpu_seconds()
    for step in range(first, config.steps + 1):
        x, y = sample_batch(train_images, config.batch_size, config.num_classes, config.num_shots, train_gen)
        logits = model(x, y)  # [B, K+1, N, N]
        loss = query_loss(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        accuracies.append(float(episode_accuracy(logits.detach(), y).mean()))
        if on_step is not None:
            on_step(step)
        if step % config.eval_interval == 0 or step == config.steps:
            val = evaluate(model, val_images, config, config.eval_batches * config.batch_size, val_gen)
            row = LogRow(step, float(np.mean(losses)), float(np.mean(accuracies)), val.mean,
                         done_wall + time.perf_counter() - start, done_cpu + cpu_seconds() - start_cpu,
                         os.getloadavg()[0])
            rows.append(row)
            losses, accuracies = [], []
            if checkpoint is not None:
                save_checkpoint(checkpoint, step, model, optimizer, generators, rows)
            if on_row is not None:
                on_row(row)
    return model, rows
