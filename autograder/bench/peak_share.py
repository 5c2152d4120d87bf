"""How close one meta-training step of each method comes to the machine's peak, for BENCHMARKS.md.

The yardstick is the rate of a 2048 x 2048 float32 matrix product (`torch.mm`, the best case of
the CPU's vector units), measured in the same process, before and after the steps, on 1 and 2
threads; the faster of the two 1-thread figures is the peak. Each training step's floating-point
operations are counted by `torch.utils.flop_counter.FlopCounterMode` (forward and backward,
second order included), never by hand, and its achieved rate is that count over the median
step time, printed as a share of the peak.

Steps measured, one thread, with the reference solutions aliased as the submissions, on random
inputs (speed does not depend on the pixels):
  - hw2 ProtoNet, 5-way 1-shot, 5 queries per class, meta-batch 4 (TrainConfig's default), encoder
    eager and compiled with `torch.compile` (`--compile`); and one 20-way task per step (the
    command line's default), eager and compiled;
  - hw2 MAML, 5-way 1-shot, one inner step, second order, batched and per-task loop;
  - hw1 MANN, 2-way and 4-way 1-shot, batch 128, hidden 128.

    .venv/bin/python -m autograder.bench.peak_share           # markdown (about 3 minutes)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parents[2]
MATMUL_SIDE = 2048
WARMUP, TIMED = 2, 7
PROFILED = ("hw2 ProtoNet step, one 20-way task (command-line default), eager", "hw2 MAML step (2nd order), batched")  # steps before timing (first-call and allocator overheads) and timed steps


def _median_seconds(step: Callable[[], object], timed: int = TIMED, warmup: int = WARMUP) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(timed):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def matmul_gflops(threads: int) -> float:
    """GFLOP/s of one 2048 x 2048 float32 product with `threads` threads (2 n^3 operations)."""
    import torch

    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    a = torch.randn(MATMUL_SIDE, MATMUL_SIDE, generator=g)
    b = torch.randn(MATMUL_SIDE, MATMUL_SIDE, generator=g)
    seconds = _median_seconds(lambda: torch.mm(a, b))
    torch.set_num_threads(1)
    return 2 * MATMUL_SIDE**3 / seconds / 1e9


def _lstm_layer_flops(input_shape, w_ih_shape, w_hh_shape, *args, **kwargs) -> int:
    """Forward matrix-product operations of one fused LSTM layer (`aten.mkldnn_rnn_layer`), which
    FlopCounterMode has no formula for: per time step and sequence, [I] x [I, 4H] and [H] x [H, 4H].
    input: [T, B, I] or [B, T, I]; w_ih: [4H, I]; w_hh: [4H, H]."""
    steps = input_shape[0] * input_shape[1]
    return 2 * steps * (w_ih_shape[0] * w_ih_shape[1] + w_hh_shape[0] * w_hh_shape[1])


def _lstm_layer_backward_flops(input_shape, w_ih_shape, w_hh_shape, *args, **kwargs) -> int:
    """Backward of the same: the gradients of the inputs and of the weights, twice the forward
    (the convention FlopCounterMode uses for every matrix product)."""
    return 2 * _lstm_layer_flops(input_shape, w_ih_shape, w_hh_shape)


def time_by_operator(step: Callable[[], object], top: int = 6, steps: int = 3) -> list[tuple[str, float]]:
    """The `top` operators by self CPU time over `steps` calls of `step` (torch.profiler), as
    (name, share of the profiled time), so the README can say where a step's time goes."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    ranked = sorted(events, key=lambda e: -e.self_cpu_time_total)[:top]
    return [(e.key, e.self_cpu_time_total / total) for e in ranked]


def count_flops(step: Callable[[], object]) -> int:
    """Floating-point operations of one call of `step`, as FlopCounterMode counts them (with
    formulas for the fused LSTM layer it does not know)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    aten = torch.ops.aten
    custom = {aten.mkldnn_rnn_layer: _lstm_layer_flops, aten.mkldnn_rnn_layer_backward: _lstm_layer_backward_flops}
    with FlopCounterMode(display=False, custom_mapping=custom) as counter:
        step()
    return counter.get_total_flops()


def _hw2_step(method: str, execution: str, compile_encoder: bool = False,
              command_line: bool = False) -> Callable[[], object]:
    """One training step at TrainConfig's shapes, or (command_line) at those `python -m hw2.train` trains."""
    import torch

    from hw2.config import TrainConfig, command_line_defaults
    from hw2.episodes import Episodes
    from hw2.training import Learner

    base = command_line_defaults(method) if command_line else TrainConfig(method=method)
    config = base.with_(execution=execution, compile=compile_encoder, progress=False)
    N, K, Q, B = config.training_ways, config.shots, config.queries, config.meta_batch
    g = torch.Generator().manual_seed(0)
    episodes = Episodes(
        torch.rand(B, N * K, 1, 28, 28, generator=g), torch.arange(N).repeat_interleave(K).repeat(B, 1),
        torch.rand(B, N * Q, 1, 28, 28, generator=g), torch.arange(N).repeat_interleave(Q).repeat(B, 1),
    )
    learner = Learner.create(config)
    return lambda: learner.step(episodes)


def _mann_step(ways: int, shots: int = 1, batch: int = 128, hidden: int = 128) -> Callable[[], object]:
    import torch

    from hw1.submission.loss import query_loss
    from hw1.submission.model import MANN

    torch.manual_seed(0)
    model = MANN(ways, hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    images = torch.rand(batch, shots + 1, ways, 784)
    labels = torch.eye(ways).expand(batch, shots + 1, ways, ways).contiguous()

    def step() -> None:
        loss = query_loss(model(images, labels), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def measure() -> dict[str, object]:
    """Every figure of the table, in this process (meant to run in a fresh subprocess)."""
    import torch

    from autograder.engine.proxy import alias_submission

    alias_submission("hw1", "autograder.solutions.hw1")
    alias_submission("hw2", "autograder.solutions.hw2")
    torch.set_num_threads(1)
    # The work of a method is counted once, on its plainest execution (per-task loop, eager):
    # vmap and grouped kernels may dispatch extra or differently-shaped operations for the same
    # mathematics, and a share of the peak must credit only the method's own arithmetic.
    work = {"protonet": count_flops(_hw2_step("protonet", "loop")),
            "maml": count_flops(_hw2_step("maml", "loop")),
            "protonet20": count_flops(_hw2_step("protonet", "loop", command_line=True)),
            "mann2": count_flops(_mann_step(2)), "mann4": count_flops(_mann_step(4))}
    before = {t: matmul_gflops(t) for t in (1, 2)}
    steps: list[tuple[str, str, Callable[[], object]]] = [
        ("hw2 ProtoNet step, batched, eager", "protonet", _hw2_step("protonet", "batched")),
        ("hw2 ProtoNet step, batched, compiled encoder", "protonet",
         _hw2_step("protonet", "batched", compile_encoder=True)),
        ("hw2 ProtoNet step, per-task loop, eager", "protonet", _hw2_step("protonet", "loop")),
        ("hw2 ProtoNet step, one 20-way task (command-line default), eager", "protonet20",
         _hw2_step("protonet", "loop", command_line=True)),
        ("hw2 ProtoNet step, one 20-way task (command-line default), compiled encoder", "protonet20",
         _hw2_step("protonet", "loop", compile_encoder=True, command_line=True)),
        ("hw2 MAML step (2nd order), batched", "maml", _hw2_step("maml", "batched")),
        ("hw2 MAML step (2nd order), per-task loop", "maml", _hw2_step("maml", "loop")),
        ("hw1 MANN step, 2-way 1-shot, batch 128", "mann2", _mann_step(2)),
        ("hw1 MANN step, 4-way 1-shot, batch 128", "mann4", _mann_step(4)),
    ]
    rows = []
    for name, method, step in steps:
        started = time.perf_counter()
        step()  # the first call compiles where asked; its time is reported, not counted
        first_call_s = time.perf_counter() - started
        seconds = _median_seconds(step)
        rows.append({"step": name, "gflop": work[method] / 1e9, "seconds": seconds, "first_call_s": first_call_s})
    after = {t: matmul_gflops(t) for t in (1, 2)}
    profiled = {name: time_by_operator(step) for name, _, step in steps if name in PROFILED}
    return {"matmul_before": before, "matmul_after": after, "rows": rows, "profiles": profiled,
            "load_average": list(os.getloadavg())}


def bench() -> str:
    """The markdown section; the measurement runs in a subprocess with one OpenMP thread."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-m", "autograder.bench.peak_share", "--json"], cwd=KIT_ROOT,
                         env=env, capture_output=True, text=True, timeout=1800, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    before, after = got["matmul_before"], got["matmul_after"]
    peak = max(before["1"], after["1"])
    lines = [
        "## Meta-training steps against the machine's peak (hw1, hw2)",
        "",
        f"Peak: a {MATMUL_SIDE} x {MATMUL_SIDE} float32 matrix product, measured in the same process "
        f"before and after the steps: {before['1']:.1f} and {after['1']:.1f} GFLOP/s on 1 thread, "
        f"{before['2']:.1f} and {after['2']:.1f} GFLOP/s on 2 threads. Steps on 1 thread; operations "
        "counted by `FlopCounterMode` (forward and backward) on the per-task loop of each method and "
        "credited to every execution of it; median of "
        f"{TIMED} timed steps after {WARMUP} warm-up steps. Load average at the end: "
        f"{', '.join(f'{x:.2f}' for x in got['load_average'])}.",
        "",
        "| step | GFLOP per step | ms per step | GFLOP/s | share of the 1-thread peak | first call (s) |",
        "|---|---|---|---|---|---|",
    ]
    for r in got["rows"]:
        rate = r["gflop"] / r["seconds"]
        lines.append(f"| {r['step']} | {r['gflop']:.2f} | {1000 * r['seconds']:.0f} | {rate:.1f} | "
                     f"{100 * rate / peak:.0f}% | {r['first_call_s']:.1f} |")
    lines += ["", "Where the time of a step goes (torch.profiler, self CPU time of each operator over 3 steps, "
              "one thread; the rest is spread over smaller operators):", ""]
    for name, ops in got["profiles"].items():
        lines.append(f"- {name}: " + ", ".join(f"{op} {100 * share:.0f}%" for op, share in ops))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="measure in this process and print JSON")
    args = parser.parse_args()
    print(json.dumps(measure()) if args.json else bench())


if __name__ == "__main__":
    main()
