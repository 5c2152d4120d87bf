"""Configuration of one homework-3 run, as a frozen dataclass whose defaults reproduce the README.

Fields left at None are filled in by `resolve()` from the mode and the number of shots (the learning
rate of each mode, the number of epochs for K shots), and the resolved config is what every run
saves beside its results (`config.json`), so a saved run always says exactly what it did.
`TrainConfig.from_dict` reads one back; unknown keys are an error, not silently ignored (the
methods come from `runconfig.DictConfig`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from runconfig import DictConfig

MODES = ("head", "last-k", "bitfit", "all", "lora")
DATA_SOURCES = ("banking77", "synthetic")
SCHEDULES = ("linear", "cosine", "constant")
HEAD_INITS = ("prototypes", "random")
TINY_ENCODER = "tiny"  # `encoder` value that selects the tiny random BERT of tiny.py
SYNTHETIC_FULL_PER_CLASS = 100  # sentences per class of the synthetic task with shots=None ("all")

# Learning rate of the trained encoder parameters (AdamW), per mode. Fewer trainable numbers take a
# larger rate: LoRA factors and biases start at (or near) zero and must move far; full fine-tuning
# must not wander away from the pre-trained solution.
MODE_LR = {"head": 0.0, "last-k": 2e-4, "bitfit": 3e-3, "all": 1e-4, "lora": 3e-3}
HEAD_LR = 2e-3  # AdamW rate of the head on BANKING77
DEFAULT_SHOTS = 10  # K of a BANKING77 run when --shots is not given
FULL_DATA_EPOCHS = 3
FEW_SHOT_EXAMPLES_SEEN = 30  # per class: epochs = this / shots (1 shot: 30 epochs, 10 shots: 3)
MIN_EPOCHS, MAX_EPOCHS = 3, 30

# The synthetic keyword task runs on a *random* tiny BERT (tiny.py): nothing was pre-trained, so the
# BANKING77 protocol (small rates, ~15 optimizer steps) leaves every mode at the prototype start
# (about 45%). These defaults train long and fast enough for the modes to separate in seconds:
# 32 sentences per class, every class seen about 640 times (32 shots: 20 epochs, 320 steps of 16),
# larger rates. Measured ranges: hw3/README.md ("Offline smoke run").
SYNTHETIC_SHOTS = 32
SYNTHETIC_EXAMPLES_SEEN = 640
SYNTHETIC_MAX_EPOCHS = 100
SYNTHETIC_MODE_LR = {"head": 0.0, "last-k": 1e-2, "bitfit": 3e-2, "all": 1e-2, "lora": 3e-2}
SYNTHETIC_HEAD_LR = 1e-2


def default_epochs(shots: int | None, data: str = "banking77") -> int:
    """Epochs for a K-shot run: every class seen about 30 times (K=10: 3 epochs); full data: 3.

    Synthetic data: every class seen about 640 times (K=32: 20 epochs), at least 3, at most 100.
    """
    if data == "synthetic":
        per_class = shots if shots is not None else SYNTHETIC_FULL_PER_CLASS
        return min(SYNTHETIC_MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(SYNTHETIC_EXAMPLES_SEEN / per_class)))
    if shots is None:
        return FULL_DATA_EPOCHS
    return min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(FEW_SHOT_EXAMPLES_SEEN / shots)))


def default_shots(data: str) -> int:
    """K when the command line gives no --shots: 10 on BANKING77, 32 on the synthetic task."""
    return SYNTHETIC_SHOTS if data == "synthetic" else DEFAULT_SHOTS


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


@dataclass(frozen=True)
class TrainConfig(DictConfig):
    """One fine-tuning run. Defaults: the README's protocol for BANKING77 on all-MiniLM-L6-v2."""

    data: str = "banking77"  # "banking77" (official files) | "synthetic" (keyword task of synthetic.py)
    mode: str = "lora"  # what to train: see selection.py (head, last-k, bitfit, all, lora)
    shots: int | None = DEFAULT_SHOTS  # K examples per class; None: all (command line: default_shots(data))
    seed: int = 0  # K-shot draw, initialisation and batch order
    epochs: int | None = None  # None: default_epochs(shots, data)
    batch_size: int = 16  # sentences per optimizer step (split into accum_steps micro-batches)
    accum_steps: int = 1  # micro-batches per optimizer step (gradient accumulation)
    lr: float | None = None  # AdamW rate of the trained encoder parameters; None: (SYNTHETIC_)MODE_LR[mode]
    head_lr: float | None = None  # AdamW rate of the head; None: HEAD_LR (synthetic: SYNTHETIC_HEAD_LR)
    weight_decay: float = 0.01  # AdamW decoupled weight decay (never on biases or LayerNorms)
    warmup_ratio: float = 0.1  # share of the optimizer steps spent warming the rate up from 0
    schedule: str = "linear"  # after warm-up: "linear" or "cosine" decay to 0, or "constant"
    max_length: int = 64  # tokens per sentence, [CLS] and [SEP] included
    head: str = "cosine"  # "cosine" | "linear" (heads.py)
    head_init: str = "prototypes"  # "prototypes": start the head at the class means; "random"
    cosine_scale: float = 20.0  # s of the cosine head
    last_k: int = 2  # top blocks trained by mode "last-k"
    lora_r: int = 8  # LoRA rank r
    lora_alpha: float = 16.0  # LoRA alpha (the update is scaled by alpha / r)
    lora_targets: tuple[str, ...] = ("query", "value")  # attribute names of the wrapped layers
    encoder: str = ""  # folder of the pre-trained encoder; "": search (encoder.py); "tiny": tiny BERT
    synthetic_classes: int = 8  # classes of the synthetic task
    synthetic_test_per_class: int = 50  # test sentences per class of the synthetic task
    eval_batch_size: int = 128  # sentences per forward pass at evaluation
    threads: int = 0  # torch CPU threads; 0: torch's default
    out_dir: str = "runs"  # each run writes out_dir/name/{config.json,log.csv,metrics.json}
    name: str = ""  # run folder name; "": built from data, mode, shots and seed
    progress: bool = True  # tqdm progress bars

    def __post_init__(self) -> None:
        _check_choice("data", self.data, DATA_SOURCES)
        _check_choice("mode", self.mode, MODES)
        _check_choice("schedule", self.schedule, SCHEDULES)
        _check_choice("head_init", self.head_init, HEAD_INITS)
        if self.shots is not None and self.shots < 1:
            raise ValueError(f"shots must be >= 1 or None (all), got {self.shots}")
        for name in ("batch_size", "accum_steps", "max_length", "lora_r", "eval_batch_size", "synthetic_classes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.batch_size % self.accum_steps:
            raise ValueError(f"batch_size={self.batch_size} must be a multiple of accum_steps={self.accum_steps}")
        if self.epochs is not None and self.epochs < 1:
            raise ValueError(f"epochs must be >= 1 or None, got {self.epochs}")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ValueError(f"warmup_ratio must lie in [0, 1), got {self.warmup_ratio}")
        # JSON gives lists; a tuple keeps the config hashable and comparable.
        object.__setattr__(self, "lora_targets", tuple(self.lora_targets))

    @property
    def run_name(self) -> str:
        if self.name:
            return self.name
        shots = "all" if self.shots is None else f"{self.shots}shot"
        return f"{self.data}-{self.mode}-{shots}-s{self.seed}"

    @property
    def micro_batch_size(self) -> int:
        return self.batch_size // self.accum_steps

    @property
    def encoder_source(self) -> str:
        """The encoder actually used: the synthetic task runs on the tiny BERT unless told otherwise."""
        return TINY_ENCODER if (self.data == "synthetic" and not self.encoder) else self.encoder

    def resolve(self) -> TrainConfig:
        """A copy with every None replaced by its default (what the run actually does).

        Rates and epochs left at None depend on the data: BANKING77's protocol for the pre-trained
        encoder, or the synthetic task's (SYNTHETIC_*) for the random tiny BERT.
        """
        synthetic = self.data == "synthetic"
        return replace(
            self,
            epochs=self.epochs if self.epochs is not None else default_epochs(self.shots, self.data),
            lr=self.lr if self.lr is not None else (SYNTHETIC_MODE_LR if synthetic else MODE_LR)[self.mode],
            head_lr=self.head_lr if self.head_lr is not None else (SYNTHETIC_HEAD_LR if synthetic else HEAD_LR),
            encoder=self.encoder_source,
        )
