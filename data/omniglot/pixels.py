"""From an official PNG to cache pixels: decode, flip polarity, downsample by area.

Dimension letters: M images, H x W cache image size (square, H = W = `image_size`).

Polarity. The official PNGs are 1-bit with the background white (True) and strokes black (False).
The kit stores and serves the opposite: ink is high (255 in the uint8 cache, 1.0 once divided by
255) and the background is 0, as in MNIST and the course's Omniglot homeworks, so that zero padding
and zero-initialised inputs mean "no ink".

Downsampling. 105 -> 28 is a factor of 3.75, so dropping or picking pixels (nearest) would alias
thin strokes away. Area interpolation (`torch.nn.functional.interpolate(mode="area")`, i.e.
adaptive average pooling) gives each output pixel the fraction of its footprint covered by ink,
which keeps every stroke visible as grey levels.
"""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import torch
import torch.nn.functional as F

from data.fetch import DataError

from .official import IMAGE_SHAPE


def decode_png(data: bytes, where: str) -> np.ndarray:
    """Decodes one official PNG.

    data: the PNG file's bytes. where: its name, for the error message.
    Returns: [105, 105] bool, True where there is ink (a stroke), False for the background.
    """
    try:
        # imageio's PNG-PIL plugin rather than its v3 "pillow" one: the latter retries a failing
        # optional import (pillow_heif) on every call, which doubled the time to prepare the cache.
        image = iio.imread(data, plugin="PNG-PIL")
    except Exception as err:  # imageio raises plugin-specific types; all mean "not a PNG"
        raise DataError(f"{where} is not a readable PNG ({err}).") from err
    if image.shape != IMAGE_SHAPE:
        raise DataError(
            f"{where} has shape {image.shape}, expected {IMAGE_SHAPE} like every official PNG."
        )
    # PNG-PIL gives 1-bit PNGs as uint8 0/255 (other decoders give bool); either way bright is
    # background. A grey-scale copy of the same picture decodes the same.
    white = image if image.dtype == bool else image >= 128
    return ~white


def check_image_size(image_size: int) -> None:
    """Raises ValueError unless 1 <= image_size <= 105 (area interpolation only shrinks)."""
    if (
        not isinstance(image_size, int)
        or isinstance(image_size, bool)
        or not 1 <= image_size <= IMAGE_SHAPE[0]
    ):
        raise ValueError(
            f"image_size must be an int in [1, {IMAGE_SHAPE[0]}] (the official images are "
            f"{IMAGE_SHAPE[0]}x{IMAGE_SHAPE[1]}), got {image_size!r}."
        )


def to_cache_pixels(ink: np.ndarray, image_size: int) -> np.ndarray:
    """Area-downsamples ink masks and quantises them to the cache's uint8.

    ink: [M, 105, 105] bool (or float in [0, 1]), True/1 = ink.
    Returns: [M, H, W] uint8 with H = W = image_size, 255 = fully inked, 0 = no ink.
    """
    check_image_size(image_size)
    if ink.ndim != 3:
        raise ValueError(f"ink must be [M, H, W], got shape {ink.shape}.")
    x = torch.from_numpy(np.ascontiguousarray(ink, dtype=np.float32))[:, None]  # [M, 1, 105, 105]
    if image_size != x.shape[-1]:
        x = F.interpolate(x, size=(image_size, image_size), mode="area")  # [M, 1, H, W]
    return np.rint(x[:, 0].numpy() * 255.0).astype(np.uint8)  # [M, H, W]
