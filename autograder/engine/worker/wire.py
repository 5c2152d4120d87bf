"""Length-prefixed frames over a pair of pipe file descriptors, shared by grader and worker.

A frame is an 8-byte big-endian length followed by that many bytes (a `codec.to_bytes` payload).
Dedicated pipes, not stdin/stdout, carry the frames, so whatever student code prints cannot corrupt
the protocol. Copied into the worker's sandbox: standard library only.
"""

from __future__ import annotations

import os
import select
import struct
import time

_HEADER = struct.Struct(">Q")


class WireClosed(EOFError):
    """The other side closed its end: for the grader, the worker died."""


class WireTimeout(TimeoutError):
    """No complete frame arrived within the deadline."""


class WireTooLarge(ValueError):
    """The other side announced a frame above the size limit."""


def write_frame(fd: int, payload: bytes) -> None:
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WireTimeout
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise WireTimeout
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise WireClosed
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None, max_bytes: int = 1 << 31) -> bytes:
    """Reads one frame; `deadline` is a `time.monotonic()` instant, None waits forever."""
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if size > max_bytes:
        raise WireTooLarge(f"frame of {size} bytes exceeds the limit of {max_bytes}")
    return _read_exact(fd, size, deadline)
