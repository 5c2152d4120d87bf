"""How much memory the worker used: sampled from /proc while it runs, kept after it dies.

The worker's limit is on address space (RLIMIT_AS), so the figure that matters for "out of memory"
is the kernel's VmPeak (peak virtual size); VmHWM (peak resident size) is what a container's
memory limit counts. Both are read from `/proc/PID/status`, which any user may read, every
SAMPLE_S seconds by a daemon thread, so the last figures survive a worker killed mid-test.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

SAMPLE_S = 0.2


@dataclass
class MemoryUse:
    """Peak virtual (address-space) and resident sizes in MiB; 0 where unknown."""

    virtual_mb: float = 0.0
    resident_mb: float = 0.0

    def describe(self) -> str:
        if not self.virtual_mb:
            return "an unknown amount"
        return f"{self.virtual_mb:.0f} MB (of which {self.resident_mb:.0f} MB resident)"


def read_status(pid: int) -> MemoryUse | None:
    """VmPeak and VmHWM of a live process, or None when it is gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    fields = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmPeak", "VmHWM"):
            fields[key] = float(value.split()[0]) / 1024  # kB -> MiB
    if "VmPeak" not in fields:
        return None
    return MemoryUse(fields["VmPeak"], fields.get("VmHWM", 0.0))


class MemoryWatch:
    """Peaks of the current worker (`current`) and of every worker of this grading (`overall`)."""

    def __init__(self) -> None:
        self.current = MemoryUse()
        self.overall = MemoryUse()
        self._pid = 0
        self._lock = threading.Lock()

    def watch(self, pid: int) -> None:
        """Starts sampling a newly started worker; the previous one's figures are dropped."""
        with self._lock:
            self._pid, self.current = pid, MemoryUse()
        threading.Thread(target=self._run, args=(pid,), daemon=True).start()

    def sample(self) -> MemoryUse:
        """Samples now (the worker may have just failed an allocation) and returns `current`."""
        if self._pid:
            self._update(self._pid)
        return self.current

    def _update(self, pid: int) -> bool:
        use = read_status(pid)
        if use is None:
            return False
        with self._lock:
            if pid == self._pid:
                self.current = MemoryUse(max(self.current.virtual_mb, use.virtual_mb),
                                         max(self.current.resident_mb, use.resident_mb))
            self.overall = MemoryUse(max(self.overall.virtual_mb, use.virtual_mb),
                                     max(self.overall.resident_mb, use.resident_mb))
        return True

    def _run(self, pid: int) -> None:
        while pid == self._pid and self._update(pid):
            time.sleep(SAMPLE_S)
