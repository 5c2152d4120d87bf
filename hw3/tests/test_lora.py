"""Public tests of lora.py: initialisation, the forward formula, merge/unmerge, injection."""

from __future__ import annotations

import torch
from torch import nn

from hw3.submission.lora import LoRALinear, inject_lora

IN, OUT, R, N = 6, 5, 2, 4


def _layer(alpha: float = 4.0) -> LoRALinear:
    torch.manual_seed(0)
    return LoRALinear(nn.Linear(IN, OUT).double(), r=R, alpha=alpha)


def test_starts_equal_to_the_base_layer_and_freezes_it():
    layer = _layer()
    x = torch.randn(N, IN, dtype=torch.float64)
    torch.testing.assert_close(layer(x), layer.base(x))
    assert layer.lora_A.shape == (R, IN) and layer.lora_B.shape == (OUT, R)
    assert bool((layer.lora_B == 0).all()) and float(layer.lora_A.detach().abs().sum()) > 0
    assert not layer.base.weight.requires_grad and not layer.base.bias.requires_grad


def test_forward_matches_the_formula():
    layer = _layer(alpha=3.0)
    with torch.no_grad():
        layer.lora_B.normal_()
    x = torch.randn(N, IN, dtype=torch.float64)
    want = layer.base(x) + (3.0 / R) * x @ layer.lora_A.T @ layer.lora_B.T
    torch.testing.assert_close(layer(x), want)


def test_merge_then_unmerge_round_trip():
    layer = _layer()
    with torch.no_grad():
        layer.lora_B.normal_()
    x = torch.randn(N, IN, dtype=torch.float64)
    w0, y = layer.base.weight.clone(), layer(x).detach()
    layer.merge()
    layer.merge()  # a second merge must not add the update again
    torch.testing.assert_close(layer(x).detach(), y)
    layer.unmerge()
    torch.testing.assert_close(layer.base.weight, w0)


def test_inject_wraps_query_and_value_of_every_block(encoder):
    names = inject_lora(encoder, r=2, alpha=4.0)
    assert names == sorted(f"encoder.layer.{i}.attention.self.{t}" for i in range(2) for t in ("query", "value"))
    assert isinstance(encoder.encoder.layer[0].attention.self.query, LoRALinear)
    assert not isinstance(encoder.encoder.layer[0].attention.self.key, LoRALinear)
