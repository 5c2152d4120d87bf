"""The synthetic Omniglot-like generator: format, determinism, difficulty, speed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from data.omniglot.cache import read_cache, write_cache
from data.omniglot.nearest_neighbour import nearest_neighbour_accuracy
from data.omniglot.synthetic import make_synthetic_omniglot

CHARACTERS, DRAWERS, SIZE = 100, 20, 28
CHANCE_5_WAY = 0.2
# 5-way 1-shot pixel nearest neighbour measured at ~0.59 (200 characters, seeds 0-2, 2000
# episodes); the band leaves room for episode noise while catching trivial or hopeless data.
NN_BAND = (0.35, 0.85)
GENERATION_BUDGET_S = 10.0  # 200 x 20 at 28x28 takes ~0.5 s on one core; generous for slow CI


@pytest.fixture(scope="module")
def arrays():
    return make_synthetic_omniglot(CHARACTERS, DRAWERS, SIZE, seed=0)


def test_format_matches_the_official_cache(arrays):
    assert arrays.images.shape == (CHARACTERS, DRAWERS, SIZE, SIZE)
    assert arrays.images.dtype == np.uint8
    assert arrays.alphabet.dtype == np.int64 and arrays.drawer_ids.dtype == np.int16
    assert (arrays.drawer_ids == np.arange(1, DRAWERS + 1)).all()
    A = len(arrays.alphabet_names)
    assert A == 3 and arrays.meta.num_alphabets == A  # about 32 characters per alphabet
    assert sorted(set(arrays.alphabet.tolist())) == list(range(A))
    assert (np.diff(arrays.alphabet) >= 0).all()  # alphabets in blocks, as in the official order
    assert arrays.background.any() and not arrays.background.all()
    assert arrays.character_names[0] == "Synthetic_01/character01"
    assert len(set(arrays.character_names)) == CHARACTERS
    meta = arrays.meta
    assert (meta.source, meta.seed, meta.image_size, meta.num_characters) == (
        "synthetic",
        0,
        SIZE,
        CHARACTERS,
    )


def test_pixels_follow_the_ink_high_convention(arrays):
    images = arrays.images.astype(np.float64) / 255
    assert 0.03 < images.mean() < 0.15  # Omniglot at 28x28: 0.08 of the pixel mass is ink
    assert images.max() == 1.0  # fully inked pixels exist
    border = np.concatenate([images[..., 0, :], images[..., -1, :]], axis=-1)
    assert border.mean() < images.mean()  # glyphs are centred: background (0) at the edges
    assert (images.reshape(len(images) * DRAWERS, -1).sum(1) > 0).all()  # no blank drawing


def test_same_seed_same_bytes_other_seed_other_data():
    a = make_synthetic_omniglot(12, 4, 16, seed=5)
    b = make_synthetic_omniglot(12, 4, 16, seed=5)
    c = make_synthetic_omniglot(12, 4, 16, seed=6)
    assert np.array_equal(a.images, b.images) and a.meta == b.meta
    assert not np.array_equal(a.images, c.images)


def test_drawings_of_one_character_differ_but_resemble_each_other(arrays):
    x = arrays.images.astype(np.float32) / 255  # [C, S, H, W]
    assert not np.array_equal(x[0, 0], x[0, 1])  # drawers jitter
    same = np.abs(x[:, 0] - x[:, 1]).mean()
    other = np.abs(x[:, 0] - np.roll(x[:, 1], 1, axis=0)).mean()
    assert same < other


def test_classes_are_learnable_but_not_trivial(arrays):
    accuracy = nearest_neighbour_accuracy(arrays.images, ways=5, shots=1, episodes=1000, seed=0)
    assert accuracy > CHANCE_5_WAY + 0.1
    assert NN_BAND[0] < accuracy < NN_BAND[1], accuracy


def test_other_image_sizes_and_counts():
    arrays = make_synthetic_omniglot(7, 3, 64, seed=1, num_alphabets=2)
    assert arrays.images.shape == (7, 3, 64, 64)
    assert arrays.alphabet.tolist() == [0, 0, 0, 0, 1, 1, 1]
    for kwargs in (
        {"num_characters": 1},
        {"num_drawers": 1},
        {"image_size": 2},
        {"num_alphabets": 1},
    ):
        with pytest.raises(ValueError, match="must be an int"):
            make_synthetic_omniglot(**{"num_characters": 4, **kwargs})


def test_synthetic_arrays_round_trip_through_the_cache(tmp_path):
    arrays = make_synthetic_omniglot(6, 3, 16, seed=2)
    back = read_cache(write_cache(arrays, tmp_path / "s.npz"))
    assert back.meta == arrays.meta and np.array_equal(back.images, arrays.images)
    assert back.character_names == arrays.character_names


def test_generation_is_fast():
    start = time.perf_counter()
    make_synthetic_omniglot(200, 20, 28, seed=0)
    assert time.perf_counter() - start < GENERATION_BUDGET_S
