"""Test metrics of homework 0: mean reciprocal rank of the ranking task, MSE of the rating task.

Dimension letters: T test ratings, V distinct test users, U users, I items.

MRR protocol: for each test rating (u, i), rank item i by its ranking score s(u, .) among every item
that u has no *training* rating for (i itself is one of them; u's other test items stay in the list),
and average 1 / rank over the test ratings. Ties count half: rank = 1 + #{better} + #{tied} / 2, so a
model that gives every item the same score gets the MRR of a random order, not a perfect one.

This module never imports the submission: it works on any model with the `MultiTaskRecommender`
interface, and the grader reuses `mean_reciprocal_rank` and `mean_squared_error` on returned scores.
"""

from __future__ import annotations

import torch
from torch import nn

SCORE_CHUNK = 65_536  # (user, item) pairs per forward pass when scoring every item


def rated_mask(users: torch.Tensor, items: torch.Tensor, n_users: int, n_items: int) -> torch.Tensor:
    """[U, I] bool, True where (user, item) occurs in the given ratings (users, items: [N] int64)."""
    mask = torch.zeros(n_users, n_items, dtype=torch.bool)
    mask[users, items] = True
    return mask


@torch.no_grad()
def score_all_items(model: nn.Module, users: torch.Tensor, n_items: int) -> torch.Tensor:
    """Ranking scores of every item for each user: users [V] int64 -> [V, I] float32."""
    was_training = model.training
    model.eval()
    V = users.numel()
    flat_users = users.repeat_interleave(n_items)  # [V*I]
    flat_items = torch.arange(n_items).repeat(V)  # [V*I]
    scores = torch.cat(
        [
            model(flat_users[s : s + SCORE_CHUNK], flat_items[s : s + SCORE_CHUNK])["rank"].reshape(-1)
            for s in range(0, flat_users.numel(), SCORE_CHUNK)
        ]
    )
    model.train(was_training)
    return scores.reshape(V, n_items).float()  # [V*I] -> [V, I]


@torch.no_grad()
def predict_ratings(model: nn.Module, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
    """Predicted ratings of (user, item) pairs: users, items [T] int64 -> [T] float32."""
    was_training = model.training
    model.eval()
    out = torch.cat(
        [
            model(users[s : s + SCORE_CHUNK], items[s : s + SCORE_CHUNK])["rating"].reshape(-1)
            for s in range(0, users.numel(), SCORE_CHUNK)
        ]
    )
    model.train(was_training)
    return out.float()


def mean_reciprocal_rank(
    scores: torch.Tensor, rows: torch.Tensor, targets: torch.Tensor, excluded: torch.Tensor
) -> float:
    """MRR of the test items among the candidates (see the module docstring).

    scores: [V, I] float, ranking scores of every item for each distinct test user.
    rows: [T] int64, the row of `scores` that belongs to each test rating's user.
    targets: [T] int64, the rated test item of each test rating.
    excluded: [V, I] bool, the items each test user rated in training (never candidates).
    """
    if scores.dim() != 2 or excluded.shape != scores.shape:
        raise ValueError(
            f"scores and excluded must both be [V, I], got {tuple(scores.shape)} and {tuple(excluded.shape)}"
        )
    if rows.shape != targets.shape or rows.dim() != 1:
        raise ValueError(f"rows and targets must both be [T], got {tuple(rows.shape)} and {tuple(targets.shape)}")
    if bool(excluded[rows, targets].any()):
        raise ValueError("a test item is also a training item of its user; the split is broken")
    if not bool(torch.isfinite(scores).all()):
        return 0.0  # a diverged model ranks nothing
    total = 0.0
    for s in range(0, rows.numel(), 1024):  # [1024, I] at a time keeps memory flat
        r, t = rows[s : s + 1024], targets[s : s + 1024]
        row_scores = scores[r]  # [t, I]
        target = row_scores.gather(1, t[:, None])  # [t, 1]
        candidate = ~excluded[r]  # [t, I]
        better = ((row_scores > target) & candidate).sum(1)
        tied = ((row_scores == target) & candidate).sum(1) - 1  # minus the target itself
        total += float((1.0 / (1.0 + better + tied / 2.0)).sum())
    return total / max(rows.numel(), 1)


def mean_squared_error(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Mean of (pred - target)^2 over [T] float tensors; inf when the model diverged."""
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {tuple(pred.shape)} and {tuple(target.shape)}")
    value = float(((pred.double() - target.double()) ** 2).mean())
    return value if value == value else float("inf")  # NaN -> inf: worse than any threshold


def evaluate(
    model: nn.Module,
    test_users: torch.Tensor,
    test_items: torch.Tensor,
    test_ratings: torch.Tensor,
    train_rated: torch.Tensor,
) -> dict[str, float]:
    """Test MRR and MSE of `model`.

    test_users, test_items: [T] int64. test_ratings: [T] float32.
    train_rated: [U, I] bool, the training ratings (`rated_mask` of the training set).
    Returns {"mrr": float, "mse": float}.
    """
    n_items = train_rated.shape[1]
    distinct, rows = torch.unique(test_users, return_inverse=True)  # [V], [T]
    scores = score_all_items(model, distinct, n_items)  # [V, I]
    mrr = mean_reciprocal_rank(scores, rows, test_items, train_rated[distinct])
    mse = mean_squared_error(predict_ratings(model, test_users, test_items), test_ratings)
    return {"mrr": mrr, "mse": mse}
