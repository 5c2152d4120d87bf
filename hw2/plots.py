"""Plots of hw2 runs: training curves from log.csv, and accuracy against test-time shots.

Matplotlib with the non-interactive Agg backend, so plotting works on a machine without a display.
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot loads)


def _read(path: Path) -> list[dict[str, str]]:
    with open(path) as f:
        return list(csv.DictReader(f))


def plot_curves(log_csv: Path, out_png: Path, title: str = "") -> Path:
    """Training loss (left) and training / validation query accuracy (right) against iterations."""
    rows = _read(log_csv)
    its = [int(float(r["iteration"])) for r in rows]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(its, [float(r["loss"]) for r in rows])
    ax_loss.set(xlabel="iteration", ylabel="training query loss", yscale="log")
    ax_acc.plot(its, [float(r["query_acc"]) for r in rows], label="training query accuracy")
    val = [(i, float(r["val_acc"])) for i, r in zip(its, rows, strict=True) if r.get("val_acc")]
    if val:
        ax_acc.plot(*zip(*val, strict=True), "o-", label="validation accuracy")
    ax_acc.set(xlabel="iteration", ylabel="accuracy")
    ax_acc.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    plt.close(fig)
    return out_png


def plot_test_shots(results: dict[str, list[dict[str, float]]], out_png: Path, ways: int) -> Path:
    """Test accuracy (with 95% CI bars) against the number K of support images per class.

    results: label -> [{"shots": K, "acc": mean, "ci95": half-width}, ...], one line per label.
    """
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, rows in results.items():
        ax.errorbar([r["shots"] for r in rows], [100 * r["acc"] for r in rows],
                    yerr=[100 * r["ci95"] for r in rows], marker="o", capsize=3, label=label)
    ax.set(xlabel="shots K at test time", ylabel=f"{ways}-way test accuracy (%)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    plt.close(fig)
    return out_png
