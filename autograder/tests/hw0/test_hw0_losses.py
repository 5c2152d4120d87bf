"""Hidden tests of hw0's losses.py (BPR, the weighted multi-task loss) and negatives.py (sampling).

Loss references come from `autograder.solutions.hw0`; sampling is checked by its properties (never a
rated item, uniform over the unrated ones, reproducible from a generator), never by the order of the
random draws. multitask_loss is graded on its own logic: where it does not match the reference, it
is compared with its contract applied to the student's own bpr_loss (error carried forward,
`autograder/engine/carry_forward.py`), so a bpr_loss bug costs points in bpr_loss's tests only.

Dimension letters: B batch, U users, I items.
"""

from __future__ import annotations

from typing import Any

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.carry_forward import expect_own_logic
from autograder.engine.checks import expect_close, expect_dtype, expect_shape, expect_true
from autograder.solutions.hw0 import losses as ref

LOSSES = "hw0.submission.losses"
NEGATIVES = "hw0.submission.negatives"
PROBES = "probes"
B = 64
ATOL = 1e-6


def _scores(seed: int, scale: float = 2.0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    pos, neg, pred = (torch.randn(B, generator=g) * scale for _ in range(3))
    target = 1.0 + 4.0 * torch.rand(B, generator=g)
    return pos, neg, pred, target


@weight(1)
@number("3.1")
def test_bpr_loss_matches_reference(student, grading_seed):
    """bpr_loss: the batch mean of -log sigmoid(pos - neg)"""
    pos, neg, _, _ = _scores(grading_seed)
    got = student.call(f"{LOSSES}:bpr_loss", pos, neg)
    expect_close(got, ref.bpr_loss(pos, neg), atol=ATOL, what="bpr_loss(pos, neg)")


@weight(1)
@number("3.2")
def test_bpr_loss_is_stable(student, grading_seed):
    """bpr_loss: finite and exact for score differences of +-200"""
    pos, neg, _, _ = _scores(grading_seed, scale=100.0)
    pos[0], neg[0] = -100.0, 100.0  # sigmoid(-200) is 0 in float32: log(sigmoid) would give -inf
    got = student.call(f"{LOSSES}:bpr_loss", pos, neg)
    expect_close(got, ref.bpr_loss(pos, neg), atol=1e-3, rtol=1e-6,
                 what="bpr_loss with score differences up to 200 (use logsigmoid)")


WEIGHTINGS = ((0.3, 0.7), (0.99, 0.01), (1.0, 0.0))


def _own_bpr_multitask(student, pos: torch.Tensor, neg: torch.Tensor, pred: torch.Tensor, target: torch.Tensor,
                       w_rank: float, w_rating: float) -> dict[str, Any]:
    """multitask_loss's contract recomputed from the student's OWN bpr_loss (error carried forward,
    autograder/engine/carry_forward.py): values, and the gradient of the total w.r.t. pos, neg and
    pred (None where none reaches; "grads" None when the total can have no graph)."""
    own = student.call(f"{PROBES}:bpr_with_gradients", pos, neg)
    rank, rating = own["loss"], ((pred - target) ** 2).mean()
    values = {"rank": rank, "rating": rating, "total": w_rank * rank + w_rating * rating}
    grads = None
    if own["grads"] is not None:
        grads = {name: None if g is None else w_rank * g for name, g in own["grads"].items()}
        grads["pred"] = w_rating * 2 * (pred - target) / pred.numel()  # d(w * mean((pred - target)^2)) / d pred
    return {"values": values, "grads": grads}


def _expect_loss_values(got: Any, want: dict[str, torch.Tensor], w_rank: float, w_rating: float) -> None:
    expect_true(isinstance(got, dict) and {"total", "rank", "rating"} <= set(got),
                "multitask_loss must return a dict with the keys 'total', 'rank' and 'rating'.")
    for key in ("rank", "rating", "total"):
        expect_close(got[key], want[key], atol=1e-5, rtol=1e-6,
                     what=f"multitask_loss(...)[{key!r}] with weight_rank={w_rank}, weight_rating={w_rating}")


@weight(2)
@number("3.3")
def test_multitask_loss_values(student, grading_seed):
    """multitask_loss: unweighted parts and their weighted total"""
    pos, neg, pred, target = _scores(grading_seed)
    for w_rank, w_rating in WEIGHTINGS:
        got = student.call(f"{LOSSES}:multitask_loss", pos, neg, pred, target,
                           weight_rank=w_rank, weight_rating=w_rating)
        want = ref.multitask_loss(pos, neg, pred, target, weight_rank=w_rank, weight_rating=w_rating)
        # Error carried forward: a bpr_loss bug is charged in bpr_loss's tests, not here.
        expect_own_logic(
            lambda got=got, want=want, w=(w_rank, w_rating): _expect_loss_values(got, want, *w),
            lambda got=got, w=(w_rank, w_rating): _expect_loss_values(
                got, _own_bpr_multitask(student, pos, neg, pred, target, *w)["values"], *w))


def _expect_loss_grads(got: dict | None, want: dict[str, torch.Tensor | None]) -> None:
    expect_true(got is not None,
                "multitask_loss(...)['total'] is cut from the autograd graph: training could not "
                "call backward() on it. Keep it a tensor expression (no .item(), float() or torch.tensor).")
    for name, w in want.items():
        g = got[name]
        if w is None:  # the student's own bpr_loss gives no gradient here
            expect_true(g is None or float(g.abs().max()) == 0.0, f"the total loss depends on {name} "
                        "although its bpr_loss does not.")
            continue
        expect_true(g is not None, f"the total loss does not depend on {name}.")
        expect_close(g, w, atol=1e-6, what=f"d total / d {name}")


@weight(1)
@number("3.4")
def test_multitask_loss_gradients(student, grading_seed):
    """multitask_loss: the total is differentiable and its gradient matches the reference"""
    pos, neg, pred, target = _scores(grading_seed)
    got = student.call(f"{PROBES}:loss_with_gradients", pos, neg, pred, target, 0.3, 0.7)
    leaves = [t.clone().requires_grad_(True) for t in (pos, neg, pred)]
    total = ref.multitask_loss(*leaves, target, weight_rank=0.3, weight_rating=0.7)["total"]
    want = dict(zip(("pos", "neg", "pred"), torch.autograd.grad(total, leaves), strict=True))

    def against_own_bpr() -> None:
        own = _own_bpr_multitask(student, pos, neg, pred, target, 0.3, 0.7)["grads"]
        if own is None:  # the student's bpr_loss has no graph: only the rating part can have one
            raise AssertionError("no expectation")
        _expect_loss_grads(got["grads"], own)

    expect_own_logic(lambda: _expect_loss_grads(got["grads"], want), against_own_bpr)


# --- negative sampling ------------------------------------------------------------------------

def _rated(seed: int, n_users: int, n_items: int) -> torch.Tensor:
    """[U, I] bool with a different share of rated items per user (from 0 to all but one)."""
    g = torch.Generator().manual_seed(seed)
    rated = torch.zeros(n_users, n_items, dtype=torch.bool)
    for u in range(n_users):
        k = (u * (n_items - 1)) // max(n_users - 1, 1)  # user u rated k items
        rated[u, torch.randperm(n_items, generator=g)[:k]] = True
    return rated


@weight(1)
@number("4.1")
def test_negatives_are_unrated(student, grading_seed):
    """sample_negatives: [B] int64 items the user has not rated, never a rated one"""
    rated = _rated(grading_seed, 6, 40)
    g = torch.Generator().manual_seed(grading_seed)
    users = torch.randint(6, (3000,), generator=g)
    got = student.call(f"{NEGATIVES}:sample_negatives", users, rated)
    items = expect_shape(got, (3000,), "sample_negatives(users, rated)")
    expect_dtype(items, torch.int64, "sample_negatives(users, rated)")
    expect_true(bool(((items >= 0) & (items < 40)).all()), "sample_negatives returned item ids outside [0, I).")
    hits = int(rated[users, items.clamp(0, 39)].sum())
    expect_true(hits == 0, f"{hits} of 3000 sampled negatives are items the user has rated; a negative "
                           "must be an item the user has NOT rated.")


@weight(2)
@number("4.2")
def test_negatives_are_uniform(student, grading_seed):
    """sample_negatives: each unrated item is equally likely, for every user"""
    n_users, n_items, per_user = 4, 12, 6000
    rated = _rated(grading_seed + 7, n_users, n_items)
    users = torch.arange(n_users).repeat_interleave(per_user)
    got = student.call(f"{NEGATIVES}:sample_negatives", users, rated)
    items = expect_shape(got, (n_users * per_user,), "sample_negatives(users, rated)")
    for u in range(n_users):
        allowed = (~rated[u]).nonzero().squeeze(-1)
        counts = torch.bincount(items[users == u].clamp(0, n_items - 1), minlength=n_items)[allowed].double()
        expected = per_user / allowed.numel()
        # 6 binomial standard deviations per item: a uniform sampler fails with probability < 1e-7.
        sd = (expected * (1 - 1 / allowed.numel())) ** 0.5
        worst = float((counts - expected).abs().max())
        expect_true(worst <= 6 * sd + 1e-9,
                    f"user {u} has {allowed.numel()} unrated items, but their frequencies among {per_user} "
                    f"draws are far from equal (largest deviation {worst:.0f} draws): sample uniformly "
                    "among the unrated items.")


@weight(1)
@number("4.3")
def test_negatives_use_the_generator(student, grading_seed):
    """sample_negatives: two generators with the same seed give the same draws"""
    rated = _rated(grading_seed + 3, 5, 30)
    users = torch.randint(5, (500,), generator=torch.Generator().manual_seed(grading_seed))
    got = student.call(f"{PROBES}:negatives_twice", users, rated, grading_seed)
    expect_true(torch.equal(got["first"], got["second"]),
                "two calls with generators seeded alike returned different items: pass `generator` to "
                "every torch random function you call.")
    expect_true(not bool(rated[users, got["default"].clamp(0, 29)].any()),
                "with generator=None (the default), sample_negatives returned a rated item.")
