"""Meta-train the black-box meta-learner and measure it: `python -m hw1.train [options]`.

Examples:
    python -m hw1.train --num-shots 1 --num-classes 2          # 2-way 1-shot, README protocol
    python -m hw1.train --num-classes 4 --steps 8000 --lr 3e-3
    python -m hw1.train --data synthetic --steps 200           # offline smoke run
    python -m hw1.train --num-classes 4 --steps 40000 --resume # continue a stopped run

Each run writes `<out_dir>/<name>/`: `config.json` (the resolved TrainConfig), `log.csv` (one row
per eval interval: step, train loss, train and validation query accuracy, wall and CPU seconds,
load average), `checkpoint.pt` (rewritten at every row, for `--resume`), `accuracy.png` (the
learning curve) and `results.json` (config, final test accuracy over `final_episodes` test
episodes with its 95% CI, wall and CPU time, steps and CPU time to the target accuracy): the
numbers your report cites.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from hw1.config import DATA_SOURCES, MODELS, TARGETS, TrainConfig
from hw1.episodes import load_class_sets
from hw1.plots import plot_accuracy
from hw1.training import CHECKPOINT, LogRow, cpu_seconds, evaluate, fit
from runconfig import config_parser

log = logging.getLogger(__name__)

HELP = {
    "num_classes": "N, classes per episode",
    "num_shots": "K, support drawings per class",
    "batch_size": "B, episodes per step",
    "hidden_size": "units of the first LSTM (lstm), embedding width (attention)",
    "lr": "Adam learning rate",
    "steps": "Adam steps",
    "seed": "seed of initialisation and episodes",
    "eval_interval": "steps between learning-curve points and checkpoints",
    "eval_batches": "batches of validation episodes per learning-curve point",
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
    parser = config_parser(TrainConfig, HELP, prog="python -m hw1.train", description=__doc__.splitlines()[0],
                           defaults=defaults)
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in the same folder from its checkpoint.pt (same settings; "
                             "--steps may be raised)")
    return parser


def config_from_args(argv: list[str] | None = None) -> tuple[TrainConfig, bool]:
    """The run's configuration and whether to resume it."""
    args = vars(build_parser().parse_args(argv))
    resume = args.pop("resume")
    return TrainConfig.from_dict(args), resume


def _check_resumable(folder: Path, config: TrainConfig) -> None:
    """A resumed run must have been started with the same settings (steps aside)."""
    saved_path = folder / "config.json"
    if not saved_path.is_file():
        raise FileNotFoundError(f"--resume: {saved_path} does not exist; start the run without --resume.")
    saved = TrainConfig.from_dict(json.loads(saved_path.read_text()))
    differ = [f.name for f in dataclasses.fields(TrainConfig)
              if f.name not in ("steps", "progress") and getattr(saved, f.name) != getattr(config, f.name)]
    if differ:
        raise ValueError(f"--resume: settings {differ} differ from the run's {saved_path}; "
                         "pass the same values (only --steps may change).")


def time_to_target(rows: list[LogRow], config: TrainConfig) -> dict[str, Any] | None:
    """The first learning-curve row whose validation accuracy reaches the homework's target for
    this (K, N), or None when (K, N) has no target; `reached` is False when no row got there."""
    target = TARGETS.get((config.num_shots, config.num_classes))
    if target is None:
        return None
    hit = next((r for r in rows if r.val_accuracy >= target), None)
    if hit is None:
        return {"target": target, "reached": False, "best_val_accuracy": max(r.val_accuracy for r in rows)}
    return {"target": target, "reached": True, "step": hit.step, "cpu_seconds": hit.cpu_seconds,
            "wall_seconds": hit.seconds}


def run(config: TrainConfig, resume: bool = False) -> dict[str, Any]:
    """Trains one model (or continues it), writes the run folder, returns the results record."""
    if config.threads:
        torch.set_num_threads(config.threads)
    folder = Path(config.out_dir) / config.run_name
    folder.mkdir(parents=True, exist_ok=True)
    if resume:
        _check_resumable(folder, config)
    (folder / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    sets = load_class_sets(config.data, config.split_seed)
    columns = [f.name for f in dataclasses.fields(LogRow)]
    checkpoint = folder / CHECKPOINT
    with open(folder / "log.csv", "a" if resume else "w", newline="") as f, tqdm(
        total=config.steps, disable=not config.progress, desc=config.run_name
    ) as bar:
        writer = csv.DictWriter(f, fieldnames=columns)
        if not resume:
            writer.writeheader()

        def on_row(row: LogRow) -> None:
            writer.writerow(dataclasses.asdict(row))
            f.flush()  # a long run can be watched (and survives a kill) row by row
            bar.set_postfix(loss=f"{row.train_loss:.3f}", val=f"{row.val_accuracy:.3f}")

        model, rows = fit(config, sets["train"].images, sets["val"].images,
                          on_row=on_row, on_step=lambda _: bar.update(1),
                          checkpoint=checkpoint, resume=resume)
    start = time.perf_counter()
    # A generator of its own, so the final test episodes are the same whatever the training did.
    eval_cpu_start = cpu_seconds()
    final = evaluate(model, sets["test"].images, config, config.final_episodes,
                     torch.Generator().manual_seed(config.seed + 2_000_003))
    results = {
        "config": config.to_dict(),
        "data_source": "synthetic" if config.data == "synthetic" else _source_of(sets),
        "test_accuracy": final.mean,
        "test_accuracy_ci95": final.ci95,
        "test_episodes": final.episodes,
        "steps_done": rows[-1].step,
        "train_seconds": rows[-1].seconds,
        "train_cpu_seconds": rows[-1].cpu_seconds,
        "wall_seconds": rows[-1].seconds + time.perf_counter() - start,
        "final_eval_cpu_seconds": cpu_seconds() - eval_cpu_start,
        "load_average_during_training": {"min": min(r.load1 for r in rows),
                                         "max": max(r.load1 for r in rows),
                                         "mean": sum(r.load1 for r in rows) / len(rows)},
        "load_average_at_end": list(os.getloadavg()),
        "time_to_target": time_to_target(rows, config),
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
    results = run(*config_from_args(argv))
    print(json.dumps({k: results[k] for k in ("test_accuracy", "test_accuracy_ci95", "wall_seconds")}))


if __name__ == "__main__":
    main()
