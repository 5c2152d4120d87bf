"""Public tests of hw0/submission/losses.py and negatives.py.

Dimension letters: B batch, U users, I items.
"""

from __future__ import annotations

import math

import torch

from hw0.submission.losses import bpr_loss, multitask_loss
from hw0.submission.negatives import sample_negatives


def test_bpr_loss_of_equal_scores_is_log_2():
    scores = torch.randn(7)
    loss = bpr_loss(scores, scores.clone())
    assert loss.shape == ()
    assert abs(float(loss) - math.log(2.0)) < 1e-6


def test_bpr_loss_prefers_higher_positive_scores():
    neg = torch.zeros(5)
    assert float(bpr_loss(torch.full((5,), 3.0), neg)) < float(bpr_loss(torch.full((5,), -3.0), neg))


def test_bpr_loss_is_finite_for_huge_differences():
    loss = bpr_loss(torch.tensor([-200.0, 0.0]), torch.tensor([200.0, 0.0]))
    assert math.isfinite(float(loss)), "use torch.nn.functional.logsigmoid, not log(sigmoid(x))"


def test_multitask_loss_weights_the_parts():
    g = torch.Generator().manual_seed(0)
    pos, neg, pred = (torch.randn(8, generator=g) for _ in range(3))
    target = torch.rand(8, generator=g) * 4 + 1
    out = multitask_loss(pos, neg, pred, target, weight_rank=0.2, weight_rating=0.8)
    torch.testing.assert_close(out["rank"], bpr_loss(pos, neg))
    torch.testing.assert_close(out["rating"], ((pred - target) ** 2).mean())
    torch.testing.assert_close(out["total"], 0.2 * out["rank"] + 0.8 * out["rating"])


def test_multitask_loss_is_differentiable():
    pred = torch.zeros(4, requires_grad=True)
    out = multitask_loss(torch.zeros(4), torch.zeros(4), pred, torch.ones(4), weight_rank=0.5, weight_rating=0.5)
    out["total"].backward()
    assert pred.grad is not None and bool(pred.grad.abs().sum() > 0)


def test_negatives_are_never_rated():
    rated = torch.zeros(3, 10, dtype=torch.bool)
    rated[0, :9] = True  # user 0 has one unrated item left: item 9
    rated[1, ::2] = True
    users = torch.tensor([0, 1, 2] * 200)
    items = sample_negatives(users, rated, generator=torch.Generator().manual_seed(0))
    assert items.shape == users.shape and items.dtype == torch.int64
    assert not bool(rated[users, items].any()), "a negative must be an item the user has not rated"
    assert bool((items[users == 0] == 9).all())


def test_negatives_cover_every_unrated_item():
    rated = torch.zeros(1, 6, dtype=torch.bool)
    rated[0, 2] = True
    items = sample_negatives(torch.zeros(3000, dtype=torch.int64), rated, generator=torch.Generator().manual_seed(0))
    counts = torch.bincount(items, minlength=6)
    assert counts[2] == 0
    assert bool((counts[[0, 1, 3, 4, 5]] > 450).all()), f"draws are far from uniform: {counts.tolist()}"


def test_negatives_follow_the_generator():
    rated = torch.rand(4, 20, generator=torch.Generator().manual_seed(0)) < 0.3
    users = torch.randint(4, (50,))
    a = sample_negatives(users, rated, generator=torch.Generator().manual_seed(5))
    b = sample_negatives(users, rated, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b), "pass `generator` to every torch random function you call"
