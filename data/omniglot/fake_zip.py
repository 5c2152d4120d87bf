"""Small zips in the official Omniglot layout, drawn by the synthetic generator, for tests.

They exercise the real fetch / verify / prepare code (and the course staff's naive sampler
benchmark) without the real data and without a network: `<top>/<Alphabet>/characterNN/<id>_<drawer>.png`, 105x105 1-bit PNGs with a
white (True) background and black (False) strokes, exactly like the official files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import imageio.v3 as iio
import numpy as np

from data.fetch import RemoteFile

from .official import IMAGE_SHAPE, ZipSpec
from .synthetic import synthetic_ink


def fake_spec(
    name: str = "images_background.zip",
    alphabets: dict[str, int] | None = None,
    num_drawers: int = 3,
    background: bool = True,
) -> ZipSpec:
    """A `ZipSpec` for a small fake zip; mirror_path `omniglot/<name>` like the official ones."""
    remote = RemoteFile(
        name=name,
        url=f"https://example.invalid/omniglot/{name}",  # never fetched: tests use a mirror folder
        mirror_path=f"omniglot/{name}",
    )
    alphabets = {"Alpha": 2, "Beta": 3} if alphabets is None else alphabets
    return ZipSpec(
        remote=remote, alphabets=alphabets, num_drawers=num_drawers, background=background
    )


def write_fake_zip(path: Path, spec: ZipSpec, seed: int = 0, first_id: int = 1) -> Path:
    """Writes a complete zip that `verify_zip(path, spec)` accepts; returns `path`.

    Characters are drawn by `synthetic_ink` at 105x105 and thresholded at half coverage; `<id>`
    counts up from `first_id` in (alphabet, character) order, as in the official files.
    """
    num_characters = spec.num_characters
    num_alphabets = len(spec.alphabets)
    # synthetic_ink spreads characters evenly over alphabets; regroup them by this spec's counts.
    ink, _ = synthetic_ink(
        num_characters, max(1, num_alphabets), spec.num_drawers, IMAGE_SHAPE[0], seed
    )
    flat = ink.reshape(num_characters, spec.num_drawers, *IMAGE_SHAPE)  # [C, S, 105, 105]
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        c = 0
        for alphabet, count in sorted(spec.alphabets.items()):
            for number in range(1, count + 1):
                folder = f"{spec.top}/{alphabet}/character{number:02d}"
                for drawer in range(1, spec.num_drawers + 1):
                    white = flat[c, drawer - 1] < 0.5  # [105, 105] bool, True = background
                    png = iio.imwrite("<bytes>", white, extension=".png")
                    archive.writestr(f"{folder}/{first_id + c:04d}_{drawer:02d}.png", png)
                c += 1
    return path


def fake_png(shape: tuple[int, int] = IMAGE_SHAPE) -> bytes:
    """A blank 1-bit PNG (all background) of `shape`, e.g. to plant a wrong-sized file."""
    return iio.imwrite("<bytes>", np.ones(shape, dtype=bool), extension=".png")
