"""Hidden tests of hw2 part 2: MAML (`hw2/submission/maml.py`).

Given weights, data and per-parameter inner rates (all different, so a single shared rate fails),
the student's inner loop and outer step run in the worker (`probes.py`), which backpropagates and
returns values, gradients and flags. The grader compares them with the reference
(`autograder.solutions.hw2.maml`); the second-order meta-gradient is also checked to differ, on
this data, from the first-order one computed here independently with torch.autograd.grad (so the
test can tell them apart). outer_step (and the maml_task it calls) is graded on its own logic: where
it does not match the reference, it is compared with its contract applied to the student's own
inner_loop (error carried forward, `own_inner_loop_outer`), so an inner-loop bug costs points in
inner_loop's tests only. Small classifier: 2 blocks of 8 channels on 8 x 8 images, 3 ways.

Dimension letters: B tasks, N ways, K shots, Q queries per class, S inner steps.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.carry_forward import expect_own_logic
from autograder.engine.checks import expect_close, expect_shape, expect_true
from autograder.solutions.hw2 import maml as ref
from hw2.metrics import accuracy
from hw2.networks import ConvNet, functional

B, N, K, Q, S = 2, 3, 2, 3, 2
NET = {"in_channels": 1, "hidden": 8, "blocks": 2, "image_size": 8, "num_classes": N}
ATOL_VALUE = 1e-5
RTOL_GRAD, ATOL_GRAD = 2e-3, 1e-5  # second-order float32 gradients through S steps
MIN_SECOND_ORDER_GAP = 1e-2  # |2nd - 1st order| the test data must show (power check)


def _gen(seed: int, salt: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1000 + salt)


def setup(seed: int):
    """Weights, per-parameter rates and a meta-batch; the support order is shuffled."""
    torch.manual_seed(seed)
    net = ConvNet(**NET)
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    g = _gen(seed, 1)
    names = [k for k, _ in net.named_parameters()]
    # Distinct rates per tensor, between 0.1 and 0.4: a solution that applies one rate to all fails.
    lrs = {k: torch.tensor(0.1 + 0.3 * i / max(1, len(names) - 1)) for i, k in enumerate(names)}
    lrs = dict(zip(names, (lrs[k] for k in reversed(names)), strict=True))  # not monotone in depth
    xs = torch.rand(B, N * K, 1, 8, 8, generator=g)
    ys = torch.stack([torch.arange(N).repeat_interleave(K)[torch.randperm(N * K, generator=g)] for _ in range(B)])
    xq = torch.rand(B, N * Q, 1, 8, 8, generator=g)
    yq = torch.arange(N).repeat_interleave(Q).repeat(B, 1)
    return net, state, lrs, (xs, ys, xq, yq)


def reference_outer(net: ConvNet, lrs: dict[str, torch.Tensor], data, train: bool = True, learn_lrs: bool = False):
    forward, params = functional(net)
    rates = {k: v.clone().requires_grad_(learn_lrs) for k, v in lrs.items()}
    out = ref.outer_step(forward, params, rates, *data, S, train)
    tensors = {**{f"param:{k}": v for k, v in params.items()}, **({f"lr:{k}": v for k, v in rates.items()} if learn_lrs else {})}
    grads = torch.autograd.grad(out["loss"], list(tensors.values())) if train else None
    return out, (dict(zip(tensors, grads, strict=True)) if grads else None)


def first_order_grads(net: ConvNet, lrs: dict[str, torch.Tensor], data) -> dict[str, torch.Tensor]:
    """FOMAML meta-gradient, written independently: inner gradients treated as constants."""
    forward, params = functional(net)
    xs, ys, xq, yq = data
    losses = []
    for b in range(B):
        theta = dict(params)
        for _ in range(S):
            g = torch.autograd.grad(F.cross_entropy(forward(theta, xs[b]), ys[b]), list(theta.values()))
            theta = {k: v - lrs[k] * gk for (k, v), gk in zip(theta.items(), g, strict=True)}
        losses.append(F.cross_entropy(forward(theta, xq[b]), yq[b]))
    grads = torch.autograd.grad(torch.stack(losses).mean(), list(params.values()))
    return {f"param:{k}": g for k, g in zip(params, grads, strict=True)}


def own_inner_loop_outer(student, net: ConvNet, state: dict, lrs: dict[str, torch.Tensor], data, train: bool,
                         with_grads: bool, batched: bool = False) -> tuple[dict[str, torch.Tensor], dict | None]:
    """outer_step's contract recomputed from the student's OWN inner_loop (error carried forward,
    autograder/engine/carry_forward.py): the worker runs the student's inner_loop on each task,
    the grader evaluates the adapted parameters on the query set itself, and the meta-gradient is
    the student's inner loop's vector-Jacobian product with the grader's d(meta-loss)/d(adapted).
    batched: the inner loop runs under torch.func.vmap over the tasks, as outer_step(batched=True) runs it.
    This is exact: the query loss depends on the meta-parameters only through the adapted ones.
    Returns (values as outer_step's, plus "keeps_graph"; gradients "param:"/"lr:" name -> tensor,
    None where none reaches, or None when the inner loop gives no graph at all)."""
    xs, ys, xq, yq = data
    forward, params = functional(net)
    first = student.call("probes:inner_loop_tasks", NET, state, lrs, xs, ys, S, train, None, batched)
    losses, query_accs, cotangents = [], [], []
    for b in range(B):
        if set(first["adapted"][b]) != set(params):
            raise ValueError("the student's inner_loop returns other keys than params")
        adapted = {k: v.clone().requires_grad_(True) for k, v in first["adapted"][b].items()}
        logits = forward(adapted, xq[b])  # [N*Q, N]
        losses.append(F.cross_entropy(logits, yq[b]))
        query_accs.append(accuracy(logits, yq[b]))
        # d(mean over tasks of the query losses) / d(this task's adapted parameters)
        cotangents.append(dict(zip(adapted, torch.autograd.grad(losses[-1] / B, list(adapted.values())), strict=True)))
    values = {"loss": torch.stack(losses).mean().detach(), "support_accs": torch.stack(first["accs"]).mean(dim=0),
              "query_acc": torch.stack(query_accs).mean(), "keeps_graph": torch.tensor(any(first["requires_grad"]))}
    grads = None
    if with_grads:
        grads = student.call("probes:inner_loop_tasks", NET, state, lrs, xs, ys, S, train, cotangents,
                             batched)["grads"]
    return values, grads


def _expect_grads(got: dict | None, want: dict[str, torch.Tensor | None] | None, what: str) -> None:
    """Gradients `got` equal `want`; a None in `want` (from the student's own inner loop) means no
    gradient may reach that tensor, and `want` None means the loss may have no graph at all."""
    if want is None:
        expect_true(got is None, f"{what}: the loss has a graph that its inner loop does not give.")
        return
    expect_true(got is not None, f"{what}: the loss has no graph, so nothing could be meta-learned.")
    for name, w in want.items():
        g = got.get(name)
        if w is None:
            expect_true(g is None or float(g.abs().max()) == 0.0,
                        f"{what}: a gradient reaches {name.replace(':', ' ')} that its inner loop does not give.")
            continue
        expect_true(g is not None, f"{what}: no gradient reaches {name.replace(':', ' ')}.")
        expect_close(g, w, atol=ATOL_GRAD, rtol=RTOL_GRAD, what=f"{what} w.r.t. {name.replace(':', ' ')}")


def _only(grads: dict | None, prefix: str) -> dict | None:
    return None if grads is None else {k: v for k, v in grads.items() if k.startswith(prefix)}


@weight(3)
@number("2.1")
def test_inner_loop_adapted_params_match_reference(student, grading_seed):
    """inner_loop: the adapted parameters equal S steps with per-parameter rates"""
    net, state, lrs, (xs, ys, _, _) = setup(grading_seed)
    got = student.call("probes:inner_loop_run", NET, state, lrs, xs[0], ys[0], S, True)
    forward, params = functional(net)
    want, _ = ref.inner_loop(forward, params, lrs, xs[0], ys[0], S, True)
    adapted = got["adapted"]
    expect_true(isinstance(adapted, dict) and set(adapted) == set(want),
                f"inner_loop must return a dict with the keys of params ({sorted(want)}).")
    for name, w in want.items():
        expect_close(adapted[name], w.detach(), atol=ATOL_VALUE, rtol=1e-4,
                     what=f"inner_loop adapted[{name!r}] after {S} steps (each tensor uses its own inner rate)")


@weight(2)
@number("2.2")
def test_inner_loop_support_accuracies(student, grading_seed):
    """inner_loop: S+1 support accuracies, the one before adaptation first"""
    net, state, lrs, (xs, ys, _, _) = setup(grading_seed)
    got = student.call("probes:inner_loop_run", NET, state, lrs, xs[1], ys[1], S, True)
    forward, params = functional(net)
    _, want = ref.inner_loop(forward, params, lrs, xs[1], ys[1], S, True)
    accs = expect_shape(got["accs"], (S + 1,), f"inner_loop support accuracies with num_steps={S}")
    expect_close(accs[0], want[0], atol=1e-6, what="support accuracy before adaptation (entry 0)")
    expect_close(accs, want, atol=1e-6, what="support accuracies after steps 0..S")


@weight(1)
@number("2.3")
def test_inner_loop_eval_keeps_no_graph(student, grading_seed):
    """inner_loop(train=False): same values, no graph kept"""
    net, state, lrs, (xs, ys, _, _) = setup(grading_seed)
    got = student.call("probes:inner_loop_run", NET, state, lrs, xs[0], ys[0], S, False)
    kept = sorted(k for k, v in got["requires_grad"].items() if v)
    expect_true(not kept, f"inner_loop(train=False) returned tensors that still require grad ({kept[:3]}): "
                "evaluation must keep no graph (detach).")
    forward, params = functional(net)
    want, _ = ref.inner_loop(forward, params, lrs, xs[0], ys[0], S, False)
    for name, w in want.items():
        expect_close(got["adapted"][name], w, atol=ATOL_VALUE, rtol=1e-4, what=f"inner_loop(train=False) adapted[{name!r}]")


@weight(1)
@number("2.4")
def test_inner_loop_leaves_caller_params_alone(student, grading_seed):
    """inner_loop: the caller's parameter and rate dicts are not modified in place"""
    _, state, lrs, (xs, ys, _, _) = setup(grading_seed)
    got = student.call("probes:inner_loop_run", NET, state, lrs, xs[0], ys[0], S, True)
    expect_true(got["untouched"], "inner_loop modified the caller's params or inner_lrs (a dict entry or a "
                "tensor's values): build new dicts instead of updating in place.")
    expect_true(not got["same_object"], "inner_loop returned the caller's params dict itself; return a new dict.")


@weight(1)
@number("2.5")
def test_inner_loop_gradient_reaches_start_and_rates(student, grading_seed):
    """inner_loop(train=True): the adapted parameters stay differentiable w.r.t. the start and the rates"""
    net, state, lrs, (xs, ys, _, _) = setup(grading_seed)
    g = _gen(grading_seed, 5)
    cotangent = {k: torch.randn(v.shape, generator=g) for k, v in net.named_parameters()}
    got = student.call("probes:inner_loop_run", NET, state, lrs, xs[0], ys[0], S, True, cotangent)
    forward, params = functional(net)
    rates = {k: v.clone().requires_grad_(True) for k, v in lrs.items()}
    adapted, _ = ref.inner_loop(forward, params, rates, xs[0], ys[0], S, True)
    total = sum((adapted[k] * cotangent[k]).sum() for k in cotangent)
    tensors = {**{f"param:{k}": v for k, v in params.items()}, **{f"lr:{k}": v for k, v in rates.items()}}
    want = dict(zip(tensors, torch.autograd.grad(total, list(tensors.values())), strict=True))
    _expect_grads(got.get("grads"), want, "gradient of sum(cotangent * adapted)")


@weight(3)
@number("2.6")
def test_meta_gradient_is_second_order(student, grading_seed):
    """outer_step (loop): the meta-gradient equals the second-order reference"""
    net, state, lrs, data = setup(grading_seed)
    got = student.call("probes:outer_step_run", NET, state, lrs, *data, S, True, False, False)
    _, want = reference_outer(net, lrs, data)
    first = first_order_grads(net, lrs, data)
    gap = max(float((want[k] - first[k]).abs().max()) for k in want)
    assert gap > MIN_SECOND_ORDER_GAP, f"test data too weak: 2nd vs 1st order gap {gap:.2g}"  # power check
    # Error carried forward: with the student's own inner loop (first-order, cut, ...), the caller
    # is graded against the meta-gradient that inner loop gives; inner_loop's tests charge it.
    expect_own_logic(
        lambda: _expect_grads(got["grads"], want, "meta-gradient (train=True, second order)"),
        lambda: _expect_grads(got["grads"], _only(own_inner_loop_outer(student, net, state, lrs, data, True, True)[1],
                                                  "param:"), "meta-gradient (train=True, second order)"))


@weight(2)
@number("2.7")
def test_learned_inner_rates_receive_gradients(student, grading_seed):
    """outer_step: learned inner rates receive the reference meta-gradient"""
    net, state, lrs, data = setup(grading_seed)
    got = student.call("probes:outer_step_run", NET, state, lrs, *data, S, True, False, True)
    _, want = reference_outer(net, lrs, data, learn_lrs=True)
    expect_own_logic(
        lambda: _expect_grads(got["grads"], _only(want, "lr:"), "meta-gradient"),
        lambda: _expect_grads(got["grads"], _only(own_inner_loop_outer(student, net, state, lrs, data, True, True)[1],
                                                  "lr:"), "meta-gradient"))


def _check_values(got: dict, want: dict, what: str) -> None:
    values = got["values"]
    for key in ("loss", "support_accs", "query_acc"):
        expect_true(key in values, f"{what} must return a dict with key {key!r}; got keys {sorted(values)}.")
    expect_close(values["loss"], want["loss"].detach(), atol=ATOL_VALUE, rtol=1e-5,
                 what=f"{what}['loss'] (mean query loss over tasks)")
    expect_close(values["support_accs"], want["support_accs"], atol=1e-6,
                 what=f"{what}['support_accs'] (mean over tasks, entry 0 before adaptation)")
    expect_close(values["query_acc"], want["query_acc"], atol=1e-6, what=f"{what}['query_acc']")


@weight(2)
@number("2.8")
def test_outer_step_values(student, grading_seed):
    """outer_step (loop): query loss and accuracies, averaged over tasks, equal the reference"""
    net, state, lrs, data = setup(grading_seed)
    got = student.call("probes:outer_step_run", NET, state, lrs, *data, S, True, False, False)
    want, _ = reference_outer(net, lrs, data)
    what = "outer_step(train=True, batched=False)"
    expect_own_logic(lambda: _check_values(got, want, what),
                     lambda: _check_values(got, own_inner_loop_outer(student, net, state, lrs, data, True, False)[0], what))


@weight(2)
@number("2.9")
def test_outer_step_batched_matches_reference(student, grading_seed):
    """outer_step (vmap over tasks): values and second-order meta-gradient equal the reference"""
    net, state, lrs, data = setup(grading_seed)
    got = student.call("probes:outer_step_run", NET, state, lrs, *data, S, True, True, False)
    want, grads = reference_outer(net, lrs, data)

    def check(want: dict, grads: dict | None) -> None:
        _check_values(got, want, "outer_step(train=True, batched=True)")
        _expect_grads(got["grads"], grads, "meta-gradient (batched=True)")

    def check_own() -> None:
        values, own = own_inner_loop_outer(student, net, state, lrs, data, True, True, batched=True)
        check(values, _only(own, "param:"))

    expect_own_logic(lambda: check(want, grads), check_own)


@weight(1)
@number("2.10")
def test_outer_step_eval_keeps_no_graph(student, grading_seed):
    """outer_step(train=False): same values, and the loss carries no graph"""
    net, state, lrs, data = setup(grading_seed)
    got = student.call("probes:outer_step_run", NET, state, lrs, *data, S, False, False, False)

    def check(want: dict, graph_allowed: bool) -> None:
        expect_true(graph_allowed or not got["loss_requires_grad"], "outer_step(train=False) returned a loss "
                    "that requires grad: evaluation must keep no graph.")
        _check_values(got, want, "outer_step(train=False)")

    def check_own() -> None:  # an inner loop that keeps a graph at evaluation is charged in its own test
        values, _ = own_inner_loop_outer(student, net, state, lrs, data, False, False)
        check(values, bool(values["keeps_graph"]))

    expect_own_logic(lambda: check(reference_outer(net, lrs, data, train=False)[0], False), check_own)
