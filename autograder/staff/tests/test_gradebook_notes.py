"""`make grade-all` on a small folder: the gradebook's notes say why a score may surprise, and the
similarity report flags a copied submission, byte for byte and in disguise.

Four submissions of the fake homework, graded once by `grade_all` (as `make grade-all` does):
  alice.zip   her files in a folder of her own, zipped on a Mac (resource forks, .DS_Store)
  bob/        a byte-for-byte copy of alice's file
  carol.zip   alice's code with other names, comments and spacing, a folder deeper
  twice.zip   answer.py twice (root and an old copy): neither is taken
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from autograder.engine.tests.fake_kit import SOLUTION, make_fake_kit
from autograder.staff import batch

# A longer `add` than the reference's one line: long enough to be evidence when copied.
ALICE = SOLUTION.replace("    return a + b\n", """\
    out = torch.empty_like(a)
    for index in range(a.shape[0]):
        left, right = a[index], b[index]
        out[index] = left + right
    return out
""")
CAROL = ALICE.replace("index", "i").replace("left", "x").replace("right", "y").replace(
    "out = torch", "# my own loop\n    out = torch").replace("a[i], b[i]", "a[ i ], b[ i ]")
MAX_SCORE = 6.0


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[dict[str, batch.Outcome], Path]:
    base = tmp_path_factory.mktemp("gradebook")
    kit = make_fake_kit(base / "kit")
    subs = base / "subs"
    subs.mkdir()
    with zipfile.ZipFile(subs / "alice.zip", "w") as z:
        z.writestr("alice/answer.py", ALICE)
        z.writestr("__MACOSX/alice/._answer.py", "\0\5\26\7fork")
        z.writestr("alice/.DS_Store", "\0\0\0\1Bud1")
    (subs / "bob").mkdir()
    (subs / "bob" / "answer.py").write_text(ALICE)
    with zipfile.ZipFile(subs / "carol.zip", "w") as z:
        z.writestr("carol/hw9/answer.py", CAROL)
    with zipfile.ZipFile(subs / "twice.zip", "w") as z:
        z.writestr("answer.py", SOLUTION)
        z.writestr("old/answer.py", SOLUTION)
    outcomes = batch.grade_all("hw9", subs, base / "out", jobs=2, progress=False, kit_root=kit)
    return {o.submission_id: o for o in outcomes}, base / "out"


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    return {row["submission"]: row for row in csv.DictReader(open(out / "gradebook.csv"))}


def test_every_shape_is_graded_on_the_students_own_code(graded):
    outcomes = graded[0]
    for sid in ("alice", "bob", "carol"):
        assert outcomes[sid].results["score"] == MAX_SCORE, (sid, outcomes[sid].results["output"])


def test_notes_column_says_why_a_submission_scored_zero(graded):
    rows = _gradebook(graded[1])
    problem = ("answer.py is in your submission twice (at answer.py and old/answer.py), so none of them "
               "was taken: keep exactly one. The blank starter file was graded in its place.")
    assert rows["twice"]["total"] == "0.0" and rows["twice"]["error"] == ""
    assert problem in rows["twice"]["notes"].split(" | ")
    assert "answer.py" not in rows["alice"]["notes"], "a folder and macOS litter are no problem"
    for test in graded[0]["twice"].results["tests"]:
        assert test["output"].startswith(problem), test["output"]


def test_summary_prints_the_notes_under_their_submission(graded):
    lines = batch.summary_lines(sorted(graded[0].values(), key=lambda o: o.submission_id))
    row = next(i for i, line in enumerate(lines) if line.startswith("twice "))
    assert lines[row + 1].strip().startswith("answer.py is in your submission twice")


def test_similarity_report_flags_the_copies_and_only_them(graded):
    rows = list(csv.DictReader(open(graded[1] / "similarity.csv")))
    pairs = {(r["submission_a"], r["submission_b"]): r for r in rows}
    assert set(pairs) == {("alice", "bob"), ("alice", "carol"), ("bob", "carol")}
    assert pairs[("alice", "bob")]["identical_files"] == "answer.py"
    assert rows[0]["submission_a"] == "alice" and rows[0]["submission_b"] == "bob", "identical files first"
    disguised = pairs[("alice", "carol")]
    assert disguised["identical_files"] == "" and disguised["score"] == "1.00"
    assert disguised["shared_functions"] == "answer.py:add", "the one-line answers everyone writes are no evidence"


def test_notes_name_budgets_and_workers_that_never_started():
    from autograder.engine import messages

    used_up = messages.TIME_BUDGET_USED_UP.format(seconds=20, when="before this test", heaviest="test_a (19 s)")
    no_start = messages.WORKER_START_FAILED.format(reason="fork refused")
    results = {"output": "answer.py is missing from your submission.\n", "extra_data": {"staff_notes": ["uid 61000"]},
               "tests": [{"output": used_up}, {"output": used_up}, {"output": "problem first\n" + no_start},
                         {"output": "Timed out: ..."}]}
    assert batch.notes_of(results) == ["answer.py is missing from your submission.", "staff: uid 61000",
                                       f"2 tests: {used_up}", no_start]
    assert batch.notes_of(None) == []
