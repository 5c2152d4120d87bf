"""The 4-block convolutional network of Vinyals et al. (2016), used by both methods of hw2.

Dimension letters: T... any leading task dimensions (none, or B tasks), M images of one task,
C channels (1 for Omniglot), H x W pixels, F hidden channels, D = F * H' * W' features after the
last block (D = F = 64 at 28 x 28: 28 -> 14 -> 7 -> 3 -> 1), N ways (classes of the head).

Each block is conv 3x3 (padding 1) -> normalisation -> ReLU -> max-pool 2x2, as in Vinyals et al.,
Finn et al. (MAML) and Snell et al. (Prototypical Networks).

Normalisation is *per task*: statistics over a task's M images (and the pixels), never across
tasks, never running averages. Why: MAML's reference code normalises with the batch statistics of
the current task in training and testing alike, and per-task statistics make running all tasks of
a meta-batch in one forward pass compute exactly what a loop over tasks computes (the speed
comparison of the README relies on that). It also means a network has no buffers: its state is
its parameter dict, which is what `torch.func.functional_call` and `torch.func.vmap` want.

    net = ConvNet(hidden=64)                          # ProtoNet encoder: [.., M, 1, 28, 28] -> [.., M, 64]
    net = ConvNet(hidden=64, num_classes=5)           # MAML classifier:  [.., M, 1, 28, 28] -> [.., M, 5]
    forward, params = functional(net)                 # logits = forward(params, x)
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

NORM_EPS = 1e-5  # variance floor of the per-task normalisation (PyTorch's BatchNorm default)

Forward = Callable[[dict[str, torch.Tensor], torch.Tensor], torch.Tensor]


class TaskNorm(nn.Module):
    """Batch normalisation with the statistics of one task: x [T..., M, F, H, W] -> same shape.

    Mean and (biased) variance are taken over M, H and W for each task and channel, then a
    learned per-channel scale (init 1) and shift (init 0) are applied.
    fused: compute it with PyTorch's batch-norm kernel (same values to ~1e-5, faster) instead of
    elementwise operations. Its second derivative under torch.func.vmap came out wrong in torch
    2.13 (conv-bias meta-gradients that must be 0 were not), so a network that is differentiated
    twice, MAML's, keeps fused=False; first derivatives agree, with or without vmap.
    """

    def __init__(self, channels: int, fused: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.fused = fused

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fused:
            return _fused_task_norm(x, self.weight, self.bias)
        dims = (-4, -2, -1)  # M, H, W: one set of statistics per task and channel
        var, mean = torch.var_mean(x, dim=dims, unbiased=False, keepdim=True)  # [T..., 1, F, 1, 1]
        # Fold the normalisation and the affine map into one scale and one shift per task and
        # channel: two passes over the large activation instead of four.
        scale = torch.rsqrt(var + NORM_EPS) * self.weight[:, None, None]  # [T..., 1, F, 1, 1]
        shift = self.bias[:, None, None] - mean * scale  # [T..., 1, F, 1, 1]
        return x * scale + shift


def _fused_task_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """TaskNorm's forward with F.batch_norm: x [T..., M, F, H, W] float32 -> same shape.

    One task ([M, F, H, W]) is a batch-norm call as it stands. Several tasks are laid out as
    channel groups, [M, T*F, H, W], so that the kernel's per-channel statistics are per task and
    channel; the affine parameters repeat once per task.
    """
    if x.dim() == 4:
        return F.batch_norm(x, None, None, weight, bias, training=True, eps=NORM_EPS)
    M, C, H, W = x.shape[-4:]
    tasks = x.reshape(-1, M, C, H, W)  # [T, M, F, H, W]
    T = tasks.shape[0]
    grouped = tasks.transpose(0, 1).reshape(M, T * C, H, W)  # [M, T*F, H, W]
    out = F.batch_norm(grouped, None, None, weight.repeat(T), bias.repeat(T), training=True, eps=NORM_EPS)
    return out.reshape(M, T, C, H, W).transpose(0, 1).reshape(x.shape)


class ConvNet(nn.Module):
    """`blocks` conv blocks of `hidden` channels, optionally followed by a linear N-way head.

    in_channels: C. hidden: F. blocks: 4 in the papers (tests use fewer on small images).
    image_size: H = W of the inputs; fixes D and the head's input size.
    num_classes: N for a classifier (MAML); None for an embedding network (ProtoNet).
    fused_norm: TaskNorm's fused kernel (1.2-1.5x faster training steps on a CPU core; see
    TaskNorm for why a network differentiated twice under vmap, MAML's, must not use it).
    forward: x [T..., M, C, H, W] float32 -> [T..., M, D] (embeddings) or [T..., M, N] (logits).
    """

    def __init__(
        self,
        in_channels: int = 1,
        hidden: int = 64,
        blocks: int = 4,
        image_size: int = 28,
        num_classes: int | None = None,
        fused_norm: bool = False,
    ) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("hidden", hidden), ("blocks", blocks)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"ConvNet: {name} must be a positive int, got {value!r}.")
        side = image_size
        for _ in range(blocks):
            side //= 2  # max-pool 2x2 floors odd sizes (7 -> 3), as nn.MaxPool2d does
        if side < 1:
            raise ValueError(
                f"ConvNet: {blocks} blocks halve a {image_size}px image to nothing; use fewer "
                "blocks or larger images."
            )
        self.in_channels, self.image_size = in_channels, image_size
        self.convs = nn.ModuleList(
            nn.Conv2d(in_channels if i == 0 else hidden, hidden, kernel_size=3, padding=1)
            for i in range(blocks)
        )
        self.norms = nn.ModuleList(TaskNorm(hidden, fused=fused_norm) for _ in range(blocks))
        self.feature_dim = hidden * side * side  # D
        self.head = nn.Linear(self.feature_dim, num_classes) if num_classes else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 4 or x.shape[-3:] != (self.in_channels, self.image_size, self.image_size):
            raise ValueError(
                f"ConvNet expects images [T..., M, {self.in_channels}, {self.image_size}, "
                f"{self.image_size}], got shape {tuple(x.shape)}."
            )
        lead = x.shape[:-3]  # (T..., M)
        for conv, norm in zip(self.convs, self.norms, strict=True):
            x = conv(x.reshape(-1, *x.shape[-3:]))  # [T*M, F, H, W]: convs see single images
            x = norm(x.reshape(*lead, *x.shape[-3:]))  # [T..., M, F, H, W]: stats per task
            # Pooling before the ReLU computes the same (both are monotone) on 4x fewer values.
            x = F.relu(F.max_pool2d(x.reshape(-1, *x.shape[-3:]), 2))  # [T*M, F, H/2, W/2]
            x = x.reshape(*lead, *x.shape[-3:])  # [T..., M, F, H/2, W/2]
        features = x.reshape(*lead, -1)  # [T..., M, D]
        return features if self.head is None else self.head(features)  # [T..., M, D or N]


def functional(net: nn.Module) -> tuple[Forward, dict[str, torch.Tensor]]:
    """`net` as a pure function of its parameters: (forward, params).

    forward(params, x) runs `net` with the tensors of `params` in place of its own
    (`torch.func.functional_call`), so an adapted copy of the parameters can be evaluated without
    touching the module. params: name -> the module's own nn.Parameters (they are the meta-
    parameters the outer optimiser updates).
    """

    def forward(params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(net, params, (x,))

    return forward, dict(net.named_parameters())


def init_inner_lrs(
    params: dict[str, torch.Tensor], lr: float, learn: bool = False
) -> dict[str, torch.Tensor]:
    """One inner learning rate per parameter tensor: name -> [] float32, all equal to `lr`.

    learn: make them leaf tensors that require grad, to be meta-learned with the outer optimiser
    (per-parameter learning rates, as in Li et al. 2017 "Meta-SGD" with one rate per tensor and
    Antoniou et al. 2019 "MAML++").
    """
    if lr <= 0:
        raise ValueError(f"the inner learning rate must be > 0, got {lr}.")
    return {
        name: torch.tensor(float(lr), dtype=torch.float32, requires_grad=learn) for name in params
    }
