"""Batches of episodes from your `sample_episode`, and the Omniglot splits they are drawn from.

Dimension letters: B episodes, C classes of a split, S drawings per class, H x W pixels,
N ways, K shots, D = H * W = 784.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from data.omniglot import ClassSet, load_omniglot, split_omniglot
from hw1.submission.sampler import sample_episode

log = logging.getLogger(__name__)

IMAGE_SIZE = 28  # H = W, so D = 784 as the model expects


def load_class_sets(data: str = "auto", split_seed: int = 0) -> dict[str, ClassSet]:
    """Omniglot's train/val/test classes (1100/100/423 characters, no rotation).

    data: "auto" (the official data when prepared, else synthetic with a warning), "official" or
        "synthetic". split_seed: seed of the random character split.
    Returns: {"train", "val", "test"} -> ClassSet with images [C_s, 20, 28, 28] uint8.
    """
    arrays = load_omniglot(IMAGE_SIZE, source=data)
    log.info("Omniglot source: %s", arrays.meta.source)
    return split_omniglot(arrays, kind="random", seed=split_seed)


def sample_batch(
    images: np.ndarray, batch_size: int, num_classes: int, num_shots: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """B independent episodes of one split, stacked.

    images: [C, S, H, W] uint8, a split's drawings (`ClassSet.images`).
    Returns: images [B, K+1, N, D] float32 and labels [B, K+1, N, N] float32 one-hot.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    episodes = [sample_episode(images, num_classes, num_shots, generator) for _ in range(batch_size)]
    batch_images = torch.stack([e[0] for e in episodes])  # [B, K+1, N, D]
    batch_labels = torch.stack([e[1] for e in episodes])  # [B, K+1, N, N]
    return batch_images, batch_labels
