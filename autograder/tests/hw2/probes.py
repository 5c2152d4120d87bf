"""Probes of the hw2 hidden suite: they run in the untrusted worker, next to the student's code.

Gradients cannot cross the process boundary as graphs, so each probe calls the student's function,
backpropagates here, and returns plain tensors and flags (values, gradients, requires_grad bits,
whether the caller's tensors changed). Probes hold no expected values and no test labels: the
grader computes references with `autograder.solutions.hw2` and every accuracy itself. Imports are
absolute (in the worker this file is loaded as a top-level module).

Dimension letters: B tasks, N ways, K shots, Q queries per class, S inner steps, D features,
T test tasks, C characters, R drawings per character.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from data.omniglot import ClassSet
from hw2.config import TrainConfig
from hw2.episodes import EpisodeSampler
from hw2.networks import ConvNet, functional
from hw2.submission import maml, protonet
from hw2.training import Learner, predict_queries


def _net(net_config: dict[str, Any], state: dict[str, torch.Tensor]) -> ConvNet:
    net = ConvNet(**net_config)
    net.load_state_dict(state)
    return net


def _grads(loss: Any, tensors: dict[str, torch.Tensor]) -> dict[str, Any] | None:
    """name -> d loss / d tensor (None where it does not reach); None when loss has no graph."""
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        return None
    names = list(tensors)
    got = torch.autograd.grad(loss, [tensors[n] for n in names], allow_unused=True)
    return {n: (g.detach() if g is not None else None) for n, g in zip(names, got, strict=True)}


def _plain(out: Any) -> Any:
    """Detached copies of a result's tensors (a dict, tuple or tensor), anything else as is."""
    if isinstance(out, torch.Tensor):
        return out.detach().clone()
    if isinstance(out, dict):
        return {k: _plain(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return [_plain(v) for v in out]
    return out


# --- ProtoNet ----------------------------------------------------------------------------------

def prototypes_with_grad(emb: torch.Tensor, y: torch.Tensor, num_ways: int, cotangent: torch.Tensor) -> dict[str, Any]:
    """compute_prototypes and the gradient of sum(cotangent * prototypes) w.r.t. the embeddings."""
    emb = emb.detach().clone().requires_grad_(True)
    protos = protonet.compute_prototypes(emb, y, num_ways)
    grad = None
    if isinstance(protos, torch.Tensor) and protos.requires_grad and protos.shape == cotangent.shape:
        grad = torch.autograd.grad((protos * cotangent).sum(), emb, allow_unused=True)[0]
    return {"prototypes": _plain(protos), "grad": _plain(grad)}


def protonet_run(net_config: dict[str, Any], state: dict[str, torch.Tensor], xs: torch.Tensor, ys: torch.Tensor,
                 xq: torch.Tensor, yq: torch.Tensor, num_ways: int, batched: bool) -> dict[str, Any]:
    """protonet_step's values and the gradient of its loss w.r.t. every encoder parameter."""
    net = _net(net_config, state)
    out = protonet.protonet_step(net, xs, ys, xq, yq, num_ways, batched=batched)
    if not isinstance(out, dict):
        raise TypeError(f"protonet_step must return a dict, got {type(out).__name__}")
    return {"values": _plain(out), "grads": _grads(out.get("loss"), dict(net.named_parameters()))}


def protonet_helpers(support: torch.Tensor, y_support: torch.Tensor, query: torch.Tensor, num_ways: int,
                     cotangent: torch.Tensor | None = None) -> dict[str, Any]:
    """The student's own helpers on given embeddings, as protonet_step uses them: prototypes of the
    support embeddings [B, N*K, D], and prototype_logits of the query [B, N*Q, D] and of the support
    embeddings. With a cotangent [B, N*Q, N]: the gradient of sum(cotangent * query logits) w.r.t.
    the support and the query embeddings (None where it does not reach). Lets the grader grade
    protonet_step on its own logic (autograder/engine/carry_forward.py)."""
    support = support.detach().clone().requires_grad_(True)
    query = query.detach().clone().requires_grad_(True)
    prototypes = protonet.compute_prototypes(support, y_support, num_ways)
    query_logits = protonet.prototype_logits(query, prototypes)
    result = {"query_logits": _plain(query_logits),
              "support_logits": _plain(protonet.prototype_logits(support, prototypes))}
    if cotangent is not None:
        result["grads"] = _grads((query_logits * cotangent).sum(), {"support": support, "query": query})
    return result


# --- MAML --------------------------------------------------------------------------------------

def _maml_inputs(net_config: dict[str, Any], state: dict[str, torch.Tensor], lrs: dict[str, torch.Tensor],
                 learn_lrs: bool) -> tuple[Any, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    net = _net(net_config, state)
    forward, params = functional(net)
    inner_lrs = {k: v.detach().clone().requires_grad_(learn_lrs) for k, v in lrs.items()}
    return forward, params, inner_lrs


def inner_loop_run(net_config: dict[str, Any], state: dict[str, torch.Tensor], lrs: dict[str, torch.Tensor],
                   xs: torch.Tensor, ys: torch.Tensor, num_steps: int, train: bool,
                   cotangent: dict[str, torch.Tensor] | None = None) -> dict[str, Any]:
    """inner_loop's adapted parameters and accuracies, graph flags, and whether the caller's
    dicts and tensors were left alone. With a cotangent (train=True): the gradient of
    sum(cotangent * adapted) w.r.t. the starting parameters and the rates."""
    forward, params, inner_lrs = _maml_inputs(net_config, state, lrs, learn_lrs=True)
    before = {k: (v, v.detach().clone()) for k, v in params.items()}
    lrs_before = {k: (v, v.detach().clone()) for k, v in inner_lrs.items()}
    adapted, accs = maml.inner_loop(forward, params, inner_lrs, xs, ys, num_steps, train)
    untouched = (set(params) == set(before) and set(inner_lrs) == set(lrs_before)
                 and all(params[k] is t and torch.equal(t.detach(), c) for k, (t, c) in before.items())
                 and all(inner_lrs[k] is t and torch.equal(t.detach(), c) for k, (t, c) in lrs_before.items()))
    result: dict[str, Any] = {
        "adapted": _plain(dict(adapted)) if isinstance(adapted, dict) else _plain(adapted),
        "accs": _plain(accs),
        "requires_grad": {k: bool(getattr(v, "requires_grad", False)) for k, v in dict(adapted).items()},
        "untouched": untouched,
        "same_object": isinstance(adapted, dict) and adapted is params,
    }
    if cotangent is not None and isinstance(adapted, dict):
        total = sum((adapted[k] * cotangent[k]).sum() for k in cotangent if k in adapted)
        result["grads"] = _grads(total, {**{f"param:{k}": v for k, v in params.items()},
                                         **{f"lr:{k}": v for k, v in inner_lrs.items()}})
    return result


def inner_loop_tasks(net_config: dict[str, Any], state: dict[str, torch.Tensor], lrs: dict[str, torch.Tensor],
                     xs: torch.Tensor, ys: torch.Tensor, num_steps: int, train: bool,
                     cotangents: list[dict[str, torch.Tensor]] | None = None,
                     batched: bool = False) -> dict[str, Any]:
    """The student's inner_loop on each of the B tasks, as outer_step calls it: in turn, given the
    same params and inner_lrs dicts every time (batched=False), or in one torch.func.vmap over the
    tasks with the dicts shared (batched=True). Per task: the adapted parameters (as they were
    right after that task's call), the support accuracies and whether any adapted tensor requires
    grad. With cotangents (one name -> tensor dict per task, train=True): the gradient of
    sum_b sum(cotangents[b] * adapted_b) w.r.t. the starting parameters and the rates. Lets the
    grader grade outer_step on its own logic (autograder/engine/carry_forward.py)."""
    forward, params, inner_lrs = _maml_inputs(net_config, state, lrs, learn_lrs=True)
    leaves = {**{f"param:{k}": v for k, v in params.items()}, **{f"lr:{k}": v for k, v in inner_lrs.items()}}
    adapted_per_task, accs, requires_grad = [], [], []
    if batched:
        def one_task(x: torch.Tensor, y: torch.Tensor) -> Any:
            return maml.inner_loop(forward, params, inner_lrs, x, y, num_steps, train)

        adapted, task_accs = torch.func.vmap(one_task)(xs, ys)  # name -> [B, ...], [B, S + 1]
        adapted_per_task = [{k: v[b] for k, v in dict(adapted).items()} for b in range(xs.shape[0])]
        accs = [_plain(a) for a in task_accs]
        requires_grad = [any(bool(v.requires_grad) for v in a.values()) for a in adapted_per_task]
    for b in range(0 if batched else xs.shape[0]):
        adapted, task_accs = maml.inner_loop(forward, params, inner_lrs, xs[b], ys[b], num_steps, train)
        adapted_per_task.append(dict(adapted))  # a snapshot: a later call may change the dict
        accs.append(_plain(task_accs))
        requires_grad.append(any(bool(getattr(v, "requires_grad", False)) for v in dict(adapted).values()))
    result: dict[str, Any] = {"adapted": [_plain(a) for a in adapted_per_task], "accs": accs,
                              "requires_grad": requires_grad}
    if cotangents is not None:
        total = sum((a[k] * cot[k]).sum() for a, cot in zip(adapted_per_task, cotangents, strict=True)
                    for k in cot if k in a)
        result["grads"] = _grads(total, leaves)
    return result


def outer_step_run(net_config: dict[str, Any], state: dict[str, torch.Tensor], lrs: dict[str, torch.Tensor],
                   xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor, yq: torch.Tensor, num_steps: int,
                   train: bool, batched: bool, learn_lrs: bool) -> dict[str, Any]:
    """outer_step's values, and the meta-gradient of its loss w.r.t. the parameters and rates."""
    forward, params, inner_lrs = _maml_inputs(net_config, state, lrs, learn_lrs)
    # The meta-parameters are the tensors given to outer_step (captured before a call that might
    # replace the dicts' entries).
    tensors = {f"param:{k}": v for k, v in params.items()}
    if learn_lrs:
        tensors.update({f"lr:{k}": v for k, v in inner_lrs.items()})
    out = maml.outer_step(forward, params, inner_lrs, xs, ys, xq, yq, num_steps, train, batched=batched)
    if not isinstance(out, dict):
        raise TypeError(f"outer_step must return a dict, got {type(out).__name__}")
    loss = out.get("loss")
    return {"values": _plain(out), "grads": _grads(loss, tensors),
            "loss_requires_grad": bool(getattr(loss, "requires_grad", False))}


# --- training outcomes ---------------------------------------------------------------------------

def train_and_predict(config: dict[str, Any], train_images: np.ndarray, xs: torch.Tensor, ys: torch.Tensor,
                      xq: torch.Tensor) -> torch.Tensor:
    """Meta-trains with the provided Learner on `train_images` [C, R, H, W] uint8, then predicts
    the query labels of T test tasks with the provided `predict_queries`: returns [T, N*Q] int64.
    The query labels stay in the grader."""
    cfg = TrainConfig.from_dict(config)
    torch.manual_seed(cfg.seed)
    C = train_images.shape[0]
    classes = ClassSet("train", train_images, np.arange(C, dtype=np.int64), np.zeros(C, dtype=np.int64))
    learner = Learner.create(cfg, image_size=train_images.shape[-1])
    sampler = EpisodeSampler(classes, cfg.ways, cfg.shots, cfg.queries, seed=cfg.seed)
    for _ in range(cfg.iterations):
        learner.step(sampler.sample(cfg.meta_batch))
    # One task per call ([1, ...] slices), as when the thresholds were calibrated (CALIBRATION.md),
    # so that float rounding cannot differ from the calibration runs.
    tasks = [(xs[b : b + 1], ys[b : b + 1], xq[b : b + 1]) for b in range(xs.shape[0])]
    return torch.cat([predict_queries(learner, *task) for task in tasks])  # [T, N*Q]
