"""Probes of the hw3 hidden suite: they run in the untrusted worker, next to the student's code.

Modules and optimizers cannot cross to the grader, so each probe builds them here from plain data
(sizes, seeds, weights, texts), calls the student's code, and returns raw observations: parameter
names and counts, requires_grad flags, outputs, which parameters received gradients, parameters
after every micro-step, predictions. Probes hold no expected values and no test labels: the grader
computes every verdict. Imports are absolute (in the worker this file is a top-level module).

Dimension letters: B sentences, T tokens, D features, C classes, I/O in/out features, r LoRA rank,
N support rows, Q queries, M micro-steps.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from hw3.config import TrainConfig
from hw3.submission import classifier as student_classifier
from hw3.submission import lora as student_lora
from hw3.submission import prototypes as student_prototypes
from hw3.submission import selection as student_selection
from hw3.submission import train_step as student_train_step
from hw3.tiny import BagOfWordsClassifier, tiny_bert, tiny_tokenizer
from hw3.training import build_classifier, fit, init_head, predict


class ProbeLoRA(nn.Module):
    """The probes' own LoRA wrapper, named like the handout's LoRALinear (base, lora_A, lora_B), so
    that selection is tested without depending on the student's LoRA code."""

    def __init__(self, base: nn.Linear, r: int):
        super().__init__()
        self.base = base
        self.lora_A = nn.Parameter(torch.randn(r, base.in_features) * 0.01)
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + F.linear(F.linear(x, self.lora_A), self.lora_B)


def _probe_inject(model: nn.Module, r: int, targets: tuple[str, ...] = ("query", "value")) -> None:
    found = [(parent, name, child) for _, parent in model.named_modules()
             for name, child in parent.named_children() if name in targets and isinstance(child, nn.Linear)]
    for parent, name, child in found:
        setattr(parent, name, ProbeLoRA(child, r))


def _classifier(seed: int, n_classes: int, head: str, state: dict[str, torch.Tensor] | None = None) -> nn.Module:
    model = student_classifier.TextClassifier(tiny_bert(seed=seed), n_classes, head=head)
    if state is not None:
        model.load_state_dict(state)
    return model


def _flags(model: nn.Module) -> dict[str, bool]:
    return {name: bool(p.requires_grad) for name, p in model.named_parameters()}


# --- selection.py --------------------------------------------------------------------------------


def selection(mode: str, last_k: int, head: str, n_classes: int, frozen: list[str], lora_r: int) -> dict[str, Any]:
    """select_trainable on a tiny classifier (LoRA-wrapped by the probe when mode is "lora"), after
    setting requires_grad False on the names in `frozen`; returns its answer and the flags after."""
    model = _classifier(0, n_classes, head)
    if mode == "lora":
        _probe_inject(model.encoder, lora_r)
    for name, p in model.named_parameters():
        p.requires_grad_(name not in frozen)
    names = student_selection.select_trainable(model, mode, last_k)
    return {"names": list(names), "flags_after": _flags(model),
            "sizes": {name: p.numel() for name, p in model.named_parameters()}}


def selection_error(mode: str, last_k: int, n_classes: int) -> str:
    """The exception type name raised by select_trainable for an invalid request ("" if none)."""
    model = _classifier(0, n_classes, "linear")
    try:
        student_selection.select_trainable(model, mode, last_k)
    except ValueError:
        return "ValueError"
    except Exception as err:  # any other type is a wrong answer, reported by name
        return type(err).__name__
    return ""


# --- lora.py -------------------------------------------------------------------------------------


def _linear(weight: torch.Tensor, bias: torch.Tensor | None) -> nn.Linear:
    out_features, in_features = weight.shape
    layer = nn.Linear(in_features, out_features, bias=bias is not None, dtype=weight.dtype)
    with torch.no_grad():
        layer.weight.copy_(weight)
        if bias is not None:
            layer.bias.copy_(bias)
    return layer


def _wrapped(weight: torch.Tensor, bias: torch.Tensor | None, r: int, alpha: float,
             a: torch.Tensor | None = None, b: torch.Tensor | None = None) -> nn.Module:
    layer = student_lora.LoRALinear(_linear(weight, bias), r=r, alpha=alpha)
    with torch.no_grad():
        if a is not None:
            layer.lora_A.copy_(a)
        if b is not None:
            layer.lora_B.copy_(b)
    return layer


def lora_init(weight: torch.Tensor, bias: torch.Tensor, r: int, alpha: float, x: torch.Tensor) -> dict[str, Any]:
    """A freshly wrapped layer: its output, factors, flags, and which parameters a backward reaches."""
    layer = _wrapped(weight, bias, r, alpha)
    y = layer(x)
    y.square().sum().backward()
    return {
        "output": y.detach(),
        "A": layer.lora_A.detach(),
        "B": layer.lora_B.detach(),
        "scaling": float(layer.scaling),
        "base_weight_requires_grad": bool(layer.base.weight.requires_grad),
        "base_bias_requires_grad": bool(layer.base.bias.requires_grad),
        "with_grad": sorted(n for n, p in layer.named_parameters() if p.grad is not None),
        "grad_B_norm": float(layer.lora_B.grad.norm()) if layer.lora_B.grad is not None else 0.0,
        "param_sizes": {n: p.numel() for n, p in layer.named_parameters()},
    }


def lora_forward(weight: torch.Tensor, bias: torch.Tensor, a: torch.Tensor, b: torch.Tensor, alpha: float,
                 x: torch.Tensor) -> torch.Tensor:
    """Output of the wrapped layer with the grader's W0, b0, A and B on x [N, I]."""
    layer = _wrapped(weight, bias, a.shape[0], alpha, a, b)
    with torch.no_grad():
        return layer(x)


def lora_largest_intermediate(weight: torch.Tensor, bias: torch.Tensor, a: torch.Tensor, b: torch.Tensor,
                              alpha: float, x: torch.Tensor) -> int:
    """Largest number of elements of any tensor that an operation (views excluded) creates during the
    unmerged forward pass: forming B @ A creates O * I of them."""
    from torch.utils._python_dispatch import TorchDispatchMode

    layer = _wrapped(weight, bias, a.shape[0], alpha, a, b)
    largest = [0]

    class Record(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if not func.is_view:
                for t in out if isinstance(out, (tuple, list)) else [out]:
                    if isinstance(t, torch.Tensor):
                        largest[0] = max(largest[0], t.numel())
            return out

    with torch.no_grad(), Record():
        layer(x)
    return largest[0]


def lora_merge(weight: torch.Tensor, bias: torch.Tensor, a: torch.Tensor, b: torch.Tensor, alpha: float,
               x: torch.Tensor) -> dict[str, Any]:
    """Outputs and base weights along merge, merge again, unmerge, unmerge again."""
    layer = _wrapped(weight, bias, a.shape[0], alpha, a, b)
    seen: dict[str, Any] = {}
    with torch.no_grad():
        seen["y_unmerged"] = layer(x)
        layer.merge()
        seen["merged_flag"] = bool(layer.merged)
        seen["w_merged"] = layer.base.weight.clone()
        seen["y_merged"] = layer(x)
        layer.merge()
        seen["w_merged_twice"] = layer.base.weight.clone()
        seen["y_merged_twice"] = layer(x)
        layer.unmerge()
        seen["unmerged_flag"] = bool(layer.merged)
        seen["w_unmerged"] = layer.base.weight.clone()
        seen["y_unmerged_again"] = layer(x)
        layer.unmerge()
        seen["w_unmerged_twice"] = layer.base.weight.clone()
    return seen


def inject(seed: int, r: int, alpha: float, targets: list[str], texts: list[str]) -> dict[str, Any]:
    """inject_lora on a tiny BertModel: returned names, wrapped modules, LoRA sizes, and the hidden
    states before and after (B = 0 must leave them unchanged)."""
    model = tiny_bert(seed=seed)
    batch = tiny_tokenizer()(texts)
    with torch.no_grad():
        before = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
    returned = student_lora.inject_lora(model, r=r, alpha=alpha, targets=tuple(targets))
    with torch.no_grad():
        after = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
    wrapped = sorted(n for n, m in model.named_modules() if isinstance(m, student_lora.LoRALinear))
    # The LoRA parameters of one of the student's own LoRALinear layers, after a forward as above:
    # lets the grader grade inject_lora on its own logic (autograder/engine/carry_forward.py).
    hidden = model.config.hidden_size
    layer = student_lora.LoRALinear(nn.Linear(hidden, hidden), r=r, alpha=alpha)
    with torch.no_grad():
        layer(torch.zeros(2, hidden))
    return {
        "returned": list(returned),
        "wrapped": wrapped,
        "lora_sizes": {n: p.numel() for n, p in model.named_parameters() if "lora_" in n},
        "layer_lora_size": sum(p.numel() for n, p in layer.named_parameters() if "lora_" in n),
        "before": before,
        "after": after,
    }


def lora_gradients(seed: int, n_classes: int, r: int, texts: list[str], labels: torch.Tensor) -> dict[str, Any]:
    """Mode "lora" end to end (student's inject_lora, select_trainable, forward): which parameters
    hold a gradient after one backward pass of the cross-entropy."""
    config = TrainConfig(data="synthetic", mode="lora", lora_r=r, lora_alpha=2.0 * r, head="linear")
    model, names = build_classifier(tiny_bert(seed=seed), n_classes, config)
    batch = tiny_tokenizer()(texts)
    F.cross_entropy(model(batch.input_ids, batch.attention_mask), labels).backward()
    return {
        "selected": list(names),
        "with_grad": sorted(n for n, p in model.named_parameters() if p.grad is not None),
        "all": [n for n, _ in model.named_parameters()],
    }


# --- classifier.py -------------------------------------------------------------------------------


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return student_classifier.mean_pool(hidden, mask)


def classifier_outputs(state: dict[str, torch.Tensor], seed: int, n_classes: int, head: str,
                       texts: list[str]) -> dict[str, torch.Tensor]:
    """embed and forward of the student's TextClassifier with the grader's weights."""
    model = _classifier(seed, n_classes, head, state).eval()
    batch = tiny_tokenizer()(texts)
    with torch.no_grad():
        return {"embed": model.embed(batch.input_ids, batch.attention_mask),
                "logits": model(batch.input_ids, batch.attention_mask)}


def embed_alone_and_padded(seed: int, texts: list[str], long_text: str) -> dict[str, torch.Tensor]:
    """Embeddings of each text alone (no padding) and in one batch with a much longer text."""
    model = _classifier(seed, 2, "linear").eval()
    tokenizer = tiny_tokenizer()
    with torch.no_grad():
        alone = [model.embed(b.input_ids, b.attention_mask)[0] for b in (tokenizer([t]) for t in texts)]
        padded = tokenizer([*texts, long_text])
        together = model.embed(padded.input_ids, padded.attention_mask)[: len(texts)]
    return {"alone": torch.stack(alone), "padded": together}


# --- train_step.py -------------------------------------------------------------------------------


def accumulation(state: dict[str, torch.Tensor], vocab_size: int, n_classes: int, micro_batches: list[dict[str, Any]],
                 accum_steps: int, lr: float) -> dict[str, Any]:
    """training_step over M micro-batches with plain SGD: parameters after every micro-step, and the
    micro-steps at which the optimizer and the scheduler stepped."""
    model = BagOfWordsClassifier(vocab_size, n_classes)
    model.load_state_dict(state)
    events: dict[str, list[int]] = {"optimizer": [], "scheduler": []}
    current = [0]

    class CountingSGD(torch.optim.SGD):
        def step(self, closure: Any = None) -> Any:
            events["optimizer"].append(current[0])
            return super().step(closure)

    class CountingLambdaLR(torch.optim.lr_scheduler.LambdaLR):
        def step(self, *args: Any, **kwargs: Any) -> None:
            events["scheduler"].append(current[0])
            super().step(*args, **kwargs)

    optimizer = CountingSGD(model.parameters(), lr=lr)
    scheduler = CountingLambdaLR(optimizer, lambda step: 1.0)
    events["scheduler"].clear()  # the scheduler steps once when it is built
    params, losses = [], []
    for i, mb in enumerate(micro_batches):
        current[0] = i
        loss = student_train_step.training_step(model, optimizer, mb["input_ids"], mb["attention_mask"], mb["labels"],
                                                micro_step=i, accum_steps=accum_steps, scheduler=scheduler)
        losses.append(float(loss))
        params.append({n: p.detach().clone() for n, p in model.named_parameters()})
    return {"params": params, "losses": losses, "optimizer_steps": events["optimizer"],
            "scheduler_steps": events["scheduler"]}


# --- prototypes.py -------------------------------------------------------------------------------


def prototypes(support: torch.Tensor, labels: torch.Tensor, queries: torch.Tensor, n_classes: int,
               metric: str) -> dict[str, torch.Tensor]:
    protos = student_prototypes.class_prototypes(support, labels, n_classes)
    try:  # an error of nearest_prototype_predict must not cost the helpers' test (5.1) its points
        predicted = student_prototypes.nearest_prototype_predict(support, labels, queries, n_classes, metric)
    except Exception as err:  # noqa: BLE001 -- reported to the predictions' test as text
        predicted = f"{type(err).__name__}: {err}"[:300]
    return {
        "prototypes": protos,
        "logits": student_prototypes.prototype_logits(queries, protos.detach(), metric),
        "predicted": predicted,
    }


def prototype_logits(queries: torch.Tensor, protos: torch.Tensor, metric: str) -> torch.Tensor:
    return student_prototypes.prototype_logits(queries, protos, metric)


def empty_class_error(support: torch.Tensor, labels: torch.Tensor, n_classes: int) -> str:
    try:
        student_prototypes.class_prototypes(support, labels, n_classes)
    except ValueError:
        return "ValueError"
    except Exception as err:
        return type(err).__name__
    return ""


# --- the whole pipeline ----------------------------------------------------------------------------


def finetune_predict(config: dict[str, Any], train_texts: list[str], train_labels: torch.Tensor,
                     test_texts: list[str], n_classes: int, seed: int) -> torch.Tensor:
    """A short fine-tuning run of the tiny BERT with the provided loop and the student's code;
    returns [Q] int64 predictions for the test texts (their labels stay with the grader)."""
    torch.manual_seed(seed)
    cfg = TrainConfig.from_dict({**config, "seed": seed, "progress": False}).resolve()
    tokenizer = tiny_tokenizer()
    model, _ = build_classifier(tiny_bert(seed=seed), n_classes, cfg)
    init_head(model, tokenizer, train_texts, train_labels, cfg)
    fit(model, tokenizer, train_texts, train_labels, cfg)
    return predict(model, tokenizer, test_texts, cfg.eval_batch_size, cfg.max_length)

