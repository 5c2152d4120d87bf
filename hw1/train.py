"""Meta-train the black-box meta-learner and measure it: `python -m hw1.train [options]`.

Examples:
    python -m hw1.train --num-shots 1 --num-classes 2          # 2-way 1-shot, README protocol
    python -m hw1.train --num-classes 4 --steps 8000 --lr 3e-3
    python -m hw1.train --data synthetic --steps 200           # offline smoke run

Each run writes `<out_dir>/<name>/`: `config.json` (the resolved TrainConfig), `log.csv` (one row
per eval interval: step, train loss, train and test query accuracy, seconds), `accuracy.png` (the
learning curve) and `results.json` (config, final test accuracy over `final_episodes` test
episodes with its 95% CI, wall time): the numbers your report cites.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from hw1.config import DATA_SOURCES, MODELS, TrainConfig
from hw1.episodes import load_class_sets
from hw1.plot import plot_accuracy
from hw1.training import LogRow, evaluate, train

log = logging.getLogger(__name__)

HELP = {
    "num_classes": "N, classes per episode",
    "num_shots": "K, support drawings per class",
    "batch_size": "B, episodes per step",
    "hidden_size": "units of the first LSTM (lstm), embedding width (attention)",
    "lr": "Adam learning rate",
    "steps": "Adam steps",
    "seed": "seed of initialisation and episodes",
    "eval_interval": "steps between learning-curve points",
    "eval_batches": "batches of test episodes per learning-curve point",
    "final_episodes": "test episodes of the final accuracy",
    "data": f"Omniglot source: {' | '.join(DATA_SOURCES)}",
    "split_seed": "seed of the character split",
    "model": f"architecture: {' | '.join(MODELS)}",
    "threads": "torch CPU threads (0: PyTorch's default)",
    "out_dir": "folder of all runs",
    "name": "run folder name (default: model_N_K_seed)",
    "progress": "show a tqdm progress bar",
}


def build_parser(defaults: TrainConfig | None = None) -> argparse.ArgumentParser:
    """One option per TrainConfig field, defaults taken from the dataclass so they cannot drift."""
    defaults = defaults or TrainConfig()
    parser = argparse.ArgumentParser(prog="python -m hw1.train", description=__doc__.splitlines()[0])
    for field in dataclasses.fields(TrainConfig):
        value = getattr(defaults, field.name)
        flag = "--" + field.name.replace("_", "-")
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value,
                                help=HELP[field.name])
        else:
            parser.add_argument(flag, type=type(value), default=value,
                                help=f"{HELP[field.name]} (default: {value})")
    return parser


def config_from_args(argv: list[str] | None = None) -> TrainConfig:
    return TrainConfig(**vars(build_parser().parse_args(argv)))


def run(config: TrainConfig) -> dict[str, Any]:
    """Trains one model, writes the run folder, returns the results record."""
    if config.threads:
        torch.set_num_threads(config.threads)
    folder = Path(config.out_dir) / config.run_name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    sets = load_class_sets(config.data, config.split_seed)
    columns = [f.name for f in dataclasses.fields(LogRow)]
    start = time.perf_counter()
    with open(folder / "log.csv", "w", newline="") as f, tqdm(
        total=config.steps, disable=not config.progress, desc=config.run_name
    ) as bar:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()

        def on_row(row: LogRow) -> None:
            writer.writerow(dataclasses.asdict(row))
            f.flush()  # a long run can be watched (and survives a kill) row by row
            bar.set_postfix(loss=f"{row.train_loss:.3f}", test=f"{row.test_accuracy:.3f}")

        model, rows = train(config, sets["train"].images, sets["test"].images,
                            on_row=on_row, on_step=lambda _: bar.update(1))
    train_seconds = time.perf_counter() - start
    # A generator of its own, so the final test episodes are the same whatever the training did.
    final = evaluate(model, sets["test"].images, config, config.final_episodes,
                     torch.Generator().manual_seed(config.seed + 2_000_003))
    results = {
        "config": config.to_dict(),
        "data_source": "synthetic" if config.data == "synthetic" else _source_of(sets),
        "test_accuracy": final.mean,
        "test_accuracy_ci95": final.ci95,
        "test_episodes": final.episodes,
        "train_seconds": train_seconds,
        "wall_seconds": time.perf_counter() - start,
        "torch_threads": torch.get_num_threads(),
    }
    (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    plot_accuracy(rows, folder / "accuracy.png",
                  f"{config.num_classes}-way {config.num_shots}-shot ({config.model})",
                  chance=1.0 / config.num_classes)
    log.info("%s: test query accuracy %.3f +- %.3f over %d episodes (%.0f s)", config.run_name,
             final.mean, final.ci95, final.episodes, results["wall_seconds"])
    return results


def _source_of(sets: dict) -> str:
    """'official' when the test classes are the real 423 characters, else 'synthetic'."""
    from data.omniglot.official import NUM_CHARACTERS  # the 1,623 of the official data

    total = sum(len(s.character) for s in sets.values())
    return "official" if total == NUM_CHARACTERS else "synthetic"


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    results = run(config_from_args(argv))
    print(json.dumps({k: results[k] for k in ("test_accuracy", "test_accuracy_ci95", "wall_seconds")}))


if __name__ == "__main__":
    main()
