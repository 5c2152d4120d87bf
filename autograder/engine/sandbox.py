"""The untrusted side: a sandbox tree and the worker process that runs student code inside it.

The tree is a pristine copy of the homework package (without its tests) and of the kit's `data`
and `runconfig` packages, with only the allow-listed student files overlaid on `hwN/submission/`, plus the worker's
own three modules and the suite's `probes.py`. The worker runs in its own session (so the whole
process group can be killed), under resource limits, with a scrubbed environment, its output
drained into a bounded buffer, and the confinement layers of `confinement.py`.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from autograder.engine.worker import codec, wire

from . import confinement
from .confinement import Limits, WorkerIdentity, choose_worker_identity, namespaces_available
from .memwatch import MemoryWatch
from .suite import Suite

log = logging.getLogger(__name__)

WORKER_DIR = Path(__file__).resolve().parent / "worker"  # copied into every sandbox as it is
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "cache", "downloads", "runs")
OUTPUT_TAIL_BYTES = 4000


def build_tree(suite: Suite, student_files: dict[str, bytes], parent: Path) -> Path:
    """Writes the worker's tree under `parent` and returns its root.

    student_files: allow-listed file name -> content, as the intake took them (the intake is where
    the allow-list is applied). Files the student did not submit keep the blank stub.
    """
    root = parent / "tree"
    shutil.copytree(suite.homework_dir, root / suite.homework, ignore=_IGNORE)
    for shared in ("data", "runconfig"):  # the packages every homework imports besides its own
        if (suite.kit_root / shared).is_dir():
            shutil.copytree(suite.kit_root / shared, root / shared, ignore=_IGNORE)
    submission = root / suite.homework / "submission"
    for name, content in student_files.items():
        (submission / name).write_bytes(content)
    engine = parent / "engine"
    engine.mkdir()
    for path in sorted(WORKER_DIR.glob("*.py")):
        shutil.copy2(path, engine / path.name)
    if suite.probes_file.is_file():
        shutil.copy2(suite.probes_file, root / "grading_probes.py")
    return root


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


class WorkerStartError(Exception):
    """The worker did not start: `reason` as a student reads it; `timed_out` when it did not say
    hello in time (a hang at import), not when it died."""

    def __init__(self, reason: str, timed_out: bool):
        super().__init__(reason)
        self.reason, self.timed_out = reason, timed_out


class Worker:
    """One worker process; `call` sends a request frame and waits for the reply frame."""

    def __init__(self, tree: Path, homework: str, limits: Limits, user: WorkerIdentity | None,
                 hidden: tuple[Path, ...] = (), reap_strays: bool = False):
        self.tree, self.homework, self.limits, self.user = tree, homework, limits, user
        self.reap_strays = reap_strays  # only where the grader is a subreaper whose children are all workers
        self.scratch = tree.parent / "scratch"
        self.hidden = hidden
        self.namespaces, _ = namespaces_available(hidden)
        self.process: subprocess.Popen[bytes] | None = None
        self.output: _OutputTail | None = None
        self.memory = MemoryWatch()  # peaks, for "out of memory" messages and the bench

    def _preexec(self) -> None:
        confinement.confine(self.limits, self.user, self.namespaces, self.hidden)

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

    def start(self, timeout_s: float) -> dict[str, Any]:
        """Starts the worker and waits for its hello, sent once it has imported the student's modules.

        Returns module name -> error description of each module that failed to import ({} when all
        did). On failure the worker is stopped and WorkerStartError says why.
        """
        self.stop()
        try:
            self._spawn()
            hello = codec.from_bytes(wire.read_frame(self._from_worker, time.monotonic() + timeout_s, 1 << 20))
            failures = hello.get("hello") if isinstance(hello, dict) else None
            if not isinstance(failures, dict):
                raise codec.CodecError("malformed hello")
            return failures
        except wire.WireTimeout:
            self.stop()
            raise WorkerStartError(f"it did not start within {timeout_s:g} s", timed_out=True) from None
        except (wire.WireClosed, codec.CodecError, wire.WireTooLarge, OSError):
            reason = self.exit_reason()
            self.stop()
            raise WorkerStartError(reason, timed_out=False) from None

    def _spawn(self) -> None:
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
        self.memory.watch(self.process.pid)
        self.output = _OutputTail(output_r)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

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
            if self.reap_strays:
                confinement.reap_strays()
            for fd in (self._to_worker, self._from_worker):
                try:
                    os.close(fd)
                except OSError:
                    pass


class Sandbox:
    """A temporary tree plus the current worker; `close()` removes both."""

    def __init__(self, suite: Suite, student_files: dict[str, bytes], limits: Limits | None = None,
                 hidden: tuple[Path, ...] = (), reap_strays: bool = False):
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
                             self._hideable({*hidden, suite.kit_root / "autograder"}), reap_strays)

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
