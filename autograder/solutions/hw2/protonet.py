"""Prototypical Networks (Snell et al. 2017): classify a query by its nearest class mean.

Dimension letters: B tasks in a meta-batch, N ways, K shots, Q queries per class, M = N*Q query
images, D embedding features, C x H x W an image (1 x 28 x 28 on Omniglot).

One training step, per task: embed the support and query images with the same encoder; the
prototype of class n is the mean embedding of the support images labelled n; the logit of query m
for class n is the NEGATIVE SQUARED Euclidean distance -||f(x_m) - c_n||^2 (Snell et al. sec. 2.2:
the squared distance makes the classifier a linear model in f(x), the plain distance does not);
the loss is the cross-entropy of those logits with the query labels, averaged over all queries.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from hw2.metrics import accuracy

Encoder = Callable[[torch.Tensor], torch.Tensor]


def _check_batch(x: torch.Tensor, y: torch.Tensor, name: str) -> None:
    if x.dim() != 5 or y.dim() != 2 or x.shape[:2] != y.shape:
        raise ValueError(
            f"x_{name} must be [B, M, C, H, W] and y_{name} [B, M] with the same B and M, got "
            f"{tuple(x.shape)} and {tuple(y.shape)}."
        )
    if y.dtype != torch.int64:
        raise ValueError(f"y_{name} must be int64 class labels in [0, N), got {y.dtype}.")


def compute_prototypes(
    support_embeddings: torch.Tensor, y_support: torch.Tensor, num_ways: int
) -> torch.Tensor:
    """The mean support embedding of each class, per task.

    support_embeddings: [B, N*K, D] float32, in any order of classes.
    y_support: [B, N*K] int64 in [0, N), the label of each support embedding.
    num_ways: N.
    Returns: [B, N, D] float32; row n of task b is the mean of task b's embeddings labelled n.
    """
    # TODO: average the support embeddings of each class, separately for each task.
    # TODO: - Use the labels, not the position: the grader shuffles the support set, so you cannot
    # TODO:   assume a class-major layout. Every class has the same number K of support images,
    # TODO:   but do not rely on that either: divide by the number of images of the class.
    # TODO: - Gradients must flow from the prototypes back to the embeddings (and so into the
    # TODO:   encoder): no .detach(), no torch.no_grad(), no .item()/.numpy() round trips.
    # TODO: - Useful: torch.nn.functional.one_hot(y, N) (then .float()) and a batched matrix
    # TODO:   product (torch.bmm or @), or a loop over classes with boolean masks.
    # TODO: - A class with no support image never occurs: the provided sampler and every grader
    # TODO:   task give each of the N classes K >= 1 images. What you return for such a class is
    # TODO:   not graded (a mean over nothing: NaN from 0/0 is as acceptable as an error).
    # BEGIN SOLUTION
    one_hot = F.one_hot(y_support, num_ways).to(support_embeddings.dtype)  # [B, N*K, N]
    counts = one_hot.sum(dim=1).unsqueeze(-1)  # [B, N, 1]
    sums = one_hot.transpose(1, 2) @ support_embeddings  # [B, N, D]
    return sums / counts
    # END SOLUTION


def prototype_logits(query_embeddings: torch.Tensor, prototypes: torch.Tensor) -> torch.Tensor:
    """Logits of each query for each class: the negative squared Euclidean distance.

    query_embeddings: [B, M, D] float32. prototypes: [B, N, D] float32.
    Returns: [B, M, N] float32 with entry [b, m, n] = -sum_d (query[b, m, d] - prototypes[b, n, d])^2.
    """
    # TODO: return minus the SQUARED Euclidean distance between every query and every prototype
    # TODO: of the same task.
    # TODO: - Squared, not the plain distance (no square root): the grader checks the values.
    # TODO: - Broadcast [B, M, 1, D] against [B, 1, N, D], or expand ||q||^2 - 2 q.c + ||c||^2;
    # TODO:   both pass (the grader's tolerance covers their rounding difference).
    # TODO: - torch.cdist computes the plain distance; if you use it, square it.
    # BEGIN SOLUTION
    diff = query_embeddings.unsqueeze(2) - prototypes.unsqueeze(1)  # [B, M, N, D]
    return -(diff**2).sum(dim=-1)  # [B, M, N]
    # END SOLUTION


def protonet_step(
    encoder: Encoder,
    x_support: torch.Tensor,
    y_support: torch.Tensor,
    x_query: torch.Tensor,
    y_query: torch.Tensor,
    num_ways: int,
    batched: bool = True,
) -> dict[str, torch.Tensor]:
    """The ProtoNet loss and accuracies of a meta-batch of tasks.

    encoder: images [T..., M, C, H, W] -> embeddings [T..., M, D]; it normalises each task with
        that task's own statistics, so it must see one task's images (support AND query) together.
    x_support: [B, N*K, C, H, W] float32. y_support: [B, N*K] int64 in [0, N).
    x_query:   [B, N*Q, C, H, W] float32. y_query:   [B, N*Q] int64 in [0, N).
    num_ways: N.
    batched: True: ONE encoder call on all B tasks ([B, N*K + N*Q, C, H, W]); False: one encoder
        call per task ([N*K + N*Q, C, H, W]). Both must return the same numbers.
    Returns a dict of [] float32 tensors:
        "loss":        mean over all B*N*Q queries of the cross-entropy of `prototype_logits`
                       with y_query (differentiable: training backpropagates it);
        "support_acc": share of support images whose nearest prototype is their own class;
        "query_acc":   share of query images whose nearest prototype is their label.
    """
    _check_batch(x_support, y_support, "support")
    _check_batch(x_query, y_query, "query")
    # TODO: embed each task's support and query images TOGETHER in one encoder call (concatenate
    # TODO: them along the image dimension, then split the embeddings back), so that the encoder's
    # TODO: per-task normalisation sees the whole task:
    # TODO: - batched=True: one call on [B, N*K + N*Q, C, H, W];
    # TODO: - batched=False: a Python loop over the B tasks, one call on [N*K + N*Q, C, H, W] each
    # TODO:   (then torch.stack the embeddings to [B, ..., D]).
    # TODO: Then: prototypes from the SUPPORT embeddings (compute_prototypes), logits of the QUERY
    # TODO: embeddings (prototype_logits), loss = F.cross_entropy over all queries of all tasks
    # TODO: (mean reduction). Accuracies with hw2.metrics.accuracy(logits, labels): the support
    # TODO: accuracy classifies the support embeddings with the same prototypes.
    # TODO: Return {"loss": ..., "support_acc": ..., "query_acc": ...}, each a [] float32 tensor.
    # BEGIN SOLUTION
    B, NK = y_support.shape
    images = torch.cat([x_support, x_query], dim=1)  # [B, N*K + N*Q, C, H, W]
    if batched:
        embeddings = encoder(images)  # [B, N*K + N*Q, D]
    else:
        embeddings = torch.stack([encoder(images[b]) for b in range(B)])  # [B, N*K + N*Q, D]
    support, query = embeddings[:, :NK], embeddings[:, NK:]  # [B, N*K, D], [B, N*Q, D]
    prototypes = compute_prototypes(support, y_support, num_ways)  # [B, N, D]
    query_logits = prototype_logits(query, prototypes)  # [B, N*Q, N]
    loss = F.cross_entropy(query_logits.reshape(-1, num_ways), y_query.reshape(-1))
    return {
        "loss": loss,
        "support_acc": accuracy(prototype_logits(support, prototypes), y_support),
        "query_acc": accuracy(query_logits, y_query),
    }
    # END SOLUTION
