"""The benchmark's fast cache samplers draw valid episodes, so the speed-ups they show are fair.

Images here encode their identity: pixel 0 is the character, pixel 1 is 100 + the drawer.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
import torch

from autograder.bench.hw1 import _single_episode, _vectorized_batch

C, S = 30, 20


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """[C, S, 28, 28] uint8 whose pixels 0 and 1 name the character and the drawer."""
    out = np.zeros((C, S, 28, 28), np.uint8)
    out[:, :, 0, 0] = np.arange(C)[:, None]
    out[:, :, 0, 1] = 100 + np.arange(S)[None, :]
    return out


def _check(x: torch.Tensor, y: torch.Tensor, N: int, K: int) -> tuple[list[int], list[int]]:
    """Asserts one episode is valid; returns its classes in support order and its query labels."""
    assert x.shape == (K + 1, N, 784) and y.shape == (K + 1, N, N)
    assert x.dtype == y.dtype == torch.float32
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    character = (x[..., 0] * 255).round().long()  # [K+1, N]
    drawer = (x[..., 1] * 255).round().long()
    label = y.argmax(-1)  # [K+1, N]
    assert torch.equal(y.sum(-1), torch.ones(K + 1, N))
    assert torch.equal(label[:K], torch.arange(N).expand(K, N))  # support in class order
    classes = character[0].tolist()
    assert len(set(classes)) == N
    for n in range(N):  # every image labelled n is of the n-th class
        assert set(character[label == n].tolist()) == {classes[n]}
    assert len(set(zip(character.flatten().tolist(), drawer.flatten().tolist(), strict=True))) == (K + 1) * N
    return classes, label[K].tolist()


@pytest.mark.parametrize(("N", "K"), [(5, 1), (3, 4), (20, 5)])
def test_single_episode_is_valid_and_uniform(images: np.ndarray, N: int, K: int) -> None:
    draw, eye = random.Random(0), np.eye(N, dtype=np.float32)
    seen_classes, query_first = Counter(), Counter()
    for _ in range(300):
        classes, query = _check(*_single_episode(images.reshape(C * S, 784), S, N, K, draw, eye), N, K)
        seen_classes.update(classes)
        query_first[query[0]] += 1
    assert set(seen_classes) == set(range(C)) and len(query_first) == N


@pytest.mark.parametrize(("N", "K"), [(5, 1), (20, 5)])
def test_vectorized_batch_is_valid(images: np.ndarray, N: int, K: int) -> None:
    x, y = _vectorized_batch(images, 64, N, K, np.random.default_rng(0))
    assert x.shape[0] == y.shape[0] == 64
    for b in range(64):
        _check(x[b], y[b], N, K)
