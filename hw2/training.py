"""Meta-training and evaluation of both methods, with checkpoints (provided; calls your code).

Dimension letters: B tasks per meta-batch, N ways, K shots, Q queries per class, S inner steps,
T test tasks, D embedding features.

    sets = load_class_sets(config)                  # train / val / test ClassSets
    learner = Learner.create(config, image_size)    # network, inner rates, Adam
    history = fit(learner, sets, folder)            # log.csv, checkpoint.pt, returns the rows
    result = evaluate(learner, sets["test"], shots=1, num_tasks=600, seed=2)   # mean, 95% CI
    predicted = predict_queries(learner, x_support, y_support, x_query)      # [B, N*Q] classes

A step calls `protonet_step` or `outer_step` from `hw2.submission` on one meta-batch and applies
Adam to the returned loss. Evaluation draws a FIXED set of tasks (a seed per split), so two runs
are compared on the same tasks, and reports the mean query accuracy with its 95% confidence
interval over tasks, as Finn et al. and Snell et al. do.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from data.omniglot import ClassSet, load_omniglot, split_omniglot
from hw2.compiled import Encoder
from hw2.config import TrainConfig
from hw2.episodes import Episodes, EpisodeSampler, fixed_episodes
from hw2.metrics import mean_ci95
from hw2.networks import ConvNet, functional, init_inner_lrs
from hw2.submission.maml import inner_loop, maml_task, outer_step
from hw2.submission.protonet import compute_prototypes, protonet_step, prototype_logits

log = logging.getLogger(__name__)

VAL_SEED, TEST_SEED = 1, 2  # seeds of the fixed validation and test tasks
EVAL_CHUNK = 20  # tasks per evaluation call: bounds memory of the batched MAML adaptation


def load_class_sets(config: TrainConfig) -> dict[str, ClassSet]:
    """Omniglot (or its synthetic stand-in) split into train / val / test classes."""
    arrays = load_omniglot(28, source=config.data, synthetic_characters=config.synthetic_characters)
    return split_omniglot(arrays, kind=config.split, seed=config.split_seed, rotate=config.rotate)


@dataclass
class Learner:
    """Everything a run trains: the network, the inner learning rates, the outer optimiser."""

    config: TrainConfig
    net: ConvNet
    inner_lrs: dict[str, torch.Tensor]
    optimizer: torch.optim.Optimizer
    encoder: Encoder  # net, compiled when config.compile (ProtoNet training steps only)
    iteration: int = 0

    @classmethod
    def create(cls, config: TrainConfig, image_size: int = 28) -> Learner:
        torch.manual_seed(config.seed)
        num_classes = config.ways if config.method == "maml" else None  # ProtoNet has no head
        # ProtoNet's encoder is differentiated once: the fused normalisation is safe and faster there.
        net = ConvNet(hidden=config.hidden, image_size=image_size, num_classes=num_classes,
                      fused_norm=config.method == "protonet").to(config.resolved_device)
        inner_lrs = init_inner_lrs(dict(net.named_parameters()), config.inner_lr, config.learn_inner_lrs)
        inner_lrs = {k: v.detach().to(config.resolved_device).requires_grad_(config.learn_inner_lrs) for k, v in inner_lrs.items()}
        meta_params = list(net.parameters())
        if config.method == "maml" and config.learn_inner_lrs:
            meta_params += list(inner_lrs.values())  # the rates are meta-parameters too
        encoder = Encoder(net, compile=config.compile and config.method == "protonet")
        return cls(config, net, inner_lrs, torch.optim.Adam(meta_params, lr=config.lr), encoder)

    # --- checkpoints -------------------------------------------------------------------------

    def state(self, sampler: EpisodeSampler | None = None) -> dict[str, Any]:
        return {
            "config": json.dumps(self.config.to_dict()),
            "net": self.net.state_dict(),
            "inner_lrs": {k: v.detach() for k, v in self.inner_lrs.items()},
            "optimizer": self.optimizer.state_dict(),
            "iteration": self.iteration,
            "sampler": json.dumps(sampler.rng.bit_generator.state) if sampler is not None else "",
        }

    def save(self, path: Path, sampler: EpisodeSampler | None = None) -> None:
        tmp = path.with_name(path.name + ".tmp")
        torch.save(self.state(sampler), tmp)
        tmp.replace(path)  # atomic: a crash mid-save leaves the previous checkpoint intact

    def load(self, path: Path, sampler: EpisodeSampler | None = None) -> None:
        state = torch.load(path, map_location=self.config.resolved_device, weights_only=True)
        saved = json.loads(state["config"])
        for key in ("method", "ways", "hidden"):
            if saved[key] != getattr(self.config, key):
                raise ValueError(
                    f"checkpoint {path} was trained with {key}={saved[key]!r}, this run has "
                    f"{getattr(self.config, key)!r}; use another --name or the same settings."
                )
        self.net.load_state_dict(state["net"])
        with torch.no_grad():
            for k, v in state["inner_lrs"].items():
                self.inner_lrs[k].copy_(v)
        self.optimizer.load_state_dict(state["optimizer"])
        self.iteration = int(state["iteration"])
        if sampler is not None and state["sampler"]:
            sampler.rng.bit_generator.state = json.loads(state["sampler"])

    # --- one meta-batch ------------------------------------------------------------------------

    def step(self, episodes: Episodes, train: bool = True) -> dict[str, Any]:
        """Loss and accuracies of one meta-batch; with train, one Adam step on the loss."""
        c = self.config
        e = episodes.to(c.resolved_device)
        batched = c.resolved_execution == "batched"
        self.net.train(train)
        if c.method == "protonet":
            with torch.set_grad_enabled(train):
                out = protonet_step(self.encoder if train else self.net, e.x_support, e.y_support, e.x_query,
                                    e.y_query, c.training_ways, batched=batched)
        else:
            forward, params = functional(self.net)
            out = outer_step(forward, params, self.inner_lrs, e.x_support, e.y_support, e.x_query,
                             e.y_query, c.inner_steps, train=train, batched=batched)
        if train:
            for group in self.optimizer.param_groups:
                group["lr"] = c.outer_lr(self.iteration)
            self.optimizer.zero_grad(set_to_none=True)
            out["loss"].backward()
            self.optimizer.step()
            with torch.no_grad():  # a learned rate must stay a step size, not flip the gradient
                for lr in self.inner_lrs.values():
                    lr.clamp_(min=0.0)
        row = {"loss": out["loss"].item(), "query_acc": out["query_acc"].item()}
        if c.method == "protonet":
            row["support_acc"] = float(out["support_acc"])
        else:
            accs = out["support_accs"].tolist()
            row["support_acc_pre"], row["support_acc_post"] = accs[0], accs[-1]
        return row


def predict_queries(learner: Learner, x_support: torch.Tensor, y_support: torch.Tensor,
                    x_query: torch.Tensor) -> torch.Tensor:
    """The predicted class of every query image of B tasks, no training and no query labels needed.

    x_support: [B, N*K, 1, H, W] float32. y_support: [B, N*K] int64. x_query: [B, N*Q, 1, H, W] float32.
    Returns [B, N*Q] int64 on the learner's device: ProtoNet, the nearest prototype (largest
    `prototype_logits`, all B tasks in one forward pass); MAML, the argmax of the classifier adapted
    on each task's support set (`inner_loop`, train=False), one task at a time.
    """
    c = learner.config
    device = c.resolved_device
    xs, ys, xq = x_support.to(device), y_support.to(device), x_query.to(device)
    if c.method == "protonet":
        with torch.no_grad():
            images = torch.cat([xs, xq], dim=1)  # [B, N*K + N*Q, 1, H, W]
            emb = learner.net(images)  # [B, N*K + N*Q, D]
            NK = ys.shape[1]
            protos = compute_prototypes(emb[:, :NK], ys, c.ways)  # [B, N, D]
            return prototype_logits(emb[:, NK:], protos).argmax(dim=-1)  # [B, N*Q, N] -> [B, N*Q]
    predictions = []
    for b in range(xs.shape[0]):
        forward, params = functional(learner.net)  # a fresh dict per task: inner_loop gets it untouched
        adapted, _ = inner_loop(forward, params, learner.inner_lrs, xs[b], ys[b], c.inner_steps, False)
        with torch.no_grad():
            predictions.append(forward(adapted, xq[b]).argmax(dim=-1))  # [N*Q, N] -> [N*Q]
    return torch.stack(predictions)


def task_accuracies(learner: Learner, episodes: Episodes) -> torch.Tensor:
    """[B] float32 query accuracy of each task of a meta-batch, no training.

    ProtoNet: the share of `predict_queries` at the query labels. MAML: the accuracy your `maml_task`
    returns (the same adaptation as `predict_queries`, but batched with vmap when configured).
    """
    c = learner.config
    e = episodes.to(learner.config.resolved_device)
    if c.method == "protonet":
        predicted = predict_queries(learner, e.x_support, e.y_support, e.x_query)  # [B, N*Q]
        return (predicted == e.y_query).float().mean(dim=-1)
    forward, params = functional(learner.net)

    def one_task(xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor, yq: torch.Tensor) -> torch.Tensor:
        return maml_task(forward, params, learner.inner_lrs, xs, ys, xq, yq, c.inner_steps, False)[2]

    data = (e.x_support, e.y_support, e.x_query, e.y_query)
    with torch.no_grad():  # torch.func.grad inside still computes the inner gradients
        if c.resolved_execution == "batched":
            return torch.func.vmap(one_task)(*data)
        return torch.stack([one_task(*task) for task in zip(*data, strict=True)])


def evaluate(learner: Learner, classes: ClassSet, shots: int, num_tasks: int, seed: int,
             queries: int | None = None) -> dict[str, float]:
    """Mean query accuracy over `num_tasks` fixed tasks and its 95% CI half-width.

    queries: per class (default config.test_queries), capped at the drawings left after `shots`.
    """
    c = learner.config
    # Omniglot has 20 drawings per class: at large K the queries are the drawings left over.
    queries = min(queries or c.test_queries, classes.images.shape[1] - shots)
    batches = fixed_episodes(classes, c.ways, shots, queries, num_tasks, seed, EVAL_CHUNK)
    accs = torch.cat([task_accuracies(learner, e).cpu() for e in batches])  # [T]
    mean, ci = mean_ci95(accs)
    return {"shots": shots, "tasks": num_tasks, "acc": mean, "ci95": ci}


def fit(learner: Learner, sets: dict[str, ClassSet], folder: Path, resume: bool = False) -> list[dict[str, Any]]:
    """Meta-trains for config.iterations outer steps, validating and checkpointing as configured.

    Writes folder/log.csv (a row every log_every iterations: averages of the training metrics
    since the last row, the validation accuracy when measured, wall and CPU seconds of training so
    far, the 1-minute load average) and folder/checkpoint.pt. With config.cpu_budget_min, training
    ends at the first step after which it has used that much CPU time (resumed runs included) and
    validates and checkpoints there, so that runs of different step costs compare at equal compute.
    resume: continue from folder/checkpoint.pt (model, optimiser, iteration, episode stream).
    """
    c = learner.config
    sampler = EpisodeSampler(sets["train"], c.training_ways, c.shots, c.queries, seed=c.seed)
    checkpoint, log_path = folder / "checkpoint.pt", folder / "log.csv"
    history: list[dict[str, Any]] = []
    if resume and checkpoint.is_file():
        learner.load(checkpoint, sampler)
        if log_path.is_file():
            with open(log_path) as f:
                rows = [{k: (int(float(v)) if k == "iteration" else float(v)) if v else "" for k, v in row.items()}
                        for row in csv.DictReader(f)]
            # Rows logged after the checkpoint are trained again from it.
            history = [row for row in rows if row["iteration"] <= learner.iteration]
        log.info("resumed %s at iteration %d", folder, learner.iteration)
    seconds = float(history[-1]["seconds"]) if history else 0.0
    cpu_before = float(history[-1].get("cpu_seconds") or 0.0) if history else 0.0
    window: list[dict[str, float]] = []
    bar = tqdm(total=c.iterations, initial=learner.iteration, disable=not c.progress, desc=c.run_name)
    started, cpu_started = time.perf_counter() - seconds, _cpu_seconds() - cpu_before
    out_of_budget = budget_spent(history, c)
    while learner.iteration < c.iterations and not out_of_budget:
        window.append(learner.step(sampler.sample(c.meta_batch)))
        learner.iteration += 1
        bar.update(1)
        it = learner.iteration
        out_of_budget = c.cpu_budget_min > 0 and _cpu_seconds() - cpu_started >= 60 * c.cpu_budget_min
        last = it == c.iterations or out_of_budget
        if it % c.log_every == 0 or it % c.val_every == 0 or last:
            row: dict[str, Any] = {"iteration": it}
            row.update({k: sum(w[k] for w in window) / len(window) for k in window[0]})
            window = []
            row["val_acc"] = ""
            if it % c.val_every == 0 or last:
                row["val_acc"] = evaluate(learner, sets["val"], c.shots, c.val_tasks, VAL_SEED)["acc"]
                learner.save(checkpoint, sampler)
            row["seconds"] = time.perf_counter() - started
            row["cpu_seconds"] = _cpu_seconds() - cpu_started
            row["load_average"] = os.getloadavg()[0]
            history.append(row)
            _write_csv(log_path, history)
            bar.set_postfix(loss=f"{row['loss']:.3f}", acc=f"{row['query_acc']:.3f}")
    bar.close()
    return history


def budget_spent(history: list[dict[str, Any]], config: TrainConfig) -> bool:
    """Whether a run whose log.csv rows are `history` has used up config.cpu_budget_min."""
    cpu = float(history[-1].get("cpu_seconds") or 0.0) if history else 0.0
    return config.cpu_budget_min > 0 and cpu >= 60 * config.cpu_budget_min


def _cpu_seconds() -> float:
    """User plus system CPU time of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[-1]))
        writer.writeheader()
        writer.writerows(rows)
