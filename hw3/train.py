"""`python -m hw3.train`: one fine-tuning run (or the prototype baseline), evaluated on the test set.

Examples:
  python -m hw3.train --mode lora --shots 10 --seed 0
  python -m hw3.train --mode all --shots all
  python -m hw3.train --prototypes --shots 10
  python -m hw3.train --data synthetic --mode all          # no download: tiny BERT, keyword task

Without --shots, a BANKING77 run takes 10 shots per intent and a synthetic run 32 per class; rates
and epochs left unset follow the data too (hw3/config.py: `resolve`).

Each run writes out_dir/<name>/: config.json (the resolved config), log.csv (one row per epoch:
loss, learning rate, seconds) and metrics.json (test accuracy, trainable and total parameter
counts, wall times). Defaults reproduce the README's numbers.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hw3.config import MODES, SYNTHETIC_FULL_PER_CLASS, TINY_ENCODER, TrainConfig, default_shots
from hw3.encoder import TextTokenizer, load_encoder
from runconfig import add_config_arguments

log = logging.getLogger(__name__)

HELP = {
    "data": "'banking77' (official files) or 'synthetic' (offline keyword task on a tiny random BERT)",
    "mode": "what to train: head, last-k, bitfit, all or lora",
    "seed": "seed of the K-shot draw, initialisation and batch order",
    "epochs": "passes over the training set (None: from the shots and the data, see config.py)",
    "batch_size": "sentences per optimizer step",
    "accum_steps": "micro-batches per optimizer step (gradient accumulation)",
    "lr": "AdamW rate of the trained encoder parameters (None: the rate of the mode and data)",
    "head_lr": "AdamW rate of the head (None: the rate of the data)",
    "weight_decay": "AdamW decoupled weight decay (never on biases or LayerNorms)",
    "warmup_ratio": "share of the optimizer steps spent warming the rate up from 0",
    "schedule": "after warm-up: linear, cosine or constant",
    "max_length": "tokens per sentence, [CLS] and [SEP] included",
    "head": "cosine or linear classification head",
    "head_init": "prototypes (start the head at the class means) or random",
    "cosine_scale": "scale s of the cosine head",
    "last_k": "top blocks trained by mode last-k",
    "lora_r": "LoRA rank r",
    "lora_alpha": "LoRA alpha (the update is scaled by alpha / r)",
    "lora_targets": "attribute names of the layers LoRA wraps",
    "encoder": "folder of the pre-trained encoder ('': search, see encoder.py; 'tiny': the tiny BERT)",
    "synthetic_classes": "classes of the synthetic task",
    "synthetic_test_per_class": "test sentences per class of the synthetic task",
    "eval_batch_size": "sentences per forward pass at evaluation",
    "threads": "torch CPU threads (0: torch's default)",
    "out_dir": "folder of all runs",
    "name": "run folder name (empty: built from data, mode, shots and seed)",
    "progress": "show tqdm progress bars",
}


@dataclass(frozen=True)
class Task:
    """A K-shot training set and the full test set. labels: [N] int64 in [0, C)."""

    train_texts: list[str]
    train_labels: torch.Tensor
    test_texts: list[str]
    test_labels: torch.Tensor
    n_classes: int


def load_task(cfg: TrainConfig) -> Task:
    """BANKING77 (K shots per class drawn with cfg.seed, official test set) or the synthetic task."""
    if cfg.data == "synthetic":
        from hw3.synthetic import make_intents

        per_class = cfg.shots if cfg.shots is not None else SYNTHETIC_FULL_PER_CLASS
        train = make_intents(cfg.synthetic_classes, per_class, seed=cfg.seed)
        test = make_intents(cfg.synthetic_classes, cfg.synthetic_test_per_class, seed=10_000 + cfg.seed)
        return Task(train.texts, train.labels, test.texts, test.labels, cfg.synthetic_classes)
    from data import banking77

    data = banking77.load()
    train = banking77.k_shot(data.train, cfg.shots, cfg.seed)
    return Task(train.texts, train.labels, data.test.texts, data.test.labels, len(data.categories))


def load_encoder_for(cfg: TrainConfig) -> tuple[torch.nn.Module, TextTokenizer]:
    if cfg.encoder_source == TINY_ENCODER:
        from hw3.tiny import tiny_bert, tiny_tokenizer

        return tiny_bert(seed=cfg.seed), tiny_tokenizer()
    return load_encoder(cfg.encoder or None)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n")


def run(cfg: TrainConfig, prototypes: str | None = None) -> dict[str, Any]:
    """Trains (or, with prototypes="cosine"/"euclidean", runs the prototype baseline) and evaluates.

    Returns the metrics written to metrics.json.
    """
    from hw3 import training

    cfg = cfg.resolve()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    name = cfg.run_name if prototypes is None else cfg.run_name.replace(f"-{cfg.mode}-", f"-prototypes-{prototypes}-")
    out = Path(cfg.out_dir) / name
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", {**cfg.to_dict(), "prototypes": prototypes})
    started = time.monotonic()
    task = load_task(cfg)
    torch.manual_seed(cfg.seed)
    encoder, tokenizer = load_encoder_for(cfg)
    kw = {"batch_size": cfg.eval_batch_size, "max_length": cfg.max_length, "progress": cfg.progress}
    total = sum(p.numel() for p in encoder.parameters())
    if prototypes is not None:
        train_s = 0.0
        t0 = time.monotonic()
        predicted = training.prototype_baseline(encoder, tokenizer, task.train_texts, task.train_labels,
                                                task.test_texts, task.n_classes, metric=prototypes, **kw)
        eval_s = time.monotonic() - t0
        trainable, total_params, epochs_log = 0, total, []
    else:
        model, names = training.build_classifier(encoder, task.n_classes, cfg)
        trainable, total_params = training.count_parameters(model, names), training.count_parameters(model)
        t0 = time.monotonic()
        training.init_head(model, tokenizer, task.train_texts, task.train_labels, cfg)
        with open(out / "log.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["epoch", "optimizer_steps", "mean_loss", "lr", "seconds"])

            def on_epoch(e: training.EpochLog) -> None:
                writer.writerow([e.epoch, e.optimizer_steps, f"{e.mean_loss:.5f}", f"{e.lr:.3g}", f"{e.seconds:.1f}"])
                f.flush()

            epochs_log = training.fit(model, tokenizer, task.train_texts, task.train_labels, cfg, on_epoch)
        train_s = time.monotonic() - t0
        t0 = time.monotonic()
        predicted = training.predict(model, tokenizer, task.test_texts, **kw)
        eval_s = time.monotonic() - t0
    accuracy = float((predicted == task.test_labels).to(torch.float64).mean())
    metrics = {
        "accuracy": accuracy,
        "method": f"prototypes-{prototypes}" if prototypes else cfg.mode,
        "shots": cfg.shots,
        "seed": cfg.seed,
        "n_train": len(task.train_texts),
        "n_test": len(task.test_texts),
        "trainable_params": trainable,
        "total_params": total_params,
        "trainable_fraction": trainable / total_params,
        "final_train_loss": epochs_log[-1].mean_loss if epochs_log else None,
        "train_seconds": train_s,
        "eval_seconds": eval_s,
        "wall_seconds": time.monotonic() - started,
        "threads": torch.get_num_threads(),
    }
    _write_json(out / "metrics.json", metrics)
    log.info("%s: accuracy %.4f, %d trainable of %d parameters, %.0f s", name, accuracy, trainable,
             total_params, metrics["wall_seconds"])
    return metrics


def parse_shots(text: str) -> int | None:
    """"all" -> None (whole training set), else a positive int."""
    if text == "all":
        return None
    try:
        shots = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shots must be a positive int or 'all', got {text!r}") from None
    if shots < 1:
        raise argparse.ArgumentTypeError(f"--shots must be >= 1, got {shots}")
    return shots


def build_parser() -> argparse.ArgumentParser:
    """One option per TrainConfig field, defaults from the dataclass (so they cannot drift), but --shots."""
    parser = argparse.ArgumentParser(prog="python -m hw3.train", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_config_arguments(parser, TrainConfig, HELP, skip={"shots"}, choices={"mode": MODES})
    # No default here: it depends on --data (main fills it in with default_shots).
    parser.add_argument("--shots", type=parse_shots, default=argparse.SUPPRESS,
                        help="K per class, or 'all' (default: 10; 32 with --data synthetic)")
    parser.add_argument("--prototypes", nargs="?", const="cosine", choices=("cosine", "euclidean"), default=None,
                        help="run the nearest-prototype baseline (no training) instead of fine-tuning")
    return parser


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = vars(build_parser().parse_args(argv))
    args.setdefault("shots", default_shots(args["data"]))
    prototypes = args.pop("prototypes")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    metrics = run(TrainConfig.from_dict(args), prototypes=prototypes)
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    main()
