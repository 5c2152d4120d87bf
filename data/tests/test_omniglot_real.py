"""The real Omniglot zips from a local mirror (`DATA_MIRROR`); skipped where there is none."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from data.omniglot import official
from data.omniglot.load import load_omniglot, prepared_cache_path
from data.omniglot.nearest_neighbour import nearest_neighbour_accuracy
from data.tests.naive_zip_sampler import NaiveZipSampler

MIRROR = os.environ.get("DATA_MIRROR")
pytestmark = pytest.mark.skipif(
    not MIRROR or not (Path(MIRROR) / "omniglot").is_dir(),
    reason="needs DATA_MIRROR pointing at a folder with omniglot/images_*.zip",
)
LOAD_BUDGET_S = 1.0  # a prepared cache must load in well under a second (~0.03 s measured)
# 5-way 1-shot pixel nearest neighbour on real Omniglot, measured 0.45 over 2000 episodes.
REAL_NN_BAND = (0.35, 0.55)


@pytest.mark.parametrize("spec", official.OFFICIAL_SPECS, ids=lambda s: s.top)
def test_mirror_zips_pass_verification(spec):
    characters = official.verify_zip(Path(MIRROR) / spec.remote.mirror_path, spec)
    assert len(characters) == spec.num_characters
    assert sum(len(c.members) for c in characters) == spec.num_characters * official.NUM_DRAWERS


@pytest.mark.slow
def test_prepare_load_and_sample_the_real_data(tmp_path, monkeypatch):
    monkeypatch.setenv("MTML_DATA_HOME", str(tmp_path))
    arrays = load_omniglot(28, "official")
    assert prepared_cache_path(28).is_file()
    assert arrays.images.shape == (1623, 20, 28, 28) and arrays.images.dtype == np.uint8
    assert len(arrays.alphabet_names) == 50
    assert int(arrays.background.sum()) == 964
    assert 0.05 < arrays.images.mean() / 255 < 0.12  # ink high: strokes are ~8% of the pixels

    start = time.perf_counter()
    again = load_omniglot(28, "official")
    assert time.perf_counter() - start < LOAD_BUDGET_S
    assert np.array_equal(again.images, arrays.images)

    accuracy = nearest_neighbour_accuracy(arrays.images, ways=5, shots=1, episodes=1000)
    assert REAL_NN_BAND[0] < accuracy < REAL_NN_BAND[1], accuracy

    with NaiveZipSampler(image_size=28, seed=0) as sampler:  # the zips fetched above
        images, characters, drawers = sampler.sample(5, 2)
    expected = arrays.images[characters[None, :], drawers - 1].reshape(2, 5, 784) / 255.0
    np.testing.assert_allclose(images, expected, atol=1e-6)
