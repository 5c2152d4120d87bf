"""hw0's forward passes recomputed from the student's OWN modules (error carried forward).

The forward passes (`forward_shared`, `forward_separate`, `forward_mmoe`) run on modules that the
student's own `init_embeddings` and `build_mlp` built. When one of those helpers is wrong, the
forward tests must not charge it again (autograder/engine/carry_forward.py): they also accept the
forward's formulas applied, here in the grader, to
  - the weights the student's model holds after loading the grader's state_dict (tables that the
    student registered under two names share one tensor, as they do in the student's model), and
  - the outputs of the student's MLPs (rating_mlp, experts, towers), run in the worker one module
    at a time by `probes:model_module`.
Gradients follow the same path: the grader backpropagates through its own formulas, and through
each student MLP with that module's vector-Jacobian product from the worker, last module first.

Dimension letters: B pairs, D embedding size, E experts, H expert output size.
"""

from __future__ import annotations

from typing import Any

import torch

from hw0.config import TASKS

PROBES = "probes"


class OwnModules:
    """The student's model, seen through its weights and one module call at a time."""

    def __init__(self, student: Any, config: dict[str, Any], state: dict[str, torch.Tensor]):
        self.student, self.config, self.state = student, config, state
        held = student.call(f"{PROBES}:model_module", config, state)
        # One leaf per tensor of the student's model: names registered twice share it.
        self.leaves: dict[str, torch.Tensor] = {}
        for group in held["groups"]:
            leaf = held["state"][group[0]].clone().requires_grad_(True)
            for name in group:
                self.leaves[name] = leaf
        self.calls: list[tuple[str, torch.Tensor, torch.Tensor]] = []  # (path, input, output leaf)

    def weight(self, name: str) -> torch.Tensor:
        return self.leaves[name]

    def module(self, path: str, x: torch.Tensor) -> torch.Tensor:
        """The student's model.<path>(x), as a leaf the grader can backpropagate into."""
        out = self.student.call(f"{PROBES}:model_module", self.config, self.state, path, x.detach())["output"]
        if not isinstance(out, torch.Tensor) or out.shape[0] != x.shape[0]:
            raise ValueError(f"the student's {path} gives no [B, ...] output")
        leaf = out.clone().requires_grad_(True)
        self.calls.append((path, x, leaf))
        return leaf

    def gradients(self, output: torch.Tensor, cotangent: torch.Tensor) -> dict[str, torch.Tensor | None]:
        """name -> d sum(cotangent * output) / d parameter (None where nothing reaches)."""
        for t in [*self.leaves.values(), *(leaf for _, _, leaf in self.calls)]:
            t.grad = None
        torch.autograd.backward(output, cotangent, retain_graph=True)
        module_grads: dict[str, torch.Tensor | None] = {}
        for path, x, leaf in reversed(self.calls):  # later modules first: their inputs feed back
            if leaf.grad is None:
                continue
            vjp = self.student.call(f"{PROBES}:model_module", self.config, self.state, path, x.detach(), leaf.grad)
            module_grads.update(vjp["params"])
            if vjp["input"] is not None and x.requires_grad:
                torch.autograd.backward(x, vjp["input"], retain_graph=True)
        grads: dict[str, torch.Tensor | None] = {name: leaf.grad for name, leaf in self.leaves.items()}
        for name, g in module_grads.items():
            grads[name] = g
        return grads


def _pair(u: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    return torch.cat([u, q, u * q], dim=-1)  # [B, 3D], as hw0's pair_features


def own_forward(own: OwnModules, sharing: str, users: torch.Tensor, items: torch.Tensor) -> dict[str, torch.Tensor]:
    """The forward's contract (see the handout) on the student's own weights and modules."""
    bias = own.weight("item_bias.weight")[items].squeeze(-1)  # [B]
    if sharing in ("shared", "separate"):
        rank_tables = ("user", "item") if sharing == "shared" else ("user_rank", "item_rank")
        rating_tables = ("user", "item") if sharing == "shared" else ("user_rating", "item_rating")
        u, q = (own.weight(f"tables.{n}.weight")[ids] for n, ids in zip(rank_tables, (users, items), strict=True))
        ur, qr = (own.weight(f"tables.{n}.weight")[ids] for n, ids in zip(rating_tables, (users, items), strict=True))
        return {"rank": (u * q).sum(-1) + bias, "rating": own.module("rating_mlp", _pair(ur, qr)).squeeze(-1)}
    u, q = own.weight("tables.user.weight")[users], own.weight("tables.item.weight")[items]
    x = _pair(u, q)  # [B, 3D]
    experts = torch.stack([own.module(f"experts.{e}", x) for e in range(own.config["n_experts"])], dim=1)  # [B, E, H]
    out: dict[str, torch.Tensor] = {}
    for task in TASKS:
        logits = x @ own.weight(f"gates.{task}.weight").T + own.weight(f"gates.{task}.bias")  # [B, E]
        gate = torch.softmax(logits, dim=-1)
        mixture = (gate.unsqueeze(-1) * experts).sum(dim=1)  # [B, H]
        out[task] = own.module(f"towers.{task}", mixture).squeeze(-1)
        out[f"gate_{task}"] = gate
    out["rank"] = out["rank"] + bias
    return out
