"""Benchmarks of hw3 for BENCHMARKS.md (`make bench HW=hw3`): every number is measured here.

For each fine-tuning mode, on the pre-trained encoder all-MiniLM-L6-v2 with the reference solution:
- trainable parameters (count and share of the model, with a 77-class cosine head);
- training throughput: sentences per second of full training steps (forward, backward, AdamW step)
  at batch 32 on BANKING77-like sentences, after warm-up steps;
- peak resident memory of a process that loads the model and runs those steps.

Each mode runs in its own subprocess (`python -m autograder.bench.hw3 --mode MODE`), so the peak
memory of one mode does not hide another's. When the encoder is not installed the section says so
and nothing is measured.

Dimension letters: B sentences per batch, T tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

MODES = ("head", "last-k", "bitfit", "lora", "all")
BATCH = 32
WARMUP_STEPS = 2
TIMED_STEPS = 6
N_CLASSES = 77
THREADS = 1  # the kit's grading and experiment setting; also the least noisy on a shared machine
# BANKING77-like queries (about 16 tokens on average, like the real ones); fixed, so runs compare.
SENTENCES = (
    "I am still waiting on my card, when will it arrive?",
    "Why was I charged an extra fee for my transfer?",
    "How do I top up my account with a bank transfer?",
    "My card payment was declined at the shop today, what happened?",
    "Can I change my PIN at an ATM?",
    "The exchange rate applied to my purchase looks wrong.",
    "I think someone else used my card, please block it now.",
    "How long does a transfer to another country usually take?",
)


def _measure(mode: str) -> dict[str, Any]:
    """Runs in the subprocess: builds the classifier with the reference and times training steps."""
    import torch

    torch.set_num_threads(THREADS)
    from autograder.solutions.hw3.classifier import TextClassifier
    from autograder.solutions.hw3.lora import inject_lora
    from autograder.solutions.hw3.selection import select_trainable
    from autograder.solutions.hw3.train_step import training_step
    from hw3.config import TrainConfig
    from hw3.encoder import load_encoder
    from hw3.training import apply_selection, count_parameters, make_optimizer

    cfg = TrainConfig(mode=mode).resolve()
    encoder, tokenizer = load_encoder()
    model = TextClassifier(encoder, N_CLASSES, head=cfg.head, scale=cfg.cosine_scale)
    if mode == "lora":
        inject_lora(model.encoder, cfg.lora_r, cfg.lora_alpha, cfg.lora_targets)
    names = select_trainable(model, mode, cfg.last_k)
    apply_selection(model, names)
    optimizer = make_optimizer(model, cfg)
    texts = [SENTENCES[i % len(SENTENCES)] for i in range(BATCH)]
    batch = tokenizer(texts, cfg.max_length)
    labels = torch.arange(BATCH) % N_CLASSES
    model.train()
    for step in range(WARMUP_STEPS + TIMED_STEPS):
        if step == WARMUP_STEPS:
            started = time.perf_counter()
        training_step(model, optimizer, batch.input_ids, batch.attention_mask, labels, micro_step=step)
    seconds = time.perf_counter() - started
    return {
        "mode": mode,
        "trainable": count_parameters(model, names),
        "total": count_parameters(model),
        "sentences_per_s": BATCH * TIMED_STEPS / seconds,
        "tokens": int(batch.input_ids.shape[1]),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _encoder_available() -> str:
    from hw3.encoder import EncoderNotFound, find_encoder

    try:
        find_encoder()
    except EncoderNotFound as err:
        return str(err)
    return ""


def bench() -> str:
    """The hw3 section of BENCHMARKS.md (markdown)."""
    title = "## hw3: fine-tuning modes on all-MiniLM-L6-v2"
    missing = _encoder_available()
    if missing:
        return f"{title}\n\nSkipped: {missing}\n"
    rows = []
    env = {**os.environ, "OMP_NUM_THREADS": str(THREADS)}
    for mode in MODES:
        done = subprocess.run([sys.executable, "-m", "autograder.bench.hw3", "--mode", mode], capture_output=True,
                              text=True, env=env, timeout=1800)
        if done.returncode != 0:
            rows.append(f"| {mode} | failed: {done.stderr.strip().splitlines()[-1:]} | | | |")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(f"| {mode} | {r['trainable']:,} | {100 * r['trainable'] / r['total']:.2f}% | "
                    f"{r['sentences_per_s']:.1f} | {r['peak_rss_mb']:.0f} MiB |")
    header = ("| mode | trainable parameters | share of the model | training sentences/s | peak memory (process) |\n"
              "|---|---|---|---|---|")
    return (f"{title}\n\nReference solution, batch {BATCH} of BANKING77-like queries ({THREADS} CPU thread, "
            f"{WARMUP_STEPS} warm-up then {TIMED_STEPS} timed steps of forward, backward and AdamW; 77-class "
            f"cosine head; default TrainConfig per mode). Throughput depends on other load on the machine.\n\n"
            f"{header}\n" + "\n".join(rows) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Measure one hw3 mode (used by bench()).")
    parser.add_argument("--mode", choices=MODES, default=None, help="measure this mode; omit for the whole section")
    args = parser.parse_args(argv)
    if args.mode is None:
        print(bench())
    else:
        print(json.dumps(_measure(args.mode)))


if __name__ == "__main__":
    main()
