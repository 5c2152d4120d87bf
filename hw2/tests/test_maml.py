"""Public tests of `hw2/submission/maml.py`: `python -m pytest hw2/tests` (or `make test HW=hw2`).

A linear model whose inner step can be written by hand, and the small conv net for the
second-order check against torch.autograd.grad(create_graph=True).
Dimension letters: B tasks, M images, N ways, D pixels, S inner steps.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from hw2.networks import ConvNet, functional
from hw2.submission.maml import inner_loop, outer_step

N, D = 3, 4


def linear(params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    return x.flatten(-3) @ params["w"] + params["b"]  # [M, 1, 2, 2] -> [M, N]


def _linear_task(seed=0):
    g = torch.Generator().manual_seed(seed)
    params = {"w": torch.randn(D, N, generator=g, requires_grad=True), "b": torch.zeros(N, requires_grad=True)}
    x, y = torch.randn(6, 1, 2, 2, generator=g), torch.tensor([0, 1, 2, 0, 1, 2])
    return params, x, y


def test_one_step_with_per_parameter_rates():
    params, x, y = _linear_task()
    lrs = {"w": torch.tensor(0.5), "b": torch.tensor(0.1)}
    adapted, accs = inner_loop(linear, params, lrs, x, y, 1, train=True)
    grads = torch.autograd.grad(F.cross_entropy(linear(params, x), y), [params["w"], params["b"]])
    torch.testing.assert_close(adapted["w"], params["w"] - 0.5 * grads[0])
    torch.testing.assert_close(adapted["b"], params["b"] - 0.1 * grads[1])
    assert accs.shape == (2,), f"1 step gives 2 accuracies (before, after), got shape {tuple(accs.shape)}"
    before = (linear(params, x).argmax(-1) == y).float().mean()
    torch.testing.assert_close(accs[0], before, msg="entry 0 must be the accuracy BEFORE adaptation")


def test_eval_keeps_no_graph_and_leaves_params_alone():
    params, x, y = _linear_task()
    copy = {k: v.detach().clone() for k, v in params.items()}
    lrs = {"w": torch.tensor(0.5), "b": torch.tensor(0.5)}
    adapted, _ = inner_loop(linear, params, lrs, x, y, 3, train=False)
    assert not any(v.requires_grad for v in adapted.values()), "train=False must return tensors without a graph"
    for k in params:
        assert torch.equal(params[k].detach(), copy[k]), f"params[{k!r}] was modified in place"


def _conv_batch():
    torch.manual_seed(0)
    net = ConvNet(hidden=4, blocks=2, image_size=8, num_classes=N)
    g = torch.Generator().manual_seed(1)
    xs, xq = torch.rand(2, 6, 1, 8, 8, generator=g), torch.rand(2, 6, 1, 8, 8, generator=g)
    y = torch.arange(N).repeat(2).repeat(2, 1)
    return net, (xs, y, xq, y)


def test_meta_gradient_is_second_order():
    net, (xs, ys, xq, yq) = _conv_batch()
    forward, params = functional(net)
    lrs = {k: torch.tensor(0.4) for k in params}
    out = outer_step(forward, params, lrs, xs, ys, xq, yq, 1, train=True)
    got = torch.autograd.grad(out["loss"], list(params.values()))
    losses = []
    for b in range(2):
        g = torch.autograd.grad(F.cross_entropy(forward(params, xs[b]), ys[b]), list(params.values()), create_graph=True)
        theta = {k: v - 0.4 * gk for (k, v), gk in zip(params.items(), g, strict=True)}
        losses.append(F.cross_entropy(forward(theta, xq[b]), yq[b]))
    want = torch.autograd.grad(torch.stack(losses).mean(), list(params.values()))
    for a, b in zip(got, want, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-3)


def test_batched_equals_loop():
    net, data = _conv_batch()
    forward, params = functional(net)
    lrs = {k: torch.tensor(0.4) for k in params}
    a = outer_step(forward, params, lrs, *data, 2, train=True, batched=False)
    b = outer_step(forward, params, lrs, *data, 2, train=True, batched=True)
    assert a["support_accs"].shape == (3,), "2 steps give 3 support accuracies"
    for key in ("loss", "support_accs", "query_acc"):
        torch.testing.assert_close(a[key], b[key], atol=1e-5, rtol=1e-4)
