"""The command of a data set kept as files in one folder: `python -m data.movielens`, `python -m data.banking77`.

    python -m data.movielens [--home DIR]     # fetch (or copy from DATA_MIRROR), verify, read back

Such a module provides `prepare(home) -> folder` (fetch and verify its files, once) and
`describe(folder) -> str` (read the folder back, with every check of its loader, and say what is
there); its `main` is `prepare_command("data.<name>", title, prepare, describe, argv)`. `python -m data`
(`make data`) prepares the same way through `prepared`. Omniglot's command
(`data/omniglot/__main__.py`) is not one of these: it builds a pixel cache and has its own options.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

Prepare = Callable[[Path | None], Path]  # data home (None: $MTML_DATA_HOME or data/) -> prepared folder
Describe = Callable[[Path], str]  # prepared folder -> "80000 train / ... ratings, ..." (after its checks)


def prepared(prepare: Prepare, describe: Describe, home: Path | None = None) -> str:
    """Prepares the data set and reads it back: returns "<what describe says> in <folder>"."""
    folder = prepare(home)
    return f"{describe(folder)} in {folder}"


def prepare_command(module: str, title: str, prepare: Prepare, describe: Describe,
                    argv: Sequence[str] | None = None) -> None:
    """`python -m <module> [--home DIR]`: prepares the data set, then logs one summary line.

    module: the data set module's name, e.g. "data.movielens" (its prog and its logger; not
    `__name__`, which is "__main__" under `python -m`). title: e.g. "MovieLens 100K".
    Errors (`DataError` and the like) propagate: their message names the fix.
    """
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=f"Download and verify {title}.")
    parser.add_argument("--home", type=Path, default=None, help="data folder (default: $MTML_DATA_HOME or data/)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    folder = prepare(args.home)
    logging.getLogger(module).info("%s ready in %s: %s", title, folder, describe(folder))
