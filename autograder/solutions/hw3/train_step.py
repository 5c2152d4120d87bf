"""One training micro-step: cross-entropy, backward, and an optimizer step every `accum_steps`.

Dimension letters: B sentences in a micro-batch, T tokens, C classes.

Gradient accumulation trades time for memory: n micro-batches of B sentences are run one after the
other, their gradients add up in each parameter's .grad, and the optimizer steps once, as if it had
seen one batch of n*B sentences. For the sum to be the gradient of the *mean* loss over that big
batch, each micro-batch's loss is divided by n before backward (equal-sized micro-batches assumed).

Micro-steps are counted from 0 by the caller, over the whole run. With n = accum_steps the optimizer
steps after micro-steps n-1, 2n-1, 3n-1, ... and never before n micro-batches have been seen.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def training_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    labels: torch.Tensor,
    *,
    micro_step: int,
    accum_steps: int = 1,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> float:
    """Runs one micro-batch forward and backward; steps the optimizer at the end of each window.

    model: maps (input_ids, attention_mask) to [B, C] float32 logits (e.g. a TextClassifier).
    optimizer: holds the parameters to train; its gradients are zero (or None) at micro_step 0.
    input_ids, attention_mask: [B, T] int64. labels: [B] int64 in [0, C).
    micro_step: 0-based index of this micro-batch in the run.
    accum_steps: n, micro-batches per optimizer step (1 = no accumulation).
    scheduler: stepped once right after each optimizer step, if given.
    Returns: the micro-batch's mean cross-entropy as a Python float (not divided by n).
    """
    if accum_steps < 1:
        raise ValueError(f"accum_steps must be >= 1, got {accum_steps}")
    if micro_step < 0:
        raise ValueError(f"micro_step must be >= 0, got {micro_step}")
    if labels.dim() != 1 or labels.shape[0] != input_ids.shape[0]:
        raise ValueError(f"labels must be [B]={input_ids.shape[0]}, got {tuple(labels.shape)}")
    # TODO: one micro-step of gradient accumulation.
    # TODO: 1. loss = mean cross-entropy of model(input_ids, attention_mask) against labels
    # TODO:    (torch.nn.functional.cross_entropy, default mean reduction).
    # TODO: 2. backward of loss / accum_steps (so n accumulated micro-batches give the gradient of
    # TODO:    the mean over all of them, whatever n is).
    # TODO: 3. when this micro-step closes a window of accum_steps micro-batches -- after micro-steps
    # TODO:    n-1, 2n-1, ... (counting from 0) -- call optimizer.step(), then scheduler.step() if a
    # TODO:    scheduler was given, then optimizer.zero_grad() so the next window starts from zero.
    # TODO: Pitfalls: stepping at micro_step 0 (0 % n == 0) steps after one micro-batch instead of n;
    # TODO: forgetting zero_grad keeps adding old gradients into every later step. The grader runs
    # TODO: many micro-steps with plain SGD and compares every parameter after every micro-step.
    # TODO: An unfinished window is never stepped here: this function knows nothing of epochs, and
    # TODO: micro_step counts over the whole run, so a window left open at the end of an epoch
    # TODO: simply continues into the next one, and one left open at the end of the run keeps its
    # TODO: gradients in .grad without a step. Do not flush it: test 4.1 runs 8 micro-steps with
    # TODO: n = 3 and wants steps after micro-steps 2 and 5 only (5 micro-steps, n = 2: 1 and 3).
    # TODO: The provided fit never leaves a window open: every batch is exactly n micro-batches.
    # TODO: Return loss.item() (the unscaled loss).
    # BEGIN SOLUTION
    logits = model(input_ids, attention_mask)
    loss = F.cross_entropy(logits, labels)
    (loss / accum_steps).backward()
    if (micro_step + 1) % accum_steps == 0:
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        optimizer.zero_grad()
    return loss.item()
    # END SOLUTION
