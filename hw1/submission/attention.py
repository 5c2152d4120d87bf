# Your part of the homework: fill in every TODO below (see the README of this homework).
"""Extra credit: a black-box meta-learner that attends over the episode instead of recurring.

Dimension letters: B episodes, N ways, K shots, D = 784 pixels, T = (K+1) * N tokens of an
episode, E width of the attention layers.

The LSTM of `model.py` must squeeze every support image into its fixed-size state before the
queries arrive, and learns slowly to do so. Here every token (an image with its label, or with
zeros for a query) is embedded, and self-attention lets each query token look up the support
tokens that resemble it and read their labels directly, in the spirit of SNAIL (Mishra et al.
2018) and of matching networks (Vinyals et al. 2016). There is no position encoding: the episode
is a set (the query tokens are told apart by their zero labels), so the output does not depend on
the order of the support images.
"""

from __future__ import annotations

import torch
from torch import nn

IMAGE_DIM = 784  # D = 28 * 28


class AttentionMetaLearner(nn.Module):
    """Token embedding, a Transformer encoder over the T tokens of an episode, N logits per token.

    num_classes: N. width: E, the embedding size. layers: encoder layers. heads: attention heads.
    The submodules below are given; the grader loads its own weights into them.
    """

    def __init__(self, num_classes: int, width: int = 128, layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        if num_classes < 1 or width < 1 or width % heads:
            raise ValueError(
                f"need num_classes >= 1 and width divisible by heads, got {num_classes}, {width}, {heads}."
            )
        self.num_classes = num_classes
        # Images and labels are embedded separately and summed, so a zero label adds nothing.
        self.image_embedding = nn.Sequential(nn.Linear(IMAGE_DIM, width), nn.ReLU(), nn.Linear(width, width))
        self.label_embedding = nn.Linear(num_classes, width, bias=False)
        layer = nn.TransformerEncoderLayer(width, heads, dim_feedforward=2 * width, dropout=0.0,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(width, num_classes)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Logits of every image of a batch of episodes (same contract as `MANN.forward`).

        images: [B, K+1, N, D] float32. labels: [B, K+1, N, N] float32 one-hot, query row K
            holding the TRUE labels, which the model must not see.
        Returns: [B, K+1, N, N] float32 logits.
        """
        # TODO (extra credit): hide the query row's labels on a copy, as in MANN.forward; embed
        # TODO: the images [B, K+1, N, D] with self.image_embedding and the labels with
        # TODO: self.label_embedding, and add the two; flatten rows and columns into T = (K+1)*N
        # TODO: tokens [B, T, E] row-major; run self.encoder (no mask: every token may attend to
        # TODO: every other, since no query label is left to see); self.head gives [B, T, N];
        # TODO: reshape to [B, K+1, N, N]. No softmax. Graded like MANN.forward (1e-5, no leakage).
        raise NotImplementedError("TODO: hw1.attention.AttentionMetaLearner.forward")
