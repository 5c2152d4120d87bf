"""Learning curves of several runs in one PNG: `python -m hw0.plots RUN_DIR [RUN_DIR ...] -o out.png`.

Reads each run's `log.csv` and `config.json` (written by hw0.train) and draws test MRR and test MSE
against the epoch: one colour per sharing mode, one line style per loss weighting.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: works without a display (CI, Gradescope, ssh)
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {"shared": "tab:blue", "separate": "tab:orange", "mmoe": "tab:green"}
STYLES = ("-", "--", ":", "-.")


def read_run(folder: Path) -> tuple[dict, list[dict[str, float]]]:
    """(config dict, log rows) of one run folder."""
    folder = Path(folder)
    for name in ("config.json", "log.csv"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing: is {folder} a run folder of hw0.train?")
    config = json.loads((folder / "config.json").read_text())
    with open(folder / "log.csv", newline="") as f:
        rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
    return config, rows


def plot_runs(folders: Sequence[Path], out: Path) -> Path:
    """Draws every run of `folders` into `out` (a PNG); returns `out`."""
    fig, (ax_mrr, ax_mse) = plt.subplots(1, 2, figsize=(11, 4.2))
    weightings: list[tuple[float, float]] = []
    for folder in folders:
        config, rows = read_run(folder)
        weights = (config["weight_rank"], config["weight_rating"])
        if weights not in weightings:
            weightings.append(weights)
        style = STYLES[weightings.index(weights) % len(STYLES)]
        colour = COLOURS.get(config["sharing"], "black")
        label = f"{config['sharing']}, lambda=({weights[0]:g}, {weights[1]:g})"
        epochs = [r["epoch"] for r in rows]
        ax_mrr.plot(epochs, [r["test_mrr"] for r in rows], style, color=colour, label=label)
        # Epoch 0 (an untrained rating MLP) is off the scale of the trained curves: start at 1.
        ax_mse.plot(epochs[1:], [r["test_mse"] for r in rows[1:]], style, color=colour, label=label)
    ax_mrr.set(xlabel="epoch", ylabel="test MRR (higher is better)", title="ranking (engagement)")
    ax_mse.set(xlabel="epoch", ylabel="test MSE (lower is better)", title="rating (satisfaction)")
    for ax in (ax_mrr, ax_mse):
        ax.grid(alpha=0.3)
    ax_mse.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Plot learning curves of hw0.train runs.")
    parser.add_argument("runs", nargs="+", type=Path, help="run folders (each with log.csv and config.json)")
    parser.add_argument("-o", "--out", type=Path, default=Path("curves.png"), help="PNG to write")
    args = parser.parse_args(argv)
    print(f"wrote {plot_runs(args.runs, args.out)}")


if __name__ == "__main__":
    main()
