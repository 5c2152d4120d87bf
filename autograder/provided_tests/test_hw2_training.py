"""hw2's provided training tool on the reference solution: more ways in training than at test,
the learning-rate schedule, and the CPU time and load that a run's log.csv records."""

from __future__ import annotations

import csv

from autograder.engine.proxy import alias_submission

alias_submission("hw2", "autograder.solutions.hw2")

from hw2.config import COMMAND_LINE_DEFAULTS, TrainConfig  # noqa: E402
from hw2.train import parse_config  # noqa: E402
from hw2.training import Learner, fit, load_class_sets  # noqa: E402


def test_training_with_more_ways_validates_five_way_and_logs_cpu_time(tmp_path):
    config = TrainConfig(data="synthetic", train_ways=10, meta_batch=1, iterations=4, val_every=2, log_every=2,
                         val_tasks=2, hidden=8, lr_halve_every=2, progress=False, execution="loop")
    sets = load_class_sets(config)
    learner = Learner.create(config, sets["train"].images.shape[-1])
    seen = []
    step = learner.step
    learner.step = lambda episodes, train=True: seen.append(episodes.y_support.shape[1]) or step(episodes, train)
    fit(learner, sets, tmp_path)
    assert seen == [10] * 4  # one 10-way 1-shot task per step
    assert learner.optimizer.param_groups[0]["lr"] == config.lr / 2  # the last step (index 3) ran at lr / 2
    with open(tmp_path / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["iteration"]) for r in rows] == [2, 4]
    assert all(float(r["cpu_seconds"]) > 0 and float(r["load_average"]) >= 0 for r in rows)
    assert all(0.0 <= float(r["val_acc"]) <= 1.0 for r in rows)  # validated on 5-way tasks


def test_cpu_budget_ends_training_with_a_validated_checkpoint_and_resume_respects_it(tmp_path):
    config = TrainConfig(data="synthetic", iterations=50, cpu_budget_min=1e-6, val_every=25, log_every=25,
                         val_tasks=2, hidden=8, meta_batch=1, progress=False)
    sets = load_class_sets(config)
    learner = Learner.create(config, sets["train"].images.shape[-1])
    history = fit(learner, sets, tmp_path)
    assert learner.iteration == 1 and [row["iteration"] for row in history] == [1]
    assert history[-1]["val_acc"] != "" and (tmp_path / "checkpoint.pt").is_file()
    again = Learner.create(config, sets["train"].images.shape[-1])
    assert [row["iteration"] for row in fit(again, sets, tmp_path, resume=True)] == [1]  # budget already spent


def test_maml_learning_rate_experiment_writes_its_table_with_compute(tmp_path):
    from hw2.experiments import EXPERIMENTS, main

    main(["maml-lrs", "--data", "synthetic", "--iterations", "2", "--hidden", "8", "--meta-batch", "1",
          "--val-tasks", "2", "--test-tasks", "2", "--no-progress", "--out-dir", str(tmp_path)])
    table = (tmp_path / "maml-lrs.md").read_text().splitlines()
    body = [line for line in table if line.startswith("| MAML")]
    assert [line.split(" | ")[0][2:] for line in body] == [label for label, _ in EXPERIMENTS["maml-lrs"]]
    assert all(line.split(" | ")[1] == "2" and float(line.split(" | ")[2]) >= 0 for line in body)
    assert len(list(tmp_path.glob("maml-*/checkpoint.pt"))) == 4


def test_command_line_starts_from_each_methods_defaults_and_flags_override_them():
    protonet, switches = parse_config(["protonet", "--test"])
    assert switches == {"test": True, "test_only": False, "resume": False}
    assert {k: getattr(protonet, k) for k in COMMAND_LINE_DEFAULTS["protonet"]} == COMMAND_LINE_DEFAULTS["protonet"]
    assert parse_config(["maml"])[0] == TrainConfig(method="maml")  # MAML: the field defaults
    tuned = parse_config(["protonet", "--meta-batch", "4", "--iterations", "100"])[0]
    assert (tuned.meta_batch, tuned.iterations, tuned.train_ways) == (4, 100, 20)
