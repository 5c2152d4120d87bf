"""Which device a run uses: `--device auto` picks CUDA, then Apple's MPS, then the CPU.

Every branch is a plain function of what PyTorch reports, so the tests can check each one on a
machine that has only a CPU (they pass the availability in, or patch it).
"""

from __future__ import annotations

import logging

import torch

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda", "mps")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def pick_device(requested: str, cuda: bool | None = None, mps: bool | None = None) -> str:
    """The device to run on: `requested` itself, or for "auto" the first available of cuda, mps, cpu.

    cuda, mps: availability (default: ask PyTorch). A device that is asked for by name but absent
    is an error that says so, not a silent fall-back to a slower one.
    """
    if requested not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {requested!r}.")
    cuda = torch.cuda.is_available() if cuda is None else cuda
    mps = _mps_available() if mps is None else mps
    if requested == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if requested == "cuda" and not cuda:
        raise ValueError("--device cuda: PyTorch sees no CUDA device here; use --device auto or cpu.")
    if requested == "mps" and not mps:
        raise ValueError("--device mps: PyTorch sees no MPS device here; use --device auto or cpu.")
    return requested
