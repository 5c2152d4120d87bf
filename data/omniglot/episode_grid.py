"""Writing an episode as one tiled PNG, to look at what a sampler produced.

Dimension letters: N ways (classes), K shots, K+1 rows (K support images and one query per class),
D = H * W pixels per flattened image.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import imageio.v3 as iio
import numpy as np

log = logging.getLogger(__name__)


def episode_grid(images: np.ndarray, pad: int = 2, strokes_dark: bool = True) -> np.ndarray:
    """Tiles an episode into one image: row k holds sample k of every class, column n class n.

    images: [K+1, N, D] float in [0, 1] with ink = 1 (the kit's convention), D a square number;
        a torch tensor is accepted too. [K+1, N, H, W] works as well.
    pad: grey pixels between tiles.
    strokes_dark: draw ink black on white, like the official PNGs (default); False keeps ink white.
    Returns: [(K+1)*(H+pad)+pad, N*(W+pad)+pad] uint8.
    """
    array = np.asarray(
        images.detach().cpu() if hasattr(images, "detach") else images, dtype=np.float32
    )
    if array.ndim == 3:
        rows, cols, D = array.shape
        side = math.isqrt(D)
        if side * side != D:
            raise ValueError(f"images must be [K+1, N, D] with D a square number, got D = {D}.")
        array = array.reshape(rows, cols, side, side)  # [K+1, N, H, W]
    if array.ndim != 4:
        raise ValueError(
            f"images must be [K+1, N, D] or [K+1, N, H, W], got shape {list(array.shape)}."
        )
    if pad < 0:
        raise ValueError(f"pad must be >= 0, got {pad}.")
    rows, cols, H, W = array.shape
    tiles = np.clip(array, 0.0, 1.0)
    if strokes_dark:
        tiles = 1.0 - tiles
    grid = np.full((rows * (H + pad) + pad, cols * (W + pad) + pad), 0.5, dtype=np.float32)
    for r in range(rows):
        for c in range(cols):
            top, left = pad + r * (H + pad), pad + c * (W + pad)
            grid[top : top + H, left : left + W] = tiles[r, c]
    return np.rint(grid * 255.0).astype(np.uint8)


def save_episode_grid(
    images: np.ndarray, path: str | Path, pad: int = 2, strokes_dark: bool = True, scale: int = 1
) -> Path:
    """Writes `episode_grid(images, pad, strokes_dark)` as a grey-scale PNG at `path`.

    images: [K+1, N, D] float in [0, 1], ink = 1 (see `episode_grid`).
    scale: integer upscaling (nearest) so 28x28 tiles are big enough to see.
    Returns the path written.
    """
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be an int >= 1, got {scale!r}.")
    grid = episode_grid(images, pad=pad, strokes_dark=strokes_dark)
    if scale > 1:
        grid = np.kron(grid, np.ones((scale, scale), dtype=np.uint8))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, grid, extension=".png")
    log.info("wrote episode grid %s (%dx%d)", path, grid.shape[1], grid.shape[0])
    return path
