"""The homework's required runs and a one-parameter sweep: `python -m hw1.experiments [options]`.

Examples:
    python -m hw1.experiments                       # the four required (K, N) runs, one after another
    python -m hw1.experiments --only 1,4            # just K=1, N=4
    python -m hw1.experiments --model attention     # the extra-credit model on the same four
    python -m hw1.experiments --sweep hidden_size --values 64,128,256 --only 1,3

Every run is an ordinary `hw1.train` run (its folder holds config.json, log.csv, accuracy.png and
results.json); at the end a summary table (markdown) of all runs is written to
`<out_dir>/summary.md` and printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from hw1.config import TrainConfig
from hw1.train import run

log = logging.getLogger(__name__)

# (K, N) -> Adam steps of the README's numbers; every other setting is TrainConfig's default.
# Harder tasks (more ways) get more steps: the LSTM first sits near chance, then learns to match.
REQUIRED_RUNS: dict[tuple[int, int], int] = {
    (1, 2): 15000,
    (2, 2): 15000,
    (1, 3): 30000,
    (1, 4): 50000,
}
# The same for the extra-credit attention model (`--model attention`), which learns much faster.
ATTENTION_RUNS: dict[tuple[int, int], int] = {
    (1, 2): 2500,
    (2, 2): 1000,
    (1, 3): 2000,
    (1, 4): 2000,
}


def required_config(num_shots: int, num_classes: int, model: str = "lstm", **overrides: Any) -> TrainConfig:
    """The config of one required run: TrainConfig's defaults, K, N, the model and its steps."""
    steps = (ATTENTION_RUNS if model == "attention" else REQUIRED_RUNS)[(num_shots, num_classes)]
    settings: dict[str, Any] = {"num_shots": num_shots, "num_classes": num_classes, "steps": steps,
                                "model": model}
    settings.update(overrides)
    return TrainConfig(**settings)


def _parse_pair(text: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected K,N (e.g. 1,4), got {text!r}") from error
    if (k, n) not in REQUIRED_RUNS:
        raise argparse.ArgumentTypeError(f"(K, N) = ({k}, {n}) is not one of {sorted(REQUIRED_RUNS)}")
    return k, n


def _typed_values(name: str, text: str) -> list[Any]:
    """The sweep's values, converted to the type of TrainConfig.<name>."""
    kinds = {f.name: type(getattr(TrainConfig(), f.name)) for f in dataclasses.fields(TrainConfig)}
    if name not in kinds or name in ("num_shots", "num_classes", "name", "out_dir"):
        raise ValueError(f"--sweep must name a TrainConfig field other than K, N, name, out_dir; got {name!r}.")
    return [kinds[name](v) for v in text.split(",")]


def summary_table(results: list[dict[str, Any]]) -> str:
    """Markdown table: one line per run, the numbers the report cites."""
    lines = ["| K | N | setting | steps | test accuracy (95% CI) | training CPU min | "
             "validation reached the target at | mean load |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        c = r["config"]
        reach = r.get("time_to_target")
        if reach is None:
            at = "no target"
        elif reach["reached"]:
            at = f"step {reach['step']}, {reach['cpu_seconds'] / 60:.1f} CPU min"
        else:
            at = f"not reached (best {100 * reach['best_val_accuracy']:.1f}%)"
        lines.append(
            f"| {c['num_shots']} | {c['num_classes']} | {r.get('setting', 'default')} | {c['steps']} | "
            f"{100 * r['test_accuracy']:.1f}% ± {100 * r['test_accuracy_ci95']:.1f} | "
            f"{r['train_cpu_seconds'] / 60:.1f} | {at} | {r['load_average_during_training']['mean']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hw1.experiments", description=__doc__.splitlines()[0])
    parser.add_argument("--only", type=_parse_pair, action="append",
                        help="run only this K,N (repeatable); default: all four required runs")
    parser.add_argument("--sweep", default=None, help="TrainConfig field to sweep (e.g. hidden_size, lr)")
    parser.add_argument("--values", default=None, help="comma-separated values of the swept field")
    parser.add_argument("--model", default="lstm", choices=("lstm", "attention"),
                        help="lstm (required) or attention (extra credit; its own step counts)")
    parser.add_argument("--out-dir", default="runs/hw1", help="folder of all runs")
    parser.add_argument("--data", default="auto", help="Omniglot source: auto | official | synthetic")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.sweep == "model":
        parser.error("use --model to choose the architecture (each has its own step counts).")
    if (args.sweep is None) != (args.values is None):
        parser.error("--sweep and --values go together.")
    settings: list[tuple[str, dict[str, Any]]] = [("default", {})]
    if args.sweep is not None:
        settings = [(f"{args.sweep}={v}", {args.sweep: v}) for v in _typed_values(args.sweep, args.values)]
    results = []
    for k, n in args.only or list(REQUIRED_RUNS):
        for label, override in settings:
            base = required_config(k, n, args.model, out_dir=args.out_dir, data=args.data, threads=args.threads,
                                   progress=not args.no_progress, **override)
            name = base.run_name + ("" if label == "default" else "_" + label.replace("=", "_"))
            result = run(dataclasses.replace(base, name=name))
            results.append({**result, "setting": label})
    table = summary_table(results)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(table + "\n")
    (out / "summary.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table)


if __name__ == "__main__":
    main()
