# Your part of the homework: fill in every TODO below (see the README of this homework).
"""The black-box meta-learner: a memory-augmented LSTM over an episode (Santoro et al. 2016).

Dimension letters: B episodes (tasks) in a batch, N ways, K shots, D = 784 pixels of an image,
T = (K+1) * N steps of the sequence the LSTM reads, Hd hidden units of the first LSTM.

The model reads an episode as one sequence, row by row (all N images of support row 0, then row 1,
..., then the N query images). Each step's input is an image concatenated with its one-hot label;
the query steps get zeros instead of labels, so the only way to name a query image is to match it
against the labelled support images the LSTM has already read. The second LSTM's output at each
step is the N logits of that step's image.
"""

from __future__ import annotations

import torch
from torch import nn

IMAGE_DIM = 784  # D = 28 * 28


def _check_inputs(images: torch.Tensor, labels: torch.Tensor, num_classes: int) -> None:
    """ValueErrors naming the argument, the expected shape/dtype and what came."""
    if images.dim() != 4 or images.shape[-1] != IMAGE_DIM or images.dtype != torch.float32:
        raise ValueError(
            f"images must be [B, K+1, N, {IMAGE_DIM}] float32, got {list(images.shape)} {images.dtype}."
        )
    B, K1, N, _ = images.shape
    if N != num_classes:
        raise ValueError(f"images have N={N} classes per row but the model was built for {num_classes}.")
    if tuple(labels.shape) != (B, K1, N, N) or labels.dtype != torch.float32:
        raise ValueError(
            f"labels must be [B, K+1, N, N] = {[B, K1, N, N]} float32, got "
            f"{list(labels.shape)} {labels.dtype}."
        )


class MANN(nn.Module):
    """Two stacked LSTMs over the (K+1)*N steps of an episode; outputs N logits per image.

    num_classes: N. hidden_size: Hd, units of the first LSTM (the second has N units: its
    output is the logits). Both LSTMs are batch_first: they read [B, T, features].
    """

    def __init__(self, num_classes: int, hidden_size: int = 128) -> None:
        super().__init__()
        if num_classes < 1 or hidden_size < 1:
            raise ValueError(
                f"num_classes and hidden_size must be >= 1, got {num_classes} and {hidden_size}."
            )
        self.num_classes = num_classes
        self.hidden_size = hidden_size
        self.layer1 = nn.LSTM(IMAGE_DIM + num_classes, hidden_size, batch_first=True)
        self.layer2 = nn.LSTM(hidden_size, num_classes, batch_first=True)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Logits of every image of a batch of episodes.

        images: [B, K+1, N, D] float32, episodes as `sample_episode` returns them, stacked.
        labels: [B, K+1, N, N] float32 one-hot; row K (the query row) holds the TRUE query labels,
            which the model must not see.
        Returns: [B, K+1, N, N] float32 logits; out[b, k, i] scores the N classes for images[b, k, i].
        """
        # TODO: 1. Copy the labels and set the query row (index K, the last) of the COPY to zeros:
        # TODO:    never write into the caller's `labels` (the training loop reuses it for the loss).
        # TODO: 2. Concatenate images and labels on the feature axis -> [B, K+1, N, D+N] and flatten
        # TODO:    rows and columns into one sequence [B, (K+1)*N, D+N], row-major (row 0's N images,
        # TODO:    then row 1's, ..., the query row last).
        # TODO: 3. Run self.layer1, then self.layer2 on its output (nn.LSTM returns (output, state)).
        # TODO: 4. Reshape [B, (K+1)*N, N] back to [B, K+1, N, N] (the inverse of step 2).
        # TODO: Allowed: torch.cat, clone / zeros_like, reshape, the two LSTMs. No softmax: return
        # TODO: logits. The grader loads its own weights into layer1/layer2 and compares outputs
        # TODO: to 1e-5, and checks that changing the query labels changes no output.
        raise NotImplementedError("TODO: hw1.model.MANN.forward")
