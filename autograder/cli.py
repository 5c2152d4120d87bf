"""The staff command line behind the Makefile targets.

  grade       grade one submission (zip, folder or .py) and write results.json
  grade-all   grade every zip/folder of a folder in parallel, plus gradebook.csv
  demo        grade every reference and every blank handout; print one table
  check       everything staff need to trust the kit (what CI runs)
  handout     build dist/hwN-handout.zip
  autograder  build dist/hwN-autograder.zip for Gradescope
  stubs       write hw*/submission from autograder/solutions (--check: fail where they differ)
  bench       measure and write BENCHMARKS.md
  audit       grade each reference and stub with many seeds; into BENCHMARKS.md

One verb per make target, with the target's name (`make autograder` runs `python -m autograder autograder`).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from autograder.engine.suite import KIT_ROOT, homeworks

ALLOW_ROOT_WORKER_HELP = ("as root, grade even where the student's code cannot run as another user "
                          "(it then runs as root with every capability dropped; the results say so)")


def _cmd_grade(args: argparse.Namespace) -> int:
    from autograder.engine.grade import grade
    from autograder.engine.results import format_table

    data = grade(args.hw, Path(args.submission), Path(args.out), seed=args.seed,
                 tests=args.tests.split(",") if args.tests else None,
                 kit_root=Path(args.kit_root) if args.kit_root else KIT_ROOT,
                 allow_root_worker=args.allow_root_worker)
    if not args.quiet:
        print(format_table(data, title=f"{args.hw}: {args.submission}"))
        print(f"wrote {args.out}")
    if args.metrics:
        from autograder.engine.grade import peak_memory_mb

        Path(args.metrics).write_text(json.dumps({"peak_memory_mb": peak_memory_mb()}))
    return 0


def _cmd_grade_all(args: argparse.Namespace) -> int:
    from autograder.staff.batch import grade_all, summary_lines

    outcomes = grade_all(args.hw, Path(args.submissions), Path(args.out), jobs=args.jobs, seed=args.seed,
                         allow_root_worker=args.allow_root_worker)
    print("\n".join(summary_lines(outcomes)))
    print(f"wrote {len(outcomes)} results, {Path(args.out) / 'gradebook.csv'} and "
          f"{Path(args.out) / 'similarity.csv'} (pairs that look copied: a lead to check, never a grade)")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from autograder.staff.demo import run_demo

    return run_demo(args.hw.split(",") if args.hw else homeworks(), jobs=args.jobs)


def _cmd_check(args: argparse.Namespace) -> int:
    from autograder.staff.selfcheck import run_checks

    return run_checks(args.hw.split(",") if args.hw else homeworks(), jobs=args.jobs, seeds=args.seeds,
                      only=args.only)


def _cmd_handout(args: argparse.Namespace) -> int:
    from autograder.staff.packaging import build_handout

    print(f"wrote {build_handout(args.hw, Path(args.dist))}")
    return 0


def _cmd_autograder(args: argparse.Namespace) -> int:
    from autograder.staff.packaging import build_autograder

    print(f"wrote {build_autograder(args.hw, Path(args.dist))}")
    return 0


def _cmd_stubs(args: argparse.Namespace) -> int:
    from autograder.staff.stubgen import run_stubs

    return run_stubs(args.hw.split(",") if args.hw else [], check=args.check)


def _cmd_bench(args: argparse.Namespace) -> int:
    from autograder.staff.bench import run_bench

    return run_bench(args.hw.split(",") if args.hw else homeworks(), copies=args.copies)


def _cmd_audit(args: argparse.Namespace) -> int:
    from autograder.staff.audit import run_audit

    return run_audit(args.hw.split(",") if args.hw else homeworks(), runs=args.runs, jobs=args.jobs,
                     scale=args.scale)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("grade", help="grade one submission")
    p.add_argument("--hw", required=True)
    p.add_argument("--submission", required=True, help="zip, folder, or .py file")
    p.add_argument("--out", default="results.json")
    p.add_argument("--seed", type=int, default=0, help="grading seed")
    p.add_argument("--tests", default="", help="comma-separated test function names to run (default all)")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--kit-root", default="", help=argparse.SUPPRESS)
    p.add_argument("--metrics", default="", help="also write peak memory to this JSON file")
    p.add_argument("--allow-root-worker", action="store_true", help=ALLOW_ROOT_WORKER_HELP)
    p.set_defaults(run=_cmd_grade)

    p = sub.add_parser("grade-all", help="grade every zip/folder in a folder")
    p.add_argument("--hw", required=True)
    p.add_argument("--submissions", required=True)
    p.add_argument("--out", default="grading-out")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--allow-root-worker", action="store_true", help=ALLOW_ROOT_WORKER_HELP)
    p.set_defaults(run=_cmd_grade_all)

    p = sub.add_parser("demo", help="grade references and blank handouts; print one table")
    p.add_argument("--hw", default="", help="comma-separated homeworks (default all)")
    p.add_argument("--jobs", type=int, default=2)
    p.set_defaults(run=_cmd_demo)

    p = sub.add_parser("check", help="everything staff need to trust the kit")
    p.add_argument("--hw", default="")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seeds", type=int, default=3, help="gradings of each reference with different seeds")
    p.add_argument("--only", default="", help="run only checks whose label starts with this (e.g. attack, mutant)")
    p.set_defaults(run=_cmd_check)

    p = sub.add_parser("stubs", help="write the student stubs from the reference solutions")
    p.add_argument("--hw", default="", help="comma-separated homeworks (default all)")
    p.add_argument("--check", action="store_true", help="write nothing; fail if a committed stub differs")
    p.set_defaults(run=_cmd_stubs)

    p = sub.add_parser("bench", help="measure grading cost and write BENCHMARKS.md")
    p.add_argument("--hw", default="")
    p.add_argument("--copies", type=int, default=20, help="reference copies for the grade-all throughput")
    p.set_defaults(run=_cmd_bench)

    p = sub.add_parser("audit", help="grade each reference and stub with many seeds; into BENCHMARKS.md")
    p.add_argument("--hw", default="")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--scale", type=int, default=200, help="mixed submissions for the grade-all scale run (0: none)")
    p.add_argument("--jobs", type=int, default=2)
    p.set_defaults(run=_cmd_audit)

    for name, run, help_text in (("handout", _cmd_handout, "build the student handout zip"),
                                 ("autograder", _cmd_autograder, "build the Gradescope autograder zip")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--hw", required=True)
        p.add_argument("--dist", default=str(KIT_ROOT / "dist"))
        p.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


