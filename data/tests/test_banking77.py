"""Tests of data/banking77.py on tiny CSVs written in tmp_path (never the network).

The structural checks run with the tiny files' own expectations; the official counts are exercised
by one test on the real files, skipped unless DATA_MIRROR points at a mirror that holds them.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
import torch

from data import banking77
from data.fetch import DataError

CATEGORIES = ["card_arrival", "Refund_not_showing_up", "age_limit"]  # unsorted, one capitalised
TRAIN_PER_CLASS = 4
TEST_PER_CLASS = 2


def _write_csv(path: Path, rows: list[tuple[str, str]], header: tuple[str, ...] = banking77.COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _rows(per_class: int, tag: str) -> list[tuple[str, str]]:
    # Texts with commas and quotes: the CSV reader must keep them whole.
    return [(f'{tag} query, "{i}" about {c}', c) for c in CATEGORIES for i in range(per_class)]


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A DATA_MIRROR-shaped folder with tiny look-alike files."""
    folder = tmp_path / "mirror" / "banking77"
    folder.mkdir(parents=True)
    _write_csv(folder / "train.csv", _rows(TRAIN_PER_CLASS, "train"))
    _write_csv(folder / "test.csv", _rows(TEST_PER_CLASS, "test"))
    (folder / "categories.json").write_text(json.dumps(CATEGORIES))
    return folder


def test_load_folder_labels_follow_sorted_names(mirror: Path) -> None:
    data = banking77.load_folder(mirror, train=None, test=None)
    assert data.categories == sorted(CATEGORIES)
    assert data.categories[0] == "Refund_not_showing_up"  # capitals sort first
    assert len(data.train) == len(CATEGORIES) * TRAIN_PER_CLASS
    assert data.test.labels.bincount().tolist() == [TEST_PER_CLASS] * len(CATEGORIES)
    first = data.train.texts.index('train query, "0" about age_limit')
    assert data.categories[int(data.train.labels[first])] == "age_limit"


def test_checks_reject_wrong_counts_and_headers(mirror: Path, tmp_path: Path) -> None:
    rows = banking77.read_rows(mirror / "test.csv")
    banking77.check_rows(rows, banking77.Expected(len(rows), len(CATEGORIES), TEST_PER_CLASS), "test.csv")
    with pytest.raises(DataError, match="expected"):
        banking77.check_rows(rows, banking77.TEST_EXPECTED, "test.csv")
    with pytest.raises(DataError, match="must occur"):
        banking77.check_rows(rows[:-1], banking77.Expected(len(rows) - 1, len(CATEGORIES), TEST_PER_CLASS), "t")
    bad = _write_csv(tmp_path / "bad.csv", rows, header=("sentence", "label"))
    with pytest.raises(DataError, match="header"):
        banking77.read_rows(bad)


def test_fetch_through_the_mirror_validates(mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from data.fetch import fetch

    monkeypatch.setenv("DATA_MIRROR", str(mirror.parent))
    small = banking77.Expected(len(CATEGORIES) * TRAIN_PER_CLASS, len(CATEGORIES))
    got = fetch(banking77.TRAIN_CSV, tmp_path / "home", validator=banking77.validator(small))
    assert got.read_bytes() == (mirror / "train.csv").read_bytes()
    with pytest.raises(DataError):  # the official expectations reject the tiny file
        fetch(banking77.TEST_CSV, tmp_path / "home", validator=banking77.validator(banking77.TEST_EXPECTED))
    assert not (tmp_path / "home" / "test.csv").exists()


def test_k_shot_draws_k_per_class_reproducibly() -> None:
    labels = torch.tensor([0] * 6 + [1] * 5 + [2] * 7)
    a = banking77.k_shot_indices(labels, 3, seed=1)
    assert labels[a].bincount().tolist() == [3, 3, 3]
    assert len(set(a.tolist())) == 9
    assert torch.equal(a, banking77.k_shot_indices(labels, 3, seed=1))
    assert not torch.equal(a, banking77.k_shot_indices(labels, 3, seed=2))
    with pytest.raises(ValueError, match="fewer than"):
        banking77.k_shot_indices(labels, 6, seed=0)


def test_k_shot_none_is_the_whole_split(mirror: Path) -> None:
    data = banking77.load_folder(mirror, train=None, test=None)
    assert banking77.k_shot(data.train, None, seed=0) is data.train
    assert len(banking77.k_shot(data.train, 2, seed=0)) == 2 * len(CATEGORIES)


@pytest.mark.skipif(not os.environ.get("DATA_MIRROR"), reason="needs DATA_MIRROR with banking77/ (real files)")
def test_real_mirror_copy(tmp_path: Path) -> None:
    data = banking77.load(home=tmp_path)
    assert (len(data.train), len(data.test), len(data.categories)) == (10_003, 3_080, 77)
    assert data.test.labels.bincount().tolist() == [40] * 77
    assert len(banking77.k_shot(data.train, 10, seed=0)) == 770
