"""What may cross between grader and worker: plain data, in a format that cannot run code on load.

Allowed: torch tensors (sent detached and on the CPU; an argument keeps `requires_grad`), numpy
arrays of numeric or bool dtype, int, float, bool, str, None, and lists, tuples and str-keyed
dicts of these, nested at most `MAX_DEPTH` deep. Anything else is refused by `encode` with a
message naming where it was found. Bytes are written with `torch.save` and read back with
`torch.load(weights_only=True)`, whose unpickler rebuilds only tensors and containers: a payload
crafted to run code on load fails to load instead.

This module is copied into the worker's sandbox, so it imports nothing but the standard library,
numpy and torch.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import torch

MAX_DEPTH = 16
_NDARRAY = "__ndarray__"
_TUPLE = "__tuple__"
_MARKERS = (_NDARRAY, _TUPLE)


class CodecError(ValueError):
    """A value cannot cross the process boundary; the message names where it is."""


def _encode(value: Any, where: str, depth: int, budget: list[int]) -> Any:
    if depth > MAX_DEPTH:
        raise CodecError(f"{where} is nested more than {MAX_DEPTH} levels deep.")
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, str):
            budget[0] -= len(value)
        return value
    if isinstance(value, torch.Tensor):
        if value.is_sparse or value.layout != torch.strided:
            raise CodecError(f"{where} is a sparse or non-strided tensor; return a dense tensor.")
        tensor = value.detach().to("cpu").contiguous()
        if type(tensor) is not torch.Tensor:
            tensor = tensor.as_subclass(torch.Tensor)
        # A view would drag its whole base storage along; clone keeps only what is shown.
        tensor = tensor.clone()
        budget[0] -= tensor.numel() * tensor.element_size()
        if budget[0] < 0:
            raise CodecError(f"{where} makes the result larger than the size limit.")
        return tensor.requires_grad_(value.requires_grad and tensor.is_floating_point())
    if isinstance(value, np.generic):
        return _encode(value.item(), where, depth, budget)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise CodecError(f"{where} is a numpy array of dtype {value.dtype}; use a numeric dtype.")
        return {_NDARRAY: _encode(torch.from_numpy(np.ascontiguousarray(value)), where, depth, budget)}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, f"{where}[{i}]", depth + 1, budget) for i, v in enumerate(value)]
        return {_TUPLE: items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or key in _MARKERS:
                raise CodecError(f"{where} has a key {key!r}; dict keys must be plain strings.")
            out[key] = _encode(item, f"{where}[{key!r}]", depth + 1, budget)
        return out
    raise CodecError(
        f"{where} is a {type(value).__module__}.{type(value).__qualname__}; only tensors, numpy "
        "arrays, numbers, strings, bools, None and lists/tuples/dicts of them can be returned."
    )


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {_NDARRAY}:
            return value[_NDARRAY].numpy()
        if set(value) == {_TUPLE}:
            return tuple(_decode(v) for v in value[_TUPLE])
        return {k: _decode(v) for k, v in value.items()}
    return value


def encode(value: Any, where: str = "the result", max_bytes: int = 1 << 30) -> Any:
    """Validates `value` and returns the plain structure that `to_bytes` writes."""
    return _encode(value, where, 0, [max_bytes])


def decode(value: Any) -> Any:
    """Inverse of `encode`: numpy arrays and tuples come back as such."""
    return _decode(value)


def to_bytes(value: Any, where: str = "the result", max_bytes: int = 1 << 30) -> bytes:
    buffer = io.BytesIO()
    torch.save(encode(value, where, max_bytes), buffer)
    return buffer.getvalue()


def ok_reply(value: Any, where: str = "the value returned") -> bytes:
    """The bytes of `{"ok": value}`, as `to_bytes` writes them; an error names `where` alone."""
    buffer = io.BytesIO()
    torch.save({"ok": encode(value, where)}, buffer)
    return buffer.getvalue()


def from_bytes(payload: bytes) -> Any:
    """Reads what `to_bytes` wrote; raises CodecError on anything that is not plain data."""
    try:
        raw = torch.load(io.BytesIO(payload), weights_only=True, map_location="cpu")
    except Exception as err:  # the unpickler refuses anything but tensors and containers
        raise CodecError(f"the payload is not plain data ({type(err).__name__}: {err})") from err
    return decode(raw)


def roundtrip(value: Any, where: str = "the result") -> Any:
    """What the other side would receive: used in-process so both modes behave the same."""
    return from_bytes(to_bytes(value, where))
