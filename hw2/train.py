"""`python -m hw2.train protonet|maml [options]`: one meta-training run, optionally tested.

Examples:
    python -m hw2.train protonet                         # 5-way 1-shot ProtoNet, README protocol
    python -m hw2.train protonet --shots 5 --test
    python -m hw2.train maml --inner-lr 0.04 --inner-steps 5 --test
    python -m hw2.train maml --learn-inner-lrs --test
    python -m hw2.train maml --data synthetic --iterations 200     # offline smoke run
    python -m hw2.train protonet --resume                # continue from the run's checkpoint
    python -m hw2.train protonet --test-only --test-shots 1 2 4 6 8 10   # test a trained run

Each run writes `<out_dir>/<name>/`: config.json (the resolved TrainConfig), log.csv (training
loss and accuracies every --log-every iterations, validation accuracy every --val-every),
curves.png, checkpoint.pt, and with --test test.json (mean accuracy and 95% CI over
--test-tasks fixed test tasks, for each K of --test-shots).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from hw2.config import METHODS, TrainConfig, command_line_defaults
from hw2.plots import plot_curves
from hw2.training import TEST_SEED, Learner, evaluate, fit, load_class_sets
from runconfig import add_config_arguments

log = logging.getLogger(__name__)

HELP = {
    "data": "'official' Omniglot (make data), 'synthetic' look-alike, 'auto': official when prepared",
    "split": "character split: random (1100/100/423) or alphabet (background/evaluation)",
    "rotate": "4-rotation augmentation (the papers' protocol)",
    "split_seed": "seed of the character split",
    "synthetic_characters": "characters of synthetic data",
    "ways": "N, classes per task (validation and test; training too unless --train-ways)",
    "train_ways": "ProtoNet: classes per training task (0: --ways)",
    "shots": "K, support images per class (training; test too unless --test-shots)",
    "queries": "Q, query images per class in training",
    "meta_batch": "B, tasks per outer step",
    "iterations": "outer steps",
    "cpu_budget_min": "stop before --iterations once training (validation included) has used this many CPU "
                      "minutes, counted across --resume; validates, checkpoints and logs there (0: no limit)",
    "lr": "Adam learning rate of the outer loop",
    "lr_halve_every": "halve the outer learning rate every this many iterations (0: constant)",
    "hidden": "channels of each conv block",
    "inner_steps": "MAML inner gradient steps",
    "inner_lr": "MAML inner learning rate alpha",
    "learn_inner_lrs": "meta-learn one inner learning rate per parameter tensor",
    "device": "auto (cuda, then mps, then cpu), cpu, cuda or mps",
    "compile": "torch.compile the ProtoNet encoder (faster steps after a one-off compile; eager if it fails)",
    "execution": "loop over tasks, batched (one call / vmap), or auto (the faster one measured on this device)",
    "seed": "seed of initialisation and training episodes",
    "val_every": "iterations between validations and checkpoints",
    "val_tasks": "validation tasks",
    "test_tasks": "test tasks",
    "test_queries": "query images per class in test tasks",
    "test_shots": "K values to test with (default: the training K)",
    "log_every": "iterations between rows of log.csv",
    "out_dir": "folder of all runs",
    "name": "run folder name (default: built from method, ways, shots, seed)",
    "progress": "show a tqdm progress bar",
}


def build_parser(method: str = "protonet") -> argparse.ArgumentParser:
    """One option per TrainConfig field, defaults from `command_line_defaults(method)` (so they cannot drift)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     epilog=f"Defaults shown are {method}'s; each method has its own (hw2/config.py).",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("method", choices=METHODS, help="protonet or maml")
    add_config_arguments(parser, TrainConfig, HELP, defaults=command_line_defaults(method), skip={"method"})
    parser.add_argument("--test", action="store_true", help="after training, test on --test-tasks tasks")
    parser.add_argument("--test-only", action="store_true", help="skip training: test the run's checkpoint")
    parser.add_argument("--resume", action="store_true", help="continue from the run's checkpoint.pt")
    return parser


def run(config: TrainConfig, test: bool = False, test_only: bool = False, resume: bool = False) -> dict[str, Any]:
    """Trains (unless test_only) and tests (if asked); writes the run folder; returns a summary."""
    folder = Path(config.out_dir) / config.run_name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    sets = load_class_sets(config)
    image_size = sets["train"].images.shape[-1]
    learner = Learner.create(config, image_size)
    summary: dict[str, Any] = {"run": config.run_name, "device": config.resolved_device,
                               "execution": config.resolved_execution}
    if test_only:
        learner.load(folder / "checkpoint.pt")
    else:
        started = time.perf_counter()
        history = fit(learner, sets, folder, resume=resume)
        summary["train_seconds"] = float(history[-1]["seconds"])
        summary["val_acc"] = history[-1]["val_acc"]
        summary["compiled_encoder"] = learner.encoder.compiled  # False after a fall-back to eager
        log.info("trained %d iterations in %.0f s (this session: %.0f s)", learner.iteration,
                 summary["train_seconds"], time.perf_counter() - started)
        plot_curves(folder / "log.csv", folder / "curves.png", title=config.run_name)
    if test or test_only:
        started = time.perf_counter()
        results = [evaluate(learner, sets["test"], k, config.test_tasks, TEST_SEED)
                   for k in (config.test_shots or (config.shots,))]
        summary["test"] = results
        summary["iteration"] = learner.iteration  # of the checkpoint tested
        summary["test_seconds"] = time.perf_counter() - started
        (folder / "test.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def parse_config(argv: list[str]) -> tuple[TrainConfig, dict[str, bool]]:
    """The run's TrainConfig (flags over its method's defaults) and the test, test_only and resume switches."""
    method = next((word for word in argv if word in METHODS), "protonet")  # none: the full parser says so
    args = vars(build_parser(method).parse_args(argv))
    switches = {name: args.pop(name) for name in ("test", "test_only", "resume")}
    return TrainConfig.from_dict(args), switches


def main(argv: list[str] | None = None) -> dict[str, Any]:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config, switches = parse_config(sys.argv[1:] if argv is None else list(argv))
    summary = run(config, **switches)
    for r in summary.get("test", []):
        print(f"{config.run_name}: {config.ways}-way {r['shots']}-shot test accuracy "
              f"{100 * r['acc']:.2f}% +- {100 * r['ci95']:.2f}% (95% CI, {r['tasks']} tasks)")
    print(f"-> {Path(config.out_dir) / config.run_name}")
    return summary


if __name__ == "__main__":
    main()
