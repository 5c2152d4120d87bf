"""Configuration of one hw2 training run, as a frozen dataclass with one line of help per field.

The field defaults are the plain episode protocol (5-way tasks for training, validation and test,
4 tasks per step, random character split, no rotation augmentation, 28 x 28 pixels), which the
tests build on. The command line starts from `command_line_defaults(method)`: for ProtoNet, the
protocol that reached the course's target fastest on a CPU core (README, "Results"), so that
`python -m hw2.train protonet --test` with no other flag reproduces the README's ProtoNet 1-shot
number; every other row of its results table gives its flags.
Every run saves its resolved config as JSON beside its results, and `TrainConfig.from_dict`
reads it back (unknown keys are an error; the methods come from `runconfig.DictConfig`, and
`to_dict` writes test_shots as a JSON list).
"""

from __future__ import annotations

from dataclasses import dataclass

from hw2.device import DEVICES, pick_device
from runconfig import DictConfig

METHODS = ("protonet", "maml")
DATA_SOURCES = ("auto", "official", "synthetic")
SPLITS = ("random", "alphabet")
EXECUTIONS = ("auto", "loop", "batched")

# Which execution is faster, per device and method. CPU: measured on the course's build machine
# (README, "Speed": one thread, loop and batched steps interleaved in one process, nothing else
# running): the per-task loop was 1.16x faster than the batched call for ProtoNet (smaller calls
# stay in cache), and MAML's vmap 1.05x faster than its loop, so ProtoNet loops and MAML keeps vmap. CUDA and
# MPS: not measured for this kit (no GPU was available); one batched call saves kernel launches,
# the usual GPU result. Pass --execution to override.
FASTER_EXECUTION = {
    ("cpu", "protonet"): "loop",
    ("cpu", "maml"): "batched",
    ("cuda", "protonet"): "batched",
    ("cuda", "maml"): "batched",
    ("mps", "protonet"): "batched",  # not measured either; same reasoning as CUDA
    ("mps", "maml"): "batched",
}

# What `python -m hw2.train METHOD` trains unless a flag says otherwise. ProtoNet: one 20-way task
# per step (Snell et al. 2017 train with more ways than they test) and Adam's rate halved every
# 4,000 steps: at equal CPU time it validated ahead of four 5-way tasks per step (96.3% after 3.7
# CPU minutes, where those needed 7.6 for 96.4%; README, "Choosing the training protocol"), and
# 9,000 of its steps are the README's tested run (98.39%, 59 CPU minutes). MAML keeps
# the field defaults: its classifier head has `ways` outputs, so it trains on test-sized tasks.
COMMAND_LINE_DEFAULTS: dict[str, dict[str, int]] = {
    "protonet": {"train_ways": 20, "meta_batch": 1, "lr_halve_every": 4000, "iterations": 9000, "val_every": 500},
    "maml": {},
}


@dataclass(frozen=True)
class TrainConfig(DictConfig):
    """One run. Defaults: the README's default protocol."""

    method: str = "protonet"  # "protonet" | "maml"
    data: str = "auto"  # "official" Omniglot, "synthetic" look-alike, "auto": official if prepared
    split: str = "random"  # character split: "random" (1100/100/423) | "alphabet" (Lake et al.)
    rotate: bool = False  # 4-rotation augmentation of the papers (4x the classes)
    split_seed: int = 0  # seed of the character split (fixed so that runs compare)
    synthetic_characters: int = 400  # C of synthetic data (ignored for official data)
    ways: int = 5  # N, classes per task of validation and test (and of training unless train_ways)
    train_ways: int = 0  # ProtoNet: classes per training task; 0: same as ways (Snell et al. train with more)
    shots: int = 1  # K, support images per class in training (and at test, unless --test-shots)
    queries: int = 5  # Q, query images per class in training
    meta_batch: int = 4  # B, tasks per outer step
    iterations: int = 1500  # outer steps (MAML on the command line; ProtoNet: COMMAND_LINE_DEFAULTS)
    cpu_budget_min: float = 0.0  # stop earlier, once training has used this many CPU minutes; 0: no limit
    lr: float = 1e-3  # Adam learning rate of the outer (meta) optimiser
    lr_halve_every: int = 0  # halve lr every this many outer steps (Snell et al.: 2,000); 0: constant
    hidden: int = 64  # F, channels of each conv block
    inner_steps: int = 1  # S, MAML inner gradient steps (training and evaluation)
    inner_lr: float = 0.4  # alpha, MAML inner learning rate (Finn et al. 2017 use 0.4 on Omniglot)
    learn_inner_lrs: bool = False  # meta-learn one inner learning rate per parameter tensor
    device: str = "auto"  # "auto" (cuda, then mps, then cpu) | "cpu" | "cuda" | "mps"
    compile: bool = False  # torch.compile the ProtoNet encoder (CPU: faster steps after a one-off compile; README)
    execution: str = "auto"  # "loop" over tasks, "batched" (one call / vmap), "auto": faster one
    seed: int = 0  # initialisation and training episodes
    val_every: int = 250  # iterations between validation runs (and checkpoints)
    val_tasks: int = 100  # validation tasks (fixed, seed 1)
    test_tasks: int = 600  # test tasks (fixed, seed 2), as in the papers
    test_queries: int = 15  # Q of test tasks
    test_shots: tuple[int, ...] = ()  # K values to test with; empty: the training K
    log_every: int = 50  # iterations between rows of log.csv
    out_dir: str = "runs/hw2"  # each run writes out_dir/<name>/
    name: str = ""  # run folder; empty: built from the method, shots, ways and seed
    progress: bool = True  # tqdm progress bar

    def __post_init__(self) -> None:
        for name, choices in (("method", METHODS), ("data", DATA_SOURCES), ("split", SPLITS),
                              ("device", DEVICES), ("execution", EXECUTIONS)):
            if getattr(self, name) not in choices:
                raise ValueError(f"TrainConfig.{name} must be one of {choices}, got {getattr(self, name)!r}.")
        for name in ("ways", "shots", "queries", "meta_batch", "iterations", "hidden", "val_every",
                     "val_tasks", "test_tasks", "test_queries", "log_every", "synthetic_characters"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"TrainConfig.{name} must be >= 1, got {getattr(self, name)}.")
        if self.train_ways < 0 or self.lr_halve_every < 0 or self.cpu_budget_min < 0:
            raise ValueError("TrainConfig.train_ways, lr_halve_every and cpu_budget_min must be >= 0 (0: off).")
        if self.method == "maml" and self.train_ways not in (0, self.ways):
            raise ValueError("MAML's classifier head has `ways` outputs: train and test with the same ways "
                             f"(got train_ways={self.train_ways}, ways={self.ways}); drop --train-ways.")
        if self.inner_steps < 0:
            raise ValueError(f"TrainConfig.inner_steps must be >= 0, got {self.inner_steps}.")
        if self.lr <= 0 or self.inner_lr <= 0:
            raise ValueError(f"learning rates must be > 0, got lr={self.lr}, inner_lr={self.inner_lr}.")
        if self.val_tasks < 2 or self.test_tasks < 2:
            raise ValueError("val_tasks and test_tasks must be >= 2 (a confidence interval needs 2 tasks).")
        # JSON gives lists; a tuple keeps the config hashable and comparable.
        object.__setattr__(self, "test_shots", tuple(int(k) for k in self.test_shots))
        if any(k < 1 for k in self.test_shots):
            raise ValueError(f"TrainConfig.test_shots must be positive, got {self.test_shots}.")

    @property
    def run_name(self) -> str:
        if self.name:
            return self.name
        extra = ""
        if self.method == "maml":
            extra = f"-lr{self.inner_lr:g}-steps{self.inner_steps}" + ("-learned" if self.learn_inner_lrs else "")
        if self.train_ways:
            extra += f"-train{self.train_ways}way"
        if self.lr_halve_every:
            extra += f"-halve{self.lr_halve_every}"
        # Other data make another experiment: its run must not resume or overwrite this one's folder.
        extra += ("-rotate" if self.rotate else "") + ("" if self.split == "random" else f"-{self.split}split")
        return f"{self.method}-{self.ways}way-{self.shots}shot{extra}-s{self.seed}"

    @property
    def training_ways(self) -> int:
        """N of the training tasks."""
        return self.train_ways or self.ways

    def outer_lr(self, iteration: int) -> float:
        """Adam's learning rate for outer step `iteration` (0-based): lr, halved every lr_halve_every."""
        return self.lr * 0.5 ** (iteration // self.lr_halve_every) if self.lr_halve_every else self.lr

    @property
    def resolved_execution(self) -> str:
        """"loop" or "batched": the configured one, or the faster one on this device."""
        if self.execution != "auto":
            return self.execution
        return FASTER_EXECUTION[(self.resolved_device, self.method)]

    @property
    def resolved_device(self) -> str:
        """The device this run uses ("auto" resolved on this machine)."""
        return pick_device(self.device)


def command_line_defaults(method: str) -> TrainConfig:
    """The settings `python -m hw2.train METHOD` starts from (COMMAND_LINE_DEFAULTS over the fields')."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    return TrainConfig(method=method, **COMMAND_LINE_DEFAULTS[method])
