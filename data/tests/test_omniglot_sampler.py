"""The naive zip sampler (benchmark baseline), the episode grid PNG, the nearest-neighbour baseline."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pytest
import torch

from data.omniglot.episode_grid import episode_grid, save_episode_grid
from data.omniglot.fake_zip import fake_spec, write_fake_zip
from data.omniglot.nearest_neighbour import nearest_neighbour_accuracy
from data.omniglot.prepare import read_official_zips
from data.tests.naive_zip_sampler import NaiveZipSampler

DRAWERS = 4
SPECS = (
    fake_spec("images_background.zip", {"Alpha": 3, "Beta": 2}, DRAWERS, background=True),
    fake_spec("images_evaluation.zip", {"Gamma": 3}, DRAWERS, background=False),
)
N, K1, D = 3, 2, 28 * 28  # ways, samples per class, pixels


@pytest.fixture(scope="module")
def zip_paths(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zips")
    return [write_fake_zip(folder / s.remote.name, s, seed=i) for i, s in enumerate(SPECS)]


def test_naive_episodes_match_the_cache(zip_paths):
    arrays = read_official_zips(list(zip(zip_paths, SPECS, strict=True)), image_size=28)
    with NaiveZipSampler(zip_paths, SPECS, image_size=28, seed=0) as sampler:
        assert sampler.num_characters == arrays.num_characters == 8
        for _ in range(3):
            images, characters, drawers = sampler.sample(N, K1)
            assert images.shape == (K1, N, D) and images.dtype == np.float32
            assert 0.0 <= images.min() and images.max() <= 1.0
            assert len(set(characters.tolist())) == N
            for n in range(N):
                assert len(set(drawers[:, n].tolist())) == K1  # distinct drawings per class
            # The same pixels as the cache path (decoded and resized the same way, ink = 1).
            expected = arrays.images[characters[None, :], drawers - 1].reshape(K1, N, D) / 255.0
            np.testing.assert_allclose(images, expected, atol=1e-6)


def test_naive_sampler_checks_its_arguments(zip_paths):
    with NaiveZipSampler(zip_paths, SPECS) as sampler:
        with pytest.raises(ValueError, match="num_classes must be in"):
            sampler.sample(9, 1)
        with pytest.raises(ValueError, match="num_samples_per_class must be in"):
            sampler.sample(2, DRAWERS + 1)
    with pytest.raises(ValueError, match="one per spec"):
        NaiveZipSampler(zip_paths[:1], SPECS)


def test_episode_grid_tiles_rows_and_columns():
    rows, cols, side, pad = 3, 4, 5, 1
    images = np.zeros((rows, cols, side * side), np.float32)
    images[1, 2] = 1.0  # one fully inked tile: row 1, column 2
    grid = episode_grid(images, pad=pad)  # strokes dark: ink 1.0 -> black (0)
    assert grid.shape == (rows * (side + pad) + pad, cols * (side + pad) + pad)
    top, left = pad + 1 * (side + pad), pad + 2 * (side + pad)
    assert (grid[top : top + side, left : left + side] == 0).all()
    assert (grid[pad : pad + side, pad : pad + side] == 255).all()  # blank tile is white
    assert grid[0, 0] == 128  # grey padding
    light = episode_grid(images, pad=pad, strokes_dark=False)
    assert (light[top : top + side, left : left + side] == 255).all()


def test_save_episode_grid_writes_a_png(tmp_path):
    images = torch.rand(K1, N, D)  # tensors are accepted as well as arrays
    path = save_episode_grid(images, tmp_path / "out" / "episode.png", scale=2)
    back = iio.imread(path)
    assert back.dtype == np.uint8 and back.shape == tuple(2 * s for s in episode_grid(images).shape)
    with pytest.raises(ValueError, match="D a square number"):
        episode_grid(np.zeros((2, 3, 10)))
    with pytest.raises(ValueError, match="scale must be"):
        save_episode_grid(images, tmp_path / "x.png", scale=0)


def test_nearest_neighbour_accuracy_on_separable_and_random_classes():
    rng = np.random.default_rng(0)
    C, S = 10, 5
    # Separable: each class is one fixed random image; every sample is an exact copy.
    prototypes = rng.integers(0, 256, size=(C, 1, 4, 4))
    assert nearest_neighbour_accuracy(np.repeat(prototypes, S, axis=1), episodes=50) == 1.0
    # Pure noise: accuracy near chance 1/5.
    noise = rng.integers(0, 256, size=(C, S, 4, 4))
    assert abs(nearest_neighbour_accuracy(noise, episodes=2000) - 0.2) < 0.05
    with pytest.raises(ValueError, match="shots"):
        nearest_neighbour_accuracy(noise, shots=5)
