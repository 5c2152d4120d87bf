"""Fail closed as root: student code never runs as root unless staff ask for it, and then the
results record it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from autograder.engine import grade, messages
from autograder.engine.confinement import WorkerIdentity
from autograder.engine.suite import KIT_ROOT
from autograder.engine.tests.fake_kit import SOLUTION, make_fake_kit

REASON = "the Python interpreter is not reachable by an unprivileged user"


def _as_root(monkeypatch, identity):
    monkeypatch.setattr(grade.os, "geteuid", lambda: 0)
    monkeypatch.setattr(grade, "choose_worker_identity", lambda: (identity, "" if identity else REASON))


def test_root_without_a_worker_user_refuses_before_reading_anything(monkeypatch, tmp_path):
    _as_root(monkeypatch, None)
    kit = make_fake_kit(tmp_path / "kit")
    with pytest.raises(grade.RootWorkerError, match="refusing to grade untrusted code as root") as err:
        grade.grade("hw9", kit / "hw9" / "submission", tmp_path / "results.json", kit_root=kit)
    assert "--allow-root-worker" in str(err.value) and REASON in str(err.value)
    assert not (tmp_path / "results.json").exists()


def test_the_explicit_flag_is_recorded(monkeypatch):
    _as_root(monkeypatch, None)
    assert grade.worker_identity_note(True) == messages.ROOT_WORKER_ALLOWED.format(reason=REASON)


def test_an_unprivileged_worker_needs_no_flag_or_note(monkeypatch):
    _as_root(monkeypatch, WorkerIdentity(uid=61000, gid=61000, lock_fd=-1))
    assert grade.worker_identity_note(False) == ""
    monkeypatch.setattr(grade.os, "geteuid", lambda: 1000)
    assert grade.worker_identity_note(False) == ""


def test_the_flag_is_recorded_in_results_json(tmp_path):
    """A real grading (in a process of its own: grading makes its process a subreaper)."""
    kit = make_fake_kit(tmp_path / "kit")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "answer.py").write_text(SOLUTION)
    script = textwrap.dedent(f"""
        from pathlib import Path
        from autograder.engine import grade
        grade.os.geteuid = lambda: 0
        grade.choose_worker_identity = lambda: (None, {REASON!r})
        grade.grade("hw9", Path({str(tmp_path / "sub")!r}), Path({str(tmp_path / "r.json")!r}),
                    kit_root=Path({str(kit)!r}), tests=["test_add"], allow_root_worker=True)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=KIT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "r.json").read_text())
    # Recorded for staff, out of the student's view.
    assert messages.ROOT_WORKER_ALLOWED.format(reason=REASON) in results["extra_data"]["staff_notes"]
    assert "root" not in results["output"]
    assert results["score"] == 1.0
