"""Public tests of prototypes.py: class means and nearest-prototype predictions."""

from __future__ import annotations

import torch

from hw3.submission.prototypes import class_prototypes, nearest_prototype_predict, prototype_logits


def test_prototypes_are_class_means():
    x = torch.tensor([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0]])
    labels = torch.tensor([0, 0, 1])
    torch.testing.assert_close(class_prototypes(x, labels, 2), torch.tensor([[2.0, 0.0], [0.0, 2.0]]))


def test_logits_and_predictions():
    protos = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    q = torch.tensor([[2.0, 0.0]])
    torch.testing.assert_close(prototype_logits(q, protos, "euclidean"), torch.tensor([[-1.0, -5.0]]))
    torch.testing.assert_close(prototype_logits(q, protos, "cosine"), torch.tensor([[1.0, 0.0]]))
    support = torch.tensor([[1.0, 0.1], [0.9, -0.1], [0.0, 1.0]])
    got = nearest_prototype_predict(support, torch.tensor([0, 0, 1]), torch.tensor([[0.1, 2.0], [3.0, 0.0]]), 2)
    assert got.dtype == torch.int64 and got.tolist() == [1, 0]
