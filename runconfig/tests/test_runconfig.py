"""runconfig on a small config of every field kind: JSON round trip, unknown keys, the parser."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from runconfig import DictConfig, config_parser

HELP = {"lr": "learning rate", "mode": "a or b", "shots": "K values", "epochs": "passes (None: later)",
        "progress": "progress bar", "name": "run folder"}


@dataclass(frozen=True)
class Toy(DictConfig):
    lr: float = 1e-3
    mode: str = "a"
    shots: tuple[int, ...] = (1, 5)
    epochs: int | None = None
    progress: bool = True
    name: str = ""

    def __post_init__(self) -> None:
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        object.__setattr__(self, "shots", tuple(int(k) for k in self.shots))  # JSON gives lists


def test_to_dict_survives_json_and_comes_back_equal():
    config = Toy(lr=3e-3, shots=(2,), epochs=4, progress=False)
    raw = json.loads(json.dumps(config.to_dict()))
    assert raw["shots"] == [2]
    assert Toy.from_dict(raw) == config


def test_unknown_keys_are_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown Toy keys \['lrr'\]; known keys are \['epochs', 'lr',"):
        Toy.from_dict({"lrr": 1.0})


def test_with_changes_a_copy_and_checks_it_again():
    config = Toy()
    assert config.with_(mode="b").mode == "b" and config.mode == "a"
    with pytest.raises(ValueError, match="lr must be > 0"):
        config.with_(lr=0.0)


def test_parser_defaults_are_the_dataclass_defaults():
    assert Toy.from_dict(vars(config_parser(Toy, HELP).parse_args([]))) == Toy()


def test_parser_handles_every_field_kind():
    parser = config_parser(Toy, HELP, choices={"mode": ("a", "b")})
    args = vars(parser.parse_args(["--lr", "0.5", "--mode", "b", "--shots", "1", "2", "3", "--epochs", "7",
                                   "--no-progress", "--name", "x"]))
    assert Toy.from_dict(args) == Toy(lr=0.5, mode="b", shots=(1, 2, 3), epochs=7, progress=False, name="x")
    with pytest.raises(SystemExit):
        parser.parse_args(["--mode", "c"])  # not a choice: a usage error


def test_parser_takes_defaults_from_an_instance_and_skips_fields():
    parser = config_parser(Toy, HELP, defaults=Toy(lr=0.1), skip={"name"})
    args = vars(parser.parse_args([]))
    assert args["lr"] == 0.1 and "name" not in args


def test_a_field_without_help_is_an_error():
    with pytest.raises(ValueError, match=r"no help text for the Toy fields \['name'\]"):
        config_parser(Toy, {k: v for k, v in HELP.items() if k != "name"})
