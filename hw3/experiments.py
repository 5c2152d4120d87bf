"""`python -m hw3.experiments`: the grid of the README, a results table and a plot.

Runs every mode (and the nearest-prototype baseline) at every number of shots with several seeds,
each run exactly as `python -m hw3.train` would (same defaults, same output folders), then writes
into --out-dir:
  runs.csv         one row per run: method, shots, seed, accuracy, parameters, wall time
  results.md       accuracy mean ± std over seeds per method and shots, trainable parameters,
                   mean wall time per run
  accuracy_vs_shots.png   accuracy against shots, one line per method (error bars: std)

A run whose metrics.json already exists with the same resolved config is not run again, so an
interrupted grid resumes where it stopped (--force reruns everything).

Examples:
  python -m hw3.experiments                              # the full grid (hours on 2 CPU cores)
  python -m hw3.experiments --shots 10 --seeds 0 1 2     # the 10-shot column only
  python -m hw3.experiments --data synthetic --shots 2 8 # offline, tiny BERT, a minute
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import statistics
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from hw3.config import MODES, TrainConfig
from hw3.train import parse_shots, run

log = logging.getLogger(__name__)

PROTOTYPES = "prototypes"
DEFAULT_SHOTS = (1, 5, 10, None)
DEFAULT_SEEDS = (0, 1, 2)
COLUMNS = ("method", "shots", "seed", "accuracy", "trainable_params", "total_params", "trainable_fraction",
           "train_seconds", "eval_seconds", "wall_seconds", "threads")


def shots_label(shots: int | None) -> str:
    return "all" if shots is None else str(shots)


def _cached(cfg: TrainConfig, prototypes: str | None) -> dict[str, Any] | None:
    resolved = cfg.resolve()
    name = resolved.run_name if prototypes is None else resolved.run_name.replace(
        f"-{resolved.mode}-", f"-prototypes-{prototypes}-")
    folder = Path(resolved.out_dir) / name
    try:
        saved = json.loads((folder / "config.json").read_text())
        metrics = json.loads((folder / "metrics.json").read_text())
    except (OSError, ValueError):
        return None
    return metrics if saved == {**resolved.to_dict(), "prototypes": prototypes} else None


def run_grid(base: TrainConfig, methods: list[str], shots: list[int | None], seeds: list[int],
             force: bool = False) -> list[dict[str, Any]]:
    """Every (method, shots, seed) run; method is a mode of MODES or "prototypes"."""
    plan = [(m, k, s) for k in shots for m in methods for s in seeds]
    rows = []
    for method, k, seed in tqdm(plan, desc="grid", disable=not base.progress):
        prototypes = "cosine" if method == PROTOTYPES else None
        cfg = base.with_(mode=base.mode if method == PROTOTYPES else method, shots=k, seed=seed)
        metrics = None if force else _cached(cfg, prototypes)
        if metrics is None:
            metrics = run(cfg, prototypes=prototypes)
        rows.append({"method": method, **{c: metrics[c] for c in COLUMNS if c != "method"}})
    return rows


def _mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarise(rows: list[dict[str, Any]], dataset: str = "the official BANKING77 test set") -> str:
    """Markdown table: one row per method, one column per shots value, plus parameters and time."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    shot_values = list(dict.fromkeys(r["shots"] for r in rows))
    seeds = sorted({r["seed"] for r in rows})
    header = ["method", *[f"{shots_label(k)}-shot" if k else "all data" for k in shot_values],
              "trainable parameters", "mean wall time per run"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method in methods:
        cells = [method]
        for k in shot_values:
            accs = [r["accuracy"] for r in rows if r["method"] == method and r["shots"] == k]
            mean, std = _mean_std(accs) if accs else (float("nan"), 0.0)
            cells.append(f"{100 * mean:.2f} ± {100 * std:.2f}" if accs else "not run")
        mine = [r for r in rows if r["method"] == method]
        trainable = mine[0]["trainable_params"]
        cells.append(f"{trainable:,} ({100 * mine[0]['trainable_fraction']:.2f}%)")
        walls = ", ".join(
            f"{shots_label(k)}: {statistics.fmean(r['wall_seconds'] for r in mine if r['shots'] == k):.0f} s"
            for k in shot_values if any(r["shots"] == k for r in mine))
        cells.append(walls)
        lines.append("| " + " | ".join(cells) + " |")
    return f"Test accuracy (%) on {dataset}, mean ± std over seeds {seeds}.\n\n" + "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], path: Path, title: str = "BANKING77") -> None:
    """Accuracy against shots (categorical axis: 1, 5, 10, all), one line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shot_values = sorted({r["shots"] for r in rows}, key=lambda k: float("inf") if k is None else k)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for method in dict.fromkeys(r["method"] for r in rows):
        xs, means, stds = [], [], []
        for i, k in enumerate(shot_values):
            accs = [100 * r["accuracy"] for r in rows if r["method"] == method and r["shots"] == k]
            if accs:
                mean, std = _mean_std(accs)
                xs.append(i)
                means.append(mean)
                stds.append(std)
        ax.errorbar(xs, means, yerr=stds, marker="o", capsize=3, label=method)
    ax.set_xticks(range(len(shot_values)), [shots_label(k) for k in shot_values])
    ax.set_xlabel("training examples per class (shots)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"{title}: adaptation mode vs. number of labels")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="python -m hw3.experiments", description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=[*MODES, PROTOTYPES], choices=[*MODES, PROTOTYPES])
    parser.add_argument("--shots", nargs="+", type=parse_shots, default=list(DEFAULT_SHOTS),
                        help="values of K, 'all' for the whole training set (default: 1 5 10 all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(DEFAULT_SEEDS))
    parser.add_argument("--data", default="banking77", choices=("banking77", "synthetic"))
    parser.add_argument("--encoder", default="", help="encoder folder (default: search, see hw3/encoder.py)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's)")
    parser.add_argument("--out-dir", default="runs/hw3-grid")
    parser.add_argument("--force", action="store_true", help="rerun runs that already have results")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = TrainConfig(data=args.data, encoder=args.encoder, threads=args.threads, out_dir=str(out / "runs"),
                       progress=args.progress)
    rows = run_grid(base, args.methods, args.shots, args.seeds, force=args.force)
    with open(out / "runs.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows({**r, "shots": shots_label(r["shots"])} for r in rows)
    synthetic = args.data == "synthetic"
    table = summarise(rows, "the synthetic keyword task (tiny BERT)" if synthetic else "the official BANKING77 test set")
    (out / "results.md").write_text(table)
    plot(rows, out / "accuracy_vs_shots.png", "synthetic task" if synthetic else "BANKING77")
    print(table)
    print(f"wrote {out / 'runs.csv'}, {out / 'results.md'} and {out / 'accuracy_vs_shots.png'}")
    return rows


if __name__ == "__main__":
    main()
