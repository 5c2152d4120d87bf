"""Public tests of `sample_episode` (a subset of what the grader checks; run `make test HW=hw1`).

The split used here tags every drawing: pixel 0 holds 1 + its class number and pixel 1 holds
1 + its drawing number, so a test can tell which drawing each episode image is.
Dimension letters: C classes, S drawings, N ways, K shots, D = H * W pixels.
"""

from __future__ import annotations

import numpy as np
import torch

from hw1.submission.sampler import sample_episode

C, S, SIDE = 7, 5, 4  # classes, drawings per class, image side (D = 16: the sampler must not assume 784)
N, K = 3, 2


def tagged_split(seed: int = 0) -> np.ndarray:
    """[C, S, SIDE, SIDE] uint8 with the class and drawing tags in pixels 0 and 1."""
    rng = np.random.default_rng(seed)
    images = rng.choice(np.array([0, 0, 0, 255, 128], np.uint8), size=(C, S, SIDE * SIDE))
    images[..., 0] = 1 + np.arange(C)[:, None]
    images[..., 1] = 1 + np.arange(S)[None, :]
    return images.reshape(C, S, SIDE, SIDE)


def tags(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Class and drawing of every image of [K+1, N, D]: two [K+1, N] int64 tensors."""
    codes = torch.round(images[..., :2] * 255).long() - 1
    return codes[..., 0], codes[..., 1]


def test_shapes_dtypes_and_pixel_scale():
    split = tagged_split()
    images, labels = sample_episode(split, N, K, torch.Generator().manual_seed(0))
    assert images.shape == (K + 1, N, SIDE * SIDE), f"images: want [K+1, N, D], got {tuple(images.shape)}"
    assert labels.shape == (K + 1, N, N), f"labels: want [K+1, N, N], got {tuple(labels.shape)}"
    assert images.dtype == torch.float32 and labels.dtype == torch.float32, "both must be float32"
    classes, drawers = tags(images)
    flat = torch.from_numpy(split.reshape(C, S, -1)).float() / 255
    assert torch.allclose(images, flat[classes, drawers]), "images must be drawings / 255 (no inversion)"


def test_support_order_and_query_permutation():
    split = tagged_split()
    generator = torch.Generator().manual_seed(1)
    for _ in range(20):
        images, labels = sample_episode(split, N, K, generator)
        eye = torch.eye(N)
        assert torch.equal(labels[:K], eye.expand(K, N, N)), "support row k must have label e_i at column i"
        query = labels[K]
        assert torch.equal(query.sum(0), torch.ones(N)) and torch.equal(query.sum(1), torch.ones(N)), \
            "the query labels must be a permutation of the N one-hot labels"
        classes, _ = tags(images)
        assert (classes[:K] == classes[0]).all(), "all support images of column i must be one class"
        assert len(set(classes[0].tolist())) == N, "the N columns must be different classes"
        assert torch.equal(classes[K], classes[0][query.argmax(-1)]), \
            "each query image must be a drawing of the class its label names"


def test_no_drawing_twice():
    split = tagged_split()
    generator = torch.Generator().manual_seed(2)
    for _ in range(50):
        images, _ = sample_episode(split, 2, S - 1, generator)  # K+1 = S: every drawing of a class
        classes, drawers = tags(images)
        pairs = set(zip(classes.flatten().tolist(), drawers.flatten().tolist(), strict=True))
        assert len(pairs) == classes.numel(), "an episode contains the same drawing twice"


def test_query_row_is_shuffled():
    split = tagged_split()
    generator = torch.Generator().manual_seed(3)
    orders = {tuple(sample_episode(split, N, 1, generator)[1][1].argmax(-1).tolist()) for _ in range(60)}
    assert len(orders) > 1, "the query row always comes in the same order: shuffle it"
