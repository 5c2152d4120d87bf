"""Hidden tests of hw2 part 1: Prototypical Networks (`hw2/submission/protonet.py`).

Deterministic math with given weights and data, compared tightly with the reference
(`autograder.solutions.hw2.protonet`) computed here in the grader; gradients come back from
`probes.py`. The support sets are shuffled (labels not class-major) so that a solution which relies
on the episode layout fails. Small encoder: 2 blocks of 8 channels on 8 x 8 images.

Dimension letters: B tasks, N ways, K shots, Q queries per class, D features.
"""

from __future__ import annotations

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.checks import expect_close, expect_true
from autograder.solutions.hw2 import protonet as ref
from hw2.networks import ConvNet

PROTONET = "hw2.submission.protonet"
NET = {"in_channels": 1, "hidden": 8, "blocks": 2, "image_size": 8, "num_classes": None}
B, N, K, Q, D = 3, 4, 3, 2, 6
ATOL_VALUE = 1e-5  # float32 math on O(1) numbers, two summation orders
RTOL_GRAD, ATOL_GRAD = 1e-3, 2e-5  # float32 gradients summed over ~100 images in another order


def _gen(seed: int, salt: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1000 + salt)


def shuffled_labels(g: torch.Generator, per_class: int) -> torch.Tensor:
    """[B, N*per_class] int64: each class per_class times, in a random order per task."""
    base = torch.arange(N).repeat_interleave(per_class)  # [N*per_class]
    return torch.stack([base[torch.randperm(base.numel(), generator=g)] for _ in range(B)])


def episode(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    g = _gen(seed, 1)
    xs = torch.rand(B, N * K, 1, 8, 8, generator=g)
    xq = torch.rand(B, N * Q, 1, 8, 8, generator=g)
    return xs, shuffled_labels(g, K), xq, shuffled_labels(g, Q)


def encoder(seed: int) -> tuple[ConvNet, dict[str, torch.Tensor]]:
    torch.manual_seed(seed)
    net = ConvNet(**NET)
    return net, {k: v.detach().clone() for k, v in net.state_dict().items()}


@weight(2)
@number("1.1")
def test_prototypes_match_reference(student, grading_seed):
    """compute_prototypes: the mean support embedding of each class, per task (shuffled support)"""
    g = _gen(grading_seed, 2)
    emb, y = torch.randn(B, N * K, D, generator=g), shuffled_labels(g, K)
    got = student.call(f"{PROTONET}:compute_prototypes", emb, y, N)
    expect_close(got, ref.compute_prototypes(emb, y, N), atol=ATOL_VALUE,
                 what=f"compute_prototypes(support_embeddings [{B}, {N * K}, {D}], shuffled y_support, {N})")


@weight(1)
@number("1.2")
def test_prototypes_pass_gradients(student, grading_seed):
    """compute_prototypes: gradients flow from the prototypes back to the support embeddings"""
    g = _gen(grading_seed, 3)
    emb, y = torch.randn(B, N * K, D, generator=g), shuffled_labels(g, K)
    cotangent = torch.randn(B, N, D, generator=g)
    got = student.call("probes:prototypes_with_grad", emb, y, N, cotangent)
    expect_true(got["grad"] is not None,
                "compute_prototypes returned prototypes cut from the graph (no gradient reaches the "
                "support embeddings): do not detach, use no_grad or rebuild tensors from numbers.")
    e = emb.clone().requires_grad_(True)
    want = torch.autograd.grad((ref.compute_prototypes(e, y, N) * cotangent).sum(), e)[0]
    expect_close(got["grad"], want, atol=ATOL_GRAD, rtol=RTOL_GRAD,
                 what="gradient of sum(cotangent * prototypes) w.r.t. the support embeddings")


@weight(2)
@number("1.3")
def test_logits_are_negative_squared_distances(student, grading_seed):
    """prototype_logits: minus the squared Euclidean distance to each prototype"""
    g = _gen(grading_seed, 4)
    query, protos = torch.randn(B, N * Q, D, generator=g), torch.randn(B, N, D, generator=g)
    got = student.call(f"{PROTONET}:prototype_logits", query, protos)
    want = ref.prototype_logits(query, protos)
    # The reference's squared distances are O(2D); 1e-4 covers the ||q||^2 - 2q.c + ||c||^2 form.
    expect_close(got, want, atol=1e-4, rtol=1e-5,
                 what=f"prototype_logits(query [{B}, {N * Q}, {D}], prototypes [{B}, {N}, {D}])")


def _check_step(student, seed: int, batched: bool) -> None:
    net, state = encoder(seed)
    xs, ys, xq, yq = episode(seed)
    got = student.call("probes:protonet_run", NET, state, xs, ys, xq, yq, N, batched)
    want = ref.protonet_step(net, xs, ys, xq, yq, N, batched=batched)
    mode = "batched=True" if batched else "batched=False"
    values = got["values"]
    for key in ("loss", "support_acc", "query_acc"):
        expect_true(key in values, f"protonet_step({mode}) must return a dict with key {key!r}; "
                    f"got keys {sorted(values)}.")
        expect_close(values[key], want[key].detach(), atol=ATOL_VALUE, what=f"protonet_step({mode})[{key!r}]")
    expect_true(got["grads"] is not None,
                f"protonet_step({mode})['loss'] has no graph: training could not update the encoder.")
    want_grads = dict(zip(dict(net.named_parameters()),
                          torch.autograd.grad(want["loss"], list(net.parameters())), strict=True))
    for name, g in want_grads.items():
        expect_true(got["grads"].get(name) is not None,
                    f"protonet_step({mode}): no gradient reaches encoder parameter {name}.")
        expect_close(got["grads"][name], g, atol=ATOL_GRAD, rtol=RTOL_GRAD,
                     what=f"protonet_step({mode}): gradient of the loss w.r.t. encoder parameter {name}")


@weight(3)
@number("1.4")
def test_protonet_step_loop_matches_reference(student, grading_seed):
    """protonet_step (loop over tasks): loss, accuracies and encoder gradients equal the reference"""
    _check_step(student, grading_seed, batched=False)


@weight(2)
@number("1.5")
def test_protonet_step_batched_matches_reference(student, grading_seed):
    """protonet_step (one batched encoder call): loss, accuracies and encoder gradients equal the reference"""
    _check_step(student, grading_seed, batched=True)


@weight(2)
@number("1.6")
def test_gradients_reach_encoder_through_prototypes(student, grading_seed):
    """protonet_step: the encoder gradient includes the path through the prototypes"""
    net, state = encoder(grading_seed)
    xs, ys, xq, yq = episode(grading_seed)
    got = student.call("probes:protonet_run", NET, state, xs, ys, xq, yq, N, False)
    grads = got["grads"]
    expect_true(grads is not None, "protonet_step(...)['loss'] has no graph.")
    # What a solution with detached prototypes would get: only the query path.
    images = torch.cat([xs, xq], dim=1)
    emb = net(images)
    protos = ref.compute_prototypes(emb[:, : N * K], ys, N).detach()
    loss = torch.nn.functional.cross_entropy(ref.prototype_logits(emb[:, N * K:], protos).reshape(-1, N), yq.reshape(-1))
    detached = torch.autograd.grad(loss, list(net.parameters()))
    full = torch.autograd.grad(ref.protonet_step(net, xs, ys, xq, yq, N)["loss"], list(net.parameters()))
    names = list(dict(net.named_parameters()))
    gap = max(float((a - b).abs().max()) for a, b in zip(full, detached, strict=True))
    assert gap > 100 * ATOL_GRAD, "test data too weak: the prototype path changes no gradient"  # power check
    for name, want in zip(names, full, strict=True):
        g = grads.get(name)
        expect_true(g is not None, f"no gradient reaches encoder parameter {name}.")
        expect_close(g, want, atol=ATOL_GRAD, rtol=RTOL_GRAD,
                     what=f"gradient w.r.t. {name} (it must include the path through the prototypes)")
