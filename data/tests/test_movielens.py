"""Tests of data/movielens.py and data/synthetic_movielens.py, on synthetic files only (no network).

The official zip may not be redistributed, so a stand-in with the same layout is built from synthetic
files and served through DATA_MIRROR; the structural checks run with its counts.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from data import movielens
from data.fetch import DataError
from data.synthetic_movielens import SyntheticSpec, generate, read_spec, write_synthetic

SMALL = SyntheticSpec(n_users=40, n_items=60, n_ratings=1000, rank=2, seed=3)


def _expected(spec: SyntheticSpec, folder: Path) -> movielens.Expected:
    ratings = movielens.parse_ratings((folder / "u.data").read_text())
    return movielens.Expected(len(ratings), int(ratings.users.unique().numel()), int(ratings.items.unique().numel()))


def _zip_of(folder: Path, target: Path, members: tuple[str, ...] = movielens.MEMBERS) -> Path:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.write(folder / member, f"{movielens.TOP_FOLDER}/{member}")
    return target


@pytest.fixture
def synthetic_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "synthetic"
    write_synthetic(folder, SMALL)
    return folder


def test_generate_counts_and_unique_pairs():
    table, planted = generate(SMALL)
    users, items = table[:, 0].astype(int), table[:, 1].astype(int)
    assert len(table) == SMALL.n_ratings
    assert len(set(zip(users, items, strict=True))) == len(table), "a (user, item) pair occurs twice"
    per_user = np.bincount(users, minlength=SMALL.n_users)
    assert per_user.min() >= SMALL.min_per_user and per_user.max() <= SMALL.max_per_user
    assert items.max() < SMALL.n_items and planted.noise_var == pytest.approx(SMALL.noise_std**2)


def test_generate_is_deterministic_per_seed():
    a, _ = generate(SMALL)
    b, _ = generate(SMALL)
    c, _ = generate(SyntheticSpec(**{**SMALL.__dict__, "seed": 4}))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_noise_variance_is_the_error_of_the_planted_mean():
    # The floor the hw0 tests compare MSE against must be the real irreducible error.
    spec = SyntheticSpec(n_users=300, n_items=200, n_ratings=30_000, rank=2, seed=1)
    table, planted = generate(spec)
    residual = table[:, 2] - planted.mean_rating(table[:, 0].astype(int), table[:, 1].astype(int))
    assert abs(residual.mean()) < 0.02
    assert residual.var() == pytest.approx(planted.noise_var, rel=0.03)


def test_spec_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="n_ratings"):
        SyntheticSpec(n_users=10, n_items=20, n_ratings=10_000)


def test_write_and_load_round_trip(synthetic_folder: Path):
    assert read_spec(synthetic_folder) == SMALL
    data = movielens.load_folder(synthetic_folder, expected=None, test_fraction=0.1, seed=0, source="synthetic")
    table, _ = generate(SMALL)
    assert data.n_items == SMALL.n_items
    assert len(data.train) + len(data.test) == SMALL.n_ratings
    assert len(data.test) == round(0.1 * SMALL.n_ratings)
    assert data.train.users.dtype == torch.int64 and data.train.ratings.dtype == torch.float32
    assert int(data.train.users.min()) == 0, "ids must be 0-based"
    # The parsed ratings are the generated ones (6 decimals in the file).
    got = sorted(zip(data.train.users.tolist() + data.test.users.tolist(), data.train.items.tolist() + data.test.items.tolist(), strict=True))
    want = sorted(zip(table[:, 0].astype(int).tolist(), table[:, 1].astype(int).tolist(), strict=True))
    assert got == want


def test_split_is_fixed_by_the_seed_and_disjoint(synthetic_folder: Path):
    ratings = movielens.parse_ratings((synthetic_folder / "u.data").read_text())
    train_a, test_a = movielens.split(ratings, 0.05, seed=0)
    train_b, test_b = movielens.split(ratings, 0.05, seed=0)
    _, test_c = movielens.split(ratings, 0.05, seed=1)
    assert torch.equal(test_a.users, test_b.users) and torch.equal(test_a.items, test_b.items)
    assert not torch.equal(test_a.items, test_c.items)
    pairs = lambda r: set(zip(r.users.tolist(), r.items.tolist(), strict=True))  # noqa: E731
    assert not pairs(train_a) & pairs(test_a)
    assert len(pairs(train_a) | pairs(test_a)) == len(ratings)
    with pytest.raises(ValueError, match="test_fraction"):
        movielens.split(ratings, 1.5)


def test_parse_errors_name_the_line():
    with pytest.raises(DataError, match="line 2"):
        movielens.parse_ratings("1\t2\t3\t4\n1\t2\t3\n")
    with pytest.raises(DataError, match="1-based"):
        movielens.parse_ratings("0\t2\t3\t4\n")


def test_validate_zip_accepts_a_complete_archive(synthetic_folder: Path, tmp_path: Path):
    archive = _zip_of(synthetic_folder, tmp_path / "ml-100k.zip")
    movielens.validate_zip(archive, _expected(SMALL, synthetic_folder))


def test_validate_zip_rejects_wrong_counts_missing_members_and_truncation(synthetic_folder: Path, tmp_path: Path):
    archive = _zip_of(synthetic_folder, tmp_path / "ml-100k.zip")
    with pytest.raises(DataError, match="expected 100000"):
        movielens.validate_zip(archive)  # the official counts
    partial = _zip_of(synthetic_folder, tmp_path / "partial.zip", members=("u.data",))
    with pytest.raises(DataError, match="lacks"):
        movielens.validate_zip(partial, _expected(SMALL, synthetic_folder))
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(DataError):
        movielens.validate_zip(truncated, _expected(SMALL, synthetic_folder))


def test_extract_checks_and_repairs_the_files(synthetic_folder: Path, tmp_path: Path):
    archive = _zip_of(synthetic_folder, tmp_path / "ml-100k.zip")
    folder = movielens.extract(archive, tmp_path / "cache")
    assert (folder / "u.data").read_bytes() == (synthetic_folder / "u.data").read_bytes()
    (folder / "u.data").write_text("tampered\n")
    again = movielens.extract(archive, tmp_path / "cache")
    assert again == folder and (folder / "u.data").read_bytes() == (synthetic_folder / "u.data").read_bytes()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [movielens.TOP_FOLDER], "temporary folder left behind"


def test_prepare_from_a_mirror(synthetic_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    mirror = tmp_path / "mirror"
    (mirror / "movielens").mkdir(parents=True)
    _zip_of(synthetic_folder, mirror / movielens.ML_100K.mirror_path)
    monkeypatch.setenv("DATA_MIRROR", str(mirror))
    expected = _expected(SMALL, synthetic_folder)
    folder = movielens.prepare(tmp_path / "home", expected)
    data = movielens.load_folder(folder, expected)
    assert len(data.train) + len(data.test) == SMALL.n_ratings
    assert (tmp_path / "home" / "downloads" / "ml-100k.zip").is_file()
    # A second call trusts nothing: it re-verifies the cached zip and reuses it.
    assert movielens.prepare(tmp_path / "home", expected) == folder


def test_prepare_rejects_a_bad_mirror_copy(synthetic_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    mirror = tmp_path / "mirror"
    (mirror / "movielens").mkdir(parents=True)
    (mirror / movielens.ML_100K.mirror_path).write_bytes(b"not a zip")
    monkeypatch.setenv("DATA_MIRROR", str(mirror))
    with pytest.raises(DataError, match="not a readable zip"):
        movielens.prepare(tmp_path / "home", _expected(SMALL, synthetic_folder))
    assert not (tmp_path / "home" / "downloads" / "ml-100k.zip").exists()


def test_load_synthetic_records_the_noise_floor(tmp_path: Path):
    data = movielens.load("synthetic", spec=SMALL, home=tmp_path)
    assert data.noise_var == pytest.approx(SMALL.noise_std**2)
    assert data.source == "synthetic" and data.n_users == SMALL.n_users
    with pytest.raises(ValueError, match="source"):
        movielens.load("netflix", home=tmp_path)
