"""The regrade check of `make check`: two gradings agree apart from their timings."""

from __future__ import annotations

import json
from pathlib import Path

from autograder.staff.batch import Outcome
from autograder.staff.selfcheck import _same_results


def _results(score: float, seconds: float) -> dict:
    return {"score": score, "execution_time": seconds,
            "tests": [{"name": "a", "score": score, "max_score": 1.0, "status": "passed", "execution_time": seconds}]}


def test_same_results_ignores_timings_only(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    first.write_text(json.dumps(_results(1.0, 3.0)))
    assert _same_results(Outcome("s", _results(1.0, 7.5), "", 7.5), first) == ""
    problem = _same_results(Outcome("s", _results(0.5, 3.0), "", 3.0), first)
    assert "differ" in problem and "'a'" in problem
    assert "no results" in _same_results(Outcome("s", None, "crashed", 1.0), first)
    assert "no results" in _same_results(Outcome("s", _results(1.0, 3.0), "", 3.0), tmp_path / "missing.json")
