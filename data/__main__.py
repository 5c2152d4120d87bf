"""`python -m data [NAME ...]` (`make data`): get every data set, or the named ones.

Each data set comes from its official source, or from `DATA_MIRROR` when that is set, and is
verified and prepared. Data sets that may not be redistributed (MovieLens) are never mirrored in
CI: a missing mirror copy of those is reported and skipped, not an error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from data.fetch import DataError

DATASETS = {
    "movielens": "data.movielens",
    "omniglot": "data.omniglot.__main__",
    "banking77": "data.banking77",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(DATASETS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(DATASETS))
    if unknown:
        parser.error(f"unknown data sets {unknown}; choose from {', '.join(DATASETS)}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    failed = []
    for name in args.names or list(DATASETS):
        try:
            importlib.import_module(DATASETS[name]).main([])
        except DataError as err:
            print(f"{name}: {err}", file=sys.stderr)
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
