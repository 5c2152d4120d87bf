"""Submissions are read defensively: allow-list, nested folders, traversal, symlinks, bad zips."""

import stat
import zipfile

import pytest

from autograder.engine.intake import SubmissionError, read_submission

ALLOWED = ("losses.py", "model.py")


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


def test_zip_nested_under_submission_and_extras_reported(tmp_path):
    z = _zip(tmp_path / "s.zip", {"hw0/submission/model.py": "A = 1\n", "notes.txt": "hi",
                                  "../../etc/model.py": "evil", "LINK:losses.py": "/etc/passwd"})
    intake = read_submission(z, "hw0", ALLOWED)
    assert intake.files == {"model.py": b"A = 1\n"}
    notes = "\n".join(intake.notes)
    assert "losses.py is missing" in notes and "notes.txt" in notes


def test_root_file_preferred_over_nested_copy(tmp_path):
    z = _zip(tmp_path / "s.zip", {"model.py": "ROOT\n", "old/submission/model.py": "OLD\n"})
    assert read_submission(z, "hw0", ALLOWED).files["model.py"] == b"ROOT\n"


def test_folder_ignores_symlinks(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "losses.py").symlink_to("/etc/passwd")
    (tmp_path / "sub" / "model.py").write_text("B = 2\n")
    intake = read_submission(tmp_path / "sub", "hw0", ALLOWED)
    assert intake.files == {"model.py": b"B = 2\n"}
    assert any("symlink" in n for n in intake.notes)


def test_not_a_zip_is_a_clear_error(tmp_path):
    bad = tmp_path / "s.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(SubmissionError, match="not a readable zip"):
        read_submission(bad, "hw0", ALLOWED)


def test_oversized_member_is_ignored(tmp_path):
    z = _zip(tmp_path / "s.zip", {"model.py": "x" * (2 << 20)})
    intake = read_submission(z, "hw0", ALLOWED)
    assert "model.py" not in intake.files
    assert any("larger than" in n for n in intake.notes)
