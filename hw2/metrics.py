"""Accuracy and the mean with a 95% confidence interval over test tasks.

Dimension letters: M predictions, N classes, T test tasks.
"""

from __future__ import annotations

import math

import torch

Z_95 = 1.96  # two-sided 95% quantile of the normal distribution, as the papers report


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Share of rows whose largest logit is at the label: [..., M, N], [..., M] -> [] float32.

    Works under `torch.func.vmap` and keeps no graph (argmax is not differentiable); ties go to
    the lowest class index, as torch.argmax does.
    """
    if logits.shape[:-1] != labels.shape:
        raise ValueError(
            f"accuracy: logits {tuple(logits.shape)} and labels {tuple(labels.shape)} disagree; "
            "logits must be [..., M, N] for labels [..., M]."
        )
    return (logits.detach().argmax(dim=-1) == labels).float().mean()


def mean_ci95(values: list[float] | torch.Tensor) -> tuple[float, float]:
    """(mean, half-width of the 95% confidence interval) of per-task values: 1.96 * std / sqrt(T)."""
    v = torch.as_tensor(values, dtype=torch.float64).flatten()  # [T]
    if v.numel() < 2:
        raise ValueError(f"mean_ci95 needs at least 2 values, got {v.numel()}.")
    return float(v.mean()), Z_95 * float(v.std(unbiased=True)) / math.sqrt(v.numel())
