"""The training loop of homework 0 (provided): minibatches of ratings, one negative each, Adam.

Dimension letters: N training ratings, B ratings in a batch, U users, I items.

One step: take B training ratings (u, i, r); draw one unrated item j per rating with
`sample_negatives`; score (u, i) and (u, j) with the model; minimise
`multitask_loss(s(u,i), s(u,j), r_hat(u,i), r)["total"]` with Adam. An optional `on_epoch` callback
(evaluation) runs before the first epoch and after each one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from tqdm import tqdm

from hw0.config import TrainConfig
from hw0.evaluate import rated_mask
from hw0.submission.losses import multitask_loss
from hw0.submission.model import MultiTaskRecommender
from hw0.submission.negatives import sample_negatives


@dataclass(frozen=True)
class TrainSet:
    """Training ratings. users, items: [N] int64 (0-based); ratings: [N] float32."""

    users: torch.Tensor
    items: torch.Tensor
    ratings: torch.Tensor
    n_users: int
    n_items: int

    def __post_init__(self) -> None:
        n = self.users.numel()
        for name in ("users", "items", "ratings"):
            value = getattr(self, name)
            if value.dim() != 1 or value.numel() != n:
                raise ValueError(f"TrainSet.{name} must be [N] with N={n}, got {tuple(value.shape)}")
        if self.users.dtype != torch.int64 or self.items.dtype != torch.int64:
            raise ValueError("TrainSet.users and TrainSet.items must be int64 ids")
        if not self.ratings.is_floating_point():
            raise ValueError(f"TrainSet.ratings must be float, got {self.ratings.dtype}")

    @property
    def rated(self) -> torch.Tensor:
        """[U, I] bool, True where the user has a training rating for the item."""
        return rated_mask(self.users, self.items, self.n_users, self.n_items)


EpochCallback = Callable[[int, MultiTaskRecommender], dict[str, float]]
"""on_epoch(epoch, model) -> metrics to log; epoch 0 is before any training."""


def build_model(config: TrainConfig, n_users: int, n_items: int) -> MultiTaskRecommender:
    """The model of `config`, initialised from `config.seed`."""
    torch.manual_seed(config.seed)
    return MultiTaskRecommender(config.model_config(n_users, n_items))


def fit(
    model: MultiTaskRecommender,
    data: TrainSet,
    config: TrainConfig,
    on_epoch: EpochCallback | None = None,
) -> list[dict[str, float]]:
    """Trains `model` in place for `config.epochs` epochs; returns one log row per epoch (0 first).

    Each row has "epoch", "seconds" (training time so far), "loss_total", "loss_rank", "loss_rating"
    (means over the epoch's batches; NaN for epoch 0) and whatever `on_epoch` returns.
    """
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    rated = data.rated  # [U, I]
    n = data.users.numel()
    history: list[dict[str, float]] = []
    nan = float("nan")
    row: dict[str, float] = {"epoch": 0, "seconds": 0.0, "loss_total": nan, "loss_rank": nan, "loss_rating": nan}
    if on_epoch is not None:
        row.update(on_epoch(0, model))
    history.append(row)
    elapsed = 0.0
    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=generator)  # [N]
        sums = {"total": 0.0, "rank": 0.0, "rating": 0.0}
        batches = range(0, n, config.batch_size)
        bar = tqdm(batches, desc=f"epoch {epoch}/{config.epochs}", disable=not config.progress, leave=False)
        for s in bar:
            index = order[s : s + config.batch_size]  # [B]
            users, items, ratings = data.users[index], data.items[index], data.ratings[index]
            negatives = sample_negatives(users, rated, generator=generator)  # [B]
            pos = model(users, items)
            neg = model(users, negatives)
            losses = multitask_loss(
                pos["rank"],
                neg["rank"],
                pos["rating"],
                ratings,
                weight_rank=config.weight_rank,
                weight_rating=config.weight_rating,
            )
            optimizer.zero_grad(set_to_none=True)
            losses["total"].backward()
            optimizer.step()
            for key in sums:
                sums[key] += float(losses[key].detach())
            bar.set_postfix(loss=f"{float(losses['total'].detach()):.3f}")
        elapsed += time.perf_counter() - start
        n_batches = len(batches)
        row = {"epoch": epoch, "seconds": round(elapsed, 3)}
        row.update({f"loss_{k}": v / n_batches for k, v in sums.items()})
        if on_epoch is not None:
            row.update(on_epoch(epoch, model))
        history.append(row)
    return history
