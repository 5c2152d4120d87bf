"""A pixel nearest-neighbour baseline on N-way K-shot episodes.

It is the yardstick for the synthetic generator (its classes must be learnable but not trivial: this
baseline should land clearly above chance 1/N and clearly below 100%), and a sanity reference for
the homeworks: a meta-learner that does not beat it has learned nothing about the data.

Dimension letters: C classes, S samples per class, H x W pixels, D = H * W, E episodes, N ways,
K shots, Q queries per class.
"""

from __future__ import annotations

import numpy as np

_EPISODES_PER_BATCH = 256  # [256, N*(K+Q), D] float32 stays around 10 MB for 5-way 1-shot 28x28


def nearest_neighbour_accuracy(
    images: np.ndarray,
    ways: int = 5,
    shots: int = 1,
    queries: int = 1,
    episodes: int = 1000,
    seed: int = 0,
) -> float:
    """Mean query accuracy of 1-nearest-neighbour (Euclidean, raw pixels) over random episodes.

    images: [C, S, H, W] uint8 (or any real dtype), the classes to draw episodes from.
    ways, shots, queries: N classes per episode, K support and Q query images per class, drawn
        without replacement from that class's S samples (so K + Q <= S).
    episodes: E episodes; seed: the episode draws are a fixed function of it.
    Returns: accuracy in [0, 1]; chance is 1 / ways.
    """
    if images.ndim != 4:
        raise ValueError(f"images must be [C, S, H, W], got shape {list(images.shape)}.")
    C, S, H, W = images.shape
    if not 2 <= ways <= C:
        raise ValueError(f"ways must be in [2, C={C}], got {ways}.")
    if shots < 1 or queries < 1 or shots + queries > S:
        raise ValueError(
            f"need shots >= 1, queries >= 1 and shots + queries <= S={S}; got {shots}, {queries}."
        )
    rng = np.random.default_rng(seed)
    flat = images.reshape(C, S, H * W)  # [C, S, D]
    correct = 0
    for start in range(0, episodes, _EPISODES_PER_BATCH):
        E = min(_EPISODES_PER_BATCH, episodes - start)
        # argsort of uniform noise = a random permutation per row, drawn for the whole batch at once.
        classes = np.argsort(rng.random((E, C)), axis=1)[:, :ways]  # [E, N]
        order = np.argsort(rng.random((E, ways, S)), axis=2)  # [E, N, S]
        samples = order[:, :, : shots + queries]  # [E, N, K+Q]
        x = flat[classes[:, :, None], samples].astype(np.float32)  # [E, N, K+Q, D]
        support = x[:, :, :shots].reshape(E, ways * shots, H * W)  # [E, N*K, D]
        query = x[:, :, shots:].reshape(E, ways * queries, H * W)  # [E, N*Q, D]
        # Squared distances; the |q|^2 term is the same for every support image, so it is dropped.
        cross = query @ support.transpose(0, 2, 1)  # [E, N*Q, N*K]
        scores = (support**2).sum(-1)[:, None, :] - 2.0 * cross  # [E, N*Q, N*K]
        predicted = scores.argmin(-1) // shots  # [E, N*Q], support j belongs to class j // K
        truth = np.repeat(np.arange(ways), queries)  # [N*Q]
        correct += int((predicted == truth).sum())
    return correct / (episodes * ways * queries)
