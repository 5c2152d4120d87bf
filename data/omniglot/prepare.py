"""Preparing the cache arrays from verified official zips, without unpacking them to disk.

Dimension letters as in `arrays.py` (A alphabets, C characters, S drawers, H x W pixels), and
B characters downsampled together.

Each zip is verified first (`official.verify_zip`: structure, counts, CRCs), then its PNGs are
decoded straight from the archive, a character (S images) at a time, and area-downsampled in
batches. Characters are ordered background zip first, then by alphabet name, then by character
number, so index c means the same character on every machine.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from data.fetch import DataError

from .arrays import CacheMeta, OmniglotArrays
from .official import ZipSpec, read_member, verify_zip
from .pixels import check_image_size, decode_png, to_cache_pixels

log = logging.getLogger(__name__)

GENERATOR = "official-area-v1"  # how pixels are made from the PNGs; change to rebuild old caches
_BATCH_CHARACTERS = 64  # characters downsampled together: [64*20, 105, 105] float32 is 56 MB


def _read_zip(
    path: Path, spec: ZipSpec, image_size: int, progress: bool
) -> tuple[list, np.ndarray, np.ndarray]:
    """Verified characters of one zip with their pixels and drawer numbers.

    Returns: characters (list of `official.Character`), images [C, S, H, W] uint8,
    drawer_ids [C, S] int16.
    """
    # Structure only: the CRC of every member is checked as it is read below.
    characters = verify_zip(path, spec, check_crc=False)
    S = spec.num_drawers
    images = np.empty((len(characters), S, image_size, image_size), dtype=np.uint8)
    bar = tqdm(total=len(characters), desc=path.name, unit="char", disable=not progress)
    with zipfile.ZipFile(path) as archive, bar:
        for start in range(0, len(characters), _BATCH_CHARACTERS):
            batch = characters[start : start + _BATCH_CHARACTERS]
            ink = np.stack(
                [
                    decode_png(read_member(archive, path, member), where=f"{path}:{member}")
                    for character in batch
                    for member in character.members
                ]
            )  # [B*S, 105, 105] bool
            pixels = to_cache_pixels(ink, image_size)  # [B*S, H, W]
            images[start : start + len(batch)] = pixels.reshape(len(batch), S, *pixels.shape[1:])
            bar.update(len(batch))
    # verify_zip returns each character's members in drawer order 1..S.
    drawer_ids = np.tile(np.arange(1, S + 1, dtype=np.int16), (len(characters), 1))  # [C, S]
    return characters, images, drawer_ids


def read_official_zips(
    zips: Sequence[tuple[Path, ZipSpec]], image_size: int = 28, progress: bool = False
) -> OmniglotArrays:
    """Verifies and reads official-layout zips into one `OmniglotArrays` (source "official").

    zips: (path, spec) pairs, normally `zip(fetch_official(), OFFICIAL_SPECS)`; tests pass small
        specs for small fake zips. All specs must have the same number of drawers.
    image_size: H = W of the result, 1..105 (area downsampling from 105x105).
    progress: show a tqdm progress bar per zip (the command line does; ~10 s in all).
    Raises DataError when a zip is incomplete or a PNG is unreadable; ValueError on bad arguments.
    """
    check_image_size(image_size)
    if not zips:
        raise ValueError("zips must name at least one (path, spec) pair.")
    drawers = {spec.num_drawers for _, spec in zips}
    if len(drawers) != 1:
        raise ValueError(f"all zips must have the same number of drawers, got {sorted(drawers)}.")
    # Background zips first, whatever order they were passed in, so indices never depend on it.
    zips = sorted(zips, key=lambda pair: not pair[1].background)

    alphabet_names: list[str] = []
    character_names: list[str] = []
    alphabet, background, images, drawer_ids = [], [], [], []
    for path, spec in zips:
        log.info("reading %s", path)
        characters, zip_images, zip_drawers = _read_zip(path, spec, image_size, progress)
        for character in characters:
            if not alphabet_names or alphabet_names[-1] != character.alphabet:
                if character.alphabet in alphabet_names:
                    raise DataError(f"alphabet {character.alphabet} appears in two zips ({path}).")
                alphabet_names.append(character.alphabet)
            alphabet.append(len(alphabet_names) - 1)
            character_names.append(f"{character.alphabet}/{character.name}")
            background.append(spec.background)
        images.append(zip_images)
        drawer_ids.append(zip_drawers)

    meta = CacheMeta(
        source="official",
        image_size=image_size,
        num_alphabets=len(alphabet_names),
        num_characters=len(character_names),
        num_drawers=drawers.pop(),
        generator=GENERATOR,
    )
    return OmniglotArrays(
        images=np.concatenate(images),
        alphabet=np.array(alphabet, dtype=np.int64),
        drawer_ids=np.concatenate(drawer_ids),
        background=np.array(background, dtype=bool),
        alphabet_names=tuple(alphabet_names),
        character_names=tuple(character_names),
        meta=meta,
    )
