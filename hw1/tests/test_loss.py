"""Public tests of `query_loss` (value on a hand-made case, support rows ignored)."""

from __future__ import annotations

import math

import torch

from hw1.submission.loss import query_loss


def test_value_on_a_hand_made_batch():
    # One episode, N = 2, K = 1; query logits favour the right class by 1 and the wrong one by 2.
    logits = torch.zeros(1, 2, 2, 2)
    logits[0, 1, 0] = torch.tensor([1.0, 0.0])  # query image 0 is class 0: loss log(1 + e^-1)
    logits[0, 1, 1] = torch.tensor([2.0, 0.0])  # query image 1 is class 1: loss log(1 + e^2)
    labels = torch.eye(2).expand(1, 2, 2, 2).clone()
    want = (math.log(1 + math.exp(-1)) + math.log(1 + math.exp(2))) / 2
    got = query_loss(logits, labels)
    assert got.shape == (), "the loss must be a scalar"
    assert abs(float(got) - want) < 1e-5, f"want the mean query cross-entropy {want:.5f}, got {float(got):.5f}"


def test_support_rows_do_not_count():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 3, 4, 4, generator=g)
    labels = torch.eye(4).expand(3, 3, 4, 4).clone()
    changed = logits.clone()
    changed[:, :2] = torch.randn(3, 2, 4, 4, generator=g)
    assert torch.allclose(query_loss(logits, labels), query_loss(changed, labels)), \
        "the loss changed with the support rows' logits: score only the query row"
