"""The training loop of homework 3 and the pieces around it, built on your submission.

Dimension letters: N sentences, B sentences in a batch, T tokens, D embedding features, C classes.

A run, in order (`finetune`):
1. `build_classifier`: wraps the encoder in your TextClassifier; in "lora" mode your inject_lora
   first wraps the chosen attention projections.
2. `apply_selection`: your select_trainable chooses the parameter names; here, and only here,
   requires_grad is set (True for the chosen, False for every other parameter).
3. `init_head`: with head_init="prototypes", the head starts at the class prototypes of the
   training sentences (your class_prototypes on your TextClassifier.embed).
4. `fit`: AdamW (head and encoder at their own rates) with warm-up and decay, your training_step
   on every micro-batch.
5. `predict`: the argmax of the logits on the test sentences.

`prototype_baseline` is the no-training baseline: your nearest_prototype_predict on the frozen
encoder's embeddings.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from tqdm.auto import tqdm

from hw3.config import TrainConfig
from hw3.encoder import TextTokenizer
from hw3.submission.classifier import TextClassifier
from hw3.submission.lora import inject_lora
from hw3.submission.prototypes import class_prototypes, nearest_prototype_predict
from hw3.submission.selection import select_trainable
from hw3.submission.train_step import training_step

log = logging.getLogger(__name__)


def count_parameters(model: nn.Module, names: Sequence[str] | None = None) -> int:
    """Number of scalars in the named parameters (all parameters when names is None)."""
    chosen = None if names is None else set(names)
    return sum(p.numel() for n, p in model.named_parameters() if chosen is None or n in chosen)


def apply_selection(model: nn.Module, names: Sequence[str]) -> list[nn.Parameter]:
    """Sets requires_grad = (name in names) on every parameter; returns the chosen ones in model order."""
    params = dict(model.named_parameters())
    unknown = sorted(set(names) - set(params))
    if unknown:
        raise ValueError(f"select_trainable returned names the model does not have: {unknown[:5]}")
    chosen = set(names)
    for name, p in params.items():
        p.requires_grad_(name in chosen)
    return [p for name, p in params.items() if name in chosen]


def build_classifier(encoder: nn.Module, n_classes: int, cfg: TrainConfig) -> tuple[TextClassifier, list[str]]:
    """The classifier with LoRA injected (mode "lora") and requires_grad set; returns it and the
    sorted names of its trainable parameters."""
    model = TextClassifier(encoder, n_classes, head=cfg.head, scale=cfg.cosine_scale)
    if cfg.mode == "lora":
        wrapped = inject_lora(model.encoder, cfg.lora_r, cfg.lora_alpha, cfg.lora_targets)
        log.info("LoRA (r=%d, alpha=%g) on %d layers", cfg.lora_r, cfg.lora_alpha, len(wrapped))
    names = select_trainable(model, cfg.mode, cfg.last_k)
    apply_selection(model, names)
    return model, names


def length_sorted_batches(texts: Sequence[str], batch_size: int) -> Iterator[list[int]]:
    """Index batches of sentences of similar length: far less padding, so a faster evaluation."""
    lengths = [len(t.split()) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


@torch.no_grad()
def _forward_all(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], model: nn.Module,
                 tokenizer: TextTokenizer, texts: Sequence[str], batch_size: int, max_length: int,
                 progress: bool, what: str) -> torch.Tensor:
    was_training = model.training
    model.eval()
    rows: dict[int, torch.Tensor] = {}
    batches = list(length_sorted_batches(texts, batch_size))
    for index in tqdm(batches, desc=what, disable=not progress, leave=False):
        batch = tokenizer([texts[i] for i in index], max_length)
        out = fn(batch.input_ids, batch.attention_mask)
        rows.update(zip(index, out, strict=True))
    model.train(was_training)
    return torch.stack([rows[i] for i in range(len(texts))])


def embed_texts(model: TextClassifier, tokenizer: TextTokenizer, texts: Sequence[str], batch_size: int = 128,
                max_length: int = 64, progress: bool = False) -> torch.Tensor:
    """[N, D] float32 sentence embeddings (eval mode, no gradients), in the order of `texts`."""
    return _forward_all(model.embed, model, tokenizer, texts, batch_size, max_length, progress, "embed")


def predict(model: TextClassifier, tokenizer: TextTokenizer, texts: Sequence[str], batch_size: int = 128,
            max_length: int = 64, progress: bool = False) -> torch.Tensor:
    """[N] int64 predicted classes (argmax of the logits), in the order of `texts`."""
    logits = _forward_all(model, model, tokenizer, texts, batch_size, max_length, progress, "predict")
    return logits.argmax(dim=-1)


def init_head(model: TextClassifier, tokenizer: TextTokenizer, texts: Sequence[str], labels: torch.Tensor,
              cfg: TrainConfig) -> None:
    """Starts the head at the class prototypes of the training sentences (head_init="prototypes")."""
    if cfg.head_init != "prototypes":
        return
    embeddings = embed_texts(model, tokenizer, texts, cfg.eval_batch_size, cfg.max_length)
    model.head.init_from_prototypes(class_prototypes(embeddings, labels, model.n_classes))


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW over the trainable parameters: the head at head_lr, the encoder at lr; no weight decay
    on biases and LayerNorm weights (vectors), as in BERT's recipe."""
    groups: dict[tuple[bool, bool], list[nn.Parameter]] = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            groups.setdefault((name.startswith("head."), p.dim() >= 2), []).append(p)
    param_groups = [
        {"params": ps, "lr": cfg.head_lr if is_head else cfg.lr, "weight_decay": cfg.weight_decay if is_matrix else 0.0}
        for (is_head, is_matrix), ps in sorted(groups.items())
    ]
    if not param_groups:
        raise ValueError("nothing to train: select_trainable chose no parameter")
    return torch.optim.AdamW(param_groups)


def make_scheduler(optimizer: torch.optim.Optimizer, total_steps: int, cfg: TrainConfig) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over warmup_ratio of the steps, then linear/cosine decay to 0 (or constant)."""
    warmup = int(cfg.warmup_ratio * total_steps)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if cfg.schedule == "constant":
            return 1.0
        done = (step - warmup) / max(1, total_steps - warmup)
        return max(0.0, 1.0 - done) if cfg.schedule == "linear" else 0.5 * (1.0 + math.cos(math.pi * min(done, 1.0)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


@dataclass(frozen=True)
class EpochLog:
    """One row of log.csv: the epoch (from 1), optimizer steps so far, mean micro-batch loss of the
    epoch, learning rate of the first parameter group at its end, and its wall time."""

    epoch: int
    optimizer_steps: int
    mean_loss: float
    lr: float
    seconds: float


def fit(model: TextClassifier, tokenizer: TextTokenizer, texts: Sequence[str], labels: torch.Tensor,
        cfg: TrainConfig, on_epoch: Callable[[EpochLog], None] | None = None) -> list[EpochLog]:
    """Trains `model` (requires_grad already set) on (texts, labels) with your training_step.

    cfg must be resolved (epochs and lr set). Batches are reshuffled every epoch with a generator
    seeded by cfg.seed; each batch of batch_size sentences is cut into accum_steps micro-batches.
    A last batch smaller than batch_size is dropped when the set has more than one batch, so that
    every optimizer step sees batch_size sentences.
    """
    if cfg.epochs is None or cfg.lr is None:
        raise ValueError("fit needs a resolved config: call cfg.resolve() first")
    n = len(texts)
    steps_per_epoch = max(1, n // cfg.batch_size)
    optimizer = make_optimizer(model, cfg)
    scheduler = make_scheduler(optimizer, steps_per_epoch * cfg.epochs, cfg)
    optimizer.zero_grad(set_to_none=True)
    generator = torch.Generator().manual_seed(cfg.seed)
    history: list[EpochLog] = []
    micro_step = 0
    model.train()
    bar = tqdm(total=steps_per_epoch * cfg.epochs, desc=f"{cfg.mode} train", disable=not cfg.progress)
    for epoch in range(1, cfg.epochs + 1):
        started = time.monotonic()
        order = torch.randperm(n, generator=generator)
        losses = []
        for step in range(steps_per_epoch):
            batch_index = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
            for micro in batch_index.split(cfg.micro_batch_size):
                tokens = tokenizer([texts[i] for i in micro.tolist()], cfg.max_length)
                loss = training_step(model, optimizer, tokens.input_ids, tokens.attention_mask, labels[micro],
                                     micro_step=micro_step, accum_steps=cfg.accum_steps, scheduler=scheduler)
                micro_step += 1
                losses.append(loss)
            bar.update(1)
            bar.set_postfix(loss=f"{sum(losses[-cfg.accum_steps:]) / cfg.accum_steps:.3f}")
        entry = EpochLog(epoch, epoch * steps_per_epoch, sum(losses) / len(losses),
                         scheduler.get_last_lr()[0], time.monotonic() - started)
        history.append(entry)
        if on_epoch is not None:
            on_epoch(entry)
    bar.close()
    return history


def prototype_baseline(encoder: nn.Module, tokenizer: TextTokenizer, train_texts: Sequence[str],
                       train_labels: torch.Tensor, test_texts: Sequence[str], n_classes: int,
                       metric: str = "cosine", batch_size: int = 128, max_length: int = 64,
                       progress: bool = False) -> torch.Tensor:
    """[Q] int64 predictions of your nearest-prototype classifier on the frozen encoder."""
    model = TextClassifier(encoder, n_classes)
    support = embed_texts(model, tokenizer, train_texts, batch_size, max_length, progress)
    queries = embed_texts(model, tokenizer, test_texts, batch_size, max_length, progress)
    return nearest_prototype_predict(support, train_labels, queries, n_classes, metric)
