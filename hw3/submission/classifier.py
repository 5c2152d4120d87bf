# Your part of the homework: fill in every TODO below (see the README of this homework).
"""A sentence classifier: a pre-trained BERT encoder, mask-aware mean pooling, and a head.

Dimension letters: B sentences in a batch, T tokens (padded to the longest sentence of the batch),
D hidden features of the encoder, C classes.

all-MiniLM-L6-v2 was trained (as a sentence-transformers model) to make the *mean of its token
vectors* a good sentence embedding, so that is the pooling we use, not the [CLS] vector. Sentences
of a batch are padded to the same length; the attention mask (1 = real token, 0 = padding) tells
which positions are real. Padding positions still get hidden vectors from the encoder, and they are
not zero, so they must be left out of the mean: otherwise a sentence's embedding would depend on how
long the other sentences of its batch are.
"""

from __future__ import annotations

import torch
from torch import nn

from hw3.heads import DEFAULT_COSINE_SCALE, make_head


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors of each sentence, over its real tokens only.

    hidden: [B, T, D] float, the encoder's last hidden states.
    attention_mask: [B, T] int64 or bool, 1/True for real tokens, 0/False for padding.
    Returns: [B, D], same dtype as hidden. A row without any real token pools to zeros.
    """
    if hidden.dim() != 3 or attention_mask.shape != hidden.shape[:2]:
        raise ValueError(
            f"hidden must be [B, T, D] and attention_mask [B, T]; got {tuple(hidden.shape)} and "
            f"{tuple(attention_mask.shape)}"
        )
    # TODO: average hidden over the T axis, counting only positions where attention_mask is 1.
    # TODO: - Convert the mask to hidden's dtype and give it a trailing axis ([B, T, 1]) so that it
    # TODO:   broadcasts over D; sum(mask * hidden) / (number of real tokens).
    # TODO: - Clamp the count to at least 1 so an all-padding row gives zeros, not NaN.
    # TODO: - Do not use hidden.mean(dim=1): it averages over padding too (the grader pads the same
    # TODO:   sentences to different lengths and expects the same embedding).
    raise NotImplementedError("TODO: hw3.classifier.mean_pool")


class TextClassifier(nn.Module):
    """encoder -> mean_pool -> head.

    encoder: a transformers BertModel (built without its pooler); its transformer blocks are
      `encoder.encoder.layer` (an nn.ModuleList, block 0 nearest the embeddings).
    Parameter names, as the grader sees them in `model.named_parameters()`:
      "encoder.embeddings.*", "encoder.encoder.layer.<i>.*" for block i, and "head.*".
    """

    def __init__(self, encoder: nn.Module, n_classes: int, head: str = "cosine",
                 scale: float = DEFAULT_COSINE_SCALE):
        super().__init__()
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {n_classes}")
        self.encoder = encoder
        self.n_classes = n_classes
        self.head = make_head(head, encoder.config.hidden_size, n_classes, scale)

    @property
    def blocks(self) -> nn.ModuleList:
        """The encoder's transformer blocks, bottom (0) to top (L-1)."""
        return self.encoder.encoder.layer

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """input_ids, attention_mask: [B, T] int64. Returns [B, D] float32 sentence embeddings."""
        # TODO: run self.encoder(input_ids=input_ids, attention_mask=attention_mask), take its
        # TODO: .last_hidden_state ([B, T, D]) and mean_pool it with the same mask.
        # TODO: Pass the mask to the encoder as well: it stops real tokens attending to padding.
        raise NotImplementedError("TODO: hw3.classifier.TextClassifier.embed")

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """input_ids, attention_mask: [B, T] int64. Returns [B, C] float32 logits."""
        # TODO: the head applied to the sentence embeddings of `embed`.
        raise NotImplementedError("TODO: hw3.classifier.TextClassifier.forward")
