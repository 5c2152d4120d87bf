"""The learning-curve PNG of a run: training and validation query accuracy against steps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers or in the grader
import matplotlib.pyplot as plt  # noqa: E402

from hw1.training import LogRow  # noqa: E402


def plot_accuracy(rows: Sequence[LogRow], path: Path, title: str, chance: float) -> Path:
    """Writes train/validation query accuracy per logged step to `path` (PNG); chance = 1/N as a line."""
    steps = [r.step for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(steps, [r.train_accuracy for r in rows], label="train (query)")
    ax.plot(steps, [r.val_accuracy for r in rows], label="validation (query)")
    ax.axhline(chance, color="grey", linestyle=":", label="chance")
    ax.set_xlabel("step")
    ax.set_ylabel("query accuracy")
    ax.set_ylim(0.0, 1.0)
    ax.set_title(title)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
