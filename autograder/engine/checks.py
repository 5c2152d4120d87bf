"""Assertions for hidden tests, with failure messages a student can act on.

Each helper says what was checked and what came back, but never prints the expected values: a
hidden test must not hand the answer to the next submission. Messages are built from the constants
below so that the engine's own tests can match them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

NOT_A_TENSOR = "{what}: expected a torch.Tensor, got {kind}."
WRONG_SHAPE = "{what}: expected shape {want}, got {got}."
WRONG_DTYPE = "{what}: expected dtype {want}, got {got}."
NOT_FINITE = "{what}: contains NaN or infinite values."
NOT_CLOSE = (
    "{what}: does not match the reference (largest absolute difference {diff:.3g}, "
    "tolerance atol={atol:g}, rtol={rtol:g})."
)


def _as_tensor(value: object, what: str) -> torch.Tensor:
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if not isinstance(value, torch.Tensor):
        raise AssertionError(NOT_A_TENSOR.format(what=what, kind=type(value).__name__))
    return value


def expect_shape(value: object, shape: Sequence[int], what: str) -> torch.Tensor:
    """Fails unless `value` is a tensor of exactly `shape` (a (B,) result is not a (B, 1) one)."""
    tensor = _as_tensor(value, what)
    if tuple(tensor.shape) != tuple(shape):
        raise AssertionError(WRONG_SHAPE.format(what=what, want=tuple(shape), got=tuple(tensor.shape)))
    return tensor


def expect_dtype(value: object, dtype: torch.dtype, what: str) -> torch.Tensor:
    tensor = _as_tensor(value, what)
    if tensor.dtype != dtype:
        raise AssertionError(WRONG_DTYPE.format(what=what, want=dtype, got=tensor.dtype))
    return tensor


def expect_close(
    got: object, want: torch.Tensor | float, *, atol: float, rtol: float = 0.0, what: str
) -> None:
    """Fails unless `got` has `want`'s shape and is elementwise within atol + rtol*|want|.

    Shapes are compared first (no broadcasting: a (B, 1) result against a (B,) reference fails),
    then finiteness, then values, in float64 so the tolerance is not eaten by rounding.
    """
    want_t = torch.as_tensor(want)
    got_t = expect_shape(got, want_t.shape, what) if want_t.dim() else _as_tensor(got, what)
    if got_t.numel() != want_t.numel():
        raise AssertionError(WRONG_SHAPE.format(what=what, want=tuple(want_t.shape), got=tuple(got_t.shape)))
    got64 = got_t.detach().to(torch.float64).reshape(want_t.shape)
    want64 = want_t.detach().to(torch.float64)
    if not torch.isfinite(got64).all():
        raise AssertionError(NOT_FINITE.format(what=what))
    diff = (got64 - want64).abs()
    if not bool((diff <= atol + rtol * want64.abs()).all()):
        raise AssertionError(
            NOT_CLOSE.format(what=what, diff=float(diff.max()), atol=atol, rtol=rtol)
        )


def expect_true(condition: object, message: str) -> None:
    """Fails with `message` unless `condition` is truthy; the message must say what was expected."""
    if not condition:
        raise AssertionError(message)
