"""Synthetic MovieLens look-alike with planted structure, for tests and offline runs.

MovieLens 100K may not be redistributed, so every test (and `python -m hw0.train --data synthetic`)
uses files written here, in the official layout: `u.data` (`user<TAB>item<TAB>rating<TAB>timestamp`,
1-based ids) and `u.item` (`|`-separated, 19 genre flags last).

Planted model (U users, I items, R latent rank):
- user factors p_u and item factors v_i, [R] each, entries N(0, R^-1/2), so that p_u . v_i has unit
  variance;
- item popularity b_i ~ N(0, 1);
- which items a user rates (implicit feedback): R_u items drawn without replacement with probability
  proportional to exp(popularity_scale * b_i + affinity * p_u . v_i), so the ranking task is learnable
  from the same factors as the ratings;
- the rating (explicit feedback): mean + bias_scale * b_i + dot_scale * p_u . v_i + eps, with
  eps ~ N(0, noise_std^2) independent of everything else.

Ratings are written as real numbers, neither rounded nor clipped: the best possible predictor (the
planted mean) then has expected squared error exactly `noise_std**2` (`PlantedModel.noise_var`), which
is what tests compare a trained model's MSE to. (Rounding to 1..5 stars, as MovieLens does, would add
a quantisation error that depends on the mean and make that floor unknown.)
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

N_GENRES = 19
PLANTED_FILE = "planted.json"


@dataclass(frozen=True)
class SyntheticSpec:
    """Sizes and strengths of the planted model; the defaults are those of `--data synthetic`."""

    n_users: int = 500
    n_items: int = 300
    # 150 ratings per user and 250 per item: dense enough that a small model estimates the factors
    # to within 10% of the noise floor (estimation error grows like noise_var * D / ratings per row)
    n_ratings: int = 75_000
    rank: int = 2
    min_per_user: int = 20  # MovieLens keeps users with at least 20 ratings
    max_user_share: float = 0.6  # no user rates more than this share of the items (MovieLens: 44%)
    popularity_scale: float = 1.0
    affinity: float = 1.0
    mean: float = 3.5
    bias_scale: float = 0.4
    dot_scale: float = 0.7
    noise_std: float = 0.8
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_users < 1 or self.n_items < 2 or self.rank < 1:
            raise ValueError(f"SyntheticSpec needs n_users >= 1, n_items >= 2, rank >= 1; got {self}")
        if not self.n_users * self.min_per_user <= self.n_ratings <= self.n_users * self.max_per_user:
            raise ValueError(
                f"SyntheticSpec.n_ratings={self.n_ratings} must lie in [n_users * min_per_user, "
                f"n_users * max_per_user] = [{self.n_users * self.min_per_user}, "
                f"{self.n_users * self.max_per_user}]: every user needs unrated items left to rank."
            )
        if self.noise_std < 0:
            raise ValueError(f"SyntheticSpec.noise_std must be >= 0, got {self.noise_std}")


    @property
    def max_per_user(self) -> int:
        return min(self.n_items - 1, int(self.max_user_share * self.n_items))


@dataclass(frozen=True)
class PlantedModel:
    """What generated the ratings: everything a test needs to know the best achievable error.

    user_factors: [U, R] float64. item_factors: [I, R] float64. popularity: [I] float64.
    noise_var: variance of the rating noise = expected squared error of the planted mean.
    """

    spec: SyntheticSpec
    user_factors: np.ndarray
    item_factors: np.ndarray
    popularity: np.ndarray

    @property
    def noise_var(self) -> float:
        return self.spec.noise_std**2

    def mean_rating(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Planted expected rating of 0-based (user, item) pairs: [N] int -> [N] float64."""
        s = self.spec
        dot = (self.user_factors[users] * self.item_factors[items]).sum(-1)
        return s.mean + s.bias_scale * self.popularity[items] + s.dot_scale * dot


def _ratings_per_user(spec: SyntheticSpec, rng: np.random.Generator) -> np.ndarray:
    """[U] int64 counts >= min_per_user summing to n_ratings, heavy-tailed like MovieLens."""
    weights = rng.lognormal(0.0, 0.8, spec.n_users)
    extra = spec.n_ratings - spec.n_users * spec.min_per_user
    cap = spec.max_per_user - spec.min_per_user
    counts = np.zeros(spec.n_users, dtype=np.int64)
    # Fill in proportion to the weights, capped so that each user keeps an unrated item; repeat
    # until the capped leftovers are handed out to users with room.
    while extra > 0:
        room = counts < cap
        share = np.floor(weights * room / (weights * room).sum() * extra).astype(np.int64)
        share = np.minimum(share, cap - counts)
        if share.sum() == 0:  # rounding left less than one rating per user: hand them out singly
            share[np.flatnonzero(room)[:extra]] = 1
        counts += share
        extra -= int(share.sum())
    return counts + spec.min_per_user


def generate(spec: SyntheticSpec) -> tuple[np.ndarray, PlantedModel]:
    """Draws the ratings of the planted model.

    Returns (table, planted): table is [N, 4] float64 with columns 0-based user, 0-based item,
    rating, timestamp; every (user, item) pair occurs at most once.
    """
    rng = np.random.default_rng(spec.seed)
    n_users, n_items, rank = spec.n_users, spec.n_items, spec.rank
    scale = rank**-0.25  # entries of variance R^-1/2 give p.v unit variance
    planted = PlantedModel(
        spec=spec,
        user_factors=rng.normal(0.0, scale, (n_users, rank)),
        item_factors=rng.normal(0.0, scale, (n_items, rank)),
        popularity=rng.normal(0.0, 1.0, n_items),
    )
    counts = _ratings_per_user(spec, rng)
    logits = spec.popularity_scale * planted.popularity + spec.affinity * (
        planted.user_factors @ planted.item_factors.T
    )  # [U, I]
    # Gumbel top-k: the k largest of logits + Gumbel noise are a sample without replacement with
    # probabilities proportional to exp(logits).
    keys = logits + rng.gumbel(size=(n_users, n_items))
    order = np.argsort(-keys, axis=1)  # [U, I] items by decreasing key
    users = np.repeat(np.arange(n_users), counts)
    items = np.concatenate([order[u, : counts[u]] for u in range(n_users)])
    ratings = planted.mean_rating(users, items) + rng.normal(0.0, spec.noise_std, users.size)
    timestamps = 874_724_710 + np.sort(rng.integers(0, 20_000_000, users.size))
    shuffle = rng.permutation(users.size)  # the official file is not sorted by user either
    table = np.stack([users, items, ratings, timestamps], axis=1)[shuffle]
    return table, planted


def write_synthetic(dest_dir: Path, spec: SyntheticSpec | None = None) -> PlantedModel:
    """Writes `u.data`, `u.item` and `planted.json` (the spec) into `dest_dir`; returns the planted model."""
    spec = spec or SyntheticSpec()
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    table, planted = generate(spec)
    lines = [
        f"{int(u) + 1}\t{int(i) + 1}\t{r:.6f}\t{int(t)}\n" for u, i, r, t in table
    ]  # 6 decimals: the rounding error (< 1e-12 in variance) does not move the noise floor
    (dest_dir / "u.data").write_text("".join(lines))
    rng = np.random.default_rng(spec.seed + 1)
    genres = rng.random((spec.n_items, N_GENRES)) < 0.1
    item_lines = [
        f"{i + 1}|Synthetic movie {i + 1} (1998)|01-Jan-1998||http://example.invalid/{i + 1}|"
        + "|".join("1" if g else "0" for g in genres[i])
        + "\n"
        for i in range(spec.n_items)
    ]
    (dest_dir / "u.item").write_text("".join(item_lines))
    (dest_dir / PLANTED_FILE).write_text(json.dumps(asdict(spec), indent=2) + "\n")
    log.info("wrote synthetic MovieLens (%d ratings) to %s", len(lines), dest_dir)
    return planted


def read_spec(folder: Path) -> SyntheticSpec:
    """The spec recorded by `write_synthetic` in `folder`."""
    return SyntheticSpec(**json.loads((Path(folder) / PLANTED_FILE).read_text()))
