"""Hidden tests of `hw1.submission.loss.query_loss`: cross-entropy on the query row only.

The grader compares the loss with the reference on random logits (1e-5), and its gradient (from
`probes:loss_gradient`) with the reference's: zero on every support row, equal on the query row.

Dimension letters: B episodes, N ways, K shots.
"""

from __future__ import annotations

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.checks import expect_close, expect_shape, expect_true
from autograder.solutions.hw1.loss import query_loss

B = 6  # episodes
LOSS_ATOL = 1e-5  # a mean of B*N cross-entropies in float32
GRAD_ATOL = 1e-6


def _batch(N: int, K: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random logits [B, K+1, N, N] (scale 3: confident and wrong often) and sampler-like labels."""
    logits = 3.0 * torch.randn(B, K + 1, N, N, generator=generator)
    eye = torch.eye(N)
    labels = eye.expand(B, K + 1, N, N).clone()
    for b in range(B):
        labels[b, K] = eye[torch.randperm(N, generator=generator)]
    return logits, labels


@weight(2)
@number("3.1")
def test_loss_matches_reference(student, grading_seed):
    """loss: equals the mean query cross-entropy of the reference (two N, K)"""
    for N, K in ((4, 1), (2, 3)):
        logits, labels = _batch(N, K, torch.Generator().manual_seed(grading_seed + N))
        got = student.call("hw1.submission.loss:query_loss", logits, labels)
        expect_shape(got, (), f"query_loss(logits [B, K+1, N, N]) with N={N}, K={K}")
        expect_close(got, query_loss(logits, labels), atol=LOSS_ATOL,
                     what=f"query_loss with N={N}, K={K}")


@weight(2)
@number("3.2")
def test_loss_uses_only_the_query_row(student, grading_seed):
    """loss: support rows have no influence (zero gradient there), query gradient matches"""
    N, K = 3, 2
    logits, labels = _batch(N, K, torch.Generator().manual_seed(grading_seed))
    got = student.call("probes:loss_gradient", logits, labels)
    grad = expect_shape(got["grad"], logits.shape, "gradient of query_loss w.r.t. the logits")
    support = float(grad[:, :K].abs().max())
    expect_true(support == 0.0,
                f"the loss depends on the support rows (gradient up to {support:.3g} there): score "
                "only the query row (index K).")
    want_logits = logits.clone().requires_grad_(True)
    query_loss(want_logits, labels).backward()
    expect_close(grad, want_logits.grad, atol=GRAD_ATOL,
                 what="gradient of query_loss w.r.t. the query logits")
