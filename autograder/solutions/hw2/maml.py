"""Model-Agnostic Meta-Learning (Finn et al. 2017) on a functional network.

Dimension letters: B tasks in a meta-batch, N ways, K shots, Q queries per class, S inner steps,
C x H x W an image (1 x 28 x 28 on Omniglot).

The network is a pure function `forward(params, x) -> logits` of a dict of parameters
(`hw2.networks.functional`), so adapting it means building NEW dicts, never touching the module:

    theta_0 = params                                      (the meta-parameters)
    theta_s = theta_{s-1} - alpha * grad L_support(theta_{s-1})   for s = 1..S, per tensor:
              theta_s[name] = theta_{s-1}[name] - inner_lrs[name] * grad[name]
    meta-loss = mean over tasks of L_query(theta_S)

The meta-gradient d(meta-loss)/d(params) goes back through every inner step, including the
gradients computed in them (second order: Finn et al. sec. 2.2). With learned inner rates
(`learn_inner_lrs`) it also reaches `inner_lrs`. Evaluation adapts the same way but keeps no
graph at all: nothing is backpropagated at test time and the graph of S steps is large.

Batching: `maml_task` handles one task; `outer_step` runs it for B tasks, either in a Python loop
or with `torch.func.vmap` (one call that processes all tasks together). Both must agree.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from hw2.metrics import accuracy

Params = dict[str, torch.Tensor]
Forward = Callable[[Params, torch.Tensor], torch.Tensor]


def inner_loop(
    forward: Forward,
    params: Params,
    inner_lrs: Params,
    x_support: torch.Tensor,
    y_support: torch.Tensor,
    num_steps: int,
    train: bool,
) -> tuple[Params, torch.Tensor]:
    """Adapts `params` to one task with `num_steps` gradient steps on its support set.

    forward: (params, images [M, C, H, W]) -> logits [M, N].
    params: name -> tensor, the starting point theta_0 (the meta-parameters; may require grad).
    inner_lrs: name -> [] float32, the learning rate of each parameter tensor (same keys as
        params; may require grad when they are meta-learned).
    x_support: [N*K, C, H, W] float32. y_support: [N*K] int64 in [0, N).
    num_steps: S >= 0.
    train: True when the result will be backpropagated (meta-training): keep the graph of every
        step, second order included. False (evaluation): return tensors with no graph at all.
    Returns:
        adapted: name -> tensor, theta_S (same keys and shapes as params; a NEW dict);
        support_accs: [S + 1] float32, accuracy on the support set of theta_0, theta_1, ..., theta_S
            (entry 0 is BEFORE any step), no graph.
    """
    # TODO: S steps of theta <- theta - inner_lrs * grad of the support cross-entropy (mean over
    # TODO: the N*K support images), one rate per parameter tensor: adapted[name] =
    # TODO: theta[name] - inner_lrs[name] * grad[name] for EVERY name.
    # TODO: - Compute gradients with torch.func.grad (grad(loss_fn, has_aux=True) lets loss_fn also
    # TODO:   return the logits or the accuracy): unlike torch.autograd.grad it works inside
    # TODO:   torch.func.vmap (outer_step's batched mode), and its result stays differentiable, so
    # TODO:   the meta-gradient is second-order when train=True.
    # TODO: - Never modify params, inner_lrs or their tensors in place (no p -= ..., no
    # TODO:   params[name] = ..., no .data): build a new dict each step (a dict comprehension).
    # TODO:   In-place updates corrupt the caller's meta-parameters and cut the meta-gradient.
    # TODO: - train=False: the returned tensors must not require grad (detach what goes in, or
    # TODO:   what comes out): evaluation keeps no graph. train=True: do not detach anything.
    # TODO:   This covers the rates too: with learned rates, inner_lrs require grad, and
    # TODO:   theta - lr * grad would still hold a graph through lr. Graded: test 2.3 calls
    # TODO:   train=False with inner_lrs that require grad and wants no returned tensor to.
    # TODO: - Keys: inner_lrs has exactly the keys of params in every call the grader and the
    # TODO:   provided code make. Iterate over params; an extra key in inner_lrs is not an error
    # TODO:   (it is simply unused) and no test passes one, so raising on it is not graded either.
    # TODO: - support_accs: hw2.metrics.accuracy of forward(theta_s, x_support) for s = 0..S, as
    # TODO:   one [S + 1] tensor (torch.stack); entry 0 is the accuracy before adaptation.
    # BEGIN SOLUTION
    if not train:  # evaluation: nothing to differentiate, so start from graph-free copies
        params = {name: p.detach() for name, p in params.items()}
        inner_lrs = {name: lr.detach() for name, lr in inner_lrs.items()}

    def support_loss(theta: Params) -> tuple[torch.Tensor, torch.Tensor]:
        logits = forward(theta, x_support)  # [N*K, N]
        return F.cross_entropy(logits, y_support), accuracy(logits, y_support)

    accs = []
    for _ in range(num_steps):
        grads, acc = torch.func.grad(support_loss, has_aux=True)(params)
        accs.append(acc)
        params = {name: p - inner_lrs[name] * grads[name] for name, p in params.items()}
    accs.append(accuracy(forward(params, x_support), y_support))
    return params, torch.stack(accs)
    # END SOLUTION


def maml_task(
    forward: Forward,
    params: Params,
    inner_lrs: Params,
    x_support: torch.Tensor,
    y_support: torch.Tensor,
    x_query: torch.Tensor,
    y_query: torch.Tensor,
    num_steps: int,
    train: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One task: adapt on the support set, then evaluate the adapted parameters on the query set.

    x_support: [N*K, C, H, W] float32, y_support: [N*K] int64; x_query: [N*Q, C, H, W] float32,
    y_query: [N*Q] int64. Other arguments as in `inner_loop`.
    Returns (query_loss [] float32, the mean cross-entropy of the adapted network on the query set,
    differentiable when train=True; support_accs [S + 1] float32 from inner_loop; query_acc []
    float32, the adapted network's accuracy on the query set).
    """
    # TODO: inner_loop on the SUPPORT set, then the cross-entropy and accuracy of the adapted
    # TODO: parameters on the QUERY set. This function must work under torch.func.vmap: only
    # TODO: tensor operations, no .item(), no Python branching on tensor values.
    # BEGIN SOLUTION
    adapted, support_accs = inner_loop(forward, params, inner_lrs, x_support, y_support, num_steps, train)
    logits = forward(adapted, x_query)  # [N*Q, N]
    return F.cross_entropy(logits, y_query), support_accs, accuracy(logits, y_query)
    # END SOLUTION


def outer_step(
    forward: Forward,
    params: Params,
    inner_lrs: Params,
    x_support: torch.Tensor,
    y_support: torch.Tensor,
    x_query: torch.Tensor,
    y_query: torch.Tensor,
    num_steps: int,
    train: bool,
    batched: bool = False,
) -> dict[str, torch.Tensor]:
    """MAML on a meta-batch of B tasks: the meta-loss to backpropagate and the accuracies.

    x_support: [B, N*K, C, H, W] float32. y_support: [B, N*K] int64.
    x_query:   [B, N*Q, C, H, W] float32. y_query:   [B, N*Q] int64.
    batched: False: a Python loop of maml_task over the B tasks; True: torch.func.vmap of
        maml_task over the task dimension (params and inner_lrs are shared, not batched).
    Returns a dict:
        "loss":         [] float32, the MEAN over tasks of the query losses (the meta-loss;
                        differentiable w.r.t. params and inner_lrs when train=True);
        "support_accs": [S + 1] float32, the mean over tasks of each task's support_accs;
        "query_acc":    [] float32, the mean over tasks of the query accuracies.
    """
    if x_support.dim() != 5 or y_support.shape != x_support.shape[:2]:
        raise ValueError(
            f"x_support must be [B, N*K, C, H, W] and y_support [B, N*K], got "
            f"{tuple(x_support.shape)} and {tuple(y_support.shape)}."
        )
    if x_query.dim() != 5 or y_query.shape != x_query.shape[:2] or x_query.shape[0] != x_support.shape[0]:
        raise ValueError(
            f"x_query must be [B, N*Q, C, H, W] and y_query [B, N*Q] with the support's B, got "
            f"{tuple(x_query.shape)} and {tuple(y_query.shape)}."
        )
    if set(inner_lrs) != set(params):
        raise ValueError(
            "inner_lrs must have one learning rate per parameter tensor (the same keys as params); "
            f"missing {sorted(set(params) - set(inner_lrs))}, extra {sorted(set(inner_lrs) - set(params))}."
        )
    # TODO: run maml_task on each of the B tasks and average over tasks.
    # TODO: - batched=False: a Python loop over b, then torch.stack the B results.
    # TODO: - batched=True: torch.func.vmap over the task dimension of the four data tensors,
    # TODO:   with params and inner_lrs shared by every task (capture them in a closure, or give
    # TODO:   them in_dims=None); vmap returns the per-task results stacked along dim 0.
    # TODO: - "loss" is the MEAN over tasks (not the sum: the outer learning rate must not depend
    # TODO:   on the meta-batch size); "support_accs" the mean over tasks of each entry.
    # BEGIN SOLUTION
    def one_task(xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor, yq: torch.Tensor):
        return maml_task(forward, params, inner_lrs, xs, ys, xq, yq, num_steps, train)

    if batched:
        losses, support_accs, query_accs = torch.func.vmap(one_task)(x_support, y_support, x_query, y_query)
    else:
        results = [one_task(*task) for task in zip(x_support, y_support, x_query, y_query, strict=True)]
        losses, support_accs, query_accs = (torch.stack(r) for r in zip(*results, strict=True))
    # losses: [B], support_accs: [B, S + 1], query_accs: [B]
    return {"loss": losses.mean(), "support_accs": support_accs.mean(dim=0), "query_acc": query_accs.mean()}
    # END SOLUTION
