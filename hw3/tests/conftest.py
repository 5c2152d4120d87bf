"""Shared fixtures of the public hw3 tests: the tiny BERT and tokenizer of hw3/tiny.py (no download)."""

from __future__ import annotations

import pytest
import torch

from hw3.tiny import tiny_bert, tiny_tokenizer


@pytest.fixture(autouse=True)
def _one_thread_and_seed():
    torch.set_num_threads(1)
    torch.manual_seed(0)


@pytest.fixture
def tokenizer():
    return tiny_tokenizer()


@pytest.fixture
def encoder():
    return tiny_bert(seed=0)
