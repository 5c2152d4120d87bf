"""Hidden tests of hw3's lora.py: the LoRALinear wrapper, merge/unmerge, and inject_lora.

Single-layer tests run in float64 (the probe builds the nn.Linear in the dtype of the grader's W0),
so a correct implementation matches the formula to rounding whatever the order of its products;
the grader computes every reference with its own float64 formula. Model-level tests use the tiny
BERT of hw3/tiny.py, and the grader computes expected names with the reference solution.
inject_lora's parameter count is also accepted from the student's own LoRALinear (error carried
forward); the lora-mode gradient test runs the whole mode, so it is tagged end to end.

Dimension letters: N inputs, IN in-features, OUT out-features, R rank.
"""

from __future__ import annotations

import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.engine.carry_forward import END_TO_END
from autograder.engine.checks import expect_close, expect_shape, expect_true
from autograder.solutions.hw3.classifier import TextClassifier
from autograder.solutions.hw3.lora import inject_lora
from autograder.solutions.hw3.selection import select_trainable
from hw3.synthetic import make_intents
from hw3.tiny import TINY_HIDDEN, TINY_LAYERS, tiny_bert

N, IN, OUT, R = 5, 40, 48, 4  # IN != OUT and N small, so that an [OUT, IN] product stands out by its size
ATOL = 1e-6  # float64 math
MODEL_ATOL = 1e-5  # float32 tiny BERT
N_CLASSES = 4


def _layer(seed: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {
        "weight": torch.randn(OUT, IN, generator=g, dtype=torch.float64) * 0.2,
        "bias": torch.randn(OUT, generator=g, dtype=torch.float64) * 0.1,
        "a": torch.randn(R, IN, generator=g, dtype=torch.float64) * 0.3,
        "b": torch.randn(OUT, R, generator=g, dtype=torch.float64) * 0.3,
        "x": torch.randn(N, IN, generator=g, dtype=torch.float64),
        "alpha": float(torch.randint(1, 17, (1,), generator=g)),
    }


def _formula(p: dict[str, torch.Tensor], merged_update: bool = True) -> torch.Tensor:
    """x W0^T + b0 + (alpha / r) (x A^T) B^T, in float64."""
    base = p["x"] @ p["weight"].T + p["bias"]
    return base + (p["alpha"] / R) * (p["x"] @ p["a"].T) @ p["b"].T if merged_update else base


@weight(2)
@number("2.1")
def test_lora_init_equals_base_and_freezes_it(student, grading_seed):
    """a fresh LoRALinear: B = 0, A random, output = base output, W0 and b0 frozen, gradients reach A and B"""
    p = _layer(grading_seed)
    got = student.call("probes:lora_init", p["weight"], p["bias"], R, p["alpha"], p["x"])
    expect_shape(got["A"], (R, IN), "lora_A")
    expect_shape(got["B"], (OUT, R), "lora_B")
    expect_true(bool((got["B"] == 0).all()), "lora_B must be all zeros at initialisation")
    expect_true(bool(torch.isfinite(got["A"]).all()) and float(got["A"].std()) > 0,
                "lora_A must be random (finite, not constant) at initialisation")
    expect_close(got["output"], _formula(p, merged_update=False), atol=ATOL,
                 what="output of a freshly wrapped layer (must equal the base layer's)")
    expect_close(torch.tensor(got["scaling"], dtype=torch.float64), torch.tensor(p["alpha"] / R), atol=1e-12,
                 what="scaling")
    expect_true(not got["base_weight_requires_grad"] and not got["base_bias_requires_grad"],
                "base.weight and base.bias must have requires_grad False after wrapping (W0 is frozen)")
    expect_true(got["with_grad"] == ["lora_A", "lora_B"],
                f"after a backward pass only lora_A and lora_B should hold gradients, got {got['with_grad']}")
    expect_true(got["grad_B_norm"] > 0, "lora_B received a zero gradient: with A random it must not be zero")
    lora_sizes = {n: s for n, s in got["param_sizes"].items() if not n.startswith("base.")}
    expect_true(sum(lora_sizes.values()) == R * (IN + OUT),
                f"the LoRA factors should hold r*(in+out) = {R * (IN + OUT)} numbers, but the layer's own "
                f"parameters {sorted(lora_sizes)} hold {sum(lora_sizes.values())}")


@weight(2)
@number("2.2")
def test_lora_forward_matches_formula(student, grading_seed):
    """LoRALinear(x) = W0 x + b0 + (alpha/r) B (A x) for given A and B"""
    for offset in range(2):
        p = _layer(grading_seed + offset)
        got = student.call("probes:lora_forward", p["weight"], p["bias"], p["a"], p["b"], p["alpha"], p["x"])
        expect_close(got, _formula(p), atol=ATOL, what=f"LoRALinear output with alpha={p['alpha']:g}, r={R}")


@weight(1)
@number("2.3")
def test_lora_forward_never_forms_ba(student, grading_seed):
    """the forward pass applies A then B, never building the [out, in] matrix B A"""
    p = _layer(grading_seed)
    largest = student.call("probes:lora_largest_intermediate", p["weight"], p["bias"], p["a"], p["b"], p["alpha"],
                           p["x"])
    expect_true(isinstance(largest, int) and largest < OUT * IN,
                f"the unmerged forward pass created a tensor of {largest} elements, as large as B @ A "
                f"({OUT}x{IN}); compute B (A x) instead")


@weight(2)
@number("2.4")
def test_lora_merge_unmerge(student, grading_seed):
    """merge folds (alpha/r) B A into W0 once (idempotent), unmerge restores W0, outputs unchanged"""
    p = _layer(grading_seed)
    got = student.call("probes:lora_merge", p["weight"], p["bias"], p["a"], p["b"], p["alpha"], p["x"])
    merged_w = p["weight"] + (p["alpha"] / R) * p["b"] @ p["a"]
    expect_true(got["merged_flag"] is True, "after merge(), layer.merged should be True")
    expect_close(got["w_merged"], merged_w, atol=ATOL, what="base.weight after merge()")
    expect_close(got["y_merged"], _formula(p), atol=ATOL, what="output after merge()")
    expect_close(got["w_merged_twice"], merged_w, atol=ATOL, what="base.weight after merge() twice")
    expect_close(got["y_merged_twice"], _formula(p), atol=ATOL, what="output after merge() twice")
    expect_true(got["unmerged_flag"] is False, "after unmerge(), layer.merged should be False")
    expect_close(got["w_unmerged"], p["weight"], atol=ATOL, what="base.weight after merge() then unmerge()")
    expect_close(got["y_unmerged_again"], _formula(p), atol=ATOL, what="output after merge() then unmerge()")
    expect_close(got["w_unmerged_twice"], p["weight"], atol=ATOL, what="base.weight after unmerge() twice")


def _expected_wrapped(targets: tuple[str, ...]) -> list[str]:
    return sorted(f"encoder.layer.{i}.attention.self.{t}" for i in range(TINY_LAYERS) for t in targets)


@weight(2)
@number("2.5")
def test_inject_lora(student, grading_seed):
    """inject_lora wraps exactly the target projections of every block; the model is unchanged at start"""
    texts = make_intents(3, 2, seed=grading_seed).texts
    for targets, r in ((("query", "value"), 2), (("key",), 3)):
        got = student.call("probes:inject", grading_seed, r, 2.0 * r, list(targets), texts)
        want = _expected_wrapped(targets)
        expect_true(got["wrapped"] == want,
                    f"inject_lora(targets={targets}): wrapped {got['wrapped'][:4]}..., expected the {len(want)} "
                    f"layers named {targets} in every block")
        expect_true(list(got["returned"]) == want,
                    f"inject_lora(targets={targets}) should return the sorted names of the wrapped layers")
        total = sum(got["lora_sizes"].values())

        # Error carried forward: the reference count, or as many LoRA parameters per wrapped layer
        # as the student's own LoRALinear holds (a LoRALinear bug is charged in LoRALinear's tests).
        per_layer = (r * 2 * TINY_HIDDEN, got["layer_lora_size"])
        expect_true(any(total == len(want) * n for n in per_layer),
                    f"inject_lora(targets={targets}, r={r}) added {total} LoRA parameters, expected "
                    f"{len(want) * r * 2 * TINY_HIDDEN}")
        expect_close(got["after"], got["before"], atol=MODEL_ATOL,
                     what="encoder output right after inject_lora (B = 0: must equal the output before)")


@weight(2)
@number("2.6")
@tags(END_TO_END)  # the lora mode end to end: inject_lora, LoRALinear and select_trainable together
def test_lora_mode_gradients(student, grading_seed):
    """mode "lora" end to end: only the LoRA factors and the head receive gradients"""
    task = make_intents(N_CLASSES, 3, seed=grading_seed)
    got = student.call("probes:lora_gradients", grading_seed, N_CLASSES, 2, task.texts, task.labels)
    model = TextClassifier(tiny_bert(seed=0), N_CLASSES, head="linear")
    inject_lora(model.encoder, r=2)
    want = sorted(select_trainable(model, "lora"))
    with_grad = got["with_grad"]
    extra, missing = sorted(set(with_grad) - set(want)), sorted(set(want) - set(with_grad))
    expect_true(not extra, f"in lora mode these parameters received gradients but must stay frozen: {extra[:4]}")
    expect_true(not missing, f"in lora mode these parameters received no gradient: {missing[:4]}")
