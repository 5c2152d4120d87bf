"""End to end on a fake homework: the reference earns full marks, a blank stub 0, and broken
submissions (syntax error, infinite loop, exit, non-data results) cost only what they break."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from autograder.engine import messages
from autograder.engine.batch import grade_all, grade_in_subprocess
from autograder.engine.tests.fake_kit import SOLUTION, make_fake_kit

GRADESCOPE_TEST_KEYS = {"name", "number", "score", "max_score", "status", "output", "visibility", "tags"}
MAX_SCORE = 6.0


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    return make_fake_kit(tmp_path_factory.mktemp("fake") / "kit")


def _grade(kit: Path, tmp_path: Path, source: str | None, seed: int = 0) -> dict:
    sub = tmp_path / "sub"
    sub.mkdir(exist_ok=True)
    if source is not None:
        (sub / "answer.py").write_text(source)
    outcome = grade_in_subprocess("hw9", sub, tmp_path / "out", seed, 120, kit_root=kit)
    assert outcome.results is not None, outcome.error
    return outcome.results


def _by_number(results: dict) -> dict[str, dict]:
    return {t["number"]: t for t in results["tests"]}


def test_reference_full_marks_in_gradescope_format(kit, tmp_path):
    results = _grade(kit, tmp_path, SOLUTION, seed=3)
    assert results["score"] == MAX_SCORE
    assert {"score", "execution_time", "output", "tests"} <= set(results)
    for test in results["tests"]:
        assert set(test) == GRADESCOPE_TEST_KEYS
    assert [t["number"] for t in results["tests"]] == ["1", "2", "3", "4"]
    assert _by_number(results)["2"]["visibility"] == "after_due_date"


def test_missing_file_grades_the_blank_stub_and_says_so(kit, tmp_path):
    results = _grade(kit, tmp_path, None)
    assert results["score"] == 0 and len(results["tests"]) == 4
    assert all("Not attempted yet" in t["output"] for t in results["tests"])
    assert "answer.py is missing" in results["output"]


def test_syntax_error_fails_every_test_with_the_line(kit, tmp_path):
    results = _grade(kit, tmp_path, SOLUTION.replace("return a + b", "return a +* b"))
    assert results["score"] == 0 and len(results["tests"]) == 4
    assert all("answer.py, line 8" in t["output"] for t in results["tests"])


def test_infinite_loop_costs_only_its_test(kit, tmp_path):
    looping = SOLUTION.replace("    return n\n", "    while True:\n        pass\n")
    results = _grade(kit, tmp_path, looping)
    tests = _by_number(results)
    assert tests["3"]["status"] == "failed" and "Timed out" in tests["3"]["output"]
    assert results["score"] == MAX_SCORE - 1


def test_exit_mid_test_restarts_the_worker(kit, tmp_path):
    exiting = SOLUTION.replace("    return n\n", "    import os\n    os._exit(0)\n")
    results = _grade(kit, tmp_path, exiting)
    assert "stopped unexpectedly" in _by_number(results)["3"]["output"]
    assert results["score"] == MAX_SCORE - 1


def test_sys_exit_at_import_fails_every_test(kit, tmp_path):
    results = _grade(kit, tmp_path, "import sys\nsys.exit(0)\n" + SOLUTION)
    assert results["score"] == 0
    assert all("end the process" in t["output"] for t in results["tests"])


def test_non_data_result_is_refused(kit, tmp_path):
    results = _grade(kit, tmp_path, SOLUTION.replace("    return a + b\n", "    return object()\n"))
    assert "cannot be graded" in _by_number(results)["1"]["output"]
    assert _by_number(results)["2"]["status"] == "passed"


def test_partial_credit_counts_what_was_earned(kit, tmp_path):
    results = _grade(kit, tmp_path, SOLUTION.replace("    return a * k\n", "    return a\n"))
    assert _by_number(results)["4"]["score"] == 1.0


def test_grade_all_survives_broken_submissions(kit, tmp_path):
    subs = tmp_path / "subs"
    (subs / "good").mkdir(parents=True)
    (subs / "good" / "answer.py").write_text(SOLUTION)
    (subs / "garbage.zip").write_bytes(b"not a zip at all")
    with zipfile.ZipFile(subs / "zipped.zip", "w") as z:
        z.writestr("submission/answer.py", SOLUTION)
    import autograder.engine.batch as batch

    original = batch.grade_in_subprocess
    batch.grade_in_subprocess = lambda *a, **k: original(*a, **{**k, "kit_root": kit})
    try:
        outcomes = grade_all("hw9", subs, tmp_path / "out", jobs=2, progress=False)
    finally:
        batch.grade_in_subprocess = original
    scores = {o.submission_id: o.results["score"] for o in outcomes}
    assert scores == {"garbage": 0, "good": MAX_SCORE, "zipped": MAX_SCORE}
    garbage = next(o for o in outcomes if o.submission_id == "garbage").results
    assert len(garbage["tests"]) == 4 and "could not be read" in garbage["tests"][0]["output"]
    rows = list(csv.DictReader(open(tmp_path / "out" / "gradebook.csv")))
    assert [r["submission"] for r in rows] == ["garbage", "good", "zipped"]
    assert rows[1]["total"] == str(MAX_SCORE) and rows[1]["max"] == str(MAX_SCORE)


def test_messages_are_plain_templates():
    assert "{seconds" in messages.TIMEOUT and "{reason}" in messages.WORKER_DIED
