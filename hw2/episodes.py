"""N-way K-shot episodes from the classes of one Omniglot split (provided: hw2 is not about sampling).

Dimension letters: B tasks per meta-batch, N ways, K shots (support images per class), Q queries
per class, C channels (1), H x W pixels, S drawings per class in the split.

An episode (task) draws N distinct classes of the split and, for each, K + Q distinct drawings:
K go to the support set, Q to the query set. Labels are 0..N-1 in the order the classes were drawn
(so a label says nothing about which character it is) and the images are laid out class-major:
support = [class 0 x K, class 1 x K, ...], query likewise. Code that consumes episodes must use
the label tensors, not this order: the hidden tests shuffle it.

Pixels become float32 in [0, 1] with strokes = 1 (the cache's uint8 / 255).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from data.omniglot import ClassSet


@dataclass(frozen=True)
class Episodes:
    """A meta-batch of B tasks.

    x_support: [B, N*K, 1, H, W] float32. y_support: [B, N*K] int64 in [0, N).
    x_query:   [B, N*Q, 1, H, W] float32. y_query:   [B, N*Q] int64 in [0, N).
    """

    x_support: torch.Tensor
    y_support: torch.Tensor
    x_query: torch.Tensor
    y_query: torch.Tensor

    @property
    def num_tasks(self) -> int:
        return self.x_support.shape[0]

    def to(self, device: str | torch.device) -> Episodes:
        return Episodes(*(t.to(device) for t in (self.x_support, self.y_support, self.x_query, self.y_query)))

    def task(self, b: int) -> Episodes:
        """Task b alone, keeping a task dimension of 1."""
        return Episodes(*(t[b : b + 1] for t in (self.x_support, self.y_support, self.x_query, self.y_query)))


class EpisodeSampler:
    """Draws meta-batches of N-way K-shot tasks with Q queries per class from `classes`.

    classes: one split (`data.omniglot.split_omniglot(...)["train"]`); images [N_s, S, H, W] uint8.
    ways, shots, queries: N, K, Q. seed: the sampler's own numpy generator, so training episodes
    and test episodes are fixed functions of their seeds whatever else draws random numbers.
    """

    def __init__(self, classes: ClassSet, ways: int, shots: int, queries: int, seed: int = 0) -> None:
        num_classes, drawings = classes.images.shape[:2]
        for name, value in (("ways", ways), ("shots", shots), ("queries", queries)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"EpisodeSampler: {name} must be a positive int, got {value!r}.")
        if ways > num_classes:
            raise ValueError(
                f"EpisodeSampler: {ways} ways but split {classes.name!r} has only {num_classes} classes."
            )
        if shots + queries > drawings:
            raise ValueError(
                f"EpisodeSampler: shots + queries = {shots + queries} exceeds the {drawings} drawings "
                "per class; lower --shots or --queries."
            )
        self.images = classes.images  # [N_s, S, H, W] uint8
        self.ways, self.shots, self.queries = ways, shots, queries
        self.rng = np.random.default_rng(seed)

    def sample(self, num_tasks: int) -> Episodes:
        """B = num_tasks independent tasks (classes may repeat across tasks, not within one)."""
        N, K, Q = self.ways, self.shots, self.queries
        num_classes, drawings, H, W = self.images.shape
        classes = np.stack([self.rng.choice(num_classes, N, replace=False) for _ in range(num_tasks)])  # [B, N]
        # An argsort of uniform noise is a random permutation per (task, class): the first K + Q
        # entries are distinct drawings. Vectorised, it is much faster than B * N rng.choice calls.
        drawing = np.argsort(self.rng.random((num_tasks, N, drawings)), axis=-1)[..., : K + Q]  # [B, N, K+Q]
        pixels = self.images[classes[..., None], drawing]  # [B, N, K+Q, H, W] uint8
        x = torch.from_numpy(pixels).float().div_(255.0).unsqueeze(3)  # [B, N, K+Q, 1, H, W]
        labels = torch.arange(N).view(1, N, 1)  # [1, N, 1]
        x_support = x[:, :, :K].reshape(num_tasks, N * K, 1, H, W)  # class-major
        x_query = x[:, :, K:].reshape(num_tasks, N * Q, 1, H, W)
        y_support = labels.expand(num_tasks, N, K).reshape(num_tasks, N * K)
        y_query = labels.expand(num_tasks, N, Q).reshape(num_tasks, N * Q)
        return Episodes(x_support.contiguous(), y_support.contiguous(), x_query.contiguous(), y_query.contiguous())


def fixed_episodes(classes: ClassSet, ways: int, shots: int, queries: int, num_tasks: int,
                   seed: int, chunk: int = 50) -> list[Episodes]:
    """The same `num_tasks` tasks for every call with the same arguments (e.g. 600 test tasks),
    in meta-batches of at most `chunk` tasks."""
    sampler = EpisodeSampler(classes, ways, shots, queries, seed=seed)
    sizes = [min(chunk, num_tasks - start) for start in range(0, num_tasks, chunk)]
    return [sampler.sample(size) for size in sizes]
