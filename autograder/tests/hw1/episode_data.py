"""Grader-side data of the hw1 sampler tests: splits whose every drawing says who it is.

Dimension letters: C classes, S drawings per class, H x W pixels, D = H * W, E episodes, N ways,
K shots.

`coded_split` writes the class code into pixel 0 and the drawing number into pixel 1 of every
image (as 1 + code, so a code is never the background value 0) and fills the other pixels with
seeded noise (mostly background, some strokes, a few grey levels). A returned episode is then
decoded exactly: which class and which drawing each image is, and whether its pixels equal that
drawing scaled by 1/255 (strokes = 1, not inverted). Nothing here depends on the order in which a
sampler draws its random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

PIXEL_ATOL = 1e-6  # x / 255 in float32 is exact to ~3e-8; a grey level off by one is 3.9e-3


def coded_split(num_classes: int, num_drawers: int, side: int, seed: int, first_code: int = 0) -> np.ndarray:
    """[C, S, side, side] uint8: class code first_code + c in pixel 0, drawer s in pixel 1."""
    if first_code + num_classes > 254 or num_drawers > 254 or side < 2:
        raise ValueError("codes must fit in a pixel (< 254) and images need at least 2 pixels")
    rng = np.random.default_rng(seed)
    D = side * side
    noise = rng.choice(np.array([0, 0, 0, 0, 255, 255, 128, 64], np.uint8), size=(num_classes, num_drawers, D))
    noise[..., 0] = 1 + first_code + np.arange(num_classes)[:, None]
    noise[..., 1] = 1 + np.arange(num_drawers)[None, :]
    return noise.reshape(num_classes, num_drawers, side, side)


def pattern_classes(num_classes: int, num_drawers: int, seed: int, ink: float = 0.3,
                    flip: float = 0.02) -> np.ndarray:
    """[C, S, 28, 28] uint8: each class a random ink pattern, each drawing it with a few pixels flipped.

    The synthetic task of the training test: classes far apart, drawings close to their class,
    so a correct meta-learner gets past chance within a few hundred steps.
    """
    rng = np.random.default_rng(seed)
    prototypes = rng.random((num_classes, 1, 28, 28)) < ink  # [C, 1, 28, 28]
    flips = rng.random((num_classes, num_drawers, 28, 28)) < flip  # [C, S, 28, 28]
    return ((prototypes ^ flips) * 255).astype(np.uint8)


@dataclass(frozen=True)
class Decoded:
    """What each image of E episodes is. classes, drawers: [E, K+1, N] int64 (-1: no drawing).

    matches: [E, K+1, N] bool, the image equals drawing (class, drawer) / 255 of the split.
    """

    classes: torch.Tensor
    drawers: torch.Tensor
    matches: torch.Tensor


def decode(images: torch.Tensor, split: np.ndarray, first_code: int = 0) -> Decoded:
    """Identifies every image of `images` [E, K+1, N, D] float32 in `split` [C, S, H, W] uint8."""
    C, S = split.shape[:2]
    table = torch.from_numpy(split.reshape(C, S, -1)).to(torch.float64) / 255.0  # [C, S, D]
    x = images.to(torch.float64)
    classes = torch.round(x[..., 0] * 255.0).long() - 1 - first_code  # [E, K+1, N]
    drawers = torch.round(x[..., 1] * 255.0).long() - 1
    valid = (classes >= 0) & (classes < C) & (drawers >= 0) & (drawers < S)
    c, s = classes.clamp(0, C - 1), drawers.clamp(0, S - 1)
    close = ((x - table[c, s]).abs() <= PIXEL_ATOL).all(dim=-1)  # [E, K+1, N]
    matches = valid & close
    return Decoded(torch.where(matches, classes, -1), torch.where(matches, drawers, -1), matches)


def chi_square_pvalue(counts: torch.Tensor, expected: torch.Tensor, dof: int) -> float:
    """P(chi2_dof >= the statistic) of observed `counts` against `expected` (same shape)."""
    stat = float((((counts.double() - expected.double()) ** 2) / expected.double()).sum())
    # Survival function of chi-square(dof): the regularised upper incomplete gamma Q(dof/2, x/2).
    return float(torch.special.gammaincc(torch.tensor(dof / 2.0, dtype=torch.float64),
                                         torch.tensor(stat / 2.0, dtype=torch.float64)))
