"""The N-way K-shot episode sampler of the memory-augmented meta-learner (Santoro et al. 2016).

Dimension letters: C classes in the split, S drawings per class, H x W pixels (28 x 28),
N ways (classes per episode), K shots (support drawings per class), D = H * W features (784 for
Omniglot at 28 x 28; the tests also use smaller images, so never hard-code 784 here).

An episode is K+1 rows of N images: rows 0..K-1 are the support set, with column i holding
class i in every support row; row K is the query set, one new drawing of each class, in a
shuffled order. Labels are one-hot over the N episode classes (episode class i = label i).
"""

from __future__ import annotations

import numpy as np
import torch


def _check_arguments(images: np.ndarray, num_classes: int, num_shots: int) -> None:
    """ValueErrors that name the argument, what was expected and what came."""
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 4:
        got = f"{type(images).__name__} {getattr(images, 'dtype', '')} {getattr(images, 'shape', '')}"
        raise ValueError(f"images must be a [C, S, H, W] uint8 numpy array, got {got}.")
    C, S = images.shape[:2]
    if not isinstance(num_classes, int) or not 1 <= num_classes <= C:
        raise ValueError(f"num_classes (N) must be an int in [1, C={C}], got {num_classes!r}.")
    if not isinstance(num_shots, int) or not 1 <= num_shots <= S - 1:
        raise ValueError(
            f"num_shots (K) must be an int in [1, S-1={S - 1}] (each class needs K+1 distinct "
            f"drawings), got {num_shots!r}."
        )


def sample_episode(
    images: np.ndarray, num_classes: int, num_shots: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """One N-way K-shot episode drawn from one split.

    images: [C, S, H, W] uint8, the split's drawings (255 = stroke, 0 = background).
    num_classes: N, distinct classes drawn uniformly without replacement from the C classes.
    num_shots: K, support drawings per class; each class contributes K+1 distinct drawings.
    generator: the only source of randomness (torch.randperm / torch.rand / torch.randint with
        generator=generator), so that a seeded generator gives a reproducible episode.
    Returns:
        episode_images: [K+1, N, D] float32 in [0, 1], strokes = 1, background = 0.
        episode_labels: [K+1, N, N] float32 one-hot; episode_labels[k, i] is the label of
            episode_images[k, i]. Rows 0..K-1: episode_labels[k, i] = e_i (class i at column i).
            Row K (the query row): the N query images in a random order, each with its own label.
    """
    # TODO: Draw N distinct classes uniformly from the split, and for each class K+1 DISTINCT
    # TODO: drawings (so the query image never repeats a support image). Build
    # TODO: episode_images [K+1, N, D] float32 with strokes = 1 (the cache already stores strokes
    # TODO: as 255: divide, do not invert) and one-hot episode_labels [K+1, N, N] float32.
    # TODO: Support rows 0..K-1 keep class order: column i is episode class i, label e_i.
    # TODO: Which character lands in which column must itself be random: column i holds a class
    # TODO: drawn uniformly from all C, so do not sort the N drawn classes (a sorted draw puts the
    # TODO: low class indices in column 0). Graded: test 1.6 counts, per column, how often each
    # TODO: class appears (chi-square). torch.randperm(C, generator=generator)[:N] is one way.
    # TODO: Query row K: shuffle the N query images and their labels with ONE permutation, so each
    # TODO: image keeps its own label. Draw every random number from `generator` (torch.randperm,
    # TODO: torch.rand, torch.randint accept generator=...). Allowed: numpy, torch.
    # TODO: Pitfalls: sampling support and query drawings independently (duplicates), permuting
    # TODO: images and labels separately, integer labels instead of one-hot, float64 output.
    # TODO: The grader checks properties only (shapes, dtype, ordering, no duplicates, uniform
    # TODO: classes, drawings and query positions), never the exact random draws.
    # BEGIN SOLUTION
    _check_arguments(images, num_classes, num_shots)
    N, K = num_classes, num_shots
    C, S, H, W = images.shape
    classes = torch.randperm(C, generator=generator)[:N]  # [N]
    # K+1 distinct drawings per class: the first K+1 of a random permutation of the S drawings.
    drawers = torch.rand(N, S, generator=generator).argsort(dim=1)[:, : K + 1]  # [N, K+1]
    pixels = torch.from_numpy(images)[classes[:, None], drawers]  # [N, K+1, H, W] uint8
    episode = pixels.permute(1, 0, 2, 3).reshape(K + 1, N, H * W)  # [K+1, N, D]
    episode_images = episode.to(torch.float32) / 255.0  # strokes = 1 (cache stores ink high)
    eye = torch.eye(N, dtype=torch.float32)  # [N, N], row i = one-hot of class i
    episode_labels = eye.expand(K + 1, N, N).clone()  # [K+1, N, N]
    # One permutation for images and labels of the query row, so each image keeps its label.
    order = torch.randperm(N, generator=generator)  # [N]
    episode_images[K] = episode_images[K, order]
    episode_labels[K] = eye[order]
    return episode_images, episode_labels
    # END SOLUTION
