"""`python -m data [NAME ...]` (`make data [DATASETS="NAME ..."]`): prepare the data sets this folder uses.

Each data set comes from its official source, or from `DATA_MIRROR` when that is set (then nothing
is downloaded), and is verified and prepared (data/downloads, data/cache).

What is attempted and what is required:
- `NAME ...` given (`DATASETS=...`): exactly those data sets, and each one is required.
- none given: the data sets of the homeworks in this folder (`HOMEWORK_DATASETS`). A handout holds
  one homework, so that is exactly its data sets, each required. The kit holds every homework: each
  data set is attempted and required too, except one that `DATA_MIRROR` holds no folder for (a
  course mirror may leave out MovieLens, whose licence forbids redistribution): that one is still
  attempted and reported, but its failure does not fail the run. Name it to require it.
Every data set is attempted even after another failed; the summary lists what was prepared and what
failed, with why. The exit status is 1 when a required data set failed, else 0.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from data.command_line import prepared
from data.fetch import MIRROR_ENV, DataError, mirror_root

KIT_ROOT = Path(__file__).resolve().parent.parent

# Which data sets each homework reads; `make data` in a handout prepares exactly these.
HOMEWORK_DATASETS = {
    "hw0": ("movielens",),
    "hw1": ("omniglot",),
    "hw2": ("omniglot",),
    "hw3": ("banking77",),
}


def _movielens() -> str:
    from data import movielens

    return prepared(movielens.prepare, movielens.describe)


def _omniglot() -> str:
    from data.omniglot.load import load_omniglot, prepared_cache_path

    arrays = load_omniglot(28, "official", progress=True)
    return f"{arrays.num_characters} characters x {arrays.num_drawers} drawers in {prepared_cache_path(28)}"


def _banking77() -> str:
    from data import banking77

    return prepared(banking77.prepare, banking77.describe)


# Name -> preparer (fetches, verifies, prepares; returns where the result is). The name is also the
# data set's folder inside DATA_MIRROR (e.g. <mirror>/omniglot/images_background.zip).
PREPARERS: dict[str, Callable[[], str]] = {
    "movielens": _movielens,
    "omniglot": _omniglot,
    "banking77": _banking77,
}


@dataclass(frozen=True)
class Plan:
    """attempt: data sets to prepare, in order; required: those whose failure fails the run."""

    attempt: tuple[str, ...]
    required: frozenset[str]


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    detail: str  # where the data set is when prepared, why it failed otherwise


def homeworks_here(root: Path = KIT_ROOT) -> list[str]:
    """The homeworks in this folder: `hw*/` with a README.md (the Makefile's rule)."""
    return sorted(p.parent.name for p in root.glob("hw*/README.md"))


def plan(names: Iterable[str], homeworks: Iterable[str], mirror: Path | None) -> Plan:
    """What to attempt and require (the rules of the module docstring)."""
    names = list(dict.fromkeys(names))
    if names:
        return Plan(tuple(names), frozenset(names))
    homeworks = list(homeworks)
    attempt = tuple(dict.fromkeys(d for hw in homeworks for d in HOMEWORK_DATASETS.get(hw, ())))
    if len(homeworks) <= 1 or mirror is None:
        return Plan(attempt, frozenset(attempt))
    return Plan(attempt, frozenset(d for d in attempt if (mirror / d).is_dir()))


def prepare_all(todo: Plan, preparers: dict[str, Callable[[], str]] = PREPARERS) -> list[Outcome]:
    """Runs every preparer of the plan, each one even after another failed."""
    outcomes = []
    for name in todo.attempt:
        print(f"== {name}", flush=True)
        try:
            outcomes.append(Outcome(name, True, preparers[name]()))
        except (DataError, ValueError, OSError) as err:
            outcomes.append(Outcome(name, False, str(err)))
    return outcomes


def summary(todo: Plan, outcomes: list[Outcome], mirror: Path | None) -> tuple[str, int]:
    """(the summary to print, the exit status)."""
    lines = []
    for o in outcomes:
        if o.ok:
            lines.append(f"  {o.name:10s} prepared: {o.detail}")
        elif o.name in todo.required:
            lines.append(f"  {o.name:10s} FAILED: {o.detail}")
        else:
            lines.append(f"  {o.name:10s} not prepared (not required: {MIRROR_ENV}={mirror} holds no "
                         f"{o.name}/ folder; `make data DATASETS={o.name}` requires it): {o.detail}")
    failed = [o.name for o in outcomes if not o.ok and o.name in todo.required]
    prepared = [o.name for o in outcomes if o.ok]
    head = (f"make data: prepared {', '.join(prepared) or 'nothing'}"
            + (f"; FAILED {', '.join(failed)}" if failed else "")
            + (" (nothing to prepare: no homework here reads a data set)" if not outcomes else ""))
    return "\n".join([head, *lines]), 1 if failed else 0


def main(argv: list[str] | None = None, root: Path = KIT_ROOT,
         preparers: dict[str, Callable[[], str]] = PREPARERS) -> int:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*",
                        help=f"any of {', '.join(preparers)} (default: those of the homeworks in this folder)")
    args = parser.parse_args(argv)
    # `make data DATASETS="a b"` and `DATASETS=a,b` both arrive here; accept either separator.
    names = [n for arg in args.names for n in arg.replace(",", " ").split()]
    unknown = sorted(set(names) - set(preparers))
    if unknown:
        parser.error(f"unknown data sets {unknown}; choose from {', '.join(preparers)}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        mirror = mirror_root()
    except DataError as err:
        print(f"make data: {err}", file=sys.stderr)
        return 1
    todo = plan(names, homeworks_here(root), mirror)
    outcomes = prepare_all(todo, preparers)
    text, status = summary(todo, outcomes, mirror)
    print(text, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
