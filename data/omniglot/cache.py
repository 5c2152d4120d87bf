"""The prepared cache file: one uncompressed .npz per (source, image size), written atomically.

Dimension letters as in `arrays.py` (A alphabets, C characters, S drawers, H x W pixels).

File layout (`np.savez`, loaded with `allow_pickle=False`, so a cache cannot execute code):

    images           [C, S, H, W] uint8   255 = ink, 0 = background
    alphabet         [C] int64            index into alphabet_names
    drawer_ids       [C, S] int16         official drawer number, 1..20
    background       [C] bool             True = background set
    alphabet_names   [A] str
    character_names  [C] str              "<alphabet>/characterNN"
    meta             [] str               `CacheMeta` as JSON (source, size, counts, versions)

Why uncompressed: the 28x28 official cache is 26 MB and loads in ~0.03 s; `np.savez_compressed`
makes it 3.5 MB but a load then takes ~0.1 s, paid on every run (and in every grading worker),
while the disk space is paid once.

Atomicity: the file is written under a hidden temporary name in the same folder, read back and
checked, then renamed over the final name (`os.replace` is atomic on one file system). A crash at
any point leaves either the old cache or none, never a half-written one under the final name.
"""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

import numpy as np

from data.fetch import DataError, data_home

from .arrays import FORMAT_VERSION, CacheMeta, OmniglotArrays

log = logging.getLogger(__name__)

_FIELDS = (
    "images",
    "alphabet",
    "drawer_ids",
    "background",
    "alphabet_names",
    "character_names",
    "meta",
)


def cache_dir() -> Path:
    """Folder of the prepared caches: `data_home()/cache` (git-ignored)."""
    return data_home() / "cache"


def cache_path(meta: CacheMeta) -> Path:
    """Cache file for arrays described by `meta`; the name carries what tells caches apart."""
    if meta.source == "official":
        name = f"omniglot-official-{meta.image_size}px.npz"
    else:
        name = (
            f"omniglot-synthetic-c{meta.num_characters}-a{meta.num_alphabets}-"
            f"s{meta.num_drawers}-seed{meta.seed}-{meta.image_size}px.npz"
        )
    return cache_dir() / name


def _temporary_name(path: Path) -> Path:
    # Hidden and without the .npz suffix: never picked up as a cache, and unique per process so
    # two concurrent builds do not write into the same file.
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_cache(arrays: OmniglotArrays, path: Path) -> Path:
    """Writes `arrays` to `path` atomically (temporary file, read back, rename) and returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_name(path)
    try:
        with open(tmp, "wb") as f:
            # A file object, not a name: np.savez would append ".npz" to a name without it.
            np.savez(
                f,
                images=arrays.images,
                alphabet=arrays.alphabet,
                drawer_ids=arrays.drawer_ids,
                background=arrays.background,
                alphabet_names=np.array(arrays.alphabet_names, dtype=str),
                character_names=np.array(arrays.character_names, dtype=str),
                meta=np.array(arrays.meta.to_json()),
            )
            f.flush()
            os.fsync(f.fileno())
        written = read_cache(tmp)
        if written.meta != arrays.meta or not np.array_equal(written.images, arrays.images):
            raise DataError(f"{tmp} did not read back as written; is the disk full or failing?")
        os.replace(tmp, path)
    finally:
        # Reached with the temporary file still there only when something above failed.
        tmp.unlink(missing_ok=True)
    log.info("wrote %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path


def read_cache(path: Path) -> OmniglotArrays:
    """Loads a cache written by `write_cache`.

    Raises DataError (saying to delete the file) when it is missing, truncated, corrupt, or of
    another format version. Whether it is the *wanted* cache (size, source) is the caller's check:
    compare `.meta` with what was asked for.
    """
    fix = f"Delete {path} and run `make data` (or the command that built it) again."
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [name for name in _FIELDS if name not in npz.files]
            if missing:
                raise DataError(f"{path} is not an Omniglot cache: it lacks {missing}. {fix}")
            meta = CacheMeta.from_json(str(npz["meta"][()]))
            if meta.format_version != FORMAT_VERSION:
                raise DataError(
                    f"{path} has cache format {meta.format_version}, this code reads "
                    f"{FORMAT_VERSION}. {fix}"
                )
            return OmniglotArrays(
                images=npz["images"],
                alphabet=npz["alphabet"],
                drawer_ids=npz["drawer_ids"],
                background=npz["background"],
                alphabet_names=tuple(str(s) for s in npz["alphabet_names"]),
                character_names=tuple(str(s) for s in npz["character_names"]),
                meta=meta,
            )
    except FileNotFoundError as err:
        raise DataError(f"{path} does not exist; run `make data` to prepare Omniglot.") from err
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as err:
        # np.load raises any of these for truncated or foreign files; all mean the same here.
        raise DataError(f"{path} is not a readable Omniglot cache ({err}). {fix}") from err
