"""Hidden tests of hw3's prototypes.py: class means, similarities, nearest-prototype predictions.

References are computed here another way than the reference solution does (a loop over classes,
float64 distances), on random embeddings with unequal class sizes. For the predictions the query
set has as many rows as the support set but comes from shifted class centres, so prototypes built
from the wrong set give different answers. nearest_prototype_predict is graded on its own logic:
where it does not agree with the reference prototypes, it is compared with the student's own
class_prototypes and prototype_logits (error carried forward, `autograder/engine/carry_forward.py`).

Dimension letters: N support rows, Q queries, D features, C classes.
"""

from __future__ import annotations

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.carry_forward import expect_own_logic
from autograder.engine.checks import expect_close, expect_dtype, expect_shape, expect_true

C, D = 5, 8
ATOL = 1e-5  # float32 means and dot products
TIE = 1e-5  # similarities closer than this are a tie


def _support(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    counts = torch.randint(1, 6, (C,), generator=g)
    labels = torch.repeat_interleave(torch.arange(C), counts)
    labels = labels[torch.randperm(labels.numel(), generator=g)]
    centres = torch.randn(C, D, generator=g) * 2
    return centres[labels] + torch.randn(labels.numel(), D, generator=g), labels


def _means(x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return torch.stack([x[labels == c].to(torch.float64).mean(0) for c in range(C)])


def _similarity(q: torch.Tensor, p: torch.Tensor, metric: str) -> torch.Tensor:
    q, p = q.to(torch.float64), p.to(torch.float64)
    if metric == "cosine":
        return torch.stack([torch.stack([torch.dot(a, b) / (a.norm() * b.norm()) for b in p]) for a in q])
    return torch.stack([torch.stack([-((a - b) ** 2).sum() for b in p]) for a in q])


@weight(2)
@number("5.1")
def test_prototypes_and_similarities(student, grading_seed):
    """class_prototypes are the class means; prototype_logits are cosine / negative squared distances"""
    support, labels = _support(grading_seed)
    queries = torch.randn(7, D, generator=torch.Generator().manual_seed(grading_seed + 1))
    want_protos = _means(support, labels)
    for metric in ("cosine", "euclidean"):
        got = student.call("probes:prototypes", support, labels, queries, C, metric)
        expect_shape(got["prototypes"], (C, D), "class_prototypes(...)")
        expect_close(got["prototypes"], want_protos, atol=ATOL, what="class_prototypes (class means)")
        expect_shape(got["logits"], (7, C), f"prototype_logits(queries, prototypes, {metric!r})")
        expect_close(got["logits"], _similarity(queries, want_protos.float(), metric), atol=ATOL, rtol=1e-5,
                     what=f"prototype_logits with metric={metric!r}")


@weight(1)
@number("5.2")
def test_nearest_prototype_predictions(student, grading_seed):
    """nearest_prototype_predict builds prototypes from the support set and returns the nearest class"""
    support, labels = _support(grading_seed)
    g = torch.Generator().manual_seed(grading_seed + 2)
    # Queries around centres of a shuffled class order: their own means point elsewhere.
    queries = support[torch.randperm(support.shape[0], generator=g)] * 0.5 + torch.randn(support.shape, generator=g)
    protos = _means(support, labels)
    for metric in ("cosine", "euclidean"):
        out = student.call("probes:prototypes", support, labels, queries, C, metric)
        got = out["predicted"]
        expect_true(not isinstance(got, str), f"nearest_prototype_predict(...) raised {got}")
        expect_dtype(got, torch.int64, "nearest_prototype_predict(...)")
        expect_shape(got, (queries.shape[0],), "nearest_prototype_predict(...)")
        # Error carried forward: graded against the nearest prototype by the reference, or else by
        # the student's own class_prototypes and prototype_logits (whose bugs test 5.1 charges).
        expect_own_logic(lambda got=got, metric=metric: _expect_nearest(got, _similarity(queries, protos.float(), metric), metric),
                         lambda got=got, out=out, metric=metric: _expect_nearest(got, _own_similarity(out, queries), metric))


def _own_similarity(out: dict, queries: torch.Tensor) -> torch.Tensor:
    """[Q, C] the student's own prototype_logits of the queries to its own class_prototypes."""
    logits = out["logits"]
    if not isinstance(logits, torch.Tensor) or logits.shape != (queries.shape[0], C):
        raise ValueError("the student's prototype_logits give no [Q, C] similarities")
    return logits.to(torch.float64)


def _expect_nearest(got: torch.Tensor, sim: torch.Tensor, metric: str) -> None:
    """Each prediction is the class of largest similarity `sim` [Q, C], up to near-ties."""
    in_range = bool(((got >= 0) & (got < C)).all())
    chosen = sim.gather(1, got.clamp(0, C - 1).unsqueeze(1)).squeeze(1)
    agree = float((chosen >= sim.max(-1).values - TIE).to(torch.float64).mean()) if in_range else 0.0
    expect_true(agree == 1.0, f"nearest_prototype_predict (metric={metric!r}) disagrees with the nearest "
                f"support prototype on {100 * (1 - agree):.0f}% of the queries")
