"""Linux confinement of the worker, applied between fork and exec (`preexec`), and clean-up after it.

What each layer buys, and when it applies:
- New network namespace (root): the worker sees only a down loopback device, so any connection
  fails at once instead of hanging.
- New mount namespace with tmpfs over the staff paths (root): the kit's `autograder/` folder
  (hidden tests, solutions, engine) and the results folder are empty, unreadable directories
  inside the worker, whatever user it runs as.
- Unprivileged user (root, when that user can run the interpreter): file permissions and
  RLIMIT_NPROC apply (the kernel never applies RLIMIT_NPROC to uid 0).
- Otherwise, when still uid 0: every capability is dropped from the bounding set and
  no_new_privs is set, so the worker can neither undo the mounts nor regain privileges.
- Child subreaper (the grader): a process the student detaches (double fork, setsid) is
  re-parented to the grader instead of init, so `reap_strays` can find and kill it.

All calls go through libc with ctypes; a layer that the platform refuses is skipped and reported by
`describe()`, never silently assumed.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Iterable
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER = 38, 24, 36
CAP_LAST = 63  # drop up to the largest number any kernel may define; unknown ones fail harmlessly

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def isolate_namespaces(hidden: Iterable[Path]) -> None:
    """(root) New network and mount namespaces; `hidden` paths are covered by empty tmpfs."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare")
    # Private propagation: nothing mounted here leaks back to the grader's namespace.
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
    for path in hidden:
        if path.is_dir():
            _check(_libc.mount(b"tmpfs", str(path).encode(), b"tmpfs", flags, b"size=4k,mode=000"),
                   f"hide {path}")


def drop_capabilities() -> None:
    """(uid 0 staying uid 0) No capability survives exec, and none can be regained."""
    for cap in range(CAP_LAST + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def become_subreaper() -> bool:
    """Detached descendants of this process's children are re-parented here, not to init."""
    return _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: the fields start after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def reap_strays(keep: Iterable[int] = ()) -> list[int]:
    """Kills and reaps every child of this process not in `keep`; returns their pids."""
    keep = set(keep)
    killed = []
    for _ in range(10):  # a stray may fork while being killed; a few rounds catch its offspring
        strays = [p for p in _children_of(os.getpid()) if p not in keep]
        if not strays:
            break
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
        for pid in strays:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed
