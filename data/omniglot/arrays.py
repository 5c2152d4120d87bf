"""The in-memory form of Omniglot (official or synthetic) that every homework reads.

Dimension letters: A alphabets, C characters (the classes before any rotation augmentation),
S drawers per character (20 in Omniglot), H x W image size (28 x 28 by default), M = C * S images.

Pixel convention (the same in the cache file): `images` is uint8 with ink HIGH: 255 = fully inked
pixel, 0 = background, grey levels where a stroke covers part of a downsampled pixel. Divide by 255
for floats in [0, 1] with strokes = 1. This is the OPPOSITE of the official PNGs (black strokes on
white); see `pixels.py`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

FORMAT_VERSION = 1  # bump when the cache layout or pixel convention changes; old caches are rebuilt
SOURCES = ("official", "synthetic")


@dataclass(frozen=True)
class CacheMeta:
    """What a set of arrays is, stored with every cache so a mismatched cache is never used.

    source: "official" (the two zips of Lake et al.) or "synthetic" (`synthetic.py`).
    image_size: H = W of the cached images.
    num_alphabets, num_characters, num_drawers: A, C, S.
    seed: the generator seed of synthetic data; None for official data.
    generator: version string of the code that produced the pixels (changing it rebuilds caches).
    format_version: `FORMAT_VERSION` of the code that wrote the cache.
    """

    source: str
    image_size: int
    num_alphabets: int
    num_characters: int
    num_drawers: int
    seed: int | None = None
    generator: str = ""
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CacheMeta:
        """Parses `to_json` output; raises ValueError on unknown or missing keys."""
        values = json.loads(text)
        if not isinstance(values, dict):
            raise ValueError(f"cache metadata must be a JSON object, got {type(values).__name__}.")
        try:
            return cls(**values)
        except TypeError as err:
            raise ValueError(f"cache metadata has unexpected or missing keys: {err}.") from err


@dataclass(frozen=True, eq=False)
class OmniglotArrays:
    """All images of one Omniglot-like data set, grouped by character.

    images: [C, S, H, W] uint8, 255 = ink, 0 = background (see module docstring).
    alphabet: [C] int64, index into `alphabet_names` of each character's alphabet.
    drawer_ids: [C, S] int16, the official drawer number (1..20) of each image.
    background: [C] bool, True for characters of the background set (Lake et al.'s 30 training
        alphabets), False for the evaluation set (20 alphabets).
    alphabet_names: A names, e.g. "Greek".
    character_names: C names "<alphabet>/characterNN", e.g. "Greek/character03".
    meta: what these arrays are (source, sizes, seed, versions).
    """

    images: np.ndarray
    alphabet: np.ndarray
    drawer_ids: np.ndarray
    background: np.ndarray
    alphabet_names: tuple[str, ...]
    character_names: tuple[str, ...]
    meta: CacheMeta = field(repr=False)

    def __post_init__(self) -> None:
        _check_array("images", self.images, np.uint8, 4)
        C, S, H, W = self.images.shape
        _check_array("alphabet", self.alphabet, np.int64, 1, (C,))
        _check_array("drawer_ids", self.drawer_ids, np.int16, 2, (C, S))
        _check_array("background", self.background, np.bool_, 1, (C,))
        if H != W:
            raise ValueError(f"images must be square, got [C, S, H, W] = {self.images.shape}.")
        if len(self.character_names) != C:
            raise ValueError(
                f"character_names has {len(self.character_names)} names for {C} characters."
            )
        A = len(self.alphabet_names)
        if C and (self.alphabet.min() < 0 or self.alphabet.max() >= A):
            raise ValueError(
                f"alphabet indices must lie in [0, {A}), got [{self.alphabet.min()}, {self.alphabet.max()}]."
            )
        expected = (A, C, S, H)
        got = (
            self.meta.num_alphabets,
            self.meta.num_characters,
            self.meta.num_drawers,
            self.meta.image_size,
        )
        if got != expected:
            raise ValueError(f"meta says (A, C, S, H) = {got} but the arrays have {expected}.")

    @property
    def num_characters(self) -> int:
        return self.images.shape[0]

    @property
    def num_drawers(self) -> int:
        return self.images.shape[1]

    @property
    def image_size(self) -> int:
        return self.images.shape[2]

    def flatten(self) -> tuple[np.ndarray, np.ndarray]:
        """All images in one batch with their character labels.

        Returns: images [M, H, W] uint8 (a view, character-major: image m is drawer m % S of
        character m // S) and character [M] int64.
        """
        C, S, H, W = self.images.shape
        character = np.repeat(np.arange(C, dtype=np.int64), S)  # [M]
        return self.images.reshape(C * S, H, W), character

    def summary(self) -> str:
        """One line: source, counts and size, for logs and the command line."""
        n_bg = int(self.background.sum())
        return (
            f"Omniglot ({self.meta.source}): {len(self.alphabet_names)} alphabets, "
            f"{self.num_characters} characters ({n_bg} background + {self.num_characters - n_bg} "
            f"evaluation), {self.num_drawers} drawers each = {self.images.shape[0] * self.num_drawers} "
            f"images of {self.image_size}x{self.image_size} uint8"
        )


def _check_array(
    name: str, value: np.ndarray, dtype: type, ndim: int, shape: tuple[int, ...] | None = None
) -> None:
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(value).__name__}.")
    if value.dtype != dtype or value.ndim != ndim or (shape is not None and value.shape != shape):
        want = f"{list(shape) if shape else f'{ndim}-d'} {np.dtype(dtype).name}"
        raise ValueError(f"{name} must be {want}, got {list(value.shape)} {value.dtype}.")
