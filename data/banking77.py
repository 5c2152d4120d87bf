"""BANKING77 (Casanueva et al. 2020): online-banking queries labelled with one of 77 intents.

Dimension letters: N queries, C = 77 classes, K shots (training examples per class).

Files: the official `train.csv` (10,003 rows) and `test.csv` (3,080 rows, 40 per class), columns
`text,category`, and `categories.json` (the 77 intent names), from PolyAI-LDN/task-specific-datasets
on GitHub (`banking_data/`, CC-BY-4.0). They are fetched with `data.fetch.fetch` (or copied from
`DATA_MIRROR/banking77/`) and checked row by row: the expected row counts, the two columns, 77
categories, every test class 40 times. The publisher gives no checksums, so the checks are
structural.

Class index order: the category names sorted by Python's `sorted` (code-point order, so the one
capitalised name `Refund_not_showing_up` is 0, `activate_my_card` 1, ...,
`wrong_exchange_rate_for_cash_withdrawal` 76). It depends only on the names, not on the order
of rows or of categories.json, so it is the same for every file and every machine.

Protocol (as in the paper): a K-shot training set takes K examples of every class from the official
train.csv, drawn with a seed (`k_shot_indices`); every number is measured on the full official test
set. `python -m data.banking77` fetches and checks the files (`make data` calls it).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch

from data.command_line import prepare_command
from data.fetch import DataError, RemoteFile, data_home, fetch

_BASE = "https://raw.githubusercontent.com/PolyAI-LDN/task-specific-datasets/master/banking_data"
TRAIN_CSV = RemoteFile("train.csv", f"{_BASE}/train.csv", "banking77/train.csv")
TEST_CSV = RemoteFile("test.csv", f"{_BASE}/test.csv", "banking77/test.csv")
CATEGORIES_JSON = RemoteFile("categories.json", f"{_BASE}/categories.json", "banking77/categories.json")
COLUMNS = ("text", "category")
N_CLASSES = 77
N_TRAIN = 10_003
N_TEST = 3_080
TEST_PER_CLASS = 40


@dataclass(frozen=True)
class Expected:
    """What a split file must hold: its row count, class count, and (if fixed) rows per class."""

    rows: int
    classes: int
    per_class: int | None = None


TRAIN_EXPECTED = Expected(N_TRAIN, N_CLASSES)
TEST_EXPECTED = Expected(N_TEST, N_CLASSES, TEST_PER_CLASS)


@dataclass(frozen=True)
class Split:
    """texts: N strings. labels: [N] int64 in [0, C), indices into Banking77.categories."""

    texts: list[str]
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: torch.Tensor) -> Split:
        """The rows at `index` ([M] int64), in that order."""
        return Split([self.texts[i] for i in index.tolist()], self.labels[index])


@dataclass(frozen=True)
class Banking77:
    """train and test splits; categories: the C intent names, index = class label (sorted names)."""

    train: Split
    test: Split
    categories: list[str]


def read_rows(path: Path) -> list[tuple[str, str]]:
    """(text, category) rows of a BANKING77 CSV; DataError if the header or a row is malformed."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or tuple(h.strip() for h in header) != COLUMNS:
                raise DataError(f"{path}: expected the header {','.join(COLUMNS)}, got {header}")
            rows = []
            for lineno, row in enumerate(reader, start=2):
                if len(row) != 2 or not row[0].strip() or not row[1].strip():
                    raise DataError(f"{path}, line {lineno}: expected a text and a category, got {row}")
                rows.append((row[0], row[1].strip()))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path} is not a readable CSV ({err}); delete it and run `make data` again.") from err
    return rows


def check_rows(rows: list[tuple[str, str]], expected: Expected, source: str) -> None:
    """Raises DataError unless `rows` has the expected row count, classes and per-class counts."""
    counts = Counter(category for _, category in rows)
    if len(rows) != expected.rows or len(counts) != expected.classes:
        raise DataError(
            f"{source} holds {len(rows)} rows of {len(counts)} categories; expected {expected.rows} rows "
            f"of {expected.classes}. The file is incomplete or not the official one: delete it and run "
            "`make data` again."
        )
    if expected.per_class is not None:
        off = {c: n for c, n in counts.items() if n != expected.per_class}
        if off:
            raise DataError(f"{source}: every category must occur {expected.per_class} times; these do not: "
                            f"{dict(list(off.items())[:5])}")


def validator(expected: Expected):
    """A `fetch` validator for a split file with these expectations."""

    def validate(path: Path) -> None:
        check_rows(read_rows(path), expected, str(path))

    return validate


def read_categories(path: Path, n_classes: int = N_CLASSES) -> list[str]:
    """The intent names of categories.json, checked: a JSON list of `n_classes` distinct strings."""
    try:
        names = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError(f"{path} is not readable JSON ({err}); delete it and run `make data` again.") from err
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(set(names)) != n_classes:
        raise DataError(f"{path} must list {n_classes} distinct category names")
    return names


def validate_categories(path: Path) -> None:
    read_categories(path)


def to_split(rows: list[tuple[str, str]], categories: list[str], source: str) -> Split:
    """Texts and int64 labels; `categories` (sorted names) gives the label of each name."""
    index = {name: i for i, name in enumerate(categories)}
    unknown = sorted({c for _, c in rows} - set(index))
    if unknown:
        raise DataError(f"{source} uses categories that are not in categories.json: {unknown[:5]}")
    return Split([t for t, _ in rows], torch.tensor([index[c] for _, c in rows], dtype=torch.int64))


def load_folder(folder: Path, train: Expected | None = TRAIN_EXPECTED, test: Expected | None = TEST_EXPECTED) -> Banking77:
    """Reads train.csv, test.csv and categories.json of `folder`; `None` skips a split's count checks
    (for small look-alike files in tests). Labels index the sorted category names."""
    folder = Path(folder)
    for remote in (TRAIN_CSV, TEST_CSV, CATEGORIES_JSON):
        if not (folder / remote.name).is_file():
            raise DataError(f"{folder / remote.name} is missing; run `make data` (or `python -m data.banking77`).")
    train_rows = read_rows(folder / TRAIN_CSV.name)
    test_rows = read_rows(folder / TEST_CSV.name)
    listed = read_categories(folder / CATEGORIES_JSON.name,
                             N_CLASSES if train is not None else len({c for _, c in train_rows}))
    if train is not None:
        check_rows(train_rows, train, str(folder / TRAIN_CSV.name))
    if test is not None:
        check_rows(test_rows, test, str(folder / TEST_CSV.name))
    categories = sorted(listed)
    return Banking77(to_split(train_rows, categories, "train.csv"), to_split(test_rows, categories, "test.csv"),
                     categories)


def prepare(home: Path | None = None) -> Path:
    """Fetches and checks the three official files; returns the folder that holds them."""
    home = Path(home) if home is not None else data_home()
    folder = home / "downloads" / "banking77"
    fetch(TRAIN_CSV, folder, validator=validator(TRAIN_EXPECTED))
    fetch(TEST_CSV, folder, validator=validator(TEST_EXPECTED))
    fetch(CATEGORIES_JSON, folder, validator=validate_categories)
    return folder


def load(home: Path | None = None) -> Banking77:
    """The official BANKING77 train and test splits (fetched on first use)."""
    return load_folder(prepare(home))


def k_shot_indices(labels: torch.Tensor, shots: int, seed: int) -> torch.Tensor:
    """Indices of `shots` examples of every class, drawn without replacement with `seed`.

    labels: [N] int64. Returns [C*K] int64, grouped by class (class 0's K indices first), each
    group in random order. The same (labels, shots, seed) gives the same indices on every machine.
    Raises ValueError when a class has fewer than `shots` examples.
    """
    if shots < 1:
        raise ValueError(f"shots must be >= 1, got {shots}")
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for c in torch.unique(labels).tolist():
        members = torch.nonzero(labels == c).flatten()  # [N_c]
        if members.numel() < shots:
            raise ValueError(f"class {c} has {members.numel()} examples, fewer than shots={shots}")
        chosen.append(members[torch.randperm(members.numel(), generator=generator)[:shots]])
    return torch.cat(chosen)


def k_shot(split: Split, shots: int | None, seed: int) -> Split:
    """K examples per class of `split` (see k_shot_indices); shots=None returns the whole split."""
    if shots is None:
        return split
    return split.subset(k_shot_indices(split.labels, shots, seed))


def describe(folder: Path) -> str:
    """What a prepared folder holds, read back with every check of `load_folder`."""
    data = load_folder(folder)
    return f"{len(data.train)} train / {len(data.test)} test queries, {len(data.categories)} intents"


def main(argv: list[str] | None = None) -> None:
    prepare_command("data.banking77", "BANKING77", prepare, describe, argv)


if __name__ == "__main__":
    main()
