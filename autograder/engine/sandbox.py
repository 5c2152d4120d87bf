"""The untrusted side: a sandbox tree and the worker process that runs student code inside it.

The tree is a pristine copy of the homework package (without its tests) and of the kit's `data`
package, with only the allow-listed student files overlaid on `hwN/submission/`, plus the worker's
own three modules and the suite's `probes.py`. The worker runs in its own session (so the whole
process group can be killed), under resource limits, with a scrubbed environment, its output
drained into a bounded buffer, and the confinement layers of `confinement.py`.
"""

from __future__ import annotations

import functools
import logging
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import confinement, wire
from .memwatch import MemoryWatch
from .suite import Suite

log = logging.getLogger(__name__)

ENGINE_DIR = Path(__file__).resolve().parent
WORKER_FILES = ("worker_main.py", "codec.py", "wire.py")
WORKER_UID_BASE = 61000  # above Debian's and Ubuntu's dynamic system and user ranges
WORKER_UID_SLOTS = 256
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "cache", "downloads", "runs")
OUTPUT_TAIL_BYTES = 4000


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker process."""

    cpu_seconds: int = 900
    memory_mb: int = 6000
    file_size_mb: int = 64
    open_files: int = 256
    processes: int = 256


def build_tree(suite: Suite, student_files: dict[str, bytes], parent: Path) -> Path:
    """Writes the worker's tree under `parent` and returns its root.

    student_files: allow-listed file name -> content; names outside the allow-list must already
    have been dropped by the caller. Files the student did not submit keep the blank stub.
    """
    root = parent / "tree"
    shutil.copytree(suite.homework_dir, root / suite.homework, ignore=_IGNORE)
    shutil.copytree(suite.kit_root / "data", root / "data", ignore=_IGNORE)
    submission = root / suite.homework / "submission"
    for name, content in student_files.items():
        if name not in suite.student_files:
            raise ValueError(f"{name} is not on the allow-list of {suite.homework}")
        (submission / name).write_bytes(content)
    engine = parent / "engine"
    engine.mkdir()
    for name in WORKER_FILES:
        shutil.copy2(ENGINE_DIR / name, engine / name)
    if suite.probes_file.is_file():
        shutil.copy2(suite.probes_file, root / "grading_probes.py")
    return root


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
        subprocess.run(["true"], preexec_fn=lambda: confinement.isolate_namespaces(hidden), check=True,
                       timeout=30)
    except (OSError, subprocess.SubprocessError) as err:
        return False, f"namespaces refused by the platform ({err})"
    return True, ""


class _OutputTail:
    """Drains a pipe in a thread, keeping only the last bytes: printing 1 GB costs time, not memory."""

    def __init__(self, fd: int):
        self.data = b""
        self.total = 0
        self._thread = threading.Thread(target=self._drain, args=(fd,), daemon=True)
        self._thread.start()

    def _drain(self, fd: int) -> None:
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                self.total += len(chunk)
                self.data = (self.data + chunk)[-OUTPUT_TAIL_BYTES:]

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


class Worker:
    """One worker process; `call` sends a request frame and waits for the reply frame."""

    def __init__(self, tree: Path, homework: str, limits: Limits, user: WorkerIdentity | None,
                 hidden: tuple[Path, ...] = ()):
        self.tree, self.homework, self.limits, self.user = tree, homework, limits, user
        self.scratch = tree.parent / "scratch"
        self.hidden = hidden
        self.namespaces, _ = namespaces_available(hidden)
        self.process: subprocess.Popen[bytes] | None = None
        self.output: _OutputTail | None = None
        self.started_pids: list[int] = []
        self.memory = MemoryWatch()  # peaks, for "out of memory" messages and the bench

    def _preexec(self) -> None:
        lim = self.limits
        mb = 1 << 20
        for which, value in (
            (resource.RLIMIT_CPU, lim.cpu_seconds),
            (resource.RLIMIT_AS, lim.memory_mb * mb),
            (resource.RLIMIT_FSIZE, lim.file_size_mb * mb),
            (resource.RLIMIT_NOFILE, lim.open_files),
            (resource.RLIMIT_CORE, 0),
        ):
            resource.setrlimit(which, (value, value))
        if self.namespaces:
            confinement.isolate_namespaces(self.hidden)
        if self.user is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (lim.processes, lim.processes))
            os.setgroups([])
            os.setgid(self.user.gid)
            os.setuid(self.user.uid)
        elif os.geteuid() == 0:
            confinement.drop_capabilities()

    def _environment(self) -> dict[str, str]:
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.scratch),
            "TMPDIR": str(self.scratch),
            "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
            "MPLBACKEND": "Agg",
        }

    def start(self) -> None:
        to_worker_r, self._to_worker = os.pipe()
        self._from_worker, from_worker_w = os.pipe()
        output_r, output_w = os.pipe()
        engine = self.tree.parent / "engine"
        modules = ",".join(sorted(p.stem for p in (self.tree / self.homework / "submission").glob("*.py")
                                  if p.stem != "__init__"))
        command = [sys.executable, "-I", str(engine / "worker_main.py"), str(self.tree),
                   str(to_worker_r), str(from_worker_w), self.homework, modules]
        try:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=output_w, stderr=output_w,
                pass_fds=(to_worker_r, from_worker_w), cwd=self.scratch, env=self._environment(),
                start_new_session=True, preexec_fn=self._preexec,
            )
        finally:
            for fd in (to_worker_r, from_worker_w, output_w):
                os.close(fd)
        self.started_pids.append(self.process.pid)
        self.memory.watch(self.process.pid)
        self.output = _OutputTail(output_r)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def hello(self, timeout_s: float) -> bytes:
        """Waits for the frame the worker sends once it has imported the student's modules."""
        return wire.read_frame(self._from_worker, time.monotonic() + timeout_s, 1 << 20)

    def call(self, payload: bytes, timeout_s: float, max_reply_bytes: int) -> bytes:
        """Sends one request to a started worker; raises wire.WireTimeout / WireClosed / BrokenPipeError."""
        deadline = time.monotonic() + timeout_s
        wire.write_frame(self._to_worker, payload)
        return wire.read_frame(self._from_worker, deadline, max_reply_bytes)

    def exit_reason(self) -> str:
        if self.process is None:
            return "it never started"
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            name = signal.Signals(-code).name
            hint = {"SIGKILL": " — usually the memory limit", "SIGXCPU": " — CPU-time limit",
                    "SIGXFSZ": " — output/file-size limit"}.get(name, "")
            return f"killed by {name}{hint}"
        return f"exit code {code}"

    def log_tail(self) -> str:
        """The last bytes the worker printed (stdout and stderr together)."""
        return self.output.text() if self.output is not None else ""

    def stop(self) -> None:
        """Kills the worker's whole process group and closes the pipes; safe to call twice."""
        if self.process is not None:
            self.memory.sample()
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log.error("worker %s did not exit after SIGKILL", self.process.pid)
            self.process = None
            if STRAYS.reaping:
                confinement.reap_strays()
            for fd in (self._to_worker, self._from_worker):
                try:
                    os.close(fd)
                except OSError:
                    pass


class _StrayPolicy:
    """Set by the grading process (`enable_stray_reaping`), never by a process with other children."""

    reaping = False


STRAYS = _StrayPolicy()


def enable_stray_reaping() -> None:
    """Makes this process a child subreaper and kills detached worker descendants at each stop.

    Only for a process whose sole children are workers (the `grade` command): every other child
    of such a process is by construction something a student left behind.
    """
    STRAYS.reaping = confinement.become_subreaper()


class Sandbox:
    """A temporary tree plus the current worker; `close()` removes both."""

    def __init__(self, suite: Suite, student_files: dict[str, bytes], limits: Limits | None = None,
                 hidden: tuple[Path, ...] = ()):
        self.suite = suite
        self.parent = Path(tempfile.mkdtemp(prefix=f"mtml-{suite.homework}-"))
        self.tree = build_tree(suite, student_files, self.parent)
        self.limits = limits or Limits(cpu_seconds=suite.worker_cpu_s, memory_mb=suite.worker_memory_mb)
        self.user, self.user_note = choose_worker_identity()
        # The tree stays the grader's and read-only to the worker: a submission cannot rewrite the
        # pristine homework files. Only `scratch` (its cwd, HOME and TMPDIR) is the worker's.
        self.scratch = self.parent / "scratch"
        self.scratch.mkdir(mode=0o700)
        os.chmod(self.parent, 0o755)
        if self.user is not None:
            os.chown(self.scratch, self.user.uid, self.user.gid)
        self.worker = Worker(self.tree, suite.homework, self.limits, self.user,
                             self._hideable({*hidden, suite.kit_root / "autograder"}))

    def _hideable(self, paths: set[Path]) -> tuple[Path, ...]:
        """The paths that can be covered without hiding what the worker needs: a folder that holds
        the sandbox or the interpreter (results written to /tmp, or beside .venv) stays visible;
        the results are rewritten after the worker is dead anyway."""
        needed = [self.parent.resolve(), Path(sys.prefix).resolve(), Path(sys.executable).resolve()]
        keep = []
        for path in sorted(p.resolve() for p in paths):
            if not any(n == path or path in n.parents for n in needed):
                keep.append(path)
        return tuple(keep)

    def close(self) -> None:
        self.worker.stop()
        shutil.rmtree(self.parent, ignore_errors=True)
