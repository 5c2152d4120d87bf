"""The offline smoke runs of the homework READMEs, and the ranges a correct solution lands in.

A student runs a README's offline command (`--data synthetic` and the like) to see that their code
learns before they spend an hour on real data. The README says what the command should print, as a
range, so that a bug can be told apart from a slow start; `SMOKE_RUNS` holds the same commands and
ranges, and `run_smoke` runs one on a tree (the kit, or an unzipped handout with the reference in
`hwN/submission/`) and checks every figure it prints against its range.

Each range was calibrated on the reference solution over several training seeds, with one thread on
one core, and widened by a margin (the seeds, times and margins are in `SmokeRun.calibration` and in
the READMEs). The check runs the README command as written plus `SmokeRun.ci_args` (one thread, no
progress bar, outputs in a temporary folder), which never change what is trained.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

OUT = "{out}"  # placeholder in ci_args: a fresh temporary folder per run
TAIL_CHARS = 600  # output shown when a run fails


@dataclass(frozen=True)
class Figure:
    """One number a smoke run prints, found by `pattern` (one group; the last match counts)."""

    name: str
    pattern: str
    low: float
    high: float

    def read(self, output: str) -> float | None:
        found = re.findall(self.pattern, output)
        return float(found[-1]) if found else None


@dataclass(frozen=True)
class SmokeRun:
    """A README command, how CI runs it, and the ranges of what it prints."""

    homework: str
    command: str  # exactly as the README prints it (starts with "python -m ...")
    figures: tuple[Figure, ...]
    calibration: str  # seeds and times measured on the reference; where the margin comes from
    ci_args: tuple[str, ...] = ()  # appended by run_smoke; OUT becomes a temporary folder
    timeout_s: int = 600  # wall clock, generous: a shared machine is slow

    @property
    def ci_command(self) -> str:
        return " ".join([self.command, *self.ci_args])


def _json_number(key: str) -> str:
    """Pattern of `"key": 0.123` in a JSON line."""
    return rf'"{key}": (-?[0-9.]+(?:e-?[0-9]+)?)'


HW0_MRR = Figure("test MRR", r"test MRR ([0-9.]+)", 0.14, 0.20)
HW0_MSE = Figure("test MSE", r"test MSE ([0-9.]+)", 0.62, 0.74)
HW1_ACCURACY = Figure("test accuracy", _json_number("test_accuracy"), 0.85, 1.0)
HW2_ACCURACY = Figure("test accuracy (%)", r"test accuracy ([0-9.]+)%", 60.0, 92.0)
HW3_RANGES = {  # mode -> (low, high) of the test accuracy; see hw3/README.md
    "all": (0.80, 1.0),
    "last-k": (0.60, 0.88),
    "bitfit": (0.55, 0.80),
    "lora": (0.52, 0.80),
    "head": (0.48, 0.75),
}
HW3_PROTOTYPES = (0.42, 0.68)


def _hw3_runs() -> list[SmokeRun]:
    ci = ("--threads", "1", "--no-progress", "--out-dir", OUT)
    calibration = ("reference, seeds 0-9, one thread: all 0.887-0.948, last-k 0.667-0.775, bitfit "
                   "0.610-0.718, lora 0.585-0.733, head 0.552-0.677, prototypes 0.482-0.603; "
                   "at most 11 s of training per run (plus about 6 s of start-up)")
    runs = [SmokeRun("hw3", f"python -m hw3.train --data synthetic --mode {mode}",
                     (Figure("test accuracy", _json_number("accuracy"), low, high),), calibration, ci, 300)
            for mode, (low, high) in HW3_RANGES.items()]
    low, high = HW3_PROTOTYPES
    runs.append(SmokeRun("hw3", "python -m hw3.train --data synthetic --prototypes",
                         (Figure("test accuracy", _json_number("accuracy"), low, high),), calibration, ci, 300))
    return runs


SMOKE_RUNS: dict[str, list[SmokeRun]] = {
    "hw0": [
        SmokeRun(
            "hw0",
            "python -m hw0.train --synthetic --embed-dim 8 --lr 3e-3 --epochs 12",
            (HW0_MRR, HW0_MSE),
            "reference, seeds 0-4, one thread: MRR 0.168-0.172, MSE 0.678-0.689 (noise floor 0.64, "
            "untrained MRR about 0.045); 10-16 s of training, at most 27 s of CPU with start-up",
            ("--threads", "1", "--out-dir", OUT),
        ),
    ],
    "hw1": [
        SmokeRun(
            "hw1",
            "python -m hw1.train --data synthetic --steps 1000",
            (HW1_ACCURACY,),
            "reference, seeds 0-7, one thread: 0.928-0.957 for the seeds that leave the chance "
            "plateau (seed 3 stays at exactly 0.500, the LSTM's known plateau: the README says to "
            "rerun with another --seed); 46-64 s per run, training and the 1,000 test episodes",
            ("--threads", "1", "--no-progress", "--out-dir", OUT),
        ),
    ],
    "hw2": [
        SmokeRun(
            "hw2",
            "python -m hw2.train maml --data synthetic --iterations 100 --test-tasks 200 --test",
            (HW2_ACCURACY,),
            "reference, seed 0 only, one thread: 77.88% +- 1.59% over 200 test tasks; 67 s of "
            "training, 75 s of CPU in all. One seed: the range is wide on purpose",
            ("--no-progress", "--out-dir", OUT),
        ),
    ],
    "hw3": _hw3_runs(),
}


def _command_line(run: SmokeRun, python: str, out: Path) -> list[str]:
    args = shlex.split(run.ci_command)
    if args[0] != "python":
        raise ValueError(f"a smoke command must start with 'python', got {run.command!r}")
    return [python, *(str(out) if a == OUT else a for a in args[1:])]


def run_smoke(tree: Path, python: str, run: SmokeRun) -> tuple[bool, str]:
    """Runs `run` in `tree` with the interpreter `python`; ok iff every figure is in its range.

    The detail names the command, each figure read and its range, and the wall time; on a failure
    (timeout, non-zero exit, a figure not printed or out of range) the end of the output too.
    """
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory(prefix=f"smoke-{run.homework}-") as out:
        argv = _command_line(run, python, Path(out))
        started = time.monotonic()
        try:
            done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, timeout=run.timeout_s)
        except subprocess.TimeoutExpired:
            return False, f"`{run.command}`: no result within {run.timeout_s} s"
        seconds = time.monotonic() - started
    output = done.stdout + done.stderr
    tail = output[-TAIL_CHARS:].strip()
    if done.returncode != 0:
        return False, f"`{run.command}` exited with status {done.returncode} after {seconds:.0f} s: ...{tail}"
    ok, parts = True, []
    for figure in run.figures:
        value = figure.read(done.stdout)
        if value is None:
            ok = False
            parts.append(f"{figure.name} not found in the output")
            continue
        inside = figure.low <= value <= figure.high
        ok = ok and inside
        parts.append(f"{figure.name} {value:g} {'in' if inside else 'OUTSIDE'} [{figure.low:g}, {figure.high:g}]")
    detail = f"`{run.command}`: {'; '.join(parts)} ({seconds:.0f} s)"
    return ok, detail if ok else f"{detail}: ...{tail}"


def smoke_homework(homework: str, tree: Path, python: str | None = None) -> tuple[bool, str]:
    """Every smoke run of one homework in `tree` (its `.venv` interpreter when there is one)."""
    if homework not in SMOKE_RUNS:
        raise ValueError(f"no smoke runs for {homework!r}; known: {sorted(SMOKE_RUNS)}")
    if python is None:
        venv = tree / ".venv" / "bin" / "python"
        python = str(venv) if venv.exists() else sys.executable
    results = [run_smoke(tree, python, run) for run in SMOKE_RUNS[homework]]
    if not results:
        return True, f"{homework}: its README has no offline smoke command"
    return all(ok for ok, _ in results), " | ".join(detail for _, detail in results)
