"""Public smoke test: the provided training loop runs end to end on tiny synthetic data.

It only checks that training runs and the losses go down; the hidden tests check what a short run
learns (test MSE and MRR against baselines).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from data.synthetic_movielens import SyntheticSpec, generate
from hw0.config import TrainConfig
from hw0.evaluate import evaluate
from hw0.training import TrainSet, build_model, fit

SPEC = SyntheticSpec(n_users=60, n_items=50, n_ratings=1500, rank=2, seed=0)


def _train_set() -> TrainSet:
    table, _ = generate(SPEC)
    return TrainSet(
        users=torch.from_numpy(table[:, 0].astype(np.int64)),
        items=torch.from_numpy(table[:, 1].astype(np.int64)),
        ratings=torch.from_numpy(table[:, 2].astype(np.float32)),
        n_users=SPEC.n_users,
        n_items=SPEC.n_items,
    )


def test_training_runs_and_losses_decrease():
    data = _train_set()
    for sharing in ("shared", "separate", "mmoe"):
        config = TrainConfig(data="synthetic", sharing=sharing, epochs=4, lr=1e-2, embed_dim=8, progress=False)
        model = build_model(config, data.n_users, data.n_items)
        history = fit(model, data, config)
        assert len(history) == config.epochs + 1
        first, last = history[1], history[-1]
        assert math.isfinite(last["loss_total"])
        assert last["loss_rating"] < first["loss_rating"], f"{sharing}: the rating loss did not go down"
        assert last["loss_rank"] < first["loss_rank"], f"{sharing}: the ranking loss did not go down"
        metrics = evaluate(model, data.users[:50], data.items[:50], data.ratings[:50], torch.zeros(60, 50, dtype=torch.bool))
        assert 0.0 < metrics["mrr"] <= 1.0 and math.isfinite(metrics["mse"])
