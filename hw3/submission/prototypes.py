# Your part of the homework: fill in every TODO below (see the README of this homework).
"""Nearest-prototype classification on frozen sentence embeddings: few-shot with no training at all.

Dimension letters: N support (labelled) sentences, Q query sentences, D embedding features,
C classes.

This is the metric-based few-shot classifier of homework 2 (prototypical networks, Snell et al.
2017) applied to a pre-trained encoder that nobody fine-tunes: each class is represented by the
mean embedding of its support examples (its prototype), and a query gets the class of the closest
prototype. Closeness is the cosine similarity (natural for sentence-transformers embeddings, which
were trained with it) or the negative squared Euclidean distance (the prototypical-networks choice).
It is the baseline every fine-tuning mode must beat, and the starting point of the cosine head.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

METRICS = ("cosine", "euclidean")


def _check_embeddings(name: str, value: torch.Tensor) -> None:
    if not isinstance(value, torch.Tensor) or value.dim() != 2 or not value.is_floating_point():
        got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(f"{name} must be a 2-D float tensor [rows, D], got {got}")


def class_prototypes(embeddings: torch.Tensor, labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Mean embedding of each class.

    embeddings: [N, D] float32, support embeddings. labels: [N] int64 in [0, C).
    n_classes: C.
    Returns: [C, D] float32; row c is the mean of the rows of `embeddings` whose label is c.
    Raises ValueError if some class has no example (its prototype would be undefined).
    """
    _check_embeddings("embeddings", embeddings)
    if labels.shape != embeddings.shape[:1]:
        raise ValueError(f"labels must be [N]={embeddings.shape[0]}, got {tuple(labels.shape)}")
    counts = torch.bincount(labels, minlength=n_classes)
    if counts.numel() > n_classes or bool((counts == 0).any()):
        empty = torch.nonzero(counts == 0).flatten().tolist()
        raise ValueError(f"every class in [0, {n_classes}) needs a support example; classes {empty[:10]} "
                         f"have none (or a label is >= {n_classes})")
    # TODO: row c of the result = mean of embeddings[labels == c].
    # TODO: A loop over classes is fine; index_add_ / scatter-based versions are faster. Divide by
    # TODO: each class's own count (classes may have different numbers of examples).
    raise NotImplementedError("TODO: hw3.prototypes.class_prototypes")


def prototype_logits(queries: torch.Tensor, prototypes: torch.Tensor, metric: str = "cosine") -> torch.Tensor:
    """Similarity of every query to every prototype (larger = closer).

    queries: [Q, D] float32. prototypes: [C, D] float32.
    metric: "cosine" -> cos(q, p) in [-1, 1]; "euclidean" -> -||q - p||^2 (negative squared distance).
    Returns: [Q, C] float32.
    """
    _check_embeddings("queries", queries)
    _check_embeddings("prototypes", prototypes)
    if queries.shape[1] != prototypes.shape[1]:
        raise ValueError(f"queries have D={queries.shape[1]} features but prototypes {prototypes.shape[1]}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    # TODO: "cosine": normalise both to unit length (torch.nn.functional.normalize) and take the
    # TODO: matrix of dot products. "euclidean": minus the squared distance, e.g. via
    # TODO: |q|^2 - 2 q.p + |p|^2 or torch.cdist(...) ** 2. Squared, not the distance itself; negative,
    # TODO: so that the largest value is the nearest prototype for both metrics.
    raise NotImplementedError("TODO: hw3.prototypes.prototype_logits")


def nearest_prototype_predict(
    support: torch.Tensor,
    support_labels: torch.Tensor,
    queries: torch.Tensor,
    n_classes: int,
    metric: str = "cosine",
) -> torch.Tensor:
    """Class of the nearest prototype for every query.

    support: [N, D] float32, labelled embeddings. support_labels: [N] int64 in [0, C).
    queries: [Q, D] float32, embeddings to classify. n_classes: C.
    Returns: [Q] int64 predicted classes.
    """
    # TODO: build the prototypes from the SUPPORT set (class_prototypes), score every query against
    # TODO: them (prototype_logits) and return the argmax over classes as int64.
    raise NotImplementedError("TODO: hw3.prototypes.nearest_prototype_predict")
