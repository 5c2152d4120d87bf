"""Configuration of one homework-1 training run, as a frozen dataclass.

Dimension letters: N ways (classes per episode), K shots (support drawings per class), B episodes
per training step.

The defaults are the protocol of the README's numbers except N, K and steps, which
`hw1.experiments.REQUIRED_RUNS` sets per run; every run saves its resolved config beside its
results, and `TrainConfig.from_dict` reads it back (unknown keys are an error, not ignored; the
methods come from `runconfig.DictConfig`).
"""

from __future__ import annotations

from dataclasses import dataclass

from runconfig import DictConfig

DATA_SOURCES = ("auto", "official", "synthetic")
MODELS = ("lstm", "attention")  # MANN (model.py) | AttentionMetaLearner (attention.py, extra credit)
# (K, N) -> the homework's target test query accuracy; a run records when its validation curve first
# reaches it (CPU seconds and steps to target).
TARGETS: dict[tuple[int, int], float] = {(1, 2): 0.95, (2, 2): 0.95, (1, 3): 0.85, (1, 4): 0.65}


@dataclass(frozen=True)
class TrainConfig(DictConfig):
    """One training run of the black-box meta-learner."""

    num_classes: int = 2  # N, ways per episode
    num_shots: int = 1  # K, support drawings per class (plus one query drawing)
    batch_size: int = 128  # B, episodes per Adam step
    hidden_size: int = 128  # units of the first LSTM (lstm); embedding width E (attention)
    lr: float = 2e-3  # Adam learning rate
    steps: int = 4000  # Adam steps
    seed: int = 0  # seed of the initialisation and of every episode drawn
    eval_interval: int = 500  # steps between two validation-accuracy estimates (and checkpoints)
    eval_batches: int = 4  # batches of B validation episodes per learning-curve point
    final_episodes: int = 1000  # test episodes of the final accuracy and its 95% CI
    data: str = "auto"  # "auto" (official if prepared, else synthetic) | "official" | "synthetic"
    split_seed: int = 0  # seed of the 1100/100/423 random character split
    model: str = "lstm"  # the black-box architecture: "lstm" or "attention" (extra credit)
    threads: int = 0  # torch CPU threads (0: leave PyTorch's default)
    out_dir: str = "runs/hw1"  # folder of all runs
    name: str = ""  # run folder name (default: built from model, N, K and seed)
    progress: bool = True  # show a tqdm progress bar

    def __post_init__(self) -> None:
        for name in ("num_classes", "num_shots", "batch_size", "hidden_size", "steps",
                     "eval_interval", "eval_batches", "final_episodes"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"TrainConfig.{name} must be an int >= 1, got {value!r}.")
        if self.num_classes < 2:
            raise ValueError(f"TrainConfig.num_classes must be >= 2 (one class is no task), got {self.num_classes}.")
        if self.lr <= 0:
            raise ValueError(f"TrainConfig.lr must be > 0, got {self.lr}.")
        if self.data not in DATA_SOURCES:
            raise ValueError(f"TrainConfig.data must be one of {DATA_SOURCES}, got {self.data!r}.")
        if self.model not in MODELS:
            raise ValueError(f"TrainConfig.model must be one of {MODELS}, got {self.model!r}.")
        if self.threads < 0:
            raise ValueError(f"TrainConfig.threads must be >= 0, got {self.threads}.")

    @property
    def run_name(self) -> str:
        return self.name or f"{self.model}_N{self.num_classes}_K{self.num_shots}_seed{self.seed}"
