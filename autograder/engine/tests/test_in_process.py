"""The in-process student behaves as the sandboxed worker: the same calls give the same results and
the same messages (staff tools and calibration run without a worker and must see what grading sees)."""

from __future__ import annotations

import sys

import pytest
import torch

from autograder.engine.proxy import InProcessStudent, StudentError, WorkerStudent
from autograder.engine.sandbox import Sandbox
from autograder.engine.suite import load_suite
from autograder.engine.tests.fake_kit import make_fake_kit

ANSWER = '''\
import random
import sys

import numpy as np
import torch


def draws(n: int) -> list:
    return [random.random(), float(np.random.rand()), torch.rand(n)]


def todo(x: int) -> int:
    raise NotImplementedError("TODO: hw9.answer.todo")


def fails(x: int) -> int:
    return [1, 2][x]


def leaves(code: int) -> None:
    sys.exit(code)


def returns_a_function() -> object:
    return lambda: 1
'''

CALLS = [
    ("hw9.submission.answer:draws", (3,)),
    ("hw9.submission.answer:todo", (1,)),
    ("hw9.submission.answer:fails", (5,)),
    ("hw9.submission.answer:leaves", (3,)),
    ("hw9.submission.answer:returns_a_function", ()),
    ("os:getcwd", ()),
    ("hw9.submission.missing:nothing", ()),
]


def _outcomes(student, test_id: str) -> list[object]:
    student.clock.begin(test_id, 60.0)
    outcomes = []
    for target, args in CALLS:
        try:
            outcomes.append(("ok", student.call(target, *args)))
        except StudentError as err:
            outcomes.append((err.kind, str(err).replace("\n", " ")))
    return outcomes


@pytest.fixture
def kit(tmp_path, monkeypatch):
    kit = make_fake_kit(tmp_path / "kit")
    (kit / "hw9" / "submission" / "answer.py").write_text(ANSWER)
    monkeypatch.syspath_prepend(str(kit))
    for name in [m for m in sys.modules if m == "hw9" or m.startswith("hw9.")]:
        monkeypatch.delitem(sys.modules, name)
    return kit


def test_same_results_and_messages_in_process_and_in_the_worker(kit):
    suite = load_suite("hw9", kit)
    worker = WorkerStudent(Sandbox(suite, {"answer.py": ANSWER.encode()}), grading_seed=5)
    try:
        in_worker = _outcomes(worker, "test_x")
    finally:
        worker.close()
    in_process = _outcomes(InProcessStudent("hw9", grading_seed=5), "test_x")
    assert [kind for kind, _ in in_worker] == ["ok", "todo", "raised", "exit", "result", "raised", "import"]
    for (kind_w, value_w), (kind_p, value_p), (target, _) in zip(in_worker, in_process, CALLS, strict=True):
        assert kind_w == kind_p, target
        if kind_w == "ok":  # seeded alike: Python's random, numpy and torch draw the same numbers
            assert value_w[:2] == value_p[:2] and torch.equal(value_w[2], value_p[2])
        else:
            # A traceback line names the file where it lives, which differs: compare up to it.
            assert value_w.split(" answer.py, line")[0] == value_p.split(" answer.py, line")[0], target
