"""The ProtoNet encoder, optionally compiled by `torch.compile`, with a fall-back to eager mode.

On a CPU, compiling the 4-block encoder (conv, per-task normalisation, pooling, ReLU fused by
TorchInductor into fewer passes over memory) makes a default ProtoNet training step markedly
faster once compiled (README, "Speed", gives the measured ratio and the one-off compile time).
Compilation needs a C++ compiler and the Python headers; where it fails, the run logs why once
and carries on in eager mode, which computes the same numbers. MAML is never compiled: its meta-gradient differentiates through the inner
gradient (double backward), which `torch.compile` does not support.
"""

from __future__ import annotations

import logging

import torch
from torch import nn

log = logging.getLogger(__name__)


class Encoder:
    """Calls `net` ([T..., M, C, H, W] -> [T..., M, D]), compiled when asked and possible.

    The parameters are `net`'s own: the optimiser, checkpoints and evaluation use `net` directly.
    """

    def __init__(self, net: nn.Module, compile: bool) -> None:
        self.net = net
        self._compiled = torch.compile(net) if compile else None

    @property
    def compiled(self) -> bool:
        return self._compiled is not None

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if self._compiled is not None:
            try:
                return self._compiled(images)
            except Exception as err:  # noqa: BLE001 - any compiler failure: eager computes the same
                log.warning("torch.compile failed (%s: %s); continuing in eager mode.",
                            type(err).__name__, str(err).splitlines()[0] if str(err) else "")
                self._compiled = None
        return self.net(images)
