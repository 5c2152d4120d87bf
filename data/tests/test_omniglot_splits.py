"""Character splits (random and by alphabet) and rotation augmentation."""

from __future__ import annotations

import numpy as np
import pytest

from data.omniglot.splits import (
    SPLIT_NAMES,
    alphabet_split,
    default_sizes,
    make_class_sets,
    random_split,
    split_omniglot,
)
from data.omniglot.synthetic import make_synthetic_omniglot

OMNIGLOT_CHARACTERS = 1623
OMNIGLOT_SIZES = (1100, 100, 423)


@pytest.fixture(scope="module")
def arrays():
    # 96 characters in 6 alphabets (4 background, 2 evaluation), small images: fast and enough.
    return make_synthetic_omniglot(96, num_drawers=4, image_size=12, seed=3, num_alphabets=6)


def _assert_partition(split, num_characters):
    parts = [split.indices(name) for name in SPLIT_NAMES]
    everything = np.concatenate(parts)
    assert len(everything) == len(set(everything.tolist())) == num_characters
    assert all(p.dtype == np.int64 and (np.diff(p) > 0).all() for p in parts)


def test_random_split_default_sizes_on_omniglot():
    split = random_split(OMNIGLOT_CHARACTERS)
    assert split.counts() == dict(zip(SPLIT_NAMES, OMNIGLOT_SIZES, strict=True))
    _assert_partition(split, OMNIGLOT_CHARACTERS)


def test_random_split_is_deterministic_given_the_seed():
    a, b, c = (
        random_split(OMNIGLOT_CHARACTERS, seed=7),
        random_split(OMNIGLOT_CHARACTERS, seed=7),
        random_split(OMNIGLOT_CHARACTERS, seed=8),
    )
    for name in SPLIT_NAMES:
        assert np.array_equal(a.indices(name), b.indices(name))
    assert not np.array_equal(a.test, c.test)


def test_random_split_sizes_scale_with_the_data_set():
    assert default_sizes(OMNIGLOT_CHARACTERS) == OMNIGLOT_SIZES
    train, val, test = default_sizes(200)
    assert train + val + test == 200 and (val, test) == (12, 52)
    split = random_split(10, sizes=(6, 2, 2), seed=1)
    _assert_partition(split, 10)
    for bad in ((6, 2, 1), (10, 0, 0), (5, 5)):
        with pytest.raises(ValueError, match="sizes must be 3 positive counts"):
            random_split(10, sizes=bad)


def test_alphabet_split_keeps_whole_alphabets_apart(arrays):
    split = alphabet_split(arrays, seed=0)
    _assert_partition(split, arrays.num_characters)
    alphabets = {name: set(arrays.alphabet[split.indices(name)].tolist()) for name in SPLIT_NAMES}
    assert alphabets["train"].isdisjoint(alphabets["val"])
    assert arrays.background[split.train].all() and arrays.background[split.val].all()
    assert not arrays.background[split.test].any()
    assert len(alphabets["val"]) == 1  # a sixth of the 4 background alphabets, at least one
    assert len(alphabet_split(arrays, num_val_alphabets=2).val) > len(split.val)
    with pytest.raises(ValueError, match="num_val_alphabets must be in"):
        alphabet_split(arrays, num_val_alphabets=4)


def test_rotation_makes_four_classes_per_character_within_one_split(arrays):
    split = random_split(arrays.num_characters, seed=0)
    sets = make_class_sets(arrays, split, rotate=True)
    seen = {}
    for name, classes in sets.items():
        assert classes.num_classes == 4 * len(split.indices(name))
        assert classes.images.shape == (classes.num_classes, 4, 12, 12)
        for character in np.unique(classes.character):
            assert seen.setdefault(int(character), name) == name  # never in two splits
            assert sorted(classes.rotation[classes.character == character].tolist()) == [0, 1, 2, 3]
    assert len(seen) == arrays.num_characters


def test_rotated_images_are_quarter_turns_counter_clockwise(arrays):
    sets = make_class_sets(arrays, random_split(arrays.num_characters, seed=0), rotate=True)
    test = sets["test"]
    k = int(np.flatnonzero(test.rotation == 1)[0])
    original = arrays.images[test.character[k]]  # [S, H, W]
    # Independent reference: a counter-clockwise quarter turn is a transpose, then rows reversed.
    np.testing.assert_array_equal(test.images[k], original.transpose(0, 2, 1)[:, ::-1, :])
    half = int(np.flatnonzero((test.rotation == 2) & (test.character == test.character[k]))[0])
    np.testing.assert_array_equal(test.images[half], original[:, ::-1, ::-1])


def test_without_rotation_classes_are_the_characters(arrays):
    split = alphabet_split(arrays)
    sets = make_class_sets(arrays, split)
    for name in SPLIT_NAMES:
        assert np.array_equal(sets[name].character, split.indices(name))
        assert (sets[name].rotation == 0).all()
        assert np.array_equal(sets[name].images, arrays.images[split.indices(name)])


def test_split_omniglot_reports_counts(arrays, caplog):
    with caplog.at_level("INFO"):
        sets = split_omniglot(arrays, "random", seed=0, rotate=True)
    train, val, test = default_sizes(arrays.num_characters)
    assert (
        sets["train"].describe() == f"train: {4 * train} classes ({train} characters x 4 rotations)"
    )
    assert f"test: {4 * test} classes" in caplog.text
    with pytest.raises(ValueError, match="kind must be"):
        split_omniglot(arrays, "drawer")
    with pytest.raises(ValueError, match="sizes applies to kind='random' only"):
        split_omniglot(arrays, "alphabet", sizes=(1, 1, 94))
