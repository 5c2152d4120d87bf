"""`python -m hw2.experiments NAME [train options]`: the README's experiments, one command each.

    python -m hw2.experiments protonet-shots   # ProtoNet trained 1-shot vs 5-shot, tested at its K
    python -m hw2.experiments maml-lrs --iterations 100000 --cpu-budget-min 30
                                               # MAML: inner lr 0.4 | 0.04 | 0.04 with 5 steps | learned
    python -m hw2.experiments test-shots       # ProtoNet and MAML (trained 1-shot) tested at K = 1..10

Any `hw2.train` option after the name applies to every run, over the defaults of the run's method
(e.g. `--iterations 500 --data synthetic`). A run whose folder already holds a finished checkpoint (last iteration or CPU budget reached) is
not trained again, only tested, so the experiments share runs (test-shots reuses the 1-shot runs
of the other two); an interrupted one resumes from its checkpoint.
Each experiment writes `<out_dir>/<name>.md` (a table of test accuracy with 95% CI) and, for
test-shots, `<out_dir>/test-shots.png`.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from pathlib import Path
from typing import Any

from hw2.config import TrainConfig
from hw2.plots import plot_test_shots
from hw2.train import parse_config, run
from hw2.training import budget_spent

log = logging.getLogger(__name__)

TEST_SHOTS = (1, 2, 4, 6, 8, 10)
EXPERIMENTS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "protonet-shots": [
        ("ProtoNet, trained 1-shot", {"method": "protonet", "shots": 1}),
        ("ProtoNet, trained 5-shot", {"method": "protonet", "shots": 5}),
    ],
    "maml-lrs": [
        ("MAML, inner lr 0.4, 1 step", {"method": "maml", "inner_lr": 0.4, "inner_steps": 1}),
        ("MAML, inner lr 0.04, 1 step", {"method": "maml", "inner_lr": 0.04, "inner_steps": 1}),
        ("MAML, inner lr 0.04, 5 steps", {"method": "maml", "inner_lr": 0.04, "inner_steps": 5}),
        ("MAML, learned inner lrs (init 0.4), 1 step",
         {"method": "maml", "inner_lr": 0.4, "inner_steps": 1, "learn_inner_lrs": True}),
    ],
    "test-shots": [
        ("ProtoNet (trained 1-shot)", {"method": "protonet", "shots": 1, "test_shots": TEST_SHOTS}),
        ("MAML (trained 1-shot)", {"method": "maml", "shots": 1, "test_shots": TEST_SHOTS}),
    ],
}


def _log_rows(config: TrainConfig) -> list[dict[str, str]]:
    path = Path(config.out_dir) / config.run_name / "log.csv"
    if not path.is_file():
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def _finished(config: TrainConfig) -> bool:
    """Whether the run's folder has a checkpoint at its last iteration or its CPU budget (then only test it)."""
    rows = _log_rows(config)
    if not rows or not (Path(config.out_dir) / config.run_name / "checkpoint.pt").is_file():
        return False
    return int(rows[-1]["iteration"]) >= config.iterations or budget_spent(rows, config)


def run_experiment(name: str, options: list[str]) -> dict[str, list[dict[str, float]]]:
    """Trains (or resumes, or only tests) each run of experiment `name`; writes its table.

    options: `hw2.train` options for every run, over each run's method defaults.
    """
    results, compute = {}, {}
    for label, changes in EXPERIMENTS[name]:
        config = parse_config([changes["method"], *options])[0].with_(**changes)
        summary = run(config, test=True, test_only=_finished(config), resume=True)
        results[label] = summary["test"]
        last = _log_rows(config)[-1]
        compute[label] = f"{int(last['iteration'])} | {float(last['cpu_seconds']) / 60:.1f}"
    out_dir = Path(config.out_dir)
    rows = [f"# {name}", "", f"{config.ways}-way, {config.test_tasks} test tasks, mean and 95% CI; "
            "training iterations and CPU minutes (validation included)", "",
            "| run | iterations | CPU min | test K | accuracy |", "|---|---|---|---|---|"]
    rows += [f"| {label} | {compute[label]} | {r['shots']} | {100 * r['acc']:.2f}% +- {100 * r['ci95']:.2f}% |"
             for label, rs in results.items() for r in rs]
    (out_dir / f"{name}.md").write_text("\n".join(rows) + "\n")
    (out_dir / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    if name == "test-shots":
        plot_test_shots(results, out_dir / "test-shots.png", ways=config.ways)
    print("\n".join(rows))
    return results


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("name", choices=sorted(EXPERIMENTS))
    args, rest = parser.parse_known_args(argv)
    run_experiment(args.name, rest)


if __name__ == "__main__":
    main()
