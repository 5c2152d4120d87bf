"""`python -m data.omniglot`: fetch, verify and prepare Omniglot (what `make data` runs).

    python -m data.omniglot                       # official zips -> data/cache/omniglot-official-28px.npz
    DATA_MIRROR=/path/to/mirror python -m data.omniglot    # copy the zips from a local mirror
    python -m data.omniglot --image-size 32 --rebuild
    python -m data.omniglot --source synthetic    # the offline stand-in, cached the same way

Prints one summary: counts, cache file and size, time to prepare, time to load the cache.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from data.fetch import DataError

from .cache import cache_path, read_cache
from .load import load_omniglot


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m data.omniglot", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--image-size", type=int, default=28, help="side of the cached images (default 28)"
    )
    parser.add_argument(
        "--source", choices=("official", "synthetic"), default="official",
        help="official zips (default) or the synthetic stand-in",
    )  # fmt: skip
    parser.add_argument(
        "--rebuild", action="store_true", help="prepare again even if a good cache exists"
    )
    parser.add_argument(
        "--synthetic-characters", type=int, default=1623, help="characters of synthetic data"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of synthetic data")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    start = time.perf_counter()
    try:
        arrays = load_omniglot(
            args.image_size,
            args.source,
            rebuild=args.rebuild,
            synthetic_characters=args.synthetic_characters,
            seed=args.seed,
            progress=True,
        )
        prepared_s = time.perf_counter() - start
        path = cache_path(arrays.meta)
        start = time.perf_counter()
        read_cache(path)  # also proves the cache on disk is complete
        load_s = time.perf_counter() - start
    except (DataError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(arrays.summary())
    print(
        f"cache: {path} ({path.stat().st_size / 1e6:.1f} MB); ready in {prepared_s:.1f} s; "
        f"loads in {load_s:.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
