"""Omniglot (Lake et al. 2015) for the homeworks: official zips, a compact cache, splits, a stand-in.

Dimension letters used across the package: A alphabets, C characters (classes before rotation),
S drawers per character (20), H x W image size (28 x 28 by default), M = C * S images,
N ways, K shots, D = H * W.

Pixel convention everywhere in the kit: uint8 with ink HIGH (255 = stroke, 0 = background), i.e.
floats `images / 255` have strokes = 1. The official PNGs are the opposite (black strokes on white).

    from data.omniglot import load_omniglot, split_omniglot
    arrays = load_omniglot()                        # images [1623, 20, 28, 28] uint8 (cached)
    sets = split_omniglot(arrays, rotate=True)      # train/val/test ClassSets, 1100/100/423 x 4

Files, small parts first: `official.py` (what the zips hold, verification, fetching), `pixels.py`
(PNG -> cache pixels), `arrays.py` (the `OmniglotArrays` record), `cache.py` (the .npz file),
`prepare.py` (zips -> arrays), `synthetic.py` (the offline stand-in), `load.py` (`load_omniglot`),
`splits.py`, `nearest_neighbour.py` (pixel baseline), `episode_grid.py` (look at an episode),
`fake_zip.py` (small official-layout zips for tests), `__main__.py` (`make data`). There is
deliberately no episode sampler here: it is hw1's exercise (the naive zip sampler used as a
benchmark baseline is kept with the course staff's tools, not in this package).
"""

from data.fetch import DataError

from .arrays import CacheMeta, OmniglotArrays
from .cache import cache_path, read_cache, write_cache
from .episode_grid import episode_grid, save_episode_grid
from .load import load_omniglot, prepared_cache_path
from .nearest_neighbour import nearest_neighbour_accuracy
from .official import BACKGROUND, EVALUATION, OFFICIAL_SPECS, ZipSpec, fetch_official, verify_zip
from .prepare import read_official_zips
from .splits import (
    CharacterSplit,
    ClassSet,
    alphabet_split,
    make_class_sets,
    random_split,
    split_omniglot,
)
from .synthetic import make_synthetic_omniglot

__all__ = [
    "BACKGROUND",
    "EVALUATION",
    "OFFICIAL_SPECS",
    "CacheMeta",
    "CharacterSplit",
    "ClassSet",
    "DataError",
    "OmniglotArrays",
    "ZipSpec",
    "alphabet_split",
    "cache_path",
    "episode_grid",
    "fetch_official",
    "load_omniglot",
    "make_class_sets",
    "make_synthetic_omniglot",
    "nearest_neighbour_accuracy",
    "prepared_cache_path",
    "random_split",
    "read_cache",
    "read_official_zips",
    "save_episode_grid",
    "split_omniglot",
    "verify_zip",
    "write_cache",
]
