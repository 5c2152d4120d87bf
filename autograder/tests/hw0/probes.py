"""Probes of the hw0 hidden suite: they run in the untrusted worker, next to the student's code.

Each probe builds student objects from plain data (a config dict, a state_dict), runs them and
returns raw observations (outputs, gradients, parameter names, predictions). Probes hold no expected
values and no test labels: the grader computes every verdict. Imports are absolute (in the worker
this file is loaded as a top-level module).

Dimension letters: B pairs, U users, I items, T test ratings, V distinct users to score.
"""

from __future__ import annotations

from typing import Any

import torch

from hw0.config import TASKS, ModelConfig, TrainConfig
from hw0.evaluate import predict_ratings, score_all_items
from hw0.submission import model as student_model
from hw0.submission.negatives import sample_negatives
from hw0.training import TrainSet, build_model, fit


def _load(model: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Loads the grader's weights, with a message a student can act on when the layout differs."""
    got = dict(model.state_dict())
    missing = sorted(set(state) - set(got))
    unexpected = sorted(set(got) - set(state))
    if missing or unexpected:
        raise ValueError(
            "your model's parameters are not laid out as the handout specifies "
            f"(missing: {missing[:6]}, unexpected: {unexpected[:6]}); keep the table names of "
            "TABLE_NAMES and the Linear/ReLU layout of build_mlp."
        )
    for key, value in state.items():
        if tuple(got[key].shape) != tuple(value.shape):
            raise ValueError(f"parameter {key} has shape {tuple(got[key].shape)}, expected {tuple(value.shape)}")
    model.load_state_dict(state)


def build(config: dict[str, Any], state: dict[str, torch.Tensor] | None = None) -> torch.nn.Module:
    model = student_model.MultiTaskRecommender(ModelConfig(**config))
    if state is not None:
        _load(model, state)
    return model


def embedding_tables(n_users: int, n_items: int, dim: int, sharing: str, std: float) -> dict[str, Any]:
    """What init_embeddings built: per name its module class, weight, and which names share storage."""
    tables = student_model.init_embeddings(n_users, n_items, dim, sharing, std)
    names = list(tables.keys())
    pointers: dict[int, list[str]] = {}
    for name in names:
        pointers.setdefault(tables[name].weight.data_ptr(), []).append(name)
    return {
        "names": names,
        "classes": {name: type(tables[name]).__name__ for name in names},
        "weights": {name: tables[name].weight.detach() for name in names},
        "shared_groups": [group for group in pointers.values() if len(group) > 1],
    }


def mlp_layout(in_dim: int, hidden: list[int], out_dim: int) -> dict[str, Any]:
    """Module classes in order and state_dict shapes of build_mlp's network."""
    mlp = student_model.build_mlp(in_dim, hidden, out_dim)
    return {
        "classes": [type(m).__name__ for m in mlp],
        "shapes": {k: list(v.shape) for k, v in mlp.state_dict().items()},
    }


def mlp_forward(
    in_dim: int, hidden: list[int], out_dim: int, state: dict[str, torch.Tensor], x: torch.Tensor
) -> torch.Tensor:
    """build_mlp's network with the grader's weights applied to x [B, in_dim]."""
    mlp = student_model.build_mlp(in_dim, hidden, out_dim)
    _load(mlp, state)
    with torch.no_grad():
        return mlp(x)


def model_state_shapes(config: dict[str, Any]) -> dict[str, list[int]]:
    """state_dict key -> shape of the student's model for `config` (before any weights are loaded)."""
    return {k: list(v.shape) for k, v in build(config).state_dict().items()}


def model_forward(
    config: dict[str, Any], state: dict[str, torch.Tensor], users: torch.Tensor, items: torch.Tensor
) -> dict[str, Any]:
    """The student's forward outputs for (users, items) with the grader's weights."""
    model = build(config, state)
    with torch.no_grad():
        return dict(model(users, items))


def model_module(config: dict[str, Any], state: dict[str, torch.Tensor], path: str | None = None,
                 x: torch.Tensor | None = None, cotangent: torch.Tensor | None = None) -> dict[str, Any]:
    """One sub-module of the student's model (built by its own __init__, init_embeddings and
    build_mlp) with the grader's weights loaded. path None: the weights the model holds after
    loading and which names share one tensor. Else the output of model.<path>(x) and, with a
    cotangent, the gradient of sum(cotangent * output) w.r.t. x and the module's parameters (full
    names). Lets the grader grade the forward passes on their own logic (carry_forward.py)."""
    model = build(config, state)
    if path is None:
        pointers: dict[int, list[str]] = {}
        for name, p in model.named_parameters(remove_duplicate=False):
            pointers.setdefault(p.data_ptr(), []).append(name)
        return {"state": {k: v.detach().clone() for k, v in model.state_dict().items()},
                "groups": list(pointers.values())}
    module = model.get_submodule(path)
    x = x.detach().clone().requires_grad_(True)
    out = module(x)
    result: dict[str, Any] = {"output": _plain_tensor(out)}
    if cotangent is not None:
        params = dict(module.named_parameters())
        total = (out * cotangent).sum()
        grads = torch.autograd.grad(total, [x, *params.values()], allow_unused=True) if total.requires_grad else None
        result["input"] = None if grads is None or grads[0] is None else grads[0].detach()
        result["params"] = {} if grads is None else {
            f"{path}.{name}": (g.detach() if g is not None else None) for name, g in zip(params, grads[1:], strict=True)}
    return result


def _plain_tensor(value: Any) -> Any:
    return value.detach().clone() if isinstance(value, torch.Tensor) else value


def model_gradients(
    config: dict[str, Any],
    state: dict[str, torch.Tensor],
    users: torch.Tensor,
    items: torch.Tensor,
    cotangent: torch.Tensor,
) -> dict[str, Any]:
    """Per task, the gradient of sum(cotangent * output[task]) w.r.t. every parameter name.

    Names come from named_parameters(remove_duplicate=False): a module registered under two names
    shows its gradient under both. A task whose output is cut from the graph maps to None; a
    parameter without a gradient maps to None.
    """
    model = build(config, state)
    result: dict[str, Any] = {}
    for task in TASKS:
        model.zero_grad(set_to_none=True)
        out = model(users, items)[task]
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            result[task] = None
            continue
        (out.reshape(-1) * cotangent).sum().backward()
        result[task] = {
            name: (p.grad.detach().clone() if p.grad is not None else None)
            for name, p in model.named_parameters(remove_duplicate=False)
        }
    return result


def loss_with_gradients(
    pos: torch.Tensor,
    neg: torch.Tensor,
    pred: torch.Tensor,
    target: torch.Tensor,
    weight_rank: float,
    weight_rating: float,
) -> dict[str, Any]:
    """multitask_loss's values and the gradient of its total w.r.t. pos, neg and pred."""
    from hw0.submission.losses import multitask_loss

    pos, neg, pred = (t.detach().clone().requires_grad_(True) for t in (pos, neg, pred))
    out = multitask_loss(pos, neg, pred, target, weight_rank=weight_rank, weight_rating=weight_rating)
    total = out["total"]
    grads = None
    if isinstance(total, torch.Tensor) and total.requires_grad:
        grads = dict(zip(("pos", "neg", "pred"), torch.autograd.grad(total, (pos, neg, pred), allow_unused=True), strict=True))
    return {"values": {k: v.detach() if isinstance(v, torch.Tensor) else v for k, v in out.items()}, "grads": grads}


def bpr_with_gradients(pos: torch.Tensor, neg: torch.Tensor) -> dict[str, Any]:
    """The student's own bpr_loss(pos, neg) and its gradient w.r.t. pos and neg (None where none
    reaches, or no "grads" when the loss has no graph). Lets the grader grade multitask_loss on its
    own logic (autograder/engine/carry_forward.py)."""
    from hw0.submission.losses import bpr_loss

    pos, neg = (t.detach().clone().requires_grad_(True) for t in (pos, neg))
    loss = bpr_loss(pos, neg)
    grads = None
    if isinstance(loss, torch.Tensor) and loss.requires_grad:
        grads = dict(zip(("pos", "neg"), torch.autograd.grad(loss, (pos, neg), allow_unused=True), strict=True))
    return {"loss": loss.detach() if isinstance(loss, torch.Tensor) else loss, "grads": grads}


def negatives_twice(users: torch.Tensor, rated: torch.Tensor, seed: int) -> dict[str, torch.Tensor]:
    """Two draws with generators of the same seed (they must agree) and one with the default source."""
    first = sample_negatives(users, rated, generator=torch.Generator().manual_seed(seed))
    second = sample_negatives(users, rated, generator=torch.Generator().manual_seed(seed))
    default = sample_negatives(users, rated)
    return {"first": first, "second": second, "default": default}


def train_and_predict(
    config: dict[str, Any],
    users: torch.Tensor,
    items: torch.Tensor,
    ratings: torch.Tensor,
    n_users: int,
    n_items: int,
    test_users: torch.Tensor,
    test_items: torch.Tensor,
    score_users: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """Trains the student's model with the provided loop; returns its test predictions.

    Returns "ratings": [T] predicted ratings of (test_users, test_items) and "scores": [V, I]
    ranking scores of every item for each of score_users. The test ratings never come here.
    """
    train_config = TrainConfig.from_dict(config)
    model = build_model(train_config, n_users, n_items)
    fit(model, TrainSet(users, items, ratings, n_users, n_items), train_config)
    return {
        "ratings": predict_ratings(model, test_users, test_items),
        "scores": score_all_items(model, score_users, n_items),
    }
