"""Public tests of the provided code (pass before you write anything), and one end-to-end run."""

from __future__ import annotations

import json

import pytest

from hw3.config import TrainConfig, default_epochs
from hw3.encoder import EncoderNotFound, find_encoder
from hw3.synthetic import make_intents


def test_tiny_tokenizer_pads_and_masks(tokenizer):
    batch = tokenizer(["my card", "how do i get my money back please"])
    assert batch.input_ids.shape == batch.attention_mask.shape
    assert batch.attention_mask[0].sum() < batch.attention_mask[1].sum()
    assert int(batch.input_ids[0, -1]) == tokenizer.pad_id


def test_config_resolves_and_rejects_unknown_keys():
    cfg = TrainConfig(mode="all", shots=10).resolve()
    assert cfg.epochs == default_epochs(10) and cfg.lr is not None
    with pytest.raises(ValueError, match="unknown"):
        TrainConfig.from_dict({"mdoe": "all"})


def test_a_bad_encoder_path_names_the_fix(tmp_path):
    with pytest.raises(EncoderNotFound, match="config.json"):
        find_encoder(tmp_path)


def test_synthetic_task_is_balanced():
    task = make_intents(4, 5, seed=0)
    assert task.labels.bincount().tolist() == [5, 5, 5, 5]


def test_end_to_end_synthetic_run(tmp_path):
    """`python -m hw3.train --data synthetic`: the whole pipeline on your code, in seconds."""
    from hw3.train import main

    metrics = main(["--data", "synthetic", "--mode", "all", "--shots", "8", "--epochs", "3", "--lr", "3e-3",
                    "--synthetic-classes", "4", "--no-progress", "--out-dir", str(tmp_path)])
    assert 0.0 <= metrics["accuracy"] <= 1.0
    saved = json.loads((tmp_path / "synthetic-all-8shot-s0" / "config.json").read_text())
    assert saved["epochs"] == 3 and saved["mode"] == "all"
