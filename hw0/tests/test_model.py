"""Public tests of hw0/submission/model.py: shapes, dtypes and basic properties.

They run your code in this process (`make test HW=hw0`), so a failure shows your own traceback. The
hidden tests check the same functions more thoroughly (against a reference, with random weights).

Dimension letters: B pairs, U users, I items, D embedding size, E experts.
"""

from __future__ import annotations

import pytest
import torch

from hw0.config import ModelConfig
from hw0.submission.model import TABLE_NAMES, MultiTaskRecommender, build_mlp, init_embeddings

N_USERS, N_ITEMS, D, B, E = 10, 15, 6, 9, 3
MODES = ("shared", "separate", "mmoe")


def _model(sharing: str) -> MultiTaskRecommender:
    torch.manual_seed(0)
    return MultiTaskRecommender(ModelConfig(n_users=N_USERS, n_items=N_ITEMS, sharing=sharing, embed_dim=D, n_experts=E))


def _pairs() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return torch.randint(N_USERS, (B,), generator=g), torch.randint(N_ITEMS, (B,), generator=g)


@pytest.mark.parametrize("sharing", MODES)
def test_init_embeddings_names_and_shapes(sharing):
    tables = init_embeddings(N_USERS, N_ITEMS, D, sharing, std=0.1)
    assert sorted(tables.keys()) == sorted(TABLE_NAMES[sharing])
    for name, table in tables.items():
        assert isinstance(table, torch.nn.Embedding), f"{name} must be an nn.Embedding"
        rows = N_USERS if name.startswith("user") else N_ITEMS
        assert tuple(table.weight.shape) == (rows, D), f"{name} has shape {tuple(table.weight.shape)}"


def test_init_embeddings_uses_std():
    torch.manual_seed(0)
    tables = init_embeddings(400, 300, 16, "shared", std=0.05)
    sd = float(tables["user"].weight.detach().std())
    assert abs(sd - 0.05) < 0.005, f"weights should have std 0.05, got {sd:.4f} (use nn.init.normal_)"


def test_separate_tables_are_distinct_tensors():
    tables = init_embeddings(N_USERS, N_ITEMS, D, "separate", std=0.1)
    pointers = {name: t.weight.data_ptr() for name, t in tables.items()}
    assert len(set(pointers.values())) == 4, "separate mode needs four different nn.Embedding objects"


def test_build_mlp_layout_and_shape():
    mlp = build_mlp(12, (8, 4), 1)
    assert [type(m).__name__ for m in mlp] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    out = mlp(torch.randn(5, 12))
    assert out.shape == (5, 1)
    single = build_mlp(3, (), 2)
    assert [type(m).__name__ for m in single] == ["Linear"]


def test_build_mlp_can_output_negative_numbers():
    torch.manual_seed(0)
    out = build_mlp(4, (8,), 1)(torch.randn(200, 4))
    assert bool((out < 0).any()), "no output is negative: is there an activation after the last layer?"


@pytest.mark.parametrize("sharing", MODES)
def test_forward_shapes_and_dtypes(sharing):
    users, items = _pairs()
    out = _model(sharing)(users, items)
    for key in ("rank", "rating"):
        assert key in out, f"forward must return {key!r}"
        assert out[key].shape == (B,), f"{key} must have shape (B,) = ({B},), got {tuple(out[key].shape)}"
        assert out[key].dtype == torch.float32


def test_shared_rank_is_dot_product_plus_bias():
    model = _model("shared")
    with torch.no_grad():
        model.item_bias.weight.normal_()
    users, items = _pairs()
    u, q = model.tables["user"](users), model.tables["item"](items)
    want = (u * q).sum(-1) + model.item_bias(items).squeeze(-1)
    torch.testing.assert_close(model(users, items)["rank"], want)


def test_mmoe_gates_sum_to_one_over_experts():
    users, items = _pairs()
    out = _model("mmoe")(users, items)
    for key in ("gate_rank", "gate_rating"):
        assert out[key].shape == (B, E), f"{key} must be [B, E], got {tuple(out[key].shape)}"
        torch.testing.assert_close(out[key].sum(-1), torch.ones(B))
        assert bool((out[key] >= 0).all())


@pytest.mark.parametrize("sharing", MODES)
def test_gradients_reach_the_embeddings(sharing):
    model = _model(sharing)
    users, items = _pairs()
    out = model(users, items)
    (out["rank"].sum() + out["rating"].sum()).backward()
    for name, table in model.tables.items():
        assert table.weight.grad is not None and bool(table.weight.grad.abs().sum() > 0), (
            f"no gradient reaches table {name!r}: is an output cut from the graph?"
        )


def test_separate_rank_output_does_not_touch_rating_tables():
    model = _model("separate")
    users, items = _pairs()
    model(users, items)["rank"].sum().backward()
    for name in ("user_rating", "item_rating"):
        grad = model.tables[name].weight.grad
        assert grad is None or float(grad.abs().sum()) == 0.0, f"the ranking score must not use {name!r}"
