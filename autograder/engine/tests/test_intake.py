"""Submissions are read as students really make them, and defensively: every zip and folder shape,
the same name twice, a missing file, traversal, symlinks, bad zips and oversized members."""

import stat
import zipfile

import pytest

from autograder.engine import messages
from autograder.engine.intake import MAX_FILE_BYTES, SubmissionError, read_submission

ALLOWED = ("losses.py", "model.py")
LOSSES, MODEL = "L = 1\n", "M = 2\n"
# Litter a macOS zip carries: resource forks beside every file and Finder's folder settings.
MACOS_LITTER = {"__MACOSX/alice/._losses.py": "\0\5fork", "__MACOSX/alice/._model.py": "\0\5fork",
                "alice/.DS_Store": "\0\0\0\1Bud1", "alice/__pycache__/model.cpython-311.pyc": "\0"}

SHAPES = {
    "root": {"losses.py": LOSSES, "model.py": MODEL},
    "submission folder": {"submission/losses.py": LOSSES, "submission/model.py": MODEL,
                          "submission/__init__.py": ""},
    "hwN/submission folder": {"hw0/submission/losses.py": LOSSES, "hw0/submission/model.py": MODEL},
    "one arbitrary folder": {"alice/losses.py": LOSSES, "alice/model.py": MODEL},
    "two nested folders": {"alice/hw0 final/losses.py": LOSSES, "alice/hw0 final/model.py": MODEL},
    "macOS zip with resource forks": {"alice/losses.py": LOSSES, "alice/model.py": MODEL, **MACOS_LITTER},
}


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            if name.startswith("LINK:"):
                info = zipfile.ZipInfo(name[5:])
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(info, data)
            else:
                z.writestr(name, data)
    return path


def _folder(path, members):
    for name, data in members.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(data)
    return path


def _submit(kind, tmp_path, members):
    return _zip(tmp_path / "s.zip", members) if kind == "zip" else _folder(tmp_path / "s", members)


@pytest.mark.parametrize("kind", ["zip", "folder"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_takes_both_files_without_notes(kind, shape, tmp_path):
    intake = read_submission(_submit(kind, tmp_path, SHAPES[shape]), ALLOWED)
    assert intake.files == {"losses.py": LOSSES.encode(), "model.py": MODEL.encode()}
    assert intake.problems == {} and intake.notes == [], "litter and package markers are not worth a note"


@pytest.mark.parametrize("kind", ["zip", "folder"])
def test_same_name_twice_is_refused_with_both_places(kind, tmp_path):
    members = {"alice/losses.py": LOSSES, "alice/model.py": MODEL, "alice/old/model.py": "OLD = 1\n"}
    intake = read_submission(_submit(kind, tmp_path, members), ALLOWED)
    assert intake.files == {"losses.py": LOSSES.encode()}, "neither copy of model.py may be taken"
    problem = intake.problems["model.py"]
    assert "model.py is in your submission twice (at alice/model.py and alice/old/model.py)" in problem
    assert problem.endswith("The blank starter file was graded in its place.")
    assert problem in intake.notes and "Not attempted" not in problem
    assert not any("Ignored files" in n for n in intake.notes), "the copies are named once, by the problem"


def test_two_members_of_one_name_in_a_zip_count_as_two_copies(tmp_path):
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as z, pytest.warns(UserWarning, match="Duplicate name"):
        z.writestr("model.py", "A = 1\n")
        z.writestr("model.py", "B = 2\n")
    intake = read_submission(path, ALLOWED)
    assert "model.py" not in intake.files and "twice" in intake.problems["model.py"]


@pytest.mark.parametrize("kind", ["zip", "folder"])
def test_missing_file_is_a_problem_of_that_file_only(kind, tmp_path):
    intake = read_submission(_submit(kind, tmp_path, {"alice/model.py": MODEL, "alice/notes.txt": "hi"}), ALLOWED)
    assert intake.files == {"model.py": MODEL.encode()}
    assert list(intake.problems) == ["losses.py"]
    assert intake.problems["losses.py"] == messages.FILE_NOT_TAKEN.format(
        problem="losses.py is missing from your submission.")
    assert messages.EXTRA_FILES.format(names="alice/notes.txt") in intake.notes


def test_traversal_and_symlinks_are_refused_and_named(tmp_path):
    z = _zip(tmp_path / "s.zip", {"hw0/submission/model.py": MODEL, "../../etc/model.py": "evil",
                                  "/abs/losses.py": "evil", "LINK:losses.py": "/etc/passwd"})
    intake = read_submission(z, ALLOWED)
    assert intake.files == {"model.py": MODEL.encode()}, "an unsafe member is never a copy either"
    assert "losses.py is missing" in intake.problems["losses.py"]
    notes = "\n".join(intake.notes)
    assert "../../etc/model.py (unsafe path)" in notes and "losses.py (symlink)" in notes


def test_folder_ignores_symlinks(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "losses.py").symlink_to("/etc/passwd")
    (tmp_path / "sub" / "model.py").write_text("B = 2\n")
    intake = read_submission(tmp_path / "sub", ALLOWED)
    assert intake.files == {"model.py": b"B = 2\n"}
    assert any("losses.py (symlink)" in n for n in intake.notes)


def test_single_py_file(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    intake = read_submission(tmp_path / "model.py", ALLOWED)
    assert intake.files == {"model.py": MODEL.encode()} and list(intake.problems) == ["losses.py"]


def test_not_a_zip_is_a_clear_error(tmp_path):
    bad = tmp_path / "s.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(SubmissionError, match="not a readable zip"):
        read_submission(bad, ALLOWED)


def test_oversized_member_is_a_problem_of_its_file(tmp_path):
    z = _zip(tmp_path / "s.zip", {"alice/model.py": "x" * (MAX_FILE_BYTES + 1), "alice/losses.py": LOSSES})
    intake = read_submission(z, ALLOWED)
    assert "model.py" not in intake.files and "losses.py" in intake.files
    assert "alice/model.py is larger than 1 MiB" in intake.problems["model.py"]
