"""The naive episode sampler: every image of every episode is read from the zip and decoded anew.

It exists as the baseline of the benchmark that shows why the kit prepares a cache: sampling from
the uint8 cache is an array index, this is a zip read + PNG decode + area resize per image
(`autograder/bench/hw1.py` times both), and as a reference the data tests check the cache against.
It is staff-only (in data/tests/, which no handout and no autograder zip ships): the hw1 episode
sampler is a student exercise, and a working sampler shipped with the data code would be one
students could call instead.

Dimension letters: N ways (classes per episode), K shots, K+1 samples per class (K support + 1
query), D = H * W pixels of a flattened image (784 at 28x28).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from data.omniglot.official import (
    IMAGE_SHAPE,
    OFFICIAL_SPECS,
    Character,
    ZipSpec,
    fetch_official,
    read_member,
    verify_zip,
)
from data.omniglot.pixels import check_image_size, decode_png, to_cache_pixels


class NaiveZipSampler:
    """Samples N-way K-shot episodes straight from official-layout zips.

    zip_paths: the zips, one per spec; default `fetch_official()` (mirror or download).
    specs: what each zip holds; default the two official zips.
    image_size: H = W of the returned images (area downsampling, as in the cache).
    seed: seed of the episode draws.

    Character indices follow the cache's order (background zip first, then alphabet and character
    name), so `characters` returned by `sample` index `load_omniglot().images` too.
    """

    def __init__(
        self,
        zip_paths: Sequence[Path] | None = None,
        specs: Sequence[ZipSpec] = OFFICIAL_SPECS,
        image_size: int = 28,
        seed: int = 0,
    ) -> None:
        check_image_size(image_size)
        paths = fetch_official(tuple(specs)) if zip_paths is None else [Path(p) for p in zip_paths]
        if len(paths) != len(specs):
            raise ValueError(
                f"got {len(paths)} zip paths for {len(specs)} specs; pass one per spec."
            )
        self.image_size = image_size
        self._rng = np.random.default_rng(seed)
        self._characters: list[tuple[int, Character]] = []  # (zip number, character)
        self._zips: list[zipfile.ZipFile] = []
        self._paths: list[Path] = []
        # Background first, as in the cache, so character indices agree.
        order = sorted(range(len(specs)), key=lambda i: not specs[i].background)
        for i in order:
            # Structure only: read_member checks the CRC of each PNG as an episode reads it.
            characters = verify_zip(paths[i], specs[i], check_crc=False)
            self._characters += [(len(self._zips), c) for c in characters]
            self._zips.append(zipfile.ZipFile(paths[i]))
            self._paths.append(paths[i])
        self.num_drawers = specs[0].num_drawers

    @property
    def num_characters(self) -> int:
        return len(self._characters)

    def sample(
        self, num_classes: int, num_samples_per_class: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One episode: N random characters, K+1 random drawings of each, decoded from the zips.

        num_classes: N. num_samples_per_class: K+1 (the K shots plus one query).
        Returns: images [K+1, N, D] float32 in [0, 1] with ink = 1 (row k holds sample k of every
        class, column n is class n); characters [N] int64, the character of each column;
        drawers [K+1, N] int64, the drawer number (1..20) of each image.
        """
        N, K1 = num_classes, num_samples_per_class
        if not 1 <= N <= self.num_characters:
            raise ValueError(f"num_classes must be in [1, {self.num_characters}], got {N}.")
        if not 1 <= K1 <= self.num_drawers:
            raise ValueError(f"num_samples_per_class must be in [1, {self.num_drawers}], got {K1}.")
        characters = self._rng.choice(self.num_characters, size=N, replace=False)  # [N]
        # [K+1, N], 0-based: K+1 distinct drawers per class.
        drawers = np.stack(
            [self._rng.choice(self.num_drawers, size=K1, replace=False) for _ in range(N)], axis=1
        )
        ink = np.empty((K1, N, *IMAGE_SHAPE), dtype=bool)
        for n, c in enumerate(characters):
            zip_number, character = self._characters[c]
            for k in range(K1):
                member = character.members[drawers[k, n]]
                data = read_member(self._zips[zip_number], self._paths[zip_number], member)
                ink[k, n] = decode_png(data, where=member)
        flat = ink.reshape(K1 * N, *IMAGE_SHAPE)  # [(K+1)*N, 105, 105]
        pixels = to_cache_pixels(flat, self.image_size)  # [(K+1)*N, H, W]
        images = pixels.reshape(K1, N, -1).astype(np.float32) / 255.0  # [K+1, N, D]
        return images, characters.astype(np.int64), drawers.astype(np.int64) + 1

    def close(self) -> None:
        for archive in self._zips:
            archive.close()
        self._zips = []

    def __enter__(self) -> NaiveZipSampler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
