"""Checks of the provided code (they pass before you write anything)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from data.omniglot import ClassSet
from hw2.compiled import Encoder
from hw2.config import TrainConfig
from hw2.device import pick_device
from hw2.episodes import EpisodeSampler
from hw2.metrics import mean_ci95
from hw2.networks import ConvNet


def test_network_shapes_and_per_task_normalisation():
    net = ConvNet(hidden=8, blocks=4, image_size=28, num_classes=None)
    x = torch.rand(3, 10, 1, 28, 28)
    assert net(x).shape == (3, 10, 8)
    torch.testing.assert_close(net(x), torch.stack([net(x[b]) for b in range(3)]), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("lead", [(), (3,), (2, 2)])
def test_fused_normalisation_computes_the_same_values_and_gradients(lead):
    torch.manual_seed(0)
    plain = ConvNet(hidden=8, blocks=2, image_size=12)
    fused = ConvNet(hidden=8, blocks=2, image_size=12, fused_norm=True)
    fused.load_state_dict(plain.state_dict())
    with torch.no_grad():  # affine parameters away from their initial 1 and 0
        for a, b in zip(plain.norms, fused.norms, strict=True):
            a.weight.uniform_(0.5, 1.5), a.bias.uniform_(-0.5, 0.5)
            b.weight.copy_(a.weight), b.bias.copy_(a.bias)
    x = torch.rand(*lead, 6, 1, 12, 12)
    out_plain, out_fused = plain(x), fused(x)
    torch.testing.assert_close(out_fused, out_plain, atol=1e-5, rtol=1e-4)
    weights = torch.rand_like(out_plain)  # a loss that weighs every output differently
    # Every parameter but the conv biases, whose gradient is 0 up to rounding (the norm removes constants).
    names = [n for n, _ in plain.named_parameters() if not n.startswith("convs.") or n.endswith("weight")]
    grads = [torch.autograd.grad((out * weights).sum(), [dict(net.named_parameters())[n] for n in names])
             for net, out in ((plain, out_plain), (fused, out_fused))]
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(b, a, atol=1e-4, rtol=1e-4)


def test_episode_layout():
    images = np.random.default_rng(0).integers(0, 256, size=(12, 20, 28, 28), dtype=np.uint8)
    classes = ClassSet("train", images, np.arange(12), np.zeros(12, dtype=np.int64))
    e = EpisodeSampler(classes, ways=5, shots=2, queries=3, seed=0).sample(4)
    assert e.x_support.shape == (4, 10, 1, 28, 28) and e.x_query.shape == (4, 15, 1, 28, 28)
    assert e.y_support[0].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert float(e.x_support.max()) <= 1.0


def test_confidence_interval():
    mean, ci = mean_ci95([0.0, 1.0] * 50)
    assert abs(mean - 0.5) < 1e-9 and abs(ci - 1.96 * 0.5025 / 10) < 1e-3


def test_device_auto_prefers_cuda_then_mps_then_cpu():
    assert pick_device("auto", cuda=True, mps=True) == "cuda"
    assert pick_device("auto", cuda=False, mps=True) == "mps"
    assert pick_device("auto", cuda=False, mps=False) == "cpu"
    assert pick_device("cpu", cuda=True, mps=True) == "cpu"
    assert TrainConfig(device="auto").resolved_device == pick_device("auto")


def test_device_asked_by_name_but_absent_is_an_error():
    for name in ("cuda", "mps"):
        with pytest.raises(ValueError, match=f"--device {name}"):
            pick_device(name, cuda=False, mps=False)
    with pytest.raises(ValueError, match="device must be one of"):
        pick_device("tpu")


def test_device_auto_picks_cuda_when_pytorch_reports_it(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device("auto") == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device("auto") == "mps"


def test_encoder_falls_back_to_eager_when_compilation_fails(monkeypatch, caplog):
    def broken_compile(module):
        def compiled(x):
            raise RuntimeError("no C++ compiler")
        return compiled

    monkeypatch.setattr(torch, "compile", broken_compile)
    net = ConvNet(hidden=8, blocks=2, image_size=28)
    encoder = Encoder(net, compile=True)
    x = torch.rand(2, 6, 1, 28, 28)
    torch.testing.assert_close(encoder(x), net(x))
    assert not encoder.compiled and "eager mode" in caplog.text
    assert not Encoder(net, compile=False).compiled


def test_outer_learning_rate_halves_on_schedule():
    assert [TrainConfig(lr=1e-3).outer_lr(i) for i in (0, 5000)] == [1e-3, 1e-3]
    halving = TrainConfig(lr=1e-3, lr_halve_every=2000)
    assert [halving.outer_lr(i) for i in (0, 1999, 2000, 4000)] == [1e-3, 1e-3, 5e-4, 2.5e-4]


def test_training_ways_default_to_the_test_ways_and_maml_refuses_others():
    assert TrainConfig().training_ways == 5 and TrainConfig(train_ways=20).training_ways == 20
    assert TrainConfig(train_ways=20, lr_halve_every=2000).run_name == "protonet-5way-1shot-train20way-halve2000-s0"
    with pytest.raises(ValueError, match="drop --train-ways"):
        TrainConfig(method="maml", train_ways=20)


def test_runs_on_other_data_get_their_own_folder():
    assert TrainConfig(rotate=True).run_name == "protonet-5way-1shot-rotate-s0"
    assert TrainConfig(method="maml", split="alphabet").run_name == "maml-5way-1shot-lr0.4-steps1-alphabetsplit-s0"
    assert TrainConfig(name="mine", rotate=True).run_name == "mine"
