"""The walk-through's cheap steps on a fake kit's handout (the full walk-through runs in `make check`)."""

import shutil

from autograder.engine.suite import KIT_ROOT
from autograder.engine.tests.fake_kit import make_fake_kit
from autograder.staff.walkthrough import check_data, check_help, unpack


def _kit(tmp_path):
    root = make_fake_kit(tmp_path / "kit")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(KIT_ROOT / name, root / name)
    shutil.copytree(KIT_ROOT / "handin", root / "handin", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "hw9" / "README.md").write_text("# Homework 9\n")
    return root


def test_unpacked_handout_offers_only_student_targets(tmp_path):
    tree = unpack("hw9", tmp_path / "walk", _kit(tmp_path))
    assert (tree / ".venv").is_symlink() and not (tree / "autograder").exists()
    ok, detail = check_help(tree)
    assert ok, detail


def test_a_staff_target_in_the_handout_makefile_fails_the_help_step(tmp_path):
    tree = unpack("hw9", tmp_path / "walk", _kit(tmp_path))
    with open(tree / "Makefile", "a") as makefile:
        makefile.write("grade: ## grade one submission\n\t@true\n")
    ok, detail = check_help(tree)
    assert not ok and "'grade'" in detail


def test_data_step_is_skipped_with_a_note_without_a_mirror(tmp_path):
    assert check_data(tmp_path, "hw1", None) == (True, "skipped: DATA_MIRROR is not set here")
