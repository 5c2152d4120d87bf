"""MovieLens 100K: the official zip, verified and extracted, parsed into ratings tensors and split.

Dimension letters: N ratings, U users, I items.

Pipeline (`load`): `fetch` the official `ml-100k.zip` (or copy it from `DATA_MIRROR`), check its
structure (the file has no published checksum, so: CRC of every member, the expected members, and
the row/user/item counts of `u.data`), extract `u.data` and `u.item` atomically and check what was
extracted, parse the ratings (ids are 1-based in the file and 0-based here), and split them 95/5 with
a fixed seed. `load(source="synthetic")` runs the same parser on files written by
`data.synthetic_movielens`, so offline runs and tests exercise the real code path.

`python -m data.movielens` downloads and verifies the data set (`make data` calls it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from data import synthetic_movielens
from data.command_line import prepare_command
from data.fetch import DataError, RemoteFile, data_home, fetch

ML_100K = RemoteFile(
    name="ml-100k.zip",
    url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
    mirror_path="movielens/ml-100k.zip",
    sha256=None,  # GroupLens publishes no checksum; `validate_zip` checks the structure instead
)
TOP_FOLDER = "ml-100k"
MEMBERS = ("u.data", "u.item")  # the files we use, inside TOP_FOLDER
N_RATINGS = 100_000
N_USERS = 943
N_ITEMS = 1682
N_GENRES = 19
TEST_FRACTION = 0.05
SPLIT_SEED = 0


@dataclass(frozen=True)
class Ratings:
    """A set of ratings, one entry per (user, item) pair.

    users: [N] int64, 0-based. items: [N] int64, 0-based. ratings: [N] float32.
    timestamps: [N] int64, seconds since 1970.
    """

    users: torch.Tensor
    items: torch.Tensor
    ratings: torch.Tensor
    timestamps: torch.Tensor

    def __len__(self) -> int:
        return int(self.users.numel())

    def subset(self, index: torch.Tensor) -> Ratings:
        """The ratings at `index` ([M] int64 or [N] bool)."""
        return Ratings(self.users[index], self.items[index], self.ratings[index], self.timestamps[index])


@dataclass(frozen=True)
class MovieLens:
    """A train/test split of one ratings file.

    noise_var: the irreducible rating error for synthetic data (None for the real data set).
    """

    train: Ratings
    test: Ratings
    n_users: int
    n_items: int
    source: str
    noise_var: float | None = None


@dataclass(frozen=True)
class Expected:
    """Counts a ratings file must have."""

    n_ratings: int
    n_users: int
    n_items: int


OFFICIAL = Expected(N_RATINGS, N_USERS, N_ITEMS)


def parse_ratings(text: str, source: str = "u.data") -> Ratings:
    """Parses `u.data` text (`user<TAB>item<TAB>rating<TAB>timestamp`, 1-based ids)."""
    users, items, ratings, stamps = [], [], [], []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise DataError(
                f"{source}, line {lineno}: expected 4 tab-separated fields "
                f"(user, item, rating, timestamp), got {len(fields)}: {line!r}. The file is not "
                "MovieLens 100K's u.data; delete it and run `make data` again."
            )
        try:
            user, item, stamp = int(fields[0]), int(fields[1]), int(fields[3])
            rating = float(fields[2])
        except ValueError as err:
            raise DataError(f"{source}, line {lineno}: {err} in {line!r}") from err
        if user < 1 or item < 1:
            raise DataError(f"{source}, line {lineno}: ids are 1-based, got user {user}, item {item}")
        users.append(user - 1)
        items.append(item - 1)
        ratings.append(rating)
        stamps.append(stamp)
    return Ratings(
        users=torch.tensor(users, dtype=torch.int64),
        items=torch.tensor(items, dtype=torch.int64),
        ratings=torch.tensor(ratings, dtype=torch.float32),
        timestamps=torch.tensor(stamps, dtype=torch.int64),
    )


def count_items(text: str, source: str = "u.item") -> int:
    """Number of items in `u.item` text (`|`-separated, 19 genre flags last); checks each row."""
    n = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("|")
        flags = fields[-N_GENRES:]
        if len(fields) < N_GENRES + 2 or any(f not in ("0", "1") for f in flags):
            raise DataError(f"{source}, line {lineno}: expected an id, a title and {N_GENRES} 0/1 genre flags")
        n += 1
    return n


def check_ratings(ratings: Ratings, expected: Expected, source: str) -> None:
    """Raises DataError unless `ratings` has the expected counts and unique (user, item) pairs."""
    n_users = int(ratings.users.unique().numel())
    n_items = int(ratings.items.unique().numel())
    got = Expected(len(ratings), n_users, n_items)
    if got != expected:
        raise DataError(
            f"{source} holds {got.n_ratings} ratings by {got.n_users} users of {got.n_items} items; "
            f"expected {expected.n_ratings}, {expected.n_users} and {expected.n_items}. The file is "
            "incomplete or not the official one: delete it and run `make data` again."
        )
    if int(ratings.users.max()) >= expected.n_users or int(ratings.items.max()) >= expected.n_items:
        raise DataError(f"{source}: ids are not contiguous 1..{expected.n_users} / 1..{expected.n_items}")
    pairs = ratings.users * expected.n_items + ratings.items
    if pairs.unique().numel() != len(ratings):
        raise DataError(f"{source}: some (user, item) pairs are rated more than once")


def validate_zip(path: Path, expected: Expected = OFFICIAL) -> None:
    """Structural check of `ml-100k.zip` (the `fetch` validator): CRCs, members, counts."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise DataError(f"{path}: member {bad} fails its CRC check; the download is corrupt.")
            names = set(archive.namelist())
            missing = [f"{TOP_FOLDER}/{m}" for m in MEMBERS if f"{TOP_FOLDER}/{m}" not in names]
            if missing:
                raise DataError(f"{path} lacks {missing}: it is not the official ml-100k.zip.")
            text = archive.read(f"{TOP_FOLDER}/u.data").decode("latin-1")
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise DataError(f"{path} is not a readable zip ({err}); the download is incomplete.") from err
    check_ratings(parse_ratings(text, f"{path}:u.data"), expected, f"{path}:u.data")


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            crc = zlib.crc32(chunk, crc)
    return crc


def extract(zip_path: Path, dest_dir: Path) -> Path:
    """Extracts the used members into `dest_dir/ml-100k/`, checked against the zip's sizes and CRCs.

    Safe to repeat: a complete folder is checked and reused; extraction goes to a temporary folder
    that is renamed into place only when every file checks out.
    """
    folder = Path(dest_dir) / TOP_FOLDER
    with zipfile.ZipFile(zip_path) as archive:
        infos = {m: archive.getinfo(f"{TOP_FOLDER}/{m}") for m in MEMBERS}

        def intact(root: Path) -> bool:
            return all(
                (root / m).is_file()
                and (root / m).stat().st_size == info.file_size
                and _crc32(root / m) == info.CRC
                for m, info in infos.items()
            )

        if folder.is_dir() and intact(folder):
            return folder
        Path(dest_dir).mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".ml-100k-", dir=dest_dir))
        try:
            for member, info in infos.items():
                with archive.open(info) as src, open(tmp / member, "wb") as out:
                    shutil.copyfileobj(src, out)
            if not intact(tmp):
                raise DataError(f"extracting {zip_path} produced files that differ from the archive")
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
    return folder


def split(ratings: Ratings, test_fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED) -> tuple[Ratings, Ratings]:
    """Random (train, test) split of the ratings, the same for a given seed on every machine."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    order = torch.randperm(len(ratings), generator=torch.Generator().manual_seed(seed))
    n_test = round(len(ratings) * test_fraction)
    return ratings.subset(order[n_test:]), ratings.subset(order[:n_test])


def load_folder(
    folder: Path,
    expected: Expected | None = OFFICIAL,
    test_fraction: float = TEST_FRACTION,
    seed: int = SPLIT_SEED,
    source: str = "movielens",
    noise_var: float | None = None,
) -> MovieLens:
    """Parses `folder/u.data` and `folder/u.item` and splits the ratings.

    expected: counts to enforce; None takes the item count from `u.item` and the user count from
    the largest user id (synthetic files).
    """
    folder = Path(folder)
    for member in MEMBERS:
        if not (folder / member).is_file():
            raise DataError(f"{folder / member} is missing; run `make data` (or `python -m data.movielens`).")
    ratings = parse_ratings((folder / "u.data").read_text(encoding="latin-1"), str(folder / "u.data"))
    n_items = count_items((folder / "u.item").read_text(encoding="latin-1"), str(folder / "u.item"))
    n_users = int(ratings.users.max()) + 1
    if expected is not None:
        check_ratings(ratings, expected, str(folder / "u.data"))
        n_users = expected.n_users
        if n_items != expected.n_items:
            raise DataError(f"{folder}/u.item lists {n_items} items, expected {expected.n_items}")
    if int(ratings.items.max()) >= n_items:
        raise DataError(f"{folder}: u.data rates items that u.item does not list")
    train, test = split(ratings, test_fraction, seed)
    return MovieLens(train, test, n_users, n_items, source, noise_var)


def prepare(home: Path | None = None, expected: Expected = OFFICIAL) -> Path:
    """Fetches, verifies and extracts MovieLens 100K; returns the folder holding u.data and u.item.

    expected: the counts the zip must have (tests pass those of a synthetic stand-in).
    """
    home = Path(home) if home is not None else data_home()
    zip_path = fetch(ML_100K, home / "downloads", validator=lambda path: validate_zip(path, expected))
    return extract(zip_path, home / "cache" / "movielens")


def synthetic_folder(spec: synthetic_movielens.SyntheticSpec, home: Path | None = None) -> Path:
    """Folder with the synthetic files of `spec`, written on first use."""
    home = Path(home) if home is not None else data_home()
    digest = hashlib.sha256(json.dumps(asdict(spec), sort_keys=True).encode()).hexdigest()[:12]
    tag = f"u{spec.n_users}-i{spec.n_items}-n{spec.n_ratings}-{digest}"
    folder = home / "cache" / "synthetic-movielens" / tag
    try:
        if synthetic_movielens.read_spec(folder) == spec and (folder / "u.data").is_file():
            return folder
    except (OSError, ValueError, TypeError):
        pass
    synthetic_movielens.write_synthetic(folder, spec)
    return folder


def load(
    source: str = "movielens",
    test_fraction: float = TEST_FRACTION,
    seed: int = SPLIT_SEED,
    spec: synthetic_movielens.SyntheticSpec | None = None,
    home: Path | None = None,
) -> MovieLens:
    """The train/test split of MovieLens 100K (`source="movielens"`) or of synthetic look-alike files.

    spec: the synthetic data set (default `SyntheticSpec()`); ignored for the real data.
    """
    if source == "movielens":
        return load_folder(prepare(home), OFFICIAL, test_fraction, seed, source)
    if source == "synthetic":
        spec = spec or synthetic_movielens.SyntheticSpec()
        folder = synthetic_folder(spec, home)
        noise_var = spec.noise_std**2
        return load_folder(folder, None, test_fraction, seed, source, noise_var)
    raise ValueError(f"source must be 'movielens' or 'synthetic', got {source!r}")


def describe(folder: Path) -> str:
    """What a prepared folder holds, read back with every check of `load_folder`."""
    data = load_folder(folder)
    return f"{len(data.train)} train / {len(data.test)} test ratings, {data.n_users} users, {data.n_items} items"


def main(argv: list[str] | None = None) -> None:
    prepare_command("data.movielens", "MovieLens 100K", prepare, describe, argv)


if __name__ == "__main__":
    main()
