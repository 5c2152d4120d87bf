"""hw1's provided training tool on the reference solution: resuming equals not stopping, and the
record a long run leaves (CPU time, load, time to target) is what the README and BENCHMARKS cite."""

from __future__ import annotations

import dataclasses
import json

import pytest

from autograder.engine.proxy import alias_submission

alias_submission("hw1", "autograder.solutions.hw1")

from hw1.config import TrainConfig  # noqa: E402
from hw1.train import run, time_to_target  # noqa: E402
from hw1.training import LogRow  # noqa: E402

SHORT = dict(data="synthetic", steps=6, eval_interval=3, eval_batches=1, batch_size=8, hidden_size=16,
             final_episodes=16, threads=1, progress=False)


def _rows(folder):
    lines = (folder / "log.csv").read_text().splitlines()
    header = lines[0].split(",")
    # wall and CPU seconds and the load differ between two runs; the learning must not
    keep = [header.index(c) for c in ("step", "train_loss", "train_accuracy", "val_accuracy")]
    return [[line.split(",")[i] for i in keep] for line in lines[1:]]


def test_resumed_run_equals_an_uninterrupted_one(tmp_path):
    straight = TrainConfig(**SHORT, out_dir=str(tmp_path / "a"))
    run(straight)
    first_half = TrainConfig(**{**SHORT, "steps": 3}, out_dir=str(tmp_path / "b"))
    run(first_half)
    resumed = run(dataclasses.replace(first_half, steps=6), resume=True)
    a, b = tmp_path / "a" / straight.run_name, tmp_path / "b" / straight.run_name
    assert _rows(a) == _rows(b)
    assert resumed["test_accuracy"] == json.loads((a / "results.json").read_text())["test_accuracy"]
    assert resumed["steps_done"] == 6 and resumed["train_cpu_seconds"] > 0


def test_resume_refuses_other_settings_and_missing_runs(tmp_path):
    config = TrainConfig(**SHORT, out_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="without --resume"):
        run(config, resume=True)
    run(config)
    with pytest.raises(ValueError, match="lr"):
        run(dataclasses.replace(config, lr=1e-2), resume=True)


def _row(step: int, val: float, cpu: float) -> LogRow:
    return LogRow(step, 0.5, 0.5, val, cpu + 1.0, cpu, 1.0)


def test_time_to_target_is_the_first_row_at_or_above_the_target():
    config = TrainConfig(num_shots=1, num_classes=4)  # target 0.65
    rows = [_row(500, 0.50, 10.0), _row(1000, 0.65, 20.0), _row(1500, 0.70, 30.0)]
    assert time_to_target(rows, config) == {"target": 0.65, "reached": True, "step": 1000,
                                            "cpu_seconds": 20.0, "wall_seconds": 21.0}
    missed = time_to_target(rows[:1], config)
    assert missed == {"target": 0.65, "reached": False, "best_val_accuracy": 0.50}
    assert time_to_target(rows, TrainConfig(num_shots=3, num_classes=4)) is None  # no target set
