# Your part of the homework: fill in every TODO below (see the README of this homework).
"""The two task losses and their weighted sum.

Dimension letters: B pairs in a batch.

- Ranking (implicit feedback): BPR (Rendle et al. 2009). For a rated item i and a sampled unrated
  item j of the same user, maximise log sigmoid(s(u, i) - s(u, j)): the rated item should score
  higher. Only score differences matter, which is why s carries an item bias but no user bias.
- Rating (explicit feedback): mean squared error against the observed rating.
- Multi-task: total = weight_rank * L_rank + weight_rating * L_rating.
"""

from __future__ import annotations

import torch


def _check_vector(name: str, value: torch.Tensor, size: int | None = None) -> None:
    if not isinstance(value, torch.Tensor) or value.dim() != 1 or not value.is_floating_point():
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(f"{name} must be a [B] float tensor, got {shape}; squeeze a [B, 1] output to [B].")
    if size is not None and value.numel() != size:
        raise ValueError(f"{name} must have B={size} entries like the first argument, got {value.numel()}")


def bpr_loss(pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
    """Bayesian personalised ranking loss, averaged over the batch.

    pos_scores: [B] float32, ranking scores s(u, i) of the items the users rated.
    neg_scores: [B] float32, ranking scores s(u, j) of one sampled unrated item per user.
    Returns: [] float32, mean over the batch of -log sigmoid(pos - neg).
    """
    _check_vector("pos_scores", pos_scores)
    _check_vector("neg_scores", neg_scores, pos_scores.numel())
    # TODO: return the batch mean of -log(sigmoid(pos_scores - neg_scores)).
    # TODO: - Use torch.nn.functional.logsigmoid: log(torch.sigmoid(x)) underflows to log(0) = -inf
    # TODO:   once x < -100 or so, and one such pair turns the whole loss into inf.
    # TODO: - Mean, not sum: the learning rate in the README assumes a mean over the batch.
    raise NotImplementedError("TODO: hw0.losses.bpr_loss")


def multitask_loss(
    pos_scores: torch.Tensor,
    neg_scores: torch.Tensor,
    pred_ratings: torch.Tensor,
    ratings: torch.Tensor,
    *,
    weight_rank: float,
    weight_rating: float,
) -> dict[str, torch.Tensor]:
    """The weighted sum of the ranking and the rating loss.

    pos_scores, neg_scores: [B] float32, as in bpr_loss.
    pred_ratings: [B] float32, predicted ratings of the rated pairs. ratings: [B] float32, observed.
    weight_rank, weight_rating: lambda_rank and lambda_rating.
    Returns {"total": [], "rank": [], "rating": []} float32 tensors: "rank" is the (unweighted) BPR
    loss, "rating" the (unweighted) mean squared error, "total" their weighted sum.
    """
    _check_vector("pos_scores", pos_scores)
    for name, value in (("neg_scores", neg_scores), ("pred_ratings", pred_ratings), ("ratings", ratings)):
        _check_vector(name, value, pos_scores.numel())
    # TODO: compute rank = bpr_loss(pos_scores, neg_scores) and rating = the mean over the batch of
    # TODO: (pred_ratings - ratings)^2, then total = weight_rank * rank + weight_rating * rating.
    # TODO: Return {"total": total, "rank": rank, "rating": rating}.
    # TODO: - "rank" and "rating" are unweighted (the training log reports them as they are).
    # TODO: - "total" must stay connected to the graph: the training loop calls total.backward().
    raise NotImplementedError("TODO: hw0.losses.multitask_loss")
