"""`make submission` (handin/check.py, handin/signatures.py) on a tiny handout-shaped folder.

handin/ ships in every handout; its tests live here, with the kit's, so that no handout carries them.
"""

from __future__ import annotations

import ast
import json
import zipfile
from pathlib import Path

import pytest

from handin import check
from handin.signatures import MANIFEST_NAME, compare, definitions, manifest, unfinished

STUB = '''\
import torch


def add(a: torch.Tensor, b: torch.Tensor, *, alpha: float = 1.0) -> torch.Tensor:
    """a + alpha * b."""
    raise NotImplementedError("TODO: hw9.answer.add")


class Scaler(torch.nn.Module):
    def __init__(self, k: float) -> None:
        super().__init__()
        self.k = k

    def forward(self, x):
        raise NotImplementedError("TODO: hw9.answer.Scaler.forward")


def _helper():
    return 1
'''

DONE = '''\
import torch


def add(a, b, *, alpha=1.0):
    return a + alpha * b


class Scaler(torch.nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return self.k * x
'''

PUBLIC_TEST = '''\
import torch

from hw9.submission.answer import add


def test_add():
    assert torch.equal(add(torch.ones(2), torch.ones(2)), torch.full((2,), 2.0))
'''


@pytest.fixture
def handout(tmp_path: Path) -> Path:
    """A handout-shaped folder: hw9/ with one starter file, its manifest and one public test."""
    root = tmp_path / "handout"
    sub = root / "hw9" / "submission"
    sub.mkdir(parents=True)
    for package in (root / "hw9", sub):
        (package / "__init__.py").write_text("")
    (sub / "answer.py").write_text(STUB)
    (sub / MANIFEST_NAME).write_text(json.dumps(manifest({"answer.py": STUB})))
    (root / "hw9" / "tests").mkdir()
    (root / "hw9" / "tests" / "__init__.py").write_text("")
    (root / "hw9" / "tests" / "test_answer.py").write_text(PUBLIC_TEST)
    return root


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(root: Path, capsys, tests: bool = False, hw: str | None = None) -> tuple[int, str]:
    before = _snapshot(root / "hw9")
    status = check.run(root, hw, run_tests=tests)
    assert _snapshot(root / "hw9") == before, "make submission must not modify the student's files"
    return status, capsys.readouterr().out


def _zip_names(root: Path) -> list[str]:
    with zipfile.ZipFile(root / "hw9-submission.zip") as archive:
        return sorted(archive.namelist())


def test_blank_stub_is_zipped_and_its_unfinished_functions_named(handout, capsys):
    status, out = _run(handout, capsys)
    assert status == 0
    assert _zip_names(handout) == ["answer.py"]
    assert "NotImplementedError (scores 0 until written): add  (hw9/submission/answer.py:6)" in out
    assert "Scaler.forward  (hw9/submission/answer.py:15)" in out
    assert check.REMINDER in out


def test_finished_file_passes_and_the_public_tests_are_summarised(handout, capsys):
    (handout / "hw9" / "submission" / "answer.py").write_text(DONE)
    status, out = _run(handout, capsys, tests=True)
    assert status == 0 and "WARNING" not in out, out
    assert "1 passed" in out
    with zipfile.ZipFile(handout / "hw9-submission.zip") as archive:
        assert archive.read("answer.py").decode() == DONE


def test_changed_and_removed_names_are_reported(handout, capsys):
    changed = DONE.replace("def add(a, b, *, alpha=1.0)", "def add(x, b, alpha=1.0)")
    changed = changed.replace("    def forward(self, x):\n        return self.k * x\n", "")
    (handout / "hw9" / "submission" / "answer.py").write_text(changed)
    status, out = _run(handout, capsys)
    assert status == 0
    assert "add changed: the grader calls `def add(a, b, *, alpha=1.0)`, your file has `def add(x, b, alpha=1.0)`" in out
    assert "Scaler.forward is gone" in out
    assert "_helper" not in out, "private helpers of the starter file are the student's to drop"


def test_syntax_error_stops_with_the_line_and_no_zip(handout, capsys):
    (handout / "hw9" / "submission" / "answer.py").write_text(DONE + "\ndef broken(:\n")
    status, out = _run(handout, capsys)
    assert status == 1 and not (handout / "hw9-submission.zip").exists()
    assert "hw9/submission/answer.py does not parse" in out and "line 16" in out
    assert check.NO_ZIP.format(homework="hw9") in out


def test_missing_file_stops_with_how_to_restore_it(handout, capsys):
    (handout / "hw9" / "submission" / "answer.py").unlink()
    status, out = _run(handout, capsys)
    assert status == 1 and not (handout / "hw9-submission.zip").exists()
    assert "answer.py is missing" in out and "Restore the starter file" in out


def test_a_second_copy_stops_as_it_would_at_the_grader(handout, capsys):
    (handout / "hw9" / "submission" / "old").mkdir()
    (handout / "hw9" / "submission" / "old" / "answer.py").write_text(DONE)
    status, out = _run(handout, capsys)
    assert status == 1 and "keep only hw9/submission/answer.py" in out


def test_file_outside_the_allow_list_is_named_and_left_out(handout, capsys):
    (handout / "hw9" / "submission" / "helpers.py").write_text("X = 1\n")
    status, out = _run(handout, capsys)
    assert status == 0 and _zip_names(handout) == ["answer.py"]
    assert "not submitted: hw9/submission/helpers.py. The grader takes only answer.py" in out


def test_missing_manifest_is_said_and_the_rest_still_runs(handout, capsys):
    (handout / "hw9" / "submission" / MANIFEST_NAME).unlink()
    status, out = _run(handout, capsys)
    assert status == 0 and "signatures not checked" in out and _zip_names(handout) == ["answer.py"]


def test_homework_defaults_to_the_only_one_and_asks_when_several(handout, tmp_path, capsys):
    assert check.find_homework(handout, None) == "hw9"
    (handout / "hw8" / "submission").mkdir(parents=True)
    assert check.main(["--root", str(handout), "--no-tests"]) == 2
    assert "holds hw8, hw9: say which one, e.g. `make submission HW=hw8`" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(check.UsageError, match="no homework folder here"):
        check.find_homework(empty, None)


def test_signatures_ignore_annotations_and_bodies_but_not_defaults():
    starter = definitions(ast.parse(STUB))
    assert starter["add"] == "def add(a, b, *, alpha=1.0)" and starter["Scaler"] == "class Scaler"
    assert "_helper" not in starter and "Scaler.__init__" in starter
    assert compare(starter, ast.parse(DONE)) == []
    assert compare(starter, ast.parse(DONE.replace("alpha=1.0", "alpha=2.0")))[0].startswith("add changed")


def test_unfinished_looks_inside_each_function_only():
    source = '''\
def outer():
    def inner():
        raise NotImplementedError("TODO")
    return inner


def direct(x):
    if x:
        raise NotImplementedError
    return x
'''
    assert unfinished(ast.parse(source)) == [("outer.inner", 3), ("direct", 9)]


def test_a_damaged_manifest_is_said_and_the_zip_still_written(handout, capsys):
    (handout / "hw9" / "submission" / MANIFEST_NAME).write_text("{not json")
    status, out = _run(handout, capsys)
    assert status == 0 and "is not the file the handout shipped" in out and _zip_names(handout) == ["answer.py"]
