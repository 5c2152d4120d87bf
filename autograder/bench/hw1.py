"""Benchmarks of hw1 for BENCHMARKS.md (`make bench HW=hw1`): every number is measured here.

- Episode sampling throughput (episodes per second) of the reference `sample_episode` on the
  uint8 cache against the naive sampler that reads and decodes every PNG from the zips
  (`data/tests/naive_zip_sampler.py`), side by side in the same run, for 5-way 1-shot and 20-way 5-shot,
  one episode at a time and in batches of 128.
- Building the cache from the zips, and loading it.
- Meta-training steps per second of the reference at the default configuration.

Real Omniglot is used where its zips are available (downloaded, or `DATA_MIRROR`); elsewhere the
same code runs on small synthetic zips in the official layout, and the section says so.

Dimension letters: B episodes per batch, N ways, K shots, D = 784 pixels.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from autograder.solutions.hw1.loss import query_loss
from autograder.solutions.hw1.model import MANN
from autograder.solutions.hw1.sampler import sample_episode
from data.omniglot.cache import read_cache, write_cache
from data.omniglot.fake_zip import fake_spec, write_fake_zip
from data.omniglot.official import OFFICIAL_SPECS, fetch_official, official_zips_available
from data.omniglot.prepare import read_official_zips
from data.tests.naive_zip_sampler import NaiveZipSampler
from hw1.config import TrainConfig

SETTINGS = ((5, 1), (20, 5))  # (N, K) of the throughput table
BATCHES = (1, 128)  # episodes per sampler call
MIN_SECONDS = 1.0  # each throughput is timed over at least this long (and at least one call)
TRAIN_STEPS = 30  # timed meta-training steps (after 3 warm-up steps)
# Synthetic stand-in: 2 zips, 10 alphabets x 10 characters x 20 drawers (enough for 20-way).
FAKE_ALPHABETS = ({f"Alpha{i}": 10 for i in range(6)}, {f"Beta{i}": 10 for i in range(4)})


def _zips(folder: Path) -> tuple[list, str]:
    """(path, spec) pairs of the real zips if available, else of synthetic zips written to `folder`."""
    if official_zips_available():
        return list(zip(fetch_official(), OFFICIAL_SPECS, strict=True)), "official Omniglot zips"
    specs = (fake_spec("images_background.zip", FAKE_ALPHABETS[0], 20, background=True),
             fake_spec("images_evaluation.zip", FAKE_ALPHABETS[1], 20, background=False))
    pairs = [(write_fake_zip(folder / s.remote.name, s, seed=i), s) for i, s in enumerate(specs)]
    return pairs, ("SYNTHETIC zips in the official layout (100 characters; the official zips are "
                   "not available here: run `make data`)")


def _rate(call: Callable[[], None], episodes_per_call: int) -> float:
    """Episodes per second of `call`, timed over at least MIN_SECONDS and one call."""
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            return calls * episodes_per_call / elapsed


def _cached_batch(images: np.ndarray, B: int, N: int, K: int, generator: torch.Generator) -> None:
    """A batch as hw1.episodes.sample_batch makes it, from the reference sampler."""
    episodes = [sample_episode(images, N, K, generator) for _ in range(B)]
    torch.stack([e[0] for e in episodes]), torch.stack([e[1] for e in episodes])


def _vectorized_batch(images: np.ndarray, B: int, N: int, K: int,
                      rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """B episodes from the cache in a fixed number of numpy operations (no per-episode loop).

    The same episodes' distribution as `sample_episode` (uniform classes, K+1 distinct drawings,
    shuffled query row), written for speed: what the cache makes possible. Staff-only, so that the
    handout never holds a working sampler.
    """
    C, S, H, W = images.shape
    # N distinct classes per episode by rejection: draw N with replacement, redraw the rows that
    # repeat one (rare when N << C). Whole-row redraws keep every ordered N-tuple equally likely,
    # and cost O(B*N) instead of a random key for each of the C classes.
    classes = rng.integers(0, C, size=(B, N))  # [B, N]
    while N > 1:
        ordered = np.sort(classes, axis=1)
        repeats = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)  # [B]
        if not repeats.any():
            break
        classes[repeats] = rng.integers(0, C, size=(int(repeats.sum()), N))
    drawers = rng.random((B, N, S), dtype=np.float32).argsort(axis=2)[:, :, : K + 1]  # [B, N, K+1]
    pixels = images[classes[:, :, None], drawers]  # [B, N, K+1, H, W] uint8
    x = pixels.transpose(0, 2, 1, 3, 4).reshape(B, K + 1, N, H * W).astype(np.float32)
    x *= np.float32(1 / 255)  # [B, K+1, N, D], strokes = 1
    eye = np.eye(N, dtype=np.float32)
    labels = np.broadcast_to(eye, (B, K + 1, N, N)).copy()  # [B, K+1, N, N]
    order = rng.random((B, N)).argsort(axis=1)  # [B, N], one query permutation per episode
    x[:, K] = x[np.arange(B)[:, None], K, order]
    labels[:, K] = eye[order]
    return torch.from_numpy(x), torch.from_numpy(labels)


def _distinct(count: int, below: int, draw: random.Random) -> list[int]:
    """`count` distinct ints drawn uniformly from range(below), in the order drawn.

    Rejection, since count << below here: cheaper than random.sample's bookkeeping at this size.
    """
    if count > below:
        raise ValueError(f"cannot draw {count} distinct ints below {below}.")
    picks: list[int] = []
    while len(picks) < count:
        pick = int(below * draw.random())
        if pick not in picks:
            picks.append(pick)
    return picks


def _single_episode(flat: np.ndarray, S: int, N: int, K: int, draw: random.Random,
                    eye: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """One episode from the cache with the fewest array operations: the batch-1 fast path.

    flat: the cache as [C * S, D] uint8 (a view). eye: [N, N] float32.
    Returns images [K+1, N, D] float32 and one-hot labels [K+1, N, N] float32.

    At batch 1, numpy's per-call overhead (microseconds per operation) is the whole cost, so the
    draws are plain Python on small ints (uniform classes, K+1 distinct drawers per class in
    random order, a uniform query permutation) and the pixels come out in one gather.
    """
    rows = [[c * S + d for d in _distinct(K + 1, S, draw)] for c in _distinct(N, flat.shape[0] // S, draw)]
    order = list(range(N))
    draw.shuffle(order)  # query position i holds class order[i]
    index = [rows[n][k] for k in range(K) for n in range(N)] + [rows[n][K] for n in order]
    x = flat.take(index, axis=0).astype(np.float32)  # [(K+1) * N, D]
    x *= np.float32(1 / 255)
    labels = eye[list(range(N)) * K + order]  # [(K+1) * N, N]
    return torch.from_numpy(x.reshape(K + 1, N, -1)), torch.from_numpy(labels.reshape(K + 1, N, N))


def _naive_batch(sampler: NaiveZipSampler, B: int, N: int, K: int) -> None:
    batch = [sampler.sample(N, K + 1)[0] for _ in range(B)]
    np.stack(batch)


def _train_rate(images: np.ndarray, threads: int) -> float:
    """Reference meta-training steps per second (default TrainConfig) with `threads` threads."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    config = TrainConfig()
    torch.manual_seed(0)
    model = MANN(config.num_classes, config.hidden_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    generator = torch.Generator().manual_seed(0)

    def step() -> None:
        episodes = [sample_episode(images, config.num_classes, config.num_shots, generator)
                    for _ in range(config.batch_size)]
        x = torch.stack([e[0] for e in episodes])  # [B, K+1, N, D]
        y = torch.stack([e[1] for e in episodes])  # [B, K+1, N, N]
        loss = query_loss(model(x, y), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(TRAIN_STEPS):
        step()
    rate = TRAIN_STEPS / (time.perf_counter() - start)
    torch.set_num_threads(before)
    return rate


def bench() -> str:
    with tempfile.TemporaryDirectory(prefix="hw1-bench-") as tmp:
        folder = Path(tmp)
        pairs, source = _zips(folder)
        start = time.perf_counter()
        arrays = read_official_zips(pairs, image_size=28)
        build_s = time.perf_counter() - start
        cache = write_cache(arrays, folder / "omniglot-bench.npz")
        start = time.perf_counter()
        cached = read_cache(cache)
        load_s = time.perf_counter() - start
        cache_mib = cache.stat().st_size / 2**20
        images = cached.images  # [C, S, 28, 28] uint8
        rows = ["| N-way K-shot | episodes per call | cache, fast path (episodes/s) | cache, reference "
                "`sample_episode` loop (episodes/s) | naive zip+PNG (episodes/s) | speed-up (fast path / "
                "naive) | speed-up (reference loop / naive) |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        ratios, loop_ratios = [], []
        rng = np.random.default_rng(0)
        draw = random.Random(0)
        S = images.shape[1]
        flat = images.reshape(-1, images.shape[2] * images.shape[3])  # [C * S, D]
        generator = torch.Generator().manual_seed(0)
        # One thread, as the training loop's data path runs: the sampler's ops are tiny, and
        # intra-op threads only add synchronisation (on a busy machine, a lot of it).
        threads_default = torch.get_num_threads()
        torch.set_num_threads(1)
        with NaiveZipSampler([p for p, _ in pairs], [s for _, s in pairs], image_size=28, seed=0) as naive:
            for N, K in SETTINGS:
                for B in BATCHES:
                    if B == 1:
                        eye = np.eye(N, dtype=np.float32)
                        fast = _rate(lambda N=N, K=K, eye=eye: _single_episode(flat, S, N, K, draw, eye), 1)
                    else:
                        fast = _rate(lambda B=B, N=N, K=K: _vectorized_batch(images, B, N, K, rng), B)
                    loop = _rate(lambda B=B, N=N, K=K: _cached_batch(images, B, N, K, generator), B)
                    slow = _rate(lambda B=B, N=N, K=K: _naive_batch(naive, B, N, K), B)
                    ratios.append(fast / slow)
                    loop_ratios.append(loop / slow)
                    rows.append(f"| {N}-way {K}-shot | {B} | {fast:,.0f} | {loop:,.0f} | {slow:,.1f} | "
                                f"{fast / slow:,.0f}x | {loop / slow:,.0f}x |")
        torch.set_num_threads(threads_default)
        train_1 = _train_rate(images, 1)
        cores = os.cpu_count() or 1
        train_n = _train_rate(images, cores)
    config = TrainConfig()
    lines = [
        "## hw1: episode sampling, Omniglot cache, meta-training speed",
        "",
        f"Data: {source}; {arrays.num_characters} characters x {arrays.images.shape[1]} drawers at 28x28.",
        "",
        "Episode sampling from the uint8 cache, two ways: a fast path (staff-only code in this "
        "file: one episode drawn with Python's `random` and gathered in one indexing operation at "
        "batch 1; all B episodes in a fixed number of numpy operations at batch 128) and the reference "
        "`sample_episode` called once per episode and stacked, as `hw1.episodes.sample_batch` "
        "does (its per-call overhead of ~15 small torch operations dominates); against the naive "
        "sampler that reads and decodes every PNG from the zips for every episode. Same process, "
        f"same run, one thread, each rate timed over at least {MIN_SECONDS:g} s.",
        "",
        *rows,
        "",
        f"Smallest speed-up of the fast-path cache sampler: {min(ratios):,.0f}x "
        f"({'meets' if min(ratios) >= 100 else 'BELOW'} the 100x requirement); of the per-episode "
        f"reference loop: {min(loop_ratios):,.0f}x.",
        "",
        f"Cache: built from the zips in {build_s:.1f} s; loaded in {1000 * load_s:.1f} ms "
        f"({cache_mib:.1f} MiB file).",
        "",
        f"Meta-training (reference, default config: {config.num_classes}-way {config.num_shots}-shot, "
        f"batch {config.batch_size}, hidden {config.hidden_size}; sampling included, "
        f"{TRAIN_STEPS} steps): {train_1:.1f} steps/s with 1 thread, {train_n:.1f} steps/s with "
        f"{cores} threads ({cores} cores).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(bench())
