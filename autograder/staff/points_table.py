"""`make check`: each homework README's points table agrees with its hidden suite.

A handout's README tells students what each function is worth, in a section headed
`## What you implement (N points ...)` with a table whose LAST column reads `points (hidden tests)`:

    | file: function | what | points (hidden tests) |
    | --- | --- | --- |
    | `losses.py: bpr_loss` | numerically stable BPR | 2 (3.1–3.2) |
    | `losses.py: multitask_loss` | both losses and their weighted sum | 3 (3.3, 3.4) |

Each row's points must equal the sum of the `@weight`s of the tests it names (by `@number`;
`3.1–3.4` is a range of the same section, en dash or hyphen), every test of the suite must be named
by exactly one row, and the numbers in the heading's parentheses (`30 points`, or `28 points, plus
2 extra credit`) must add up to the suite's total. Adding a hidden test therefore fails `make check`
until the README says what it is worth.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_HEADING = re.compile(r"^## What you implement \(([^)]*)\)", re.M)
_CELL = re.compile(r"^(\d+(?:\.\d+)?)\s*\(([^)]*)\)$")
_RANGE = re.compile(r"^(\d+)\.(\d+)\s*[–-]\s*(\d+)\.(\d+)$")


def _numbers(spec: str) -> list[str]:
    """'1.1–1.3, 2.5' -> ['1.1', '1.2', '1.3', '2.5']; raises ValueError on anything else."""
    numbers = []
    for part in (p.strip() for p in spec.split(",")):
        span = _RANGE.match(part)
        if span:
            major, first, major_end, last = span.groups()
            if major != major_end or int(last) < int(first):
                raise ValueError(f"range {part!r} must stay within one section, low to high")
            numbers += [f"{major}.{minor}" for minor in range(int(first), int(last) + 1)]
        elif re.fullmatch(r"\d+(\.\d+)*", part):
            numbers.append(part)
        else:
            raise ValueError(f"cannot read test number {part!r}")
    return numbers


def _table(text: str) -> tuple[str, list[list[str]]]:
    """(the heading's parenthesis, the rows of the first table after it, as lists of cells)."""
    heading = _HEADING.search(text)
    if heading is None:
        raise ValueError("no section headed '## What you implement (N points)'")
    rows: list[list[str]] = []
    for line in text[heading.end():].splitlines()[1:]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows or line.startswith("#"):
            break
    if len(rows) < 3:
        raise ValueError("no points table under '## What you implement'")
    return heading.group(1), rows


def points_table_problems(readme: Path, listing: list[dict[str, Any]]) -> list[str]:
    """What disagrees between `readme`'s points table and the suite (`grade.list_tests`); [] if nothing."""
    try:
        heading, rows = _table(readme.read_text())
    except (OSError, ValueError) as err:
        return [f"{readme}: {err}"]
    header, body = rows[0], rows[2:]  # rows[1] is the | --- | separator
    if header[-1] != "points (hidden tests)":
        return [f"{readme}: the table's last column must be 'points (hidden tests)', got {header[-1]!r}"]
    weights = {t["number"]: float(t["max_score"]) for t in listing}
    problems, named = [], []
    for row in body:
        cell = _CELL.match(row[-1])
        if cell is None:
            problems.append(f"row {row[0]!r}: points cell {row[-1]!r} is not 'P (test numbers)'")
            continue
        try:
            numbers = _numbers(cell.group(2))
        except ValueError as err:
            problems.append(f"row {row[0]!r}: {err}")
            continue
        named += numbers
        unknown = [n for n in numbers if n not in weights]
        if unknown:
            problems.append(f"row {row[0]!r}: the suite has no test numbered {unknown}")
        suite_points = sum(weights.get(n, 0.0) for n in numbers)
        if float(cell.group(1)) != suite_points:
            problems.append(f"row {row[0]!r}: says {cell.group(1)} points, its tests {numbers} weigh {suite_points:g}")
    missing = sorted(set(weights) - set(named))
    twice = sorted({n for n in named if named.count(n) > 1})
    if missing:
        problems.append(f"tests named by no row: {missing}")
    if twice:
        problems.append(f"tests named by more than one row: {twice}")
    total = sum(weights.values())
    said = sum(float(n) for n in re.findall(r"\d+(?:\.\d+)?", heading))
    if said != total:
        problems.append(f"the heading says ({heading}), the suite's tests weigh {total:g} in all")
    return problems
