"""Train one multi-task recommender and log its test metrics: `python -m hw0.train [options]`.

Examples:
    python -m hw0.train                                  # the README's real-data protocol (shared)
    python -m hw0.train --sharing separate
    python -m hw0.train --synthetic --epochs 20          # offline, on planted synthetic data

Each run writes `<out_dir>/<name>/`: `config.json` (the resolved TrainConfig), `log.csv` (one row per
epoch: losses, test MRR, test MSE, seconds) and `metrics.json` (the last row, plus the noise floor on
synthetic data).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
from pathlib import Path
from typing import Any

import torch

from data import movielens
from hw0.config import DATA_SOURCES, SHARING_MODES, TrainConfig
from hw0.evaluate import evaluate
from hw0.training import TrainSet, build_model, fit
from runconfig import config_parser

log = logging.getLogger(__name__)

HELP = {
    "data": "data set: 'movielens' (official ml-100k.zip, downloaded) or 'synthetic' (planted, offline)",
    "sharing": "parameter sharing between the tasks: shared | separate | mmoe",
    "weight_rank": "lambda_rank, weight of the BPR ranking loss",
    "weight_rating": "lambda_rating, weight of the rating MSE",
    "epochs": "passes over the training ratings",
    "batch_size": "ratings per step",
    "lr": "Adam learning rate",
    "weight_decay": "Adam L2 penalty",
    "embed_dim": "embedding size D",
    "n_experts": "MMoE experts E",
    "seed": "seed of initialisation, batch order and negatives",
    "split_seed": "seed of the 95/5 train/test split",
    "out_dir": "folder of all runs",
    "name": "run folder name (default: built from data, sharing, weights, seed)",
    "progress": "show a tqdm progress bar",
    "threads": "torch CPU threads",
}


CHOICES = {"data": DATA_SOURCES, "sharing": SHARING_MODES}


def build_parser(defaults: TrainConfig | None = None) -> argparse.ArgumentParser:
    """One option per TrainConfig field, defaults from the dataclass (so they cannot drift)."""
    parser = config_parser(TrainConfig, HELP, description=__doc__.split("\n", 1)[0],
                           defaults=defaults, choices=CHOICES)
    parser.add_argument("--synthetic", action="store_true", help="shorthand for --data synthetic")
    return parser


def config_from_args(argv: list[str] | None = None) -> TrainConfig:
    args = vars(build_parser().parse_args(argv))
    if args.pop("synthetic"):
        args["data"] = "synthetic"
    return TrainConfig.from_dict(args)


def load_data(config: TrainConfig) -> movielens.MovieLens:
    return movielens.load(config.data, seed=config.split_seed)


def run(config: TrainConfig, data: movielens.MovieLens | None = None) -> dict[str, Any]:
    """Trains and evaluates one run, writing its folder; returns the final metrics."""
    torch.set_num_threads(config.threads)
    data = data if data is not None else load_data(config)
    folder = Path(config.out_dir) / config.run_name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")

    train = TrainSet(data.train.users, data.train.items, data.train.ratings, data.n_users, data.n_items)
    rated = train.rated
    test = data.test

    def on_epoch(epoch: int, model: Any) -> dict[str, float]:
        metrics = evaluate(model, test.users, test.items, test.ratings, rated)
        log.info("%s epoch %d: test MRR %.4f, test MSE %.4f", config.run_name, epoch, metrics["mrr"], metrics["mse"])
        return {"test_mrr": metrics["mrr"], "test_mse": metrics["mse"]}

    model = build_model(config, data.n_users, data.n_items)
    history = fit(model, train, config, on_epoch)
    with open(folder / "log.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[-1]))
        writer.writeheader()
        writer.writerows(history)
    final: dict[str, Any] = dict(history[-1])
    final["run"] = config.run_name
    if data.noise_var is not None:
        final["noise_var"] = data.noise_var
    (folder / "metrics.json").write_text(json.dumps(final, indent=2) + "\n")
    return final


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = config_from_args(argv)
    final = run(config)
    floor = f" (noise floor {final['noise_var']:.4f})" if "noise_var" in final else ""
    print(
        f"{final['run']}: test MRR {final['test_mrr']:.4f}, test MSE {final['test_mse']:.4f}{floor}, "
        f"train time {final['seconds']:.1f}s -> {Path(config.out_dir) / config.run_name}"
    )


if __name__ == "__main__":
    main()
