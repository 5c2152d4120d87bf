"""The reference training runs behind the READMEs' "expected results", as BENCHMARKS.md tables.

Each run that a README quotes is recorded under `autograder/bench/reference_runs/<hw>/<run>/`:
its `config.json` and `log.csv` as the training tool wrote them, one `test-it<I>.json` per test
of its checkpoint at iteration I (hw2's test.json or hw1's results.json, in one form) and
`machine.json`, the machine that recorded it (record right after the run: CPU minutes are only
comparable on one kind of processor). The tables
are made from those files only, so every figure can be traced to a log line:

    python -m autograder.bench.reference_runs record hw2 runs/hw2/<run> [--tests DIR ...]
    python -m autograder.bench.reference_runs record hw1 runs/hw1/<run>
    python -m autograder.bench.reference_runs                 # rewrite the BENCHMARKS.md section

`record` copies a run folder (and the test.json of each DIR, a folder holding a copy of a checkpoint
that was tested with --test-only); `make bench` also rewrites the section.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import importlib
import json
import shutil
from pathlib import Path
from typing import Any

RECORDS = Path(__file__).resolve().parent / "reference_runs"
# The course's quality bars: hw1 by (K, N), either model; hw2 by (method, K), 5-way, default protocol.
HW1_TARGETS = {(1, 2): 0.95, (2, 2): 0.95, (1, 3): 0.85, (1, 4): 0.65}
HW2_TARGETS = {("protonet", 1): 0.98, ("protonet", 5): 0.995, ("maml", 1): 0.97}
HW1_LOG_COLUMNS = {"step": "iteration", "val_accuracy": "val_acc", "load1": "load_average"}  # to hw2's names
# Settings that name files or switch the display, not the training: left out of the command.
NOT_TRAINING = {"out_dir", "name", "progress", "device"}
GOAL_MIN = 30  # CPU minutes per required experiment
CURVE_POINTS = 8  # validation points shown per run (evenly spaced over the logged ones)
MACHINE_UNKNOWN = "a 2-core x86_64 machine whose processor was not recorded"


@dataclasses.dataclass(frozen=True)
class Run:
    hw: str
    name: str
    config: dict[str, Any]
    rows: list[dict[str, float]]  # rows of log.csv: iteration, val_acc ("" when not validated), seconds, ...
    tests: list[dict[str, Any]]  # test-it<I>.json contents, by iteration
    machine: str  # machine.json's description; runs recorded before it existed: MACHINE_UNKNOWN

    @property
    def target(self) -> float | None:
        c = self.config
        if self.hw == "hw1":
            return HW1_TARGETS.get((c["num_shots"], c["num_classes"]))
        default_protocol = c.get("ways", 5) == 5 and not c.get("rotate") and c.get("split", "random") == "random"
        return HW2_TARGETS.get((c["method"], c["shots"])) if default_protocol else None

    @property
    def validations(self) -> list[dict[str, float]]:
        return [r for r in self.rows if r["val_acc"] != ""]

    def first_at(self, goal: float) -> dict[str, float] | None:
        """The first validated row at or above `goal`, or None."""
        return next((r for r in self.validations if r["val_acc"] >= goal), None)


def load_runs(root: Path = RECORDS) -> list[Run]:
    runs = []
    for folder in sorted(p for p in root.glob("hw*/*") if (p / "log.csv").is_file()):
        with open(folder / "log.csv") as f:
            rows = [{HW1_LOG_COLUMNS.get(k, k): (float(v) if v != "" else "") for k, v in r.items()}
                    for r in csv.DictReader(f)]
        tests = sorted((json.loads(p.read_text()) for p in folder.glob("test-it*.json")), key=lambda t: t["iteration"])
        about = folder / "machine.json"
        machine = json.loads(about.read_text())["machine"] if about.is_file() else MACHINE_UNKNOWN
        runs.append(Run(folder.parent.name, folder.name, json.loads((folder / "config.json").read_text()), rows,
                        tests, machine))
    return runs


def command(hw: str, config: dict[str, Any]) -> str:
    """The `python -m <hw>.train` line that reproduces `config` (only settings off their defaults)."""
    cls = importlib.import_module(f"{hw}.config").TrainConfig
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    parts = [f"python -m {hw}.train"] + ([config["method"]] if "method" in config else [])
    for key, value in config.items():
        default = defaults.get(key)
        if key in NOT_TRAINING or key == "method" or value == (list(default) if isinstance(default, tuple) else default):
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            parts.append(flag if value else f"--no-{key.replace('_', '-')}")
        elif isinstance(value, list):
            parts.append(f"{flag} {' '.join(str(v) for v in value)}")
        else:
            parts.append(f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}")
    return " ".join(parts)


def _minutes(row: dict[str, float], key: str = "cpu_seconds") -> str:
    return f"{row[key] / 60:.1f}"


def _test_cell(run: Run) -> str:
    if not run.tests:
        return "not tested"
    return "; ".join(f"{100 * t['acc']:.2f}% +- {100 * t['ci95']:.2f}% (it. {t['iteration']:,}, {t['tasks']:,} tasks)"
                     for t in run.tests)


def _curve(run: Run) -> str:
    points = run.validations
    if len(points) > CURVE_POINTS:
        step = (len(points) - 1) / (CURVE_POINTS - 1)
        points = [points[round(i * step)] for i in range(CURVE_POINTS)]
    return ", ".join(f"{int(r['iteration']):,}: {100 * r['val_acc']:.1f}% ({_minutes(r)})" for r in points)


def section(runs: list[Run]) -> str:
    lines = ["## Reference training runs",
             "",
             "From the records in `autograder/bench/reference_runs/` (each run's config.json, log.csv and tests), "
             "rewritten by `make bench` or `python -m autograder.bench.reference_runs`. CPU minutes: the training "
             "process's user + system time (`resource.getrusage`), validation included; load: the machine's "
             "1-minute load average over the logged rows (2 cores). hw1: validation on 512 episodes per point, "
             "test on 1,000 episodes; hw2: validation on 100 fixed 5-way tasks, test on the 600 fixed tasks; "
             "mean and 95% CI.",
             "",
             "| run | command | iterations | CPU min | wall min | load | best validation | test |",
             "|---|---|---|---|---|---|---|---|"]
    for run in runs:
        last, loads = run.rows[-1], [r["load_average"] for r in run.rows]
        best = max((r["val_acc"] for r in run.validations), default=None)
        lines.append(f"| {run.hw}/{run.name} | `{command(run.hw, run.config)}` | {int(last['iteration']):,} "
                     f"| {_minutes(last)} | {_minutes(last, 'seconds')} | {min(loads):.1f}-{max(loads):.1f} "
                     f"| {'-' if best is None else f'{100 * best:.1f}%'} | {_test_cell(run)} |")
    lines += ["", "Machines that recorded the runs (CPU minutes compare only between runs of one machine: the same "
              "training steps can take twice the CPU time on another processor):", ""]
    for machine in dict.fromkeys(run.machine for run in runs):
        lines.append(f"- {machine}: " + ", ".join(f"{r.hw}/{r.name}" for r in runs if r.machine == machine))
    lines += ["", "Time to target: CPU minutes until the validation accuracy first reached the run's target, against "
              f"the course's goal of {GOAL_MIN} minutes per required experiment on a 2-core laptop (one core each).",
              "", "| run | target | first reached at | CPU min to target | goal |", "|---|---|---|---|---|"]
    for run in runs:
        if run.target is None:
            continue
        hit = run.first_at(run.target)
        where = f"it. {int(hit['iteration']):,}" if hit else f"not reached in {int(run.rows[-1]['iteration']):,} it."
        goal = "-" if not hit else ("met" if hit["cpu_seconds"] <= 60 * GOAL_MIN
                                    else f"{hit['cpu_seconds'] / (60 * GOAL_MIN):.1f}x the goal")
        lines.append(f"| {run.hw}/{run.name} | {100 * run.target:.1f}% | {where} | {_minutes(hit) if hit else '-'} "
                     f"| {goal} |")
    lines += ["", "Validation curves, `iteration: accuracy (CPU minutes)`:", ""]
    lines += [f"- {run.hw}/{run.name}: {_curve(run)}" for run in runs if run.validations]
    return "\n".join(lines)


def record(hw: str, run_folder: Path, tests: list[Path], root: Path = RECORDS) -> Path:
    """Copies run_folder's config.json and log.csv, and the test.json of run_folder and of each of
    `tests` (named by the iteration of the checkpoint beside it) or hw1's results.json, into
    root/hw/<run name>/."""
    import torch

    from autograder.staff.bench import machine

    dest = root / hw / run_folder.name
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "machine.json").write_text(json.dumps({"machine": machine()}, indent=2) + "\n")
    for name in ("config.json", "log.csv"):
        shutil.copyfile(run_folder / name, dest / name)
    if (run_folder / "results.json").is_file():  # hw1: the test of the run's last step
        got = json.loads((run_folder / "results.json").read_text())
        summary = {"iteration": got["steps_done"], "shots": got["config"]["num_shots"],
                   "tasks": got["test_episodes"], "acc": got["test_accuracy"], "ci95": got["test_accuracy_ci95"]}
        (dest / f"test-it{summary['iteration']}.json").write_text(json.dumps(summary, indent=2) + "\n")
    for folder in [run_folder, *tests]:
        if not (folder / "test.json").is_file():
            continue
        result = json.loads((folder / "test.json").read_text())
        if "iteration" not in result:
            state = torch.load(folder / "checkpoint.pt", map_location="cpu", weights_only=True)
            result["iteration"] = int(state["iteration"])
        summary = {"iteration": result["iteration"], **result["test"][0]}  # the training K's test
        (dest / f"test-it{result['iteration']}.json").write_text(json.dumps(summary, indent=2) + "\n")
    return dest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb")
    rec = sub.add_parser("record", help="copy a run folder's records")
    rec.add_argument("hw")
    rec.add_argument("run_folder", type=Path)
    rec.add_argument("--tests", type=Path, nargs="*", default=[], help="folders of tested checkpoint copies")
    args = parser.parse_args(argv)
    if args.verb == "record":
        print(record(args.hw, args.run_folder, args.tests))
        return
    from autograder.staff.bench import update_sections

    update_sections({"reference-runs": section(load_runs())})
    print(section(load_runs()))


if __name__ == "__main__":
    main()
