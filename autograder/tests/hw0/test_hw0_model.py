"""Hidden tests of hw0's model.py: embedding tables, the MLP, the three forward passes, gradients.

Every reference value is computed here, in the grader, from `autograder.solutions.hw0`; the student's
code runs behind `student.call`. Weights are random (from the grading seed) and loaded into both
models, so a forward pass is deterministic math and compared tightly. The forward passes are graded
on their own logic: where they do not match the reference, they are compared with their formulas
applied to the student's own tables and MLPs (`own_modules.py`, error carried forward), so a bug of
init_embeddings or build_mlp costs points in those functions' tests only.

Dimension letters: B pairs, U users, I items, D embedding size, E experts.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.carry_forward import expect_own_logic
from autograder.engine.checks import expect_close, expect_dtype, expect_shape, expect_true
from autograder.solutions.hw0 import model as ref
from autograder.tests.hw0.own_modules import OwnModules, own_forward
from hw0.config import TASKS, ModelConfig

PROBES = "probes"
B = 13  # pairs per forward test
ATOL = 1e-5  # float32 forward/backward of a tiny model, same math
GRAD_ZERO = 1e-9  # a gradient entry above this counts as "reaches"
TINY = {"n_users": 7, "n_items": 11, "embed_dim": 4, "rating_hidden": (6, 5), "n_experts": 3,
        "expert_hidden": (6,), "expert_dim": 5, "tower_hidden": (4,)}


def _config(sharing: str) -> dict[str, Any]:
    return {**TINY, "sharing": sharing}


def _reference(sharing: str, seed: int) -> tuple[ref.MultiTaskRecommender, dict[str, torch.Tensor]]:
    """The reference model with every parameter random (item biases too), and its state_dict."""
    torch.manual_seed(seed)
    model = ref.MultiTaskRecommender(ModelConfig(**_config(sharing)))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return model, {k: v.clone() for k, v in model.state_dict().items()}


def _pairs(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed + 1)
    return torch.randint(TINY["n_users"], (B,), generator=g), torch.randint(TINY["n_items"], (B,), generator=g)


# --- embedding tables and the MLP -------------------------------------------------------------

@weight(1)
@number("1.1")
def test_embedding_tables_layout(student, grading_seed):
    """init_embeddings: table names, types and shapes for every sharing mode"""
    for sharing in ("shared", "separate", "mmoe"):
        got = student.call(f"{PROBES}:embedding_tables", 9, 14, 6, sharing, 0.1)
        want = list(ref.TABLE_NAMES[sharing])
        expect_true(sorted(got["names"]) == sorted(want),
                    f"init_embeddings(..., sharing={sharing!r}) must return the tables {want}, got {got['names']}.")
        for name in want:
            expect_true(got["classes"][name] == "Embedding",
                        f"table {name!r} ({sharing}) must be an nn.Embedding, got {got['classes'][name]}.")
            rows = 9 if name.startswith("user") else 14
            w = expect_shape(got["weights"][name], (rows, 6), f"weight of table {name!r} ({sharing})")
            expect_dtype(w, torch.float32, f"weight of table {name!r} ({sharing})")


@weight(1)
@number("1.2")
def test_embedding_init_scale(student, grading_seed):
    """init_embeddings: weights are drawn N(0, std^2) with the given std"""
    std = 0.03 + 0.04 * (grading_seed % 5) / 4  # not the default, so a hard-coded 0.1 fails
    got = student.call(f"{PROBES}:embedding_tables", 300, 200, 16, "separate", std)
    for name, w in got["weights"].items():
        n = w.numel()
        mean, sd = float(w.mean()), float(w.std())
        # 8 standard errors: a correct N(0, std^2) draw fails with probability far below 1e-9.
        expect_true(abs(mean) < 8 * std / math.sqrt(n),
                    f"table {name!r}: the mean of the weights should be about 0 for N(0, std^2), got {mean:.4f}.")
        expect_true(abs(sd / std - 1) < 8 / math.sqrt(2 * n),
                    f"table {name!r}: weights should have standard deviation std={std:.3f}, got {sd:.4f}.")


@weight(1)
@number("1.3")
def test_separate_tables_are_distinct(student, grading_seed):
    """init_embeddings('separate'): four tables, no tensor shared between tasks"""
    got = student.call(f"{PROBES}:embedding_tables", 9, 14, 6, "separate", 0.1)
    expect_true(not got["shared_groups"],
                f"in separate mode these tables are one and the same tensor: {got['shared_groups']}; "
                "create a new nn.Embedding for every name.")
    w = got["weights"]
    for a, b in (("user_rank", "user_rating"), ("item_rank", "item_rating")):
        expect_true(not torch.equal(w[a], w[b]),
                    f"tables {a!r} and {b!r} hold identical values: each must be drawn on its own.")


MLP_SHAPES = ((12, (7, 5), 3), (6, (), 2), (4, (9,), 1))


@weight(1)
@number("1.4")
def test_mlp_layout(student, grading_seed):
    """build_mlp: Linear/ReLU layout and layer sizes"""
    for in_dim, hidden, out_dim in MLP_SHAPES:
        want = ref.build_mlp(in_dim, hidden, out_dim)
        got = student.call(f"{PROBES}:mlp_layout", in_dim, list(hidden), out_dim)
        call = f"build_mlp({in_dim}, {hidden}, {out_dim})"
        expect_true(got["classes"] == [type(m).__name__ for m in want],
                    f"{call} must be Linear, ReLU, ..., Linear (no activation after the last Linear); "
                    f"got {got['classes']}.")
        expect_true(got["shapes"] == {k: list(v.shape) for k, v in want.state_dict().items()},
                    f"{call} has parameters {got['shapes']}, which do not match the handout's layout.")


@weight(1)
@number("1.5")
def test_mlp_matches_reference(student, grading_seed):
    """build_mlp: forward pass equals the reference with the same weights"""
    g = torch.Generator().manual_seed(grading_seed)
    for in_dim, hidden, out_dim in MLP_SHAPES:
        mlp = ref.build_mlp(in_dim, hidden, out_dim)
        state = {k: torch.randn(v.shape, generator=g) for k, v in mlp.state_dict().items()}
        mlp.load_state_dict(state)
        x = torch.randn(10, in_dim, generator=g)
        got = student.call(f"{PROBES}:mlp_forward", in_dim, list(hidden), out_dim, state, x)
        with torch.no_grad():
            expect_close(got, mlp(x), atol=ATOL, what=f"build_mlp({in_dim}, {hidden}, {out_dim})(x)")


# --- forward passes ---------------------------------------------------------------------------

def _check_forward(student: Any, sharing: str, seed: int, keys: tuple[str, ...]) -> dict[str, Any]:
    model, state = _reference(sharing, seed)
    users, items = _pairs(seed)
    got = student.call(f"{PROBES}:model_forward", _config(sharing), state, users, items)
    expect_true(isinstance(got, dict) and all(k in got for k in keys),
                f"forward ({sharing}) must return a dict with the keys {list(keys)}, got "
                f"{sorted(got) if isinstance(got, dict) else type(got).__name__}.")
    with torch.no_grad():
        want = model(users, items)

    def expect_outputs(want: dict[str, torch.Tensor]) -> None:
        for key in keys:
            what = f"forward ({sharing}) output {key!r}"
            expect_shape(got[key], tuple(want[key].shape), what)
            expect_dtype(got[key], torch.float32, what)
            expect_close(got[key], want[key].detach(), atol=ATOL, what=what)

    # Error carried forward: with the student's own tables and MLPs (init_embeddings, build_mlp),
    # whose bugs their own tests charge.
    expect_own_logic(lambda: expect_outputs(want),
                     lambda: expect_outputs(own_forward(OwnModules(student, _config(sharing), state), sharing, users, items)))
    return got


@weight(2)
@number("2.1")
def test_shared_forward(student, grading_seed):
    """forward_shared: [B] ranking scores and ratings equal the reference"""
    _check_forward(student, "shared", grading_seed, ("rank", "rating"))


@weight(2)
@number("2.2")
def test_separate_forward(student, grading_seed):
    """forward_separate: [B] ranking scores and ratings equal the reference"""
    _check_forward(student, "separate", grading_seed, ("rank", "rating"))


@weight(2)
@number("2.3")
def test_mmoe_forward(student, grading_seed):
    """forward_mmoe: outputs and gate weights equal the reference"""
    _check_forward(student, "mmoe", grading_seed, ("rank", "rating", "gate_rank", "gate_rating"))


@weight(1)
@number("2.4")
def test_mmoe_gates_are_distributions(student, grading_seed):
    """forward_mmoe: each task's gate weights are >= 0 and sum to 1 over the experts, per example"""
    _, state = _reference("mmoe", grading_seed)
    for users, items in (_pairs(grading_seed), (torch.tensor([3]), torch.tensor([5]))):
        got = student.call(f"{PROBES}:model_forward", _config("mmoe"), state, users, items)
        for task in TASKS:
            key = f"gate_{task}"
            expect_true(key in got, f"forward_mmoe must return the gate weights under {key!r}.")
            gate = expect_shape(got[key], (users.numel(), TINY["n_experts"]), f"{key} (one row per example)")
            expect_true(bool((gate >= 0).all()), f"{key} has negative entries; gate weights come from a softmax.")
            expect_close(gate.sum(-1), torch.ones(users.numel()), atol=1e-5,
                         what=f"{key}.sum over the experts (each example's weights must sum to 1)")


# --- gradients --------------------------------------------------------------------------------

def _gradients(student: Any, sharing: str, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(student's, reference's) gradients per task and parameter name."""
    model, state = _reference(sharing, seed)
    users, items = _pairs(seed)
    cotangent = torch.randn(B, generator=torch.Generator().manual_seed(seed + 2))
    got = student.call(f"{PROBES}:model_gradients", _config(sharing), state, users, items, cotangent)
    want: dict[str, Any] = {}
    for task in TASKS:
        model.zero_grad(set_to_none=True)
        (model(users, items)[task] * cotangent).sum().backward()
        want[task] = {n: p.grad for n, p in model.named_parameters(remove_duplicate=False)}
    return got, want


def _own_gradients(student: Any, sharing: str, seed: int) -> dict[str, Any]:
    """Per task, the gradients the forward's formulas give on the student's own tables and MLPs."""
    _, state = _reference(sharing, seed)
    users, items = _pairs(seed)
    cotangent = torch.randn(B, generator=torch.Generator().manual_seed(seed + 2))
    own = OwnModules(student, _config(sharing), state)
    outputs = own_forward(own, sharing, users, items)
    return {task: own.gradients(outputs[task], cotangent) for task in TASKS}


def _check_gradients(student: Any, sharing: str, seed: int) -> None:
    got, want = _gradients(student, sharing, seed)
    # Error carried forward: a bug of init_embeddings or build_mlp is charged in their own tests.
    expect_own_logic(lambda: _expect_gradients(got, want, sharing),
                     lambda: _expect_gradients(got, _own_gradients(student, sharing, seed), sharing))


def _expect_gradients(got: dict[str, Any], want: dict[str, Any], sharing: str) -> None:
    for task in TASKS:
        expect_true(got[task] is not None,
                    f"the {task!r} output ({sharing}) is cut from the autograd graph: no parameter gets a "
                    "gradient. Build outputs with tensor operations only (no torch.tensor(list), .item(), "
                    ".detach()).")
        for name, w in want[task].items():
            g = got[task].get(name)
            if g is None and w is None:
                continue
            g = torch.zeros_like(w) if g is None else g
            w = torch.zeros_like(g) if w is None else w
            reaches, should = float(g.abs().max()) > GRAD_ZERO, float(w.abs().max()) > GRAD_ZERO
            expect_true(reaches or not should,
                        f"the gradient of the {task!r} output ({sharing}) does not reach {name}, which "
                        "that task uses: the parameter would never learn (is the output cut from the graph?).")
            expect_true(should or not reaches,
                        f"the gradient of the {task!r} output ({sharing}) reaches {name}, which that task "
                        "must not use.")
            expect_close(g, w, atol=ATOL, what=f"gradient of the {task!r} output ({sharing}) w.r.t. {name}")


@weight(2)
@number("2.5")
def test_gradients_reach_embeddings(student, grading_seed):
    """shared mode: both tasks' gradients reach the tables they use (and match the reference)"""
    _check_gradients(student, "shared", grading_seed)


@weight(2)
@number("2.6")
def test_separate_mode_isolates_gradients(student, grading_seed):
    """separate mode: each task's gradient reaches its own tables and never the other task's"""
    _check_gradients(student, "separate", grading_seed)


@weight(1)
@number("2.7")
def test_mmoe_gradients(student, grading_seed):
    """mmoe mode: each task's gradient reaches the experts, its own gate and tower, not the other's"""
    _check_gradients(student, "mmoe", grading_seed)
