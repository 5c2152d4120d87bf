"""Linux confinement of the worker: the policy (which uid, which limits, which namespaces) and the
system calls that apply it between fork and exec (`confine`), and the clean-up after it.

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

All calls go through libc with ctypes; a layer that the platform refuses is skipped and reported
(the sandbox's note on the worker's user, in the staff notes), never silently assumed.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import resource
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

WORKER_UID_BASE = 61000  # above Debian's and Ubuntu's dynamic system and user ranges
WORKER_UID_SLOTS = 256

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER = 38, 24, 36
CAP_LAST = 63  # drop up to the largest number any kernel may define; unknown ones fail harmlessly

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker process."""

    cpu_seconds: int = 900
    memory_mb: int = 6000
    file_size_mb: int = 64
    open_files: int = 256
    processes: int = 256


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
                line = f.read()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: the fields start after the last ')'.
        fields = line.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def reap_strays() -> list[int]:
    """Kills and reaps every child of this process; returns their pids."""
    killed = []
    for _ in range(10):  # a stray may fork while being killed; a few rounds catch its offspring
        strays = _children_of(os.getpid())
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


def _world_can_reach(path: Path) -> bool:
    """Whether a user with no special rights can read `path` and traverse every folder above it."""
    path = path.resolve()
    for folder in path.parents:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return bool(path.stat().st_mode & stat.S_IROTH)


def _user_can_run_python() -> tuple[bool, str]:
    """Whether another user can run this interpreter and import torch (they may sit under /root)."""
    import torch

    for needed in (Path(sys.executable), Path(torch.__file__)):
        if not _world_can_reach(needed):
            log.info("%s is not reachable by other users", needed.resolve())
            return False, "the Python interpreter is not reachable by an unprivileged user"
    return True, ""


@dataclass(frozen=True)
class WorkerIdentity:
    """The uid/gid a worker runs as, and the held lock that reserves it for this grading."""

    uid: int
    gid: int
    lock_fd: int


def _reserve_uid() -> WorkerIdentity | None:
    """A uid of its own for this grading, from WORKER_UID_BASE + slot.

    Concurrent gradings (`grade-all`, JOBS>1) must not share a uid: RLIMIT_NPROC counts every
    process of a uid, so one submission's fork bomb would starve the other's worker. The uid needs
    no /etc/passwd entry; the slot is held with an flock on a root-only folder until the process ends.
    """
    import fcntl

    slots = Path(tempfile.gettempdir()) / "mtml-worker-slots"
    slots.mkdir(mode=0o700, exist_ok=True)
    for slot in range(WORKER_UID_SLOTS):
        fd = os.open(slots / f"slot-{slot}", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        uid = WORKER_UID_BASE + slot
        return WorkerIdentity(uid=uid, gid=uid, lock_fd=fd)
    return None


@functools.lru_cache(maxsize=1)
def choose_worker_identity() -> tuple[WorkerIdentity | None, str]:
    """The unprivileged identity to run workers as, or None with the reason why not."""
    if os.geteuid() != 0:
        return None, "the grader is not root, so the worker runs as the grader's own user"
    ok, reason = _user_can_run_python()
    if not ok:
        return None, reason
    identity = _reserve_uid()
    return (identity, "") if identity else (None, "every worker uid slot is in use")


@functools.lru_cache(maxsize=1)
def namespaces_available(hidden: tuple[Path, ...]) -> tuple[bool, str]:
    """Whether this platform lets the grader give workers their own network and mount namespaces."""
    if os.geteuid() != 0:
        return False, "not root: no network or mount namespace for the worker"
    try:
        subprocess.run(["true"], preexec_fn=lambda: isolate_namespaces(hidden), check=True,
                       timeout=30)
    except (OSError, subprocess.SubprocessError) as err:
        return False, f"namespaces refused by the platform ({err})"
    return True, ""


def confine(limits: Limits, user: WorkerIdentity | None, namespaces: bool, hidden: Iterable[Path]) -> None:
    """Applies every layer to the calling process (a worker between fork and exec): resource limits,
    namespaces when available, then the unprivileged user, or no capabilities when staying root."""
    mb = 1 << 20
    for which, value in (
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_AS, limits.memory_mb * mb),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * mb),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(which, (value, value))
    if namespaces:
        isolate_namespaces(hidden)
    if user is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        os.setgroups([])
        os.setgid(user.gid)
        os.setuid(user.uid)
    elif os.geteuid() == 0:
        drop_capabilities()
