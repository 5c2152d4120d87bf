"""Hidden tests of hw2 part 1: Prototypical Networks (`hw2/submission/protonet.py`).

Deterministic math with given weights and data, compared tightly with the reference
(`autograder.solutions.hw2.protonet`) computed here in the grader; gradients come back from
`probes.py`. protonet_step is graded on its own logic: where it does not match the reference, it
is compared with its contract applied to the student's own compute_prototypes and
prototype_logits (error carried forward, `autograder/engine/carry_forward.py`), so a helper's bug
costs points in the helper's tests only. The support sets are shuffled (labels not class-major) so
that a solution which relies on the episode layout fails. Small encoder: 2 blocks of 8 channels on 8 x 8 images.

Dimension letters: B tasks, N ways, K shots, Q queries per class, D features.
"""

from __future__ import annotations

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.carry_forward import expect_own_logic
from autograder.engine.checks import expect_close, expect_true
from autograder.solutions.hw2 import protonet as ref
from hw2.metrics import accuracy
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


def _embeddings(net: ConvNet, xs: torch.Tensor, xq: torch.Tensor, batched: bool) -> torch.Tensor:
    """[B, N*K + N*Q, D]: each task's support and query images embedded together, as protonet_step must."""
    images = torch.cat([xs, xq], dim=1)  # [B, N*K + N*Q, 1, 8, 8]
    return net(images) if batched else torch.stack([net(images[b]) for b in range(images.shape[0])])


def _expect_step(got: dict, want: dict[str, torch.Tensor], want_grads: dict[str, torch.Tensor] | None,
                 mode: str) -> None:
    """protonet_step's values and encoder gradients (None: the loss must have no graph) are `want`."""
    values = got["values"]
    for key in ("loss", "support_acc", "query_acc"):
        expect_true(key in values, f"protonet_step({mode}) must return a dict with key {key!r}; "
                    f"got keys {sorted(values)}.")
        expect_close(values[key], want[key].detach(), atol=ATOL_VALUE, what=f"protonet_step({mode})[{key!r}]")
    if want_grads is None:  # the student's own helpers cut the graph: the caller cannot keep it
        expect_true(got["grads"] is None, f"protonet_step({mode})['loss'] has a graph its helpers do not give.")
        return
    expect_true(got["grads"] is not None,
                f"protonet_step({mode})['loss'] has no graph: training could not update the encoder.")
    for name, g in want_grads.items():
        expect_true(got["grads"].get(name) is not None,
                    f"protonet_step({mode}): no gradient reaches encoder parameter {name}.")
        expect_close(got["grads"][name], g, atol=ATOL_GRAD, rtol=RTOL_GRAD,
                     what=f"protonet_step({mode}): gradient of the loss w.r.t. encoder parameter {name}")


def _reference_step(net: ConvNet, episode_data: tuple, batched: bool) -> tuple[dict, dict[str, torch.Tensor]]:
    want = ref.protonet_step(net, *episode_data[:4], N, batched=batched)
    grads = torch.autograd.grad(want["loss"], list(net.parameters()))
    return want, dict(zip(dict(net.named_parameters()), grads, strict=True))


def _own_helpers_step(student, net: ConvNet, episode_data: tuple, batched: bool) -> tuple[dict, dict | None]:
    """protonet_step's contract recomputed from the student's own compute_prototypes and
    prototype_logits on the embeddings of this episode (error carried forward): the encoder runs
    here (provided code), the helpers' outputs and their gradients come from the worker."""
    xs, ys, xq, yq = episode_data
    emb = _embeddings(net, xs, xq, batched)  # [B, N*K + N*Q, D]
    support, query = emb[:, : N * K].detach(), emb[:, N * K:].detach()
    first = student.call("probes:protonet_helpers", support, ys, query, N)
    logits = first["query_logits"].clone().requires_grad_(True)  # [B, N*Q, N]
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, N), yq.reshape(-1))
    want = {"loss": loss.detach(), "support_acc": accuracy(first["support_logits"], ys),
            "query_acc": accuracy(logits, yq)}
    cotangent = torch.autograd.grad(loss, logits)[0]  # d loss / d query logits, [B, N*Q, N]
    grads = student.call("probes:protonet_helpers", support, ys, query, N, cotangent)["grads"]
    if grads is None or (grads["support"] is None and grads["query"] is None):
        return want, None
    d_emb = torch.cat([torch.zeros_like(support) if grads["support"] is None else grads["support"],
                       torch.zeros_like(query) if grads["query"] is None else grads["query"]], dim=1)
    params = list(net.parameters())
    d_params = torch.autograd.grad(emb, params, grad_outputs=d_emb, allow_unused=True)
    return want, {name: torch.zeros_like(p) if g is None else g
                  for (name, p), g in zip(net.named_parameters(), d_params, strict=True)}


def _check_step(student, seed: int, batched: bool) -> None:
    """protonet_step against the reference, or else against its contract applied to the student's
    own helpers: a bug in compute_prototypes or prototype_logits is charged in their tests only."""
    net, state = encoder(seed)
    data = episode(seed)
    got = student.call("probes:protonet_run", NET, state, *data, N, batched)
    mode = "batched=True" if batched else "batched=False"
    expect_own_logic(lambda: _expect_step(got, *_reference_step(net, data, batched), mode),
                     lambda: _expect_step(got, *_own_helpers_step(student, net, data, batched), mode))


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
    # What a solution with detached prototypes would get: only the query path.
    images = torch.cat([xs, xq], dim=1)
    emb = net(images)
    protos = ref.compute_prototypes(emb[:, : N * K], ys, N).detach()
    loss = torch.nn.functional.cross_entropy(ref.prototype_logits(emb[:, N * K:], protos).reshape(-1, N), yq.reshape(-1))
    detached = torch.autograd.grad(loss, list(net.parameters()))
    full = torch.autograd.grad(ref.protonet_step(net, xs, ys, xq, yq, N)["loss"], list(net.parameters()))
    gap = max(float((a - b).abs().max()) for a, b in zip(full, detached, strict=True))
    assert gap > 100 * ATOL_GRAD, "test data too weak: the prototype path changes no gradient"  # power check

    def expect_grads(want: dict[str, torch.Tensor] | None) -> None:
        grads = got["grads"]
        expect_true(grads is not None, "protonet_step(...)['loss'] has no graph.")
        expect_true(want is not None, "protonet_step(...)['loss'] has a graph its helpers do not give.")
        for name, w in want.items():
            g = grads.get(name)
            expect_true(g is not None, f"no gradient reaches encoder parameter {name}.")
            expect_close(g, w, atol=ATOL_GRAD, rtol=RTOL_GRAD,
                         what=f"gradient w.r.t. {name} (it must include the path through the prototypes)")

    # Error carried forward: with helpers that cut the prototype path themselves, the caller is
    # graded against the gradient those helpers give (their own test charges the cut).
    names = list(dict(net.named_parameters()))
    expect_own_logic(lambda: expect_grads(dict(zip(names, full, strict=True))),
                     lambda: expect_grads(_own_helpers_step(student, net, (xs, ys, xq, yq), False)[1]))
