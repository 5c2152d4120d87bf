"""Classification heads that sit on a sentence embedding: linear, or cosine with prototype start.

Dimension letters: B sentences, D embedding features, C classes.

- "linear": logits = z W^T + b, the standard linear probe.
- "cosine": logits = s * cos(z, w_c), a scaled cosine similarity to one weight vector per class
  (as in cosine-similarity few-shot classifiers, e.g. Chen et al. 2019 "A closer look at few-shot
  classification"). Starting w_c at the class prototype (mean support embedding) makes the untrained
  model the nearest-prototype classifier of `prototypes.py`, so fine-tuning starts from a good
  few-shot solution instead of from chance; this is what makes 10-shot fine-tuning work in a few
  epochs. The scale s is fixed: cosines lie in [-1, 1], and without s the softmax stays nearly
  uniform and the cross-entropy gradients vanish.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

HEADS = ("linear", "cosine")
DEFAULT_COSINE_SCALE = 20.0


class CosineHead(nn.Module):
    """logits = scale * normalize(z) @ normalize(W)^T.

    weight: [C, D] float32 parameter, one direction per class (its norm does not matter).
    """

    def __init__(self, in_features: int, n_classes: int, scale: float = DEFAULT_COSINE_SCALE):
        super().__init__()
        if scale <= 0:
            raise ValueError(f"scale must be > 0, got {scale}")
        self.scale = float(scale)
        self.weight = nn.Parameter(torch.empty(n_classes, in_features))
        nn.init.normal_(self.weight, std=in_features**-0.5)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """z: [B, D] float32. Returns [B, C] float32 logits."""
        return self.scale * F.normalize(z, dim=-1) @ F.normalize(self.weight, dim=-1).T

    @torch.no_grad()
    def init_from_prototypes(self, prototypes: torch.Tensor) -> None:
        """prototypes: [C, D] float32, the class means of the support embeddings."""
        if tuple(prototypes.shape) != tuple(self.weight.shape):
            raise ValueError(f"prototypes must be {tuple(self.weight.shape)}, got {tuple(prototypes.shape)}")
        self.weight.copy_(F.normalize(prototypes.to(self.weight), dim=-1))

    def extra_repr(self) -> str:
        return f"in_features={self.weight.shape[1]}, n_classes={self.weight.shape[0]}, scale={self.scale:g}"


class LinearHead(nn.Linear):
    """nn.Linear(D, C) that can also start from the prototypes (w_c = p_c / |p_c|, b = 0), which
    turns the untrained model into a nearest-prototype classifier by (unscaled) cosine similarity."""

    @torch.no_grad()
    def init_from_prototypes(self, prototypes: torch.Tensor) -> None:
        if tuple(prototypes.shape) != tuple(self.weight.shape):
            raise ValueError(f"prototypes must be {tuple(self.weight.shape)}, got {tuple(prototypes.shape)}")
        self.weight.copy_(F.normalize(prototypes.to(self.weight), dim=-1))
        self.bias.zero_()


def make_head(kind: str, in_features: int, n_classes: int, scale: float = DEFAULT_COSINE_SCALE) -> nn.Module:
    """A head mapping [B, D] embeddings to [B, C] logits; kind is one of HEADS."""
    if kind == "linear":
        return LinearHead(in_features, n_classes)
    if kind == "cosine":
        return CosineHead(in_features, n_classes, scale)
    raise ValueError(f"head must be one of {HEADS}, got {kind!r}")
