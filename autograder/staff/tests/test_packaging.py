"""The handout carries what a student needs and names nothing staff-only; the Gradescope zip carries
exactly one homework."""

import json
import shutil
import subprocess
import zipfile

import pytest

from autograder.engine.suite import KIT_ROOT, homeworks
from autograder.engine.tests.fake_kit import make_fake_kit
from autograder.staff.packaging import (
    STAFF_BEGIN,
    STAFF_END,
    PackagingError,
    build_autograder,
    build_handout,
    check_handout,
    handout_entries,
    handout_makefile,
    staff_references,
)
from handin.signatures import manifest

# The kit's own Makefile, pyproject.toml and handin/ go into the fake kit: the handout is built from
# what ships, not from stand-ins.
SHIPPED = ("Makefile", "pyproject.toml", "README.md", "handin")


@pytest.fixture
def kit(tmp_path):
    root = make_fake_kit(tmp_path / "kit")
    for name in SHIPPED:
        source = KIT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        else:
            shutil.copy2(source, root / name)
    (root / "hw9" / "README.md").write_text("# Homework 9: adding tensors\n\nRun `make test HW=hw9`.\n")
    return root


def _unzip(path, dest):
    with zipfile.ZipFile(path) as archive:
        archive.extractall(dest)
    return dest


def test_handout_readme_is_for_students_of_that_homework(kit, tmp_path):
    tree = _unzip(build_handout("hw9", tmp_path / "dist", kit), tmp_path / "unzipped")
    readme = (tree / "README.md").read_text()
    assert readme.startswith("# Homework 9: adding tensors")
    assert "`hw9/README.md`" in readme and "make submission" in readme and "source .venv/bin/activate" in readme
    assert "`answer.py` in `hw9/submission/`" in readme
    assert "This repository is private" not in readme and (KIT_ROOT / "README.md").read_text() != readme


def test_handout_make_help_lists_only_targets_that_exist_there(kit, tmp_path):
    tree = _unzip(build_handout("hw9", tmp_path / "dist", kit), tmp_path / "unzipped")
    shown = subprocess.run(["make", "--no-print-directory", "help"], cwd=tree, capture_output=True, text=True, check=True).stdout
    listed = {line.split()[0] for line in shown.splitlines()[1:]}
    assert listed == {"help", "venv", "test", "data", "submission", "lint"}, shown
    assert "DATASETS=" in shown
    _, staff = handout_makefile((KIT_ROOT / "Makefile").read_text())
    assert {"check", "grade", "bench", "stubs"} <= set(staff)


def test_handout_ships_the_signature_manifest_and_its_own_pyproject(kit, tmp_path):
    tree = _unzip(build_handout("hw9", tmp_path / "dist", kit), tmp_path / "unzipped")
    stub = (kit / "hw9" / "submission" / "answer.py").read_text()
    shipped = json.loads((tree / "hw9" / "submission" / "SIGNATURES.json").read_text())
    assert shipped == manifest({"answer.py": stub}) and "add" in shipped["files"]["answer.py"]
    pyproject = (tree / "pyproject.toml").read_text()
    assert 'testpaths = ["hw9/tests"]' in pyproject and "autograder" not in pyproject.replace(
        "Gradescope autograder", "")
    assert (tree / "handin" / "layout.py").is_file() and not (tree / "handin" / "tests").exists()


def test_staff_references_are_named_with_file_and_line():
    entries = {"hw9/README.md": b"# hw9\nthe autograder. runs it\nsee `make bench` and `make benchmark`\n",
               "hw9/config.py": b"# measured with `autograder/bench/hw9.py`\nX = 1  # python -m autograder.bench\n",
               "data/notes.md": b"as in hw1/README.md, unlike hw9/README.md\n",
               "data/image.png": b"autograder/bench"}
    found = staff_references(entries, ["bench", "check"], "hw9")
    assert found == ["data/notes.md:1: names `hw1/`",
                     "hw9/README.md:3: names `make bench`",
                     "hw9/config.py:1: names `autograder/bench/hw9.py`",
                     "hw9/config.py:2: names `python -m autograder`"]


def test_makefile_without_a_staff_block_is_refused():
    with pytest.raises(PackagingError, match="staff targets between"):
        handout_makefile("help:\n\techo\n")
    with pytest.raises(PackagingError, match="out of order"):
        handout_makefile(f"{STAFF_END}\n{STAFF_BEGIN}\ncheck:\n")


@pytest.mark.parametrize("homework", homeworks())
def test_real_handouts_name_nothing_staff_only(homework):
    _, staff = handout_makefile((KIT_ROOT / "Makefile").read_text())
    assert staff_references(handout_entries(homework), staff, homework) == []


def test_handout_has_stubs_and_no_staff_files(kit, tmp_path):
    names = zipfile.ZipFile(build_handout("hw9", tmp_path / "dist", kit)).namelist()
    assert "hw9/submission/answer.py" in names and "Makefile" in names
    assert not [n for n in names if n.startswith("autograder/")]


def test_handout_check_catches_a_solution_block():
    entries = {"hw9/README.md": b"", "hw9/submission/__init__.py": b"", "Makefile": b"", "README.md": b"",
               "hw9/submission/answer.py": b"# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n"}
    with pytest.raises(PackagingError, match="answer.py"):
        check_handout(entries, "hw9")


def test_autograder_zip_has_entry_points_at_root(kit, tmp_path):
    archive = zipfile.ZipFile(build_autograder("hw9", tmp_path / "dist", kit))
    names = archive.namelist()
    assert {"setup.sh", "run_autograder", "autograder/tests/hw9/test_answer.py"} <= set(names)
    assert b'HOMEWORK="hw9"' in archive.read("run_autograder")
    assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
