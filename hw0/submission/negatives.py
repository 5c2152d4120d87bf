# Your part of the homework: fill in every TODO below (see the README of this homework).
"""Negative sampling for the ranking task.

Dimension letters: B users in a batch, U users, I items.

BPR needs, for each rated (user, item) pair, an item j the user did *not* rate: an example of what
the user skipped. Drawing j uniformly among the user's unrated training items is the classic choice;
drawing it among all items would sometimes pick another rated item and teach the model to push a
liked item down.
"""

from __future__ import annotations

import torch


def sample_negatives(
    users: torch.Tensor, rated: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """One uniformly drawn unrated item per entry of `users`.

    users: [B] int64, 0-based user ids (repeats allowed: each entry gets its own draw).
    rated: [U, I] bool, rated[u, i] is True iff user u has a training rating for item i.
    generator: source of randomness (None: the global torch generator).
    Returns: [B] int64 item ids; entry b is uniform over {i : not rated[users[b], i]}.
    """
    if users.dtype != torch.int64 or users.dim() != 1:
        raise ValueError(f"users must be a [B] int64 tensor, got {users.dtype} of shape {tuple(users.shape)}")
    if rated.dtype != torch.bool or rated.dim() != 2:
        raise ValueError(f"rated must be a [U, I] bool tensor, got {rated.dtype} of shape {tuple(rated.shape)}")
    if bool(rated[users].all(dim=1).any()):
        raise ValueError("a user in `users` has rated every item, so no negative item exists for them")
    # TODO: return a [B] int64 tensor whose entry b is drawn uniformly from the items that user
    # TODO: users[b] has NOT rated (rated[users[b]] is False there), independently for every b.
    # TODO: - Pass `generator` to every torch random function you call (torch.multinomial,
    # TODO:   torch.randint, torch.rand all take generator=...), so runs are reproducible.
    # TODO: - Never return an item the user rated, not even with small probability: rejection
    # TODO:   sampling must repeat until every entry is valid.
    # TODO: - Either sample from a mask of allowed items (rows of `rated` are [I] bool) or draw
    # TODO:   random items and redraw the rated ones; both are fine, any order of draws is fine.
    # TODO: - Because the order of draws is yours, your training runs will not repeat the
    # TODO:   README's numbers digit for digit, even with the same --seed: they differ by about as
    # TODO:   much as two seeds do. hw0/README.md ("Expected results") gives the range over seeds
    # TODO:   to compare with; the grader tests the distribution of your draws, never the draws.
    raise NotImplementedError("TODO: hw0.negatives.sample_negatives")
