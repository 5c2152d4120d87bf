"""Checks of the provided code (they pass before you write anything)."""

from __future__ import annotations

import numpy as np
import torch

from data.omniglot import ClassSet
from hw2.episodes import EpisodeSampler
from hw2.metrics import mean_ci95
from hw2.networks import ConvNet


def test_network_shapes_and_per_task_normalisation():
    net = ConvNet(hidden=8, blocks=4, image_size=28, num_classes=None)
    x = torch.rand(3, 10, 1, 28, 28)
    assert net(x).shape == (3, 10, 8)
    torch.testing.assert_close(net(x), torch.stack([net(x[b]) for b in range(3)]), atol=1e-5, rtol=1e-5)


def test_episode_layout():
    images = np.random.default_rng(0).integers(0, 256, size=(12, 20, 28, 28), dtype=np.uint8)
    classes = ClassSet("train", images, np.arange(12), np.zeros(12, dtype=np.int64))
    e = EpisodeSampler(classes, ways=5, shots=2, queries=3, seed=0).sample(4)
    assert e.x_support.shape == (4, 10, 1, 28, 28) and e.x_query.shape == (4, 15, 1, 28, 28)
    assert e.y_support[0].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert float(e.x_support.max()) <= 1.0


def test_confidence_interval():
    mean, ci = mean_ci95([0.0, 1.0] * 50)
    assert abs(mean - 0.5) < 1e-9 and abs(ci - 1.96 * 0.5025 / 10) < 1e-3
