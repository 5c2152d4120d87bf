"""Preparing arrays from zips, the cache file (round trip, atomic writes, invalidation), loading."""

from __future__ import annotations

import dataclasses
import logging
import os
import zipfile
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from data.fetch import DataError
from data.omniglot import cache, load
from data.omniglot.arrays import OmniglotArrays
from data.omniglot.cache import read_cache, write_cache
from data.omniglot.fake_zip import fake_png, fake_spec, write_fake_zip
from data.omniglot.prepare import read_official_zips
from data.omniglot.synthetic import make_synthetic_omniglot

DRAWERS = 3
BACKGROUND = fake_spec("images_background.zip", {"Alpha": 2, "Beta": 1}, DRAWERS, background=True)
EVALUATION = fake_spec("images_evaluation.zip", {"Gamma": 2}, DRAWERS, background=False)
BLOCK = 3  # 105 / 35: at 35x35, area downsampling is the plain mean of 3x3 blocks
SMALL = dict(synthetic_characters=12, synthetic_drawers=4)  # a tiny synthetic set for load tests


@pytest.fixture(scope="module")
def zips(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, object]]:
    folder = tmp_path_factory.mktemp("zips")
    return [
        (write_fake_zip(folder / "images_background.zip", BACKGROUND, seed=1), BACKGROUND),
        (
            write_fake_zip(folder / "images_evaluation.zip", EVALUATION, seed=2, first_id=4),
            EVALUATION,
        ),
    ]


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MTML_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("DATA_MIRROR", raising=False)
    return tmp_path


def test_prepared_arrays_have_the_documented_layout(zips):
    # Evaluation passed first on purpose: background characters must still come first.
    arrays = read_official_zips(list(reversed(zips)), image_size=28)
    assert arrays.images.shape == (5, DRAWERS, 28, 28) and arrays.images.dtype == np.uint8
    assert arrays.character_names == (
        "Alpha/character01", "Alpha/character02", "Beta/character01",
        "Gamma/character01", "Gamma/character02",
    )  # fmt: skip
    assert arrays.alphabet_names == ("Alpha", "Beta", "Gamma")
    assert arrays.alphabet.tolist() == [0, 0, 1, 2, 2]
    assert arrays.background.tolist() == [True, True, True, False, False]
    assert (arrays.drawer_ids == np.arange(1, DRAWERS + 1)).all()
    assert arrays.meta.source == "official" and arrays.meta.num_characters == 5


def test_pixels_are_ink_high_block_means_of_the_png(zips):
    """At 35x35 the area resize is exactly a 3x3 block mean, an independent reference."""
    arrays = read_official_zips(zips, image_size=35)
    path, _ = zips[1]
    with zipfile.ZipFile(path) as archive:
        png = archive.read("images_evaluation/Gamma/character02/0005_03.png")
    white = iio.imread(png)  # [105, 105] bool, True = background in the official files
    ink = 1.0 - white.astype(np.float64)
    expected = ink.reshape(35, BLOCK, 35, BLOCK).mean(axis=(1, 3)) * 255  # [35, 35]
    got = arrays.images[arrays.character_names.index("Gamma/character02"), 2]
    np.testing.assert_allclose(got, expected, atol=0.5 + 1e-6)  # rounding to uint8 only
    assert got.max() == 255 and got[0, 0] == 0  # strokes high, background (corner) zero


def test_a_png_of_the_wrong_size_is_a_data_error(zips, tmp_path):
    bad = tmp_path / "images_background.zip"
    path, spec = zips[0]
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as out:
        for info in src.infolist():
            wrong = info.filename.endswith("0001_02.png")
            out.writestr(info.filename, fake_png((28, 28)) if wrong else src.read(info))
    with pytest.raises(DataError, match=r"0001_02.png has shape \(28, 28\), expected \(105, 105\)"):
        read_official_zips([(bad, spec)], image_size=28)


def test_image_size_is_checked(zips):
    for bad in (0, 106, 28.0, True):
        with pytest.raises(ValueError, match="image_size must be an int in"):
            read_official_zips(zips, image_size=bad)


def test_cache_round_trip(zips, tmp_path):
    arrays = read_official_zips(zips, image_size=20)
    path = write_cache(arrays, tmp_path / "c.npz")
    back = read_cache(path)
    assert back.meta == arrays.meta
    for name in ("images", "alphabet", "drawer_ids", "background"):
        got, want = getattr(back, name), getattr(arrays, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name
    assert back.alphabet_names == arrays.alphabet_names
    assert back.character_names == arrays.character_names
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]  # no temporary file left


def test_a_crash_mid_write_leaves_no_cache_and_keeps_the_old_one(tmp_path, monkeypatch):
    old = make_synthetic_omniglot(4, 2, 12, seed=0)
    new = make_synthetic_omniglot(4, 2, 12, seed=1)
    path = write_cache(old, tmp_path / "c.npz")
    fresh = tmp_path / "fresh.npz"

    def crash(file, **arrays):  # writes part of the file, then dies like a killed process would
        file.write(b"PK\x03\x04 half a cache")
        raise OSError("disk full")

    monkeypatch.setattr(cache.np, "savez", crash)
    for target in (path, fresh):
        with pytest.raises(OSError, match="disk full"):
            write_cache(new, target)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz"]  # no temp, no fresh.npz
    assert read_cache(path).meta == old.meta  # the previous cache is untouched


def test_truncated_or_foreign_cache_files_are_data_errors(tmp_path):
    path = write_cache(make_synthetic_omniglot(4, 2, 12), tmp_path / "c.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"not a readable Omniglot cache.*Delete"):
        read_cache(path)
    np.savez(path, images=np.zeros(3))
    with pytest.raises(DataError, match="lacks"):
        read_cache(path)
    with pytest.raises(DataError, match="does not exist"):
        read_cache(tmp_path / "missing.npz")


def test_a_cache_of_another_format_version_is_refused(tmp_path):
    arrays = make_synthetic_omniglot(4, 2, 12)
    # As if written by older code: the read-back check inside write_cache already refuses it.
    stale = dataclasses.replace(arrays, meta=dataclasses.replace(arrays.meta, format_version=0))
    with pytest.raises(DataError, match="cache format 0"):
        write_cache(stale, tmp_path / "c.npz")
    assert not (tmp_path / "c.npz").exists()


def test_load_builds_then_reuses_the_cache(data_home):
    first = load.load_omniglot(16, "synthetic", **SMALL)
    path = cache.cache_dir() / "omniglot-synthetic-c12-a2-s4-seed0-16px.npz"
    assert path.is_file() and first.images.shape == (12, 4, 16, 16)
    stamp = path.stat().st_mtime_ns
    second = load.load_omniglot(16, "synthetic", **SMALL)
    assert path.stat().st_mtime_ns == stamp  # loaded, not rebuilt
    assert np.array_equal(first.images, second.images)


def test_a_cache_of_another_size_is_rebuilt_not_used(data_home, caplog):
    wanted = load.synthetic_meta(16, 12, 4, seed=0)
    # Plant a 20px cache where the 16px one belongs (as a renamed or stale file would be).
    write_cache(make_synthetic_omniglot(12, 4, 20), cache.cache_path(wanted))
    with caplog.at_level(logging.WARNING):
        arrays = load.load_omniglot(16, "synthetic", **SMALL)
    assert arrays.images.shape[-1] == 16 and arrays.meta == wanted
    assert read_cache(cache.cache_path(wanted)).meta == wanted  # replaced on disk too
    assert "rebuilding" in caplog.text


def test_a_corrupt_cache_is_rebuilt(data_home, caplog):
    path = cache.cache_path(load.synthetic_meta(16, 12, 4, seed=0))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a cache")
    with caplog.at_level(logging.WARNING):
        arrays = load.load_omniglot(16, "synthetic", **SMALL)
    assert arrays.images.shape == (12, 4, 16, 16) and "Rebuilding" in caplog.text


def test_auto_without_data_falls_back_to_synthetic_loudly(data_home, caplog):
    with caplog.at_level(logging.WARNING):
        arrays = load.load_omniglot(16, "auto", **SMALL)
    assert arrays.meta.source == "synthetic"
    assert "SYNTHETIC" in caplog.text and "make data" in caplog.text


def test_auto_prefers_an_official_cache(data_home):
    C, S, H = 1623, 20, 16
    # Stands in for a prepared official cache: same file name and metadata, blank pixels.
    stand_in = OmniglotArrays(
        images=np.zeros((C, S, H, H), np.uint8),
        alphabet=np.arange(C, dtype=np.int64) % 50,
        drawer_ids=np.tile(np.arange(1, S + 1, dtype=np.int16), (C, 1)),
        background=np.arange(C) < 964,
        alphabet_names=tuple(f"A{a}" for a in range(50)),
        character_names=tuple(f"A{c % 50}/character{c}" for c in range(C)),
        meta=load.official_meta(H),
    )
    write_cache(stand_in, load.prepared_cache_path(H))
    assert load.load_omniglot(H, "auto").meta.source == "official"


def test_load_rejects_bad_arguments(data_home):
    with pytest.raises(ValueError, match="source must be one of"):
        load.load_omniglot(28, "mnist")
    with pytest.raises(ValueError, match="image_size"):
        load.load_omniglot(200, "synthetic")


def test_cache_files_are_not_left_in_the_repository(data_home):
    load.load_omniglot(16, "synthetic", **SMALL)
    assert str(cache.cache_dir()).startswith(str(data_home))
    assert not any(name.endswith(".tmp") for name in os.listdir(cache.cache_dir()))
