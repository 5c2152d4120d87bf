"""The reference-runs tables are made from the recorded files only, and say what the files say."""

from __future__ import annotations

import csv
import json

import torch

from autograder.bench.reference_runs import MACHINE_UNKNOWN, command, load_runs, record, section
from autograder.staff.bench import cpu_model

COLUMNS = ["iteration", "loss", "val_acc", "seconds", "cpu_seconds", "load_average"]


def _run_folder(folder, config, rows):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    with open(folder / "log.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def test_section_reports_compute_curve_tests_and_time_to_target(tmp_path):
    rows = [[50, 0.9, "", 31, 30, 1.2], [100, 0.5, 0.97, 66, 60, 1.5], [200, 0.3, 0.981, 130, 120, 2.5],
            [300, 0.2, 0.99, 200, 180, 1.1]]
    _run_folder(tmp_path / "hw2" / "p1", {"method": "protonet", "shots": 1, "data": "official",
                                          "iterations": 300, "out_dir": "/x"}, rows)
    (tmp_path / "hw2" / "p1" / "test-it300.json").write_text(
        json.dumps({"iteration": 300, "shots": 1, "tasks": 600, "acc": 0.9851, "ci95": 0.0023}))
    _run_folder(tmp_path / "hw2" / "m1", {"method": "maml", "shots": 1, "iterations": 100},
                [[100, 1.0, 0.9, 70, 66, 1.0]])
    _run_folder(tmp_path / "hw2" / "slow", {"method": "protonet", "shots": 1}, [[900, 0.1, 0.985, 3700, 3600, 1.0]])
    _run_folder(tmp_path / "hw2" / "rot", {"method": "protonet", "shots": 1, "rotate": True},
                [[900, 0.1, 0.985, 3700, 3600, 1.0]])
    text = section(load_runs(tmp_path))
    assert "| hw2/rot | 98.0%" not in text  # the targets are the default protocol's
    assert "| hw2/slow | 98.0% | it. 900 | 60.0 | 2.0x the goal |" in text
    assert ("| hw2/p1 | `python -m hw2.train protonet --data official --iterations 300` | 300 | 3.0 | 3.3 "
            "| 1.1-2.5 | 99.0% | 98.51% +- 0.23% (it. 300, 600 tasks) |") in text
    assert "| hw2/p1 | 98.0% | it. 200 | 2.0 | met |" in text  # 98.1% at 120 CPU s: the first row at or above
    assert "| hw2/m1 | 97.0% | not reached in 100 it. | - | - |" in text
    assert "| not tested |" in text
    assert "- hw2/p1: 100: 97.0% (1.0), 200: 98.1% (2.0), 300: 99.0% (3.0)" in text


def test_command_lists_only_settings_off_their_defaults():
    config = {"method": "maml", "inner_lr": 0.04, "inner_steps": 5, "learn_inner_lrs": True, "meta_batch": 4,
              "test_shots": [1, 5], "progress": False, "name": "x", "cpu_budget_min": 30.0}
    assert command("hw2", config) == ("python -m hw2.train maml --inner-lr 0.04 --inner-steps 5 --learn-inner-lrs "
                                      "--test-shots 1 5 --cpu-budget-min 30")


def test_record_names_each_test_by_the_iteration_of_its_checkpoint(tmp_path):
    run = tmp_path / "runs" / "r"
    _run_folder(run, {"method": "protonet", "shots": 5}, [[500, 0.1, 0.99, 10, 9, 1.0]])
    tested = tmp_path / "copy-at-250"
    tested.mkdir()
    torch.save({"iteration": 250}, tested / "checkpoint.pt")
    result = {"acc": 0.99, "ci95": 0.001, "shots": 5, "tasks": 600}
    (tested / "test.json").write_text(json.dumps({"test": [result]}))
    (run / "test.json").write_text(json.dumps({"iteration": 500, "test": [{**result, "acc": 0.995}]}))
    dest = record("hw2", run, [tested], root=tmp_path / "records")
    assert sorted(p.name for p in dest.iterdir()) == ["config.json", "log.csv", "machine.json", "test-it250.json",
                                                      "test-it500.json"]
    assert json.loads((dest / "test-it250.json").read_text()) == {"iteration": 250, **result}
    assert [t["acc"] for t in load_runs(tmp_path / "records")[0].tests] == [0.99, 0.995]


def test_hw1_runs_are_read_in_their_own_column_names_and_targets(tmp_path):
    run = tmp_path / "runs" / "lstm_N3_K1_seed0"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"num_classes": 3, "num_shots": 1, "steps": 400}))
    (run / "log.csv").write_text("step,train_loss,train_accuracy,val_accuracy,seconds,cpu_seconds,load1\n"
                                 "200,0.6,0.5,0.80,11,12,2.0\n400,0.5,0.7,0.86,23,24,1.5\n")
    (run / "results.json").write_text(json.dumps({"steps_done": 400, "config": {"num_shots": 1},
                                                  "test_episodes": 1000, "test_accuracy": 0.861,
                                                  "test_accuracy_ci95": 0.014}))
    record("hw1", run, [], root=tmp_path / "records")
    _run_folder(tmp_path / "records" / "hw1" / "older", {"num_classes": 2, "num_shots": 1}, [[100, 0.5, 0.9, 2, 1, 1.0]])
    text = section(load_runs(tmp_path / "records"))
    recorder = [line for line in text.splitlines() if line.startswith(f"- {cpu_model()}, ")]
    assert len(recorder) == 1 and recorder[0].endswith(": hw1/lstm_N3_K1_seed0")  # and the runs recorded before:
    assert f"- {MACHINE_UNKNOWN}: hw1/older" in text
    assert ("| hw1/lstm_N3_K1_seed0 | `python -m hw1.train --num-classes 3 --steps 400` | 400 | 0.4 | 0.4 | 1.5-2.0 "
            "| 86.0% | 86.10% +- 1.40% (it. 400, 1,000 tasks) |") in text
    assert "| hw1/lstm_N3_K1_seed0 | 85.0% | it. 400 | 0.4 | met |" in text
