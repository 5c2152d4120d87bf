"""A two-task recommender: one ranking score and one rating per (user, item) pair.

Dimension letters: B pairs in a batch, U users, I items, D embedding size, E experts, H expert
output size.

Tasks (YouTube's "what to watch next" ranker, Zhao et al. 2019, in miniature):
- "rank" (engagement, implicit feedback): a score s(u, i); higher means the user is more likely to
  rate the item at all. Trained with BPR against a sampled unrated item.
- "rating" (satisfaction, explicit feedback): the predicted star rating r(u, i). Trained with MSE.

How the tasks share parameters (`ModelConfig.sharing`):
- "shared": one user table and one item table feed both tasks.
    s = u . q + b_i                     r = MLP([u, q, u * q])
- "separate": each task has its own user and item tables; nothing is shared but the data.
- "mmoe" (Ma et al. 2018): shared tables, E expert MLPs over x = [u, q, u * q], and per task t a
  softmax gate g_t(x) over the experts and a tower on the gated mixture:
    s = tower_rank(sum_e g_rank,e * expert_e(x)) + b_i
    r = tower_rating(sum_e g_rating,e * expert_e(x))

The layout of every module (names in `state_dict`) is fixed by `MultiTaskRecommender.__init__` and
the conventions in the TODO boxes: the grader loads its own weights into your model.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from hw0.config import SHARING_MODES, TASKS, ModelConfig

# Keys of the embedding tables (`MultiTaskRecommender.tables`) per sharing mode.
TABLE_NAMES = {
    "shared": ("user", "item"),
    "separate": ("user_rank", "item_rank", "user_rating", "item_rating"),
    "mmoe": ("user", "item"),
}


def init_embeddings(n_users: int, n_items: int, dim: int, sharing: str, std: float = 0.1) -> nn.ModuleDict:
    """The embedding tables of one sharing mode, initialised N(0, std^2).

    Returns an nn.ModuleDict of nn.Embedding with exactly the keys TABLE_NAMES[sharing]:
      "user*" tables have n_users rows, "item*" tables n_items rows, each row of size `dim`.
    """
    if sharing not in SHARING_MODES:
        raise ValueError(f"sharing must be one of {SHARING_MODES}, got {sharing!r}")
    # TODO: build one nn.Embedding per name in TABLE_NAMES[sharing] and return them in an
    # TODO: nn.ModuleDict under exactly those names.
    # TODO: - Shape: user tables [n_users, dim], item tables [n_items, dim].
    # TODO: - Initialise every weight with nn.init.normal_(weight, mean=0.0, std=std) (the default
    # TODO:   N(0, 1) init makes u . q far too large at the start of training).
    # TODO: - "separate" means separate: every table must be its own nn.Embedding with its own
    # TODO:   tensor. Putting one module under two names silently shares it between the tasks.
    # BEGIN SOLUTION
    tables = nn.ModuleDict()
    for name in TABLE_NAMES[sharing]:
        rows = n_users if name.startswith("user") else n_items
        table = nn.Embedding(rows, dim)
        nn.init.normal_(table.weight, mean=0.0, std=std)
        tables[name] = table
    return tables
    # END SOLUTION


def build_mlp(in_dim: int, hidden: Sequence[int], out_dim: int) -> nn.Sequential:
    """A multi-layer perceptron: [*, in_dim] float32 -> [*, out_dim] float32.

    Layout (the grader loads weights by these indices): Linear, ReLU, Linear, ReLU, ..., Linear,
    i.e. for hidden=(64, 32): Linear(in_dim, 64), ReLU, Linear(64, 32), ReLU, Linear(32, out_dim).
    """
    # TODO: return an nn.Sequential of nn.Linear layers with sizes
    # TODO: in_dim -> hidden[0] -> ... -> hidden[-1] -> out_dim, and one nn.ReLU() after every
    # TODO: Linear except the last (hidden=() gives a single Linear(in_dim, out_dim)).
    # TODO: - Use the default bias=True and the default PyTorch initialisation.
    # TODO: - No activation after the last layer: a rating tower must be able to output any real
    # TODO:   number, and a ranking score must be able to be negative.
    # TODO: - No other modules (no Dropout, no BatchNorm): state_dict keys must be "0.weight",
    # TODO:   "0.bias", "2.weight", ... exactly.
    # BEGIN SOLUTION
    sizes = [in_dim, *hidden, out_dim]
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)
    # END SOLUTION


def pair_features(u: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """[u, q, u * q] for each pair: u [B, D], q [B, D] float32 -> [B, 3*D] float32."""
    return torch.cat([u, q, u * q], dim=-1)


class MultiTaskRecommender(nn.Module):
    """Scores (user, item) pairs for both tasks; `forward` dispatches on `config.sharing`.

    forward(users [B] int64, items [B] int64) returns a dict:
      "rank":   [B] float32, ranking score s(u, i) (higher = more likely to be rated at all)
      "rating": [B] float32, predicted rating r(u, i)
    and in "mmoe" mode also
      "gate_rank", "gate_rating": [B, E] float32, each row the softmax gate weights over experts.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        D = config.embed_dim
        self.tables = init_embeddings(config.n_users, config.n_items, D, config.sharing, config.init_std)
        # b_i, the item's popularity in the ranking score; zero at the start.
        self.item_bias = nn.Embedding(config.n_items, 1)
        nn.init.zeros_(self.item_bias.weight)
        if config.sharing == "mmoe":
            self.experts = nn.ModuleList(
                build_mlp(3 * D, config.expert_hidden, config.expert_dim) for _ in range(config.n_experts)
            )
            self.gates = nn.ModuleDict({t: nn.Linear(3 * D, config.n_experts) for t in TASKS})
            self.towers = nn.ModuleDict({t: build_mlp(config.expert_dim, config.tower_hidden, 1) for t in TASKS})
        else:
            self.rating_mlp = build_mlp(3 * D, config.rating_hidden, 1)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> dict[str, torch.Tensor]:
        for name, ids, n in (("users", users, self.config.n_users), ("items", items, self.config.n_items)):
            if ids.dtype != torch.int64 or ids.dim() != 1:
                raise ValueError(f"{name} must be a [B] int64 tensor, got {ids.dtype} of shape {tuple(ids.shape)}")
            if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= n):
                raise ValueError(f"{name} must hold 0-based ids below {n}, got range [{int(ids.min())}, {int(ids.max())}]")
        if users.shape != items.shape:
            raise ValueError(f"users and items must have the same shape, got {tuple(users.shape)} and {tuple(items.shape)}")
        if self.config.sharing == "shared":
            return self.forward_shared(users, items)
        if self.config.sharing == "separate":
            return self.forward_separate(users, items)
        return self.forward_mmoe(users, items)

    def forward_shared(self, users: torch.Tensor, items: torch.Tensor) -> dict[str, torch.Tensor]:
        """Both tasks read the same tables. users, items: [B] int64. Returns "rank", "rating": [B] float32."""
        # TODO: look up u = tables["user"](users) and q = tables["item"](items), both [B, D], then
        # TODO:   rank   = u . q + b_i            (row-wise dot product, plus self.item_bias(items))
        # TODO:   rating = self.rating_mlp(pair_features(u, q))
        # TODO: and return {"rank": rank, "rating": rating}.
        # TODO: - Both outputs must have shape [B], not [B, 1]: squeeze the last dimension of
        # TODO:   item_bias and of the MLP output (a [B, 1] rating minus a [B] target broadcasts to
        # TODO:   [B, B] and trains on nonsense without any error).
        # TODO: - Keep everything a tensor operation: rebuilding a tensor from Python numbers
        # TODO:   (torch.tensor(list), .item(), .tolist(), .detach(), .numpy()) cuts the graph and
        # TODO:   the embeddings stop learning.
        # BEGIN SOLUTION
        u = self.tables["user"](users)  # [B, D]
        q = self.tables["item"](items)  # [B, D]
        rank = (u * q).sum(-1) + self.item_bias(items).squeeze(-1)  # [B]
        rating = self.rating_mlp(pair_features(u, q)).squeeze(-1)  # [B, 1] -> [B]
        return {"rank": rank, "rating": rating}
        # END SOLUTION

    def forward_separate(self, users: torch.Tensor, items: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each task reads its own tables. users, items: [B] int64. Returns "rank", "rating": [B] float32."""
        # TODO: the same two formulas as forward_shared, but the ranking score uses
        # TODO: tables["user_rank"] and tables["item_rank"], and the rating uses tables["user_rating"]
        # TODO: and tables["item_rating"] (and still self.item_bias and self.rating_mlp).
        # TODO: - The rating loss must not change the ranking tables and vice versa: the grader
        # TODO:   checks which tables each task's gradient reaches.
        # BEGIN SOLUTION
        u_rank = self.tables["user_rank"](users)  # [B, D]
        q_rank = self.tables["item_rank"](items)  # [B, D]
        u_rating = self.tables["user_rating"](users)  # [B, D]
        q_rating = self.tables["item_rating"](items)  # [B, D]
        rank = (u_rank * q_rank).sum(-1) + self.item_bias(items).squeeze(-1)  # [B]
        rating = self.rating_mlp(pair_features(u_rating, q_rating)).squeeze(-1)  # [B]
        return {"rank": rank, "rating": rating}
        # END SOLUTION

    def forward_mmoe(self, users: torch.Tensor, items: torch.Tensor) -> dict[str, torch.Tensor]:
        """Multi-gate mixture of experts. users, items: [B] int64.

        Returns "rank", "rating": [B] float32 and "gate_rank", "gate_rating": [B, E] float32.
        """
        # TODO: with u = tables["user"](users), q = tables["item"](items) and x = pair_features(u, q):
        # TODO:   1. run every expert on x: self.experts[e](x) is [B, H]; stack them to [B, E, H].
        # TODO:   2. for each task t in ("rank", "rating"): gate weights
        # TODO:        g_t = softmax(self.gates[t](x)) over the experts -> [B, E], each row sums to 1;
        # TODO:      the mixture sum_e g_t[:, e] * expert_e(x) -> [B, H];
        # TODO:      the output self.towers[t](mixture) -> [B, 1] -> [B].
        # TODO:   3. add the item bias self.item_bias(items) to the ranking output only.
        # TODO: Return {"rank": [B], "rating": [B], "gate_rank": g_rank, "gate_rating": g_rating}.
        # TODO: - The softmax runs over the expert axis of the [B, E] logits, not over the batch.
        # TODO: - Each task has its own gate and its own tower; the experts are shared.
        # TODO: - No activation at the end of an expert: expert_e(x) is the output of the expert's
        # TODO:   last Linear (build_mlp adds no ReLU there), and you add none (no ReLU on the
        # TODO:   expert outputs or on the mixture). The grader compares both outputs and the gates
        # TODO:   with a reference built this way (tests 2.3 and 2.7, tolerance 1e-5).
        # BEGIN SOLUTION
        u = self.tables["user"](users)  # [B, D]
        q = self.tables["item"](items)  # [B, D]
        x = pair_features(u, q)  # [B, 3D]
        experts = torch.stack([expert(x) for expert in self.experts], dim=1)  # [B, E, H]
        out: dict[str, torch.Tensor] = {}
        for task in TASKS:
            gate = torch.softmax(self.gates[task](x), dim=-1)  # [B, E]
            mixture = (gate.unsqueeze(-1) * experts).sum(dim=1)  # [B, E, 1] * [B, E, H] -> [B, H]
            out[task] = self.towers[task](mixture).squeeze(-1)  # [B]
            out[f"gate_{task}"] = gate
        out["rank"] = out["rank"] + self.item_bias(items).squeeze(-1)
        return out
        # END SOLUTION
