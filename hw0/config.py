"""Configuration of homework 0: the model's shape and one training run, as frozen dataclasses.

The defaults of `TrainConfig` are the real-data protocol of the README (5 epochs, batch 256, Adam
1e-3, embedding size 32, loss weights 0.5/0.5); every run saves its resolved config as JSON beside its
results, and `TrainConfig.from_dict` reads it back (unknown keys are an error, not ignored; the
methods come from `runconfig.DictConfig`).
"""

from __future__ import annotations

from dataclasses import dataclass

from runconfig import DictConfig

SHARING_MODES = ("shared", "separate", "mmoe")
TASKS = ("rank", "rating")
DATA_SOURCES = ("movielens", "synthetic")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def _check_positive(name: str, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")


@dataclass(frozen=True)
class ModelConfig(DictConfig):
    """Shape of `MultiTaskRecommender`; the grader builds models from these fields."""

    n_users: int
    n_items: int
    sharing: str = "shared"  # "shared" | "separate" | "mmoe": how the two tasks share parameters
    embed_dim: int = 32  # D, size of every user and item embedding
    init_std: float = 0.1  # embeddings start as N(0, init_std^2)
    rating_hidden: tuple[int, ...] = (64, 32)  # hidden sizes of the rating MLP (shared/separate)
    n_experts: int = 4  # E, MMoE experts
    expert_hidden: tuple[int, ...] = (64,)  # hidden sizes of each expert MLP
    expert_dim: int = 32  # H, output size of each expert
    tower_hidden: tuple[int, ...] = (32,)  # hidden sizes of each MMoE task tower

    def __post_init__(self) -> None:
        _check_choice("ModelConfig.sharing", self.sharing, SHARING_MODES)
        for name in ("n_users", "n_items", "embed_dim", "init_std", "n_experts", "expert_dim"):
            _check_positive(f"ModelConfig.{name}", getattr(self, name))
        # JSON gives lists; tuples keep the config hashable and comparable.
        for name in ("rating_hidden", "expert_hidden", "tower_hidden"):
            object.__setattr__(self, name, tuple(int(h) for h in getattr(self, name)))


@dataclass(frozen=True)
class TrainConfig(DictConfig):
    """One training run. Defaults: the real-data protocol of the README."""

    data: str = "movielens"  # "movielens" (official file) | "synthetic" (planted look-alike)
    sharing: str = "shared"  # see ModelConfig.sharing
    weight_rank: float = 0.5  # lambda_rank, weight of the BPR ranking loss
    weight_rating: float = 0.5  # lambda_rating, weight of the rating MSE
    epochs: int = 5  # passes over the training ratings
    batch_size: int = 256  # ratings per step (each with one sampled negative item)
    lr: float = 1e-3  # Adam learning rate
    weight_decay: float = 0.0  # Adam L2 penalty on every parameter
    embed_dim: int = 32  # ModelConfig.embed_dim
    n_experts: int = 4  # ModelConfig.n_experts
    seed: int = 0  # initialisation, batch order and negative samples
    split_seed: int = 0  # the 95/5 train/test split (fixed across runs so results compare)
    out_dir: str = "runs"  # each run writes out_dir/name/{config.json,log.csv,metrics.json}
    name: str = ""  # run folder name; empty: built from sharing, weights and seed
    progress: bool = True  # tqdm progress bar
    threads: int = 1  # torch CPU threads; these small models run fastest on one (no sync overhead)

    def __post_init__(self) -> None:
        _check_choice("TrainConfig.data", self.data, DATA_SOURCES)
        _check_choice("TrainConfig.sharing", self.sharing, SHARING_MODES)
        for name in ("epochs", "batch_size", "lr", "embed_dim", "n_experts", "threads"):
            _check_positive(f"TrainConfig.{name}", getattr(self, name))
        if self.weight_rank < 0 or self.weight_rating < 0 or self.weight_rank + self.weight_rating == 0:
            raise ValueError(
                f"loss weights must be >= 0 and not both 0, got weight_rank={self.weight_rank}, "
                f"weight_rating={self.weight_rating}"
            )

    @property
    def run_name(self) -> str:
        if self.name:
            return self.name
        return f"{self.data}-{self.sharing}-w{self.weight_rank:g}-{self.weight_rating:g}-s{self.seed}"

    def model_config(self, n_users: int, n_items: int) -> ModelConfig:
        return ModelConfig(
            n_users=n_users,
            n_items=n_items,
            sharing=self.sharing,
            embed_dim=self.embed_dim,
            n_experts=self.n_experts,
        )
