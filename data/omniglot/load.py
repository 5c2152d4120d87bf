"""`load_omniglot`: the one call the homeworks make to get Omniglot arrays, prepared once, then cached.

Dimension letters as in `arrays.py` (C characters, S drawers, H x W pixels).

Sources:
- "official": the cache `data_home()/cache/omniglot-official-<H>px.npz`; when it is missing,
  stale (another size, format or pixel code) or unreadable, it is rebuilt from the official zips,
  which are fetched first if needed (from `DATA_MIRROR`, else downloaded). `make data` does this
  once; afterwards a load takes tens of milliseconds.
- "synthetic": `synthetic.make_synthetic_omniglot`, cached the same way.
- "auto" (default): "official" when it needs no network (a cache, downloaded zips or
  `DATA_MIRROR` exist), else "synthetic", with a warning saying how to get the real data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from data.fetch import DataError

from . import prepare, synthetic
from .arrays import CacheMeta, OmniglotArrays
from .cache import cache_path, read_cache, write_cache
from .official import (
    NUM_ALPHABETS,
    NUM_CHARACTERS,
    NUM_DRAWERS,
    OFFICIAL_SPECS,
    fetch_official,
    official_zips_available,
)
from .pixels import check_image_size

log = logging.getLogger(__name__)

SOURCE_CHOICES = ("auto", "official", "synthetic")


def official_meta(image_size: int) -> CacheMeta:
    """What a current official cache of `image_size` must say about itself."""
    return CacheMeta(
        source="official",
        image_size=image_size,
        num_alphabets=NUM_ALPHABETS,
        num_characters=NUM_CHARACTERS,
        num_drawers=NUM_DRAWERS,
        generator=prepare.GENERATOR,
    )


def synthetic_meta(image_size: int, num_characters: int, num_drawers: int, seed: int) -> CacheMeta:
    """What a current synthetic cache with these settings must say about itself."""
    return CacheMeta(
        source="synthetic",
        image_size=image_size,
        num_alphabets=synthetic.default_num_alphabets(num_characters),
        num_characters=num_characters,
        num_drawers=num_drawers,
        seed=seed,
        generator=synthetic.GENERATOR,
    )


def _cached(meta: CacheMeta, build: Callable[[], OmniglotArrays], rebuild: bool) -> OmniglotArrays:
    """The arrays `meta` describes: from their cache when it matches, else built and cached.

    A cache that cannot be written (read-only data folder) is logged, not fatal: the arrays are
    still right, only the next call pays for building them again.
    """
    path = cache_path(meta)
    if path.exists() and not rebuild:
        try:
            arrays = read_cache(path)
        except DataError as err:
            log.warning("%s Rebuilding it.", err)
        else:
            if arrays.meta == meta:
                return arrays
            log.warning("%s holds %s, wanted %s; rebuilding it.", path, arrays.meta, meta)
    arrays = build()
    if arrays.meta != meta:  # a bug in this package, not in the data: fail loudly
        raise RuntimeError(f"built arrays describe themselves as {arrays.meta}, expected {meta}.")
    try:
        write_cache(arrays, path)
    except OSError as err:
        log.warning(
            "could not write the cache %s (%s); it will be built again next time.", path, err
        )
    return arrays


def build_official(image_size: int = 28, progress: bool = False) -> OmniglotArrays:
    """Fetches and verifies the official zips, then reads them (no caching; see `load_omniglot`)."""
    paths = fetch_official()
    return prepare.read_official_zips(
        list(zip(paths, OFFICIAL_SPECS, strict=True)), image_size, progress=progress
    )


def load_omniglot(
    image_size: int = 28,
    source: str = "auto",
    *,
    rebuild: bool = False,
    synthetic_characters: int = NUM_CHARACTERS,
    synthetic_drawers: int = NUM_DRAWERS,
    seed: int = 0,
    progress: bool = False,
) -> OmniglotArrays:
    """Omniglot as arrays: images [C, S, H, W] uint8 (255 = ink, 0 = background) and labels.

    image_size: H = W, in [1, 105] (28 as in the course's homeworks).
    source: "auto", "official" or "synthetic" (see the module docstring).
    rebuild: ignore an existing cache and prepare it again.
    synthetic_characters, synthetic_drawers, seed: C, S and seed of synthetic data (defaults:
        the shape of Omniglot, 1,623 x 20); ignored for official data.
    progress: show a progress bar while reading the official zips.
    Raises DataError when official data is wanted but cannot be fetched or is incomplete.
    """
    check_image_size(image_size)
    if source not in SOURCE_CHOICES:
        raise ValueError(f"source must be one of {SOURCE_CHOICES}, got {source!r}.")
    if source == "auto":
        if cache_path(official_meta(image_size)).exists() or official_zips_available():
            source = "official"
        else:
            log.warning(
                "the official Omniglot data is not prepared here, so SYNTHETIC Omniglot-like data is "
                "used; run `make data` (or `python -m data.omniglot`) for the real data set."
            )
            source = "synthetic"
    if source == "official":
        return _cached(
            official_meta(image_size),
            lambda: build_official(image_size, progress=progress),
            rebuild,
        )
    meta = synthetic_meta(image_size, synthetic_characters, synthetic_drawers, seed)
    return _cached(
        meta,
        lambda: synthetic.make_synthetic_omniglot(
            synthetic_characters, synthetic_drawers, image_size, seed=seed
        ),
        rebuild,
    )


def prepared_cache_path(image_size: int = 28) -> Path:
    """Where `load_omniglot(image_size, "official")` keeps its cache."""
    return cache_path(official_meta(image_size))
