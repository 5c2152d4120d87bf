"""The handout never carries staff files; the Gradescope zip carries exactly one homework."""

import zipfile

import pytest

from autograder.engine.packaging import (
    PackagingError,
    build_autograder,
    build_handout,
    check_handout,
)
from autograder.engine.tests.fake_kit import make_fake_kit


@pytest.fixture
def kit(tmp_path):
    root = make_fake_kit(tmp_path / "kit")
    for name in ("Makefile", "README.md", "pyproject.toml"):
        (root / name).write_text("x\n")
    (root / "hw9" / "README.md").write_text("# hw9\n")
    return root


def test_handout_has_stubs_and_no_staff_files(kit, tmp_path):
    names = zipfile.ZipFile(build_handout("hw9", tmp_path / "dist", kit)).namelist()
    assert "hw9/submission/answer.py" in names and "Makefile" in names
    assert not [n for n in names if n.startswith("autograder/")]


def test_handout_check_catches_a_solution_block():
    entries = {"hw9/README.md": b"", "hw9/submission/__init__.py": b"", "Makefile": b"",
               "hw9/submission/answer.py": b"# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n"}
    with pytest.raises(PackagingError, match="answer.py"):
        check_handout(entries, "hw9")


def test_autograder_zip_has_entry_points_at_root(kit, tmp_path):
    archive = zipfile.ZipFile(build_autograder("hw9", tmp_path / "dist", kit))
    names = archive.namelist()
    assert {"setup.sh", "run_autograder", "autograder/tests/hw9/test_answer.py"} <= set(names)
    assert b'HOMEWORK="hw9"' in archive.read("run_autograder")
    assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
