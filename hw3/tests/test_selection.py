"""Public tests of selection.py on the tiny BERT (2 blocks): which parameters each mode trains."""

from __future__ import annotations

from hw3.submission.classifier import TextClassifier
from hw3.submission.selection import select_trainable

N_CLASSES = 3


def _model(encoder):
    return TextClassifier(encoder, N_CLASSES, head="linear")


def test_head_mode_selects_the_head_only(encoder):
    model = _model(encoder)
    assert select_trainable(model, "head") == ["head.bias", "head.weight"]


def test_all_mode_selects_everything(encoder):
    model = _model(encoder)
    assert set(select_trainable(model, "all")) == {n for n, _ in model.named_parameters()}


def test_last_k_selects_the_top_block(encoder):
    model = _model(encoder)
    names = select_trainable(model, "last-k", last_k=1)
    blocks = {n.split(".")[3] for n in names if n.startswith("encoder.encoder.layer.")}
    assert blocks == {"1"}, f"last_k=1 must train block 1 (the top of 2), got blocks {sorted(blocks)}"
    assert "head.weight" in names


def test_bitfit_selects_biases_and_head(encoder):
    names = select_trainable(_model(encoder), "bitfit")
    assert all(n.endswith(".bias") or n.startswith("head.") for n in names)
    assert "encoder.encoder.layer.0.attention.self.query.bias" in names
    assert "head.weight" in names


def test_selection_does_not_touch_requires_grad(encoder):
    model = _model(encoder)
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    before = {n: p.requires_grad for n, p in model.named_parameters()}
    select_trainable(model, "all")
    assert {n: p.requires_grad for n, p in model.named_parameters()} == before
