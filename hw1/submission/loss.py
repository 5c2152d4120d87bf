# Your part of the homework: fill in every TODO below (see the README of this homework).
"""The meta-training loss of the black-box meta-learner: cross-entropy on the query row only.

Dimension letters: B episodes, N ways, K shots (row K of an episode is its query row).

Only the query predictions are scored: the support images come with their labels, so their
predictions measure nothing about learning from the episode (Santoro et al. 2016 score every
step after a class's first appearance; the homework follows the simpler query-only protocol).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


def query_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the query predictions.

    logits: [B, K+1, N, N] float32, the model's raw scores (no softmax applied).
    labels: [B, K+1, N, N] float32 one-hot, the TRUE labels (query row included).
    Returns: [] float32, the cross-entropy averaged over the B * N query images.
    """
    # TODO: Score only the query row (index K, the last on axis 1) of logits against the query
    # TODO: row of labels: cross-entropy of logits [B*N, N] against the class index of each
    # TODO: one-hot label, averaged over all B*N query images (a mean, not a sum).
    # TODO: Allowed: torch.nn.functional.cross_entropy (it applies log-softmax itself: pass raw
    # TODO: logits, not probabilities), argmax, reshape. Pitfalls: including the support rows,
    # TODO: applying softmax first, reshaping so that rows and columns get mixed.
    # TODO: The grader compares your value to the reference to 1e-5 and checks that the support
    # TODO: rows have no influence on it.
    raise NotImplementedError("TODO: hw1.loss.query_loss")
