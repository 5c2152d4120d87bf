"""Where a mutant may lose points (`mutants.charge_problem`), the README points table check
(`points_table`) and error carried forward (`carry_forward.expect_own_logic`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.engine.carry_forward import END_TO_END, expect_own_logic
from autograder.staff.mutants import Mutant, charge_problem, graded_tests
from autograder.staff.points_table import points_table_problems

LISTING = [
    {"function": "test_helper", "name": "helper works", "number": "1.1", "max_score": 2.0, "tags": []},
    {"function": "test_caller", "name": "caller works", "number": "1.2", "max_score": 1.0, "tags": []},
    {"function": "test_training", "name": "training learns", "number": "2.1", "max_score": 3.0,
     "tags": [END_TO_END]},
]


def _mutant(*tests: str) -> Mutant:
    return Mutant(name="m", description="", file="f.py", old="a", new="b", tests=tests)


def _results(**scores: float) -> dict:
    by_function = {t["function"]: t for t in LISTING}
    return {"tests": [{"name": by_function[f]["name"], "number": by_function[f]["number"], "score": s,
                       "max_score": by_function[f]["max_score"]} for f, s in scores.items()]}


def test_mutant_graded_on_every_test_but_unlisted_end_to_end_ones() -> None:
    assert graded_tests(_mutant("test_helper"), LISTING) == ["test_helper", "test_caller"]
    assert graded_tests(_mutant("test_training"), LISTING) == ["test_helper", "test_caller", "test_training"]


def test_charge_only_where_listed() -> None:
    helper_bug = _mutant("test_helper")
    assert charge_problem(helper_bug, LISTING, _results(test_helper=0, test_caller=1)) == ""
    # end-to-end tests may lose points for any bug
    assert charge_problem(helper_bug, LISTING, _results(test_helper=0, test_caller=1, test_training=0)) == ""
    assert "test_caller" in charge_problem(helper_bug, LISTING, _results(test_helper=0, test_caller=0))
    assert "kept full marks" in charge_problem(helper_bug, LISTING, _results(test_helper=2, test_caller=1))
    assert "no results" in charge_problem(helper_bug, LISTING, None)
    assert "does not have" in charge_problem(_mutant("test_typo"), LISTING, _results(test_helper=0))


def _readme(tmp_path: Path, heading: str, rows: list[str]) -> Path:
    path = tmp_path / "README.md"
    path.write_text(f"# hw\n\n## What you implement ({heading})\n\ntext\n\n| function | what | points (hidden tests) |\n"
                    "| --- | --- | --- |\n" + "".join(f"| {r} |\n" for r in rows) + "\nafter\n")
    return path


def test_points_table_agrees(tmp_path: Path) -> None:
    good = _readme(tmp_path, "6 points", ["`a` | helper | 2 (1.1)", "`b` | caller | 1 (1.2)", "all | e2e | 3 (2.1)"])
    assert points_table_problems(good, LISTING) == []
    ranged = _readme(tmp_path, "5 points, plus 1 extra credit", ["`a`, `b` | both | 3 (1.1–1.2)", "all | e2e | 3 (2.1)"])
    assert points_table_problems(ranged, LISTING) == []


@pytest.mark.parametrize(("heading", "rows", "says"), [
    ("6 points", ["`a` | helper | 3 (1.1)", "`b` | caller | 1 (1.2)", "all | e2e | 3 (2.1)"], "weigh 2"),
    ("6 points", ["`a` | helper | 2 (1.1)", "all | e2e | 3 (2.1)"], "named by no row"),
    ("6 points", ["`a` | helper | 3 (1.1-1.2)", "`b` | caller | 1 (1.2)", "all | e2e | 3 (2.1)"], "more than one"),
    ("7 points", ["`a` | helper | 2 (1.1)", "`b` | caller | 1 (1.2)", "all | e2e | 3 (2.1)"], "heading says"),
    ("6 points", ["`a` | helper | 2 (1.1)", "`b` | caller | 1 (1.2)", "all | e2e | 3 (2.1, 2.2)"], "no test numbered"),
    ("6 points", ["`a` | helper | 2", "`b` | caller | 1 (1.2)", "all | e2e | 3 (2.1)"], "is not 'P (test numbers)'"),
])
def test_points_table_disagreements(tmp_path: Path, heading: str, rows: list[str], says: str) -> None:
    problems = points_table_problems(_readme(tmp_path, heading, rows), LISTING)
    assert any(says in p for p in problems), problems


def test_own_logic_accepts_either_expectation_and_reports_the_reference_failure() -> None:
    def fails(message: str):
        def check() -> None:
            raise AssertionError(message)
        return check

    expect_own_logic(lambda: None, fails("never asked"))
    expect_own_logic(fails("reference"), lambda: None)
    with pytest.raises(AssertionError, match="reference"):
        expect_own_logic(fails("reference"), fails("own helpers"))

    def helper_raises() -> None:
        raise RuntimeError("the student's helper raised")

    with pytest.raises(AssertionError, match="reference"):
        expect_own_logic(fails("reference"), helper_raises)
