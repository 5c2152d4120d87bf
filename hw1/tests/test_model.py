"""Public tests of `MANN.forward` (shapes, hidden query labels, untouched inputs)."""

from __future__ import annotations

import torch

from hw1.submission.model import IMAGE_DIM, MANN

B, N, K, HIDDEN = 2, 3, 2, 16


def episodes() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    images = (torch.rand(B, K + 1, N, IMAGE_DIM, generator=g) < 0.2).float()
    labels = torch.eye(N).expand(B, K + 1, N, N).clone()
    labels[:, K] = torch.eye(N)[[2, 0, 1]]
    return images, labels


def test_output_shape():
    torch.manual_seed(0)
    images, labels = episodes()
    out = MANN(N, HIDDEN)(images, labels)
    assert out.shape == (B, K + 1, N, N), f"want [B, K+1, N, N], got {tuple(out.shape)}"


def test_query_labels_are_hidden_and_inputs_untouched():
    torch.manual_seed(0)
    model = MANN(N, HIDDEN)
    images, labels = episodes()
    before = labels.clone()
    out = model(images, labels)
    assert torch.equal(labels, before), "forward must not modify the caller's labels (zero a copy)"
    other = labels.clone()
    other[:, K] = torch.rand(B, N, N)
    assert torch.allclose(model(images, other), out, atol=1e-6), "the query labels leak into the output"
    changed = labels.clone()
    changed[:, 0] = torch.eye(N)[[1, 2, 0]]
    assert not torch.allclose(model(images, changed), out), "the support labels must reach the model"
