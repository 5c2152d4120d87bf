"""Hidden tests of hw3's selection.py: the parameter set of every fine-tuning mode.

The worker builds the tiny classifier (hw3/tiny.py: 2 blocks of 32 features), freezes a random
subset of its parameters, and calls the student's select_trainable (`probes:selection`). In "lora"
mode the probe wraps the attention projections with its own LoRA wrapper (named like the handout's),
so that these tests do not depend on the student's lora.py. The grader builds the same model with
the reference and compares names, counts and the requires_grad flags (which must be untouched).
"""

from __future__ import annotations

from typing import Any

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.checks import expect_true
from autograder.solutions.hw3.classifier import TextClassifier
from autograder.solutions.hw3.lora import inject_lora
from autograder.solutions.hw3.selection import select_trainable
from hw3.tiny import tiny_bert

N_CLASSES = 5
LORA_R = 2
FROZEN_SHARE = 0.3  # share of the parameters the probe freezes before the call


def _reference(mode: str, last_k: int, head: str) -> tuple[set[str], dict[str, int]]:
    model = TextClassifier(tiny_bert(seed=0), N_CLASSES, head=head)
    if mode == "lora":
        inject_lora(model.encoder, r=LORA_R)
    sizes = {n: p.numel() for n, p in model.named_parameters()}
    return set(select_trainable(model, mode, last_k)), sizes


def _frozen(seed: int, names: list[str]) -> list[str]:
    g = torch.Generator().manual_seed(seed)
    draws = torch.rand(len(names), generator=g)
    return [n for n, u in zip(names, draws.tolist(), strict=True) if u < FROZEN_SHARE]


def _check(student: Any, seed: int, mode: str, last_k: int, head: str) -> None:
    want, sizes = _reference(mode, last_k, head)
    frozen = _frozen(seed, sorted(sizes))
    got = student.call("probes:selection", mode, last_k, head, N_CLASSES, frozen, LORA_R)
    what = f"select_trainable(model, {mode!r}, last_k={last_k}) with a {head} head"
    names = got["names"]
    expect_true(isinstance(names, list) and all(isinstance(n, str) for n in names),
                f"{what}: expected a list of parameter names (str), got {type(names).__name__}")
    expect_true(len(set(names)) == len(names), f"{what}: the list names some parameters more than once")
    unknown = sorted(set(names) - set(sizes))
    expect_true(not unknown, f"{what}: names not in model.named_parameters(): {unknown[:4]}")
    missing, extra = sorted(want - set(names)), sorted(set(names) - want)
    expect_true(not missing and not extra,
                f"{what}: wrong parameter set: {len(missing)} missing (e.g. {missing[:3]}), "
                f"{len(extra)} that should stay frozen (e.g. {extra[:3]})")
    count = sum(got["sizes"][n] for n in names)
    expect_true(count == sum(sizes[n] for n in want), f"{what}: selects {count} scalars, which is not the expected count")


@weight(1)
@number("1.1")
def test_head_mode(student, grading_seed):
    """mode "head": the head's parameters only (linear and cosine heads)"""
    _check(student, grading_seed, "head", 2, "linear")
    _check(student, grading_seed + 1, "head", 2, "cosine")


@weight(2)
@number("1.2")
def test_last_k_mode(student, grading_seed):
    """mode "last-k": the top k blocks plus the head, for k = 0, 1, 2"""
    for k in (1, 0, 2):
        _check(student, grading_seed + k, "last-k", k, "linear")


@weight(1)
@number("1.3")
def test_bitfit_mode(student, grading_seed):
    """mode "bitfit": every bias of the encoder plus the head"""
    _check(student, grading_seed, "bitfit", 2, "linear")


@weight(1)
@number("1.4")
def test_all_mode(student, grading_seed):
    """mode "all": every parameter"""
    _check(student, grading_seed, "all", 2, "cosine")


@weight(1)
@number("1.5")
def test_lora_mode(student, grading_seed):
    """mode "lora": the LoRA factors plus the head, never the frozen base weights"""
    _check(student, grading_seed, "lora", 2, "linear")


@weight(1)
@number("1.6")
def test_selection_leaves_requires_grad_alone(student, grading_seed):
    """select_trainable reads names only: every requires_grad flag is as it was before the call"""
    for mode in ("head", "all", "bitfit"):
        _, sizes = _reference(mode, 1, "linear")
        frozen = set(_frozen(grading_seed, sorted(sizes)))
        got = student.call("probes:selection", mode, 1, "linear", N_CLASSES, sorted(frozen), LORA_R)
        changed = sorted(n for n, flag in got["flags_after"].items() if flag != (n not in frozen))
        expect_true(not changed, f"select_trainable(model, {mode!r}) changed requires_grad of {len(changed)} "
                    f"parameters (e.g. {changed[:3]}); it must only return names")
