"""Public tests of `hw2/submission/protonet.py`: `python -m pytest hw2/tests` (or `make test HW=hw2`).

Small hand-checkable cases; the hidden tests check the same properties on other data.
Dimension letters: B tasks, N ways, K shots, M queries, D features.
"""

from __future__ import annotations

import torch

from hw2.networks import ConvNet
from hw2.submission.protonet import compute_prototypes, protonet_step, prototype_logits

TOL = 1e-5


def test_prototypes_are_class_means_in_any_order():
    emb = torch.tensor([[[0.0, 0.0], [2.0, 4.0], [1.0, 1.0], [4.0, 2.0]]])  # [1, 4, 2]
    y = torch.tensor([[1, 0, 1, 0]])  # shuffled, not class-major
    got = compute_prototypes(emb, y, 2)
    torch.testing.assert_close(got, torch.tensor([[[3.0, 3.0], [0.5, 0.5]]]), atol=TOL, rtol=0)


def test_prototypes_keep_the_graph():
    emb = torch.randn(2, 6, 3, requires_grad=True)
    y = torch.tensor([0, 1, 2, 0, 1, 2]).repeat(2, 1)
    compute_prototypes(emb, y, 3).sum().backward()
    assert emb.grad is not None, "no gradient reached the support embeddings through the prototypes"


def test_logits_are_negative_squared_distances():
    query = torch.tensor([[[0.0, 0.0], [3.0, 4.0]]])  # [1, 2, 2]
    protos = torch.tensor([[[0.0, 0.0], [3.0, 0.0]]])  # [1, 2, 2]
    want = torch.tensor([[[0.0, -9.0], [-25.0, -16.0]]])  # squared: 3-4-5 triangle gives 25, not 5
    torch.testing.assert_close(prototype_logits(query, protos), want, atol=TOL, rtol=0)


def _episode(B=2, N=3, K=2, Q=2, size=8):
    g = torch.Generator().manual_seed(0)
    xs, xq = torch.rand(B, N * K, 1, size, size, generator=g), torch.rand(B, N * Q, 1, size, size, generator=g)
    ys = torch.arange(N).repeat_interleave(K).repeat(B, 1)
    yq = torch.arange(N).repeat_interleave(Q).repeat(B, 1)
    return xs, ys, xq, yq


def test_step_returns_scalars_and_trains_the_encoder():
    torch.manual_seed(0)
    net = ConvNet(hidden=8, blocks=2, image_size=8)
    out = protonet_step(net, *_episode(), num_ways=3)
    assert set(out) >= {"loss", "support_acc", "query_acc"}, f"missing keys, got {sorted(out)}"
    for key in ("loss", "support_acc", "query_acc"):
        assert out[key].shape == (), f"{key} must be a [] tensor, got shape {tuple(out[key].shape)}"
    assert 0.0 <= float(out["query_acc"]) <= 1.0
    out["loss"].backward()
    assert all(p.grad is not None for p in net.parameters()), "the loss must reach every encoder parameter"


def test_batched_equals_loop():
    torch.manual_seed(0)
    net = ConvNet(hidden=8, blocks=2, image_size=8)
    data = _episode()
    a, b = protonet_step(net, *data, num_ways=3, batched=True), protonet_step(net, *data, num_ways=3, batched=False)
    for key in ("loss", "support_acc", "query_acc"):
        torch.testing.assert_close(a[key], b[key], atol=TOL, rtol=TOL)
