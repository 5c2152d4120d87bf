"""hw2 benchmark for BENCHMARKS.md: meta-training speed of both methods, per-task loop vs batched.

`bench()` returns markdown computed here, never typed: for ProtoNet and MAML at the README's
default shapes (5-way 1-shot, 5 queries per class, meta-batch 4, 64 channels, 28 x 28, one
inner step), the outer steps per second with `execution="loop"` (a Python loop over the tasks)
and `execution="batched"` (one encoder call on all tasks for ProtoNet, `torch.func.vmap` over
tasks for MAML), their ratio, and peak resident memory. Each method runs in its own subprocess
with the reference solution aliased as `hw2.submission`, on random images (speed does not
depend on the pixels); loop and batched steps alternate inside it. The reference training runs
have their own section (`reference_runs.py`).

    .venv/bin/python -m autograder.bench.hw2            # print the markdown (about 2 minutes)
    .venv/bin/python -m autograder.bench.hw2 --one protonet     # one method, as JSON
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from autograder.bench import peak_share

KIT_ROOT = Path(__file__).resolve().parents[2]
WARMUP, TIMED = 1, 5  # outer steps per execution before timing (first-call overheads) and timed


def measure(method: str, threads: int) -> dict[str, float]:
    """Outer steps per second of both executions of one method, interleaved, in this process.

    Loop and batched steps alternate (L, B, L, B, ...) and each execution's median step time is
    used, so a change in the machine's load during the measurement hits both alike.
    """
    import torch

    from autograder.engine.proxy import alias_submission

    torch.set_num_threads(threads)
    alias_submission("hw2", "autograder.solutions.hw2")
    from hw2.config import TrainConfig
    from hw2.episodes import Episodes
    from hw2.training import Learner

    config = TrainConfig(method=method, progress=False)
    N, K, Q, B = config.ways, config.shots, config.queries, config.meta_batch
    g = torch.Generator().manual_seed(0)
    episodes = Episodes(
        torch.rand(B, N * K, 1, 28, 28, generator=g), torch.arange(N).repeat_interleave(K).repeat(B, 1),
        torch.rand(B, N * Q, 1, 28, 28, generator=g), torch.arange(N).repeat_interleave(Q).repeat(B, 1),
    )
    learners = {ex: Learner.create(config.with_(execution=ex)) for ex in ("loop", "batched")}
    times: dict[str, list[float]] = {ex: [] for ex in learners}
    for round_ in range(WARMUP + TIMED):
        for ex, learner in learners.items():
            started = time.perf_counter()
            learner.step(episodes)
            if round_ >= WARMUP:
                times[ex].append(time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    return {**{ex: 1.0 / statistics.median(t) for ex, t in times.items()}, "peak_mb": peak_mb}


def _in_subprocess(method: str, threads: int) -> dict[str, float]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run([sys.executable, "-m", "autograder.bench.hw2", "--one", method,
                          "--threads", str(threads)], cwd=KIT_ROOT, env=env, capture_output=True,
                         text=True, timeout=900, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(threads: int = 1) -> str:
    # One thread: the training tools' CPU setting (one run per core), and the hidden suites'.
    lines = ["## hw2: meta-training speed, per-task loop vs batched",
             "",
             f"CPU, {threads} thread(s), 5-way 1-shot, 5 queries per class, meta-batch 4, 64 channels, "
             f"28 x 28, MAML with 1 inner step (second order); median of {TIMED} timed outer steps per "
             f"execution after {WARMUP} warm-up steps, loop and batched steps interleaved in one process "
             "per method (so a change of the machine's load hits both alike); peak resident memory of "
             "that process.",
             "",
             "| method | loop (steps/s) | batched (steps/s) | batched / loop | faster | peak memory |",
             "|---|---|---|---|---|---|"]
    for method in ("protonet", "maml"):
        got = _in_subprocess(method, threads)
        ratio = got["batched"] / got["loop"]
        lines.append(f"| {method} | {got['loop']:.3g} | {got['batched']:.3g} | {ratio:.2f} | "
                     f"{'batched' if ratio > 1 else 'loop'} | {got['peak_mb']:.0f} MiB |")
    # The share of the machine's peak that each method's training step reaches (hw1's MANN too).
    return "\n".join(lines) + "\n\n" + peak_share.bench()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", metavar="METHOD", help="measure one method, print JSON")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, threads=args.threads)))
    else:
        print(bench(args.threads))


if __name__ == "__main__":
    main()
