"""End to end on a fake homework: the reference earns full marks, a blank stub 0, and broken
submissions (syntax error, infinite loop, exit, non-data results) cost only what they break.

All submissions are graded once, in parallel, by `grade_all` (as `make grade-all` does); each
test then reads the results of its submission.
"""

from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

import pytest

from autograder.engine import messages
from autograder.engine.tests.fake_kit import SOLUTION, make_fake_kit
from autograder.staff import batch

GRADESCOPE_TEST_KEYS = {"name", "number", "score", "max_score", "status", "output", "visibility", "tags"}
MAX_SCORE = 6.0

SUBMISSIONS = {
    "reference": SOLUTION,
    "blank": None,
    "syntax": SOLUTION.replace("return a + b", "return a +* b"),
    "loop": SOLUTION.replace("    return n\n", "    while True:\n        pass\n"),
    "exit-mid-test": SOLUTION.replace("    return n\n", "    import os\n    os._exit(0)\n"),
    "exit-at-import": "import sys\nsys.exit(0)\n" + SOLUTION,
    "loop-at-import": "while True:\n    pass\n" + SOLUTION,
    "kill-at-import": "import os\nos._exit(3)\n" + SOLUTION,
    "non-data": SOLUTION.replace("    return a + b\n", "    return object()\n"),
    "half-partial": SOLUTION.replace("    return a * k\n", "    return a\n"),
    # Reads the hidden test by its absolute path and returns its length instead of the sum.
    "snoop": SOLUTION.replace("    return a + b\n",
                              "    return torch.tensor(float(len(open('{KIT}/autograder/tests/hw9/test_answer.py').read())))\n"),
    "network": SOLUTION.replace("    return a + b\n",
                                "    import socket\n    socket.create_connection(('192.0.2.1', 80), timeout=30)\n"),
}
ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[dict[str, dict], Path]:
    base = tmp_path_factory.mktemp("fake")
    kit = make_fake_kit(base / "kit")
    subs = base / "subs"
    for name, source in SUBMISSIONS.items():
        (subs / name).mkdir(parents=True)
        if source is not None:
            (subs / name / "answer.py").write_text(source.replace("{KIT}", str(kit)))
    (subs / "garbage.zip").write_bytes(b"not a zip at all")
    with zipfile.ZipFile(subs / "zipped.zip", "w") as z:
        z.writestr("submission/answer.py", SOLUTION)
    outcomes = batch.grade_all("hw9", subs, base / "out", jobs=2, progress=False, kit_root=kit)
    for o in outcomes:
        assert o.results is not None, f"{o.submission_id}: {o.error}"
    return {o.submission_id: o.results for o in outcomes}, base / "out"


def _by_number(results: dict) -> dict[str, dict]:
    return {t["number"]: t for t in results["tests"]}


def test_reference_full_marks_in_gradescope_format(graded):
    results = graded[0]["reference"]
    assert results["score"] == MAX_SCORE
    assert {"score", "execution_time", "output", "tests"} <= set(results)
    for test in results["tests"]:
        assert set(test) == GRADESCOPE_TEST_KEYS
    assert [t["number"] for t in results["tests"]] == ["1", "2", "3", "4"]
    assert _by_number(results)["2"]["visibility"] == "after_due_date"


def test_missing_file_grades_the_blank_stub_and_says_so(graded):
    results = graded[0]["blank"]
    assert results["score"] == 0 and len(results["tests"]) == 4
    for test in results["tests"]:
        assert test["output"].startswith("answer.py is missing"), test["output"]
        assert "TODO: hw9.answer." in test["output"]
    assert "answer.py is missing" in results["output"]


def test_syntax_error_fails_every_test_with_the_line(graded):
    results = graded[0]["syntax"]
    assert results["score"] == 0 and len(results["tests"]) == 4
    assert all("answer.py, line 8" in t["output"] for t in results["tests"])


def test_infinite_loop_costs_only_its_test(graded):
    results = graded[0]["loop"]
    tests = _by_number(results)
    assert tests["3"]["status"] == "failed" and "Timed out" in tests["3"]["output"]
    assert results["score"] == MAX_SCORE - 1


def test_exit_mid_test_restarts_the_worker(graded):
    results = graded[0]["exit-mid-test"]
    assert "stopped unexpectedly" in _by_number(results)["3"]["output"]
    assert results["score"] == MAX_SCORE - 1


def test_sys_exit_at_import_fails_every_test(graded):
    results = graded[0]["exit-at-import"]
    assert results["score"] == 0
    assert all("end the process" in t["output"] for t in results["tests"])


def test_hang_at_import_fails_every_test_once(graded):
    results = graded[0]["loop-at-import"]
    assert results["score"] == 0
    assert all("did not finish" in t["output"] for t in results["tests"])
    assert results["execution_time"] < 30, "the import budget must be paid once, not per test"


def test_death_at_import_fails_every_test(graded):
    results = graded[0]["kill-at-import"]
    assert results["score"] == 0
    assert all("while importing your code (exit code 3)" in t["output"] for t in results["tests"])


def test_non_data_result_is_refused(graded):
    results = graded[0]["non-data"]
    assert "cannot be graded" in _by_number(results)["1"]["output"]
    assert _by_number(results)["2"]["status"] == "passed"


def test_partial_credit_counts_what_was_earned(graded):
    assert _by_number(graded[0]["half-partial"])["4"]["score"] == 1.0


def test_unreadable_zip_still_lists_every_test(graded):
    garbage = graded[0]["garbage"]
    assert garbage["score"] == 0 and len(garbage["tests"]) == 4
    assert "could not be read" in garbage["tests"][0]["output"]
    assert graded[0]["zipped"]["score"] == MAX_SCORE


def test_gradebook_has_a_row_per_submission(graded):
    rows = list(csv.DictReader(open(graded[1] / "gradebook.csv")))
    assert [r["submission"] for r in rows] == sorted(SUBMISSIONS | {"garbage": 0, "zipped": 0})
    reference = next(r for r in rows if r["submission"] == "reference")
    assert reference["total"] == str(MAX_SCORE) and reference["max"] == str(MAX_SCORE)
    assert "1 add matches a + b" in rows[0]


@pytest.mark.skipif(not ROOT, reason="hiding staff folders needs a mount namespace (root)")
def test_hidden_tests_are_invisible_to_the_worker(graded):
    output = _by_number(graded[0]["snoop"])["1"]["output"]
    assert "PermissionError" in output or "FileNotFoundError" in output, output
    assert _by_number(graded[0]["snoop"])["2"]["status"] == "passed"


@pytest.mark.skipif(not ROOT, reason="a network namespace needs root")
def test_network_fails_fast_inside_the_worker(graded):
    output = _by_number(graded[0]["network"])["1"]["output"]
    assert "OSError" in output or "unreachable" in output.lower(), output


def test_messages_are_plain_templates():
    assert "{seconds" in messages.TIMEOUT and "{reason}" in messages.WORKER_DIED
