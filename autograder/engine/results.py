"""Gradescope's results.json, and the readable table printed beside it.

Format (Gradescope autograder specification): top-level `score`, `execution_time`, `output`,
`output_format`, `test_output_format`, `visibility`, `stdout_visibility`, `tests`, and
`leaderboard` when a test uses the leaderboard decorator; each test has `name`, `number`, `score`,
`max_score`, `status` ("passed"/"failed"), `output`, `visibility`, `tags`; optional top-level
`extra_data` is stored by Gradescope and never shown to students. Visibility: each test carries its
own (its `@visibility` decorator, else the suite's `visibility` key) and the top-level `visibility`
is the suite's, the default Gradescope applies to a test without one. Notes for course staff only
(which user the worker ran as, its memory peak) go to `extra_data.staff_notes` and to the grader's
own printed output (Gradescope's stdout, which `stdout_visibility: hidden` keeps from students),
never to the top-level `output` students read. Outputs are plain text:
control characters and ANSI escapes are removed and lengths are capped, so nothing a student
prints can render as markup or flood the page.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_TEST_OUTPUT = 4000
MAX_TOP_OUTPUT = 8000
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str, limit: int) -> str:
    """Plain, bounded text: no ANSI escapes or control characters, at most `limit` characters."""
    text = _CONTROL.sub("", _ANSI.sub("", text))
    if len(text) > limit:
        text = text[: limit - 40] + f"\n... [{len(text) - limit + 40} characters cut]"
    return text


@dataclass
class TestResult:
    name: str
    number: str
    max_score: float
    score: float = 0.0
    status: str = "failed"
    output: str = ""
    visibility: str = "visible"
    tags: list[str] = field(default_factory=list)
    test_id: str = ""
    duration_s: float = 0.0
    leaderboard: dict[str, Any] | None = None

    def to_gradescope(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "number": self.number,
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "status": self.status,
            "output": clean_text(self.output, MAX_TEST_OUTPUT),
            "visibility": self.visibility,
            "tags": list(self.tags),
        }


@dataclass
class Report:
    tests: list[TestResult]
    execution_time: float
    output: str = ""
    visibility: str = "visible"
    staff_notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 4)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 4)

    def to_gradescope(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "score": self.score,
            "execution_time": round(self.execution_time, 2),
            "output": clean_text(self.output, MAX_TOP_OUTPUT),
            "output_format": "text",
            "test_output_format": "text",
            "visibility": self.visibility,
            "stdout_visibility": "hidden",
            "tests": [t.to_gradescope() for t in self.tests],
        }
        if self.staff_notes:
            data["extra_data"] = {"staff_notes": [clean_text(n, MAX_TEST_OUTPUT) for n in self.staff_notes]}
        board = [t.leaderboard for t in self.tests if t.leaderboard is not None]
        if board:
            data["leaderboard"] = board
        return data

    def write(self, path: Path) -> None:
        """Writes results.json atomically, so a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_gradescope(), indent=2) + "\n")
        os.replace(tmp, path)


def max_score(data: dict[str, Any]) -> float:
    """The points a results.json offers: the sum of its tests' max_score."""
    return round(sum(t["max_score"] for t in data.get("tests", [])), 4)


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def format_table(data: dict[str, Any], title: str = "") -> str:
    """A readable table of a results.json: number, test, points, status and a short reason."""
    rows = [("#", "test", "points", "status", "reason")]
    for t in data["tests"]:
        reason = "" if t["status"] == "passed" else first_line(t["output"])[:70]
        rows.append((t.get("number", ""), t["name"][:48], f"{t['score']:g}/{t['max_score']:g}", t["status"], reason))
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    lines = [title] if title else []
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4])
    total = max_score(data)
    lines.append(f"total: {data['score']:g}/{total:g} in {data['execution_time']:.1f} s")
    if data.get("output"):
        lines.append(data["output"])
    for note in data.get("extra_data", {}).get("staff_notes", []):
        lines.append(f"staff note: {note}")
    return "\n".join(lines)
