"""`make data` (`python -m data`): what it attempts, what it requires, its summary and exit status.

Never the network: DATA_MIRROR points at a temporary folder, and the preparers are stand-ins that
fetch one small file each through the real `fetch` (so "not in the mirror" is the real error).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import data.__main__ as make_data
from data import banking77, movielens
from data.fetch import RemoteFile, data_home, fetch
from data.omniglot.official import OFFICIAL_SPECS

KIT_HOMEWORKS = ("hw0", "hw1", "hw2", "hw3")


def _tree(root: Path, homeworks: tuple[str, ...]) -> Path:
    """A folder laid out like a handout (one homework) or the kit (several)."""
    for hw in homeworks:
        (root / hw).mkdir(parents=True)
        (root / hw / "README.md").write_text(f"# {hw}\n")
    return root


def _mirror(root: Path, holds: tuple[str, ...]) -> Path:
    for name in holds:
        (root / name).mkdir(parents=True)
        (root / name / "file.bin").write_bytes(name.encode())
    return root


@pytest.fixture
def calls(tmp_path, monkeypatch) -> list[str]:
    """Stand-in preparers (recording their calls) and a data home inside tmp_path."""
    monkeypatch.setenv("MTML_DATA_HOME", str(tmp_path / "home"))
    seen: list[str] = []

    def preparer(name: str):
        def run() -> str:
            seen.append(name)
            remote = RemoteFile("file.bin", f"https://invalid.example/{name}", f"{name}/file.bin")
            return str(fetch(remote, data_home() / "downloads" / name))
        return run

    monkeypatch.setattr(make_data, "PREPARERS", {n: preparer(n) for n in make_data.PREPARERS})
    return seen


def _run(argv, root, capsys) -> tuple[int, str]:
    status = make_data.main(argv, root=root, preparers=make_data.PREPARERS)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_hw1_handout_with_an_omniglot_only_mirror_succeeds(tmp_path, monkeypatch, calls, capsys):
    root = _tree(tmp_path / "handout", ("hw1",))
    monkeypatch.setenv("DATA_MIRROR", str(_mirror(tmp_path / "mirror", ("omniglot",))))
    status, text = _run([], root, capsys)
    assert status == 0, text
    assert calls == ["omniglot"], "a hw1 handout prepares Omniglot only"
    assert (tmp_path / "home" / "downloads" / "omniglot" / "file.bin").read_bytes() == b"omniglot"
    assert "prepared omniglot" in text and "movielens" not in text


def test_hw0_handout_fails_when_its_data_set_is_not_in_the_mirror(tmp_path, monkeypatch, calls, capsys):
    root = _tree(tmp_path / "handout", ("hw0",))
    monkeypatch.setenv("DATA_MIRROR", str(_mirror(tmp_path / "mirror", ("omniglot",))))
    status, text = _run([], root, capsys)
    assert status == 1 and calls == ["movielens"]
    assert "FAILED: " in text and "movielens/file.bin does not exist" in text


def test_kit_attempts_everything_and_a_set_missing_from_the_mirror_is_not_required(
        tmp_path, monkeypatch, calls, capsys):
    root = _tree(tmp_path / "kit", KIT_HOMEWORKS)
    mirror = _mirror(tmp_path / "mirror", ("omniglot", "banking77"))
    monkeypatch.setenv("DATA_MIRROR", str(mirror))
    status, text = _run([], root, capsys)
    assert status == 0, text
    assert sorted(calls) == ["banking77", "movielens", "omniglot"], "every data set is attempted"
    assert "prepared omniglot, banking77" in text
    assert "movielens  not prepared (not required" in text and "does not exist" in text


def test_kit_fails_when_a_data_set_the_mirror_holds_is_broken(tmp_path, monkeypatch, calls, capsys):
    root = _tree(tmp_path / "kit", KIT_HOMEWORKS)
    mirror = _mirror(tmp_path / "mirror", ("omniglot",))
    (mirror / "banking77").mkdir()  # the mirror claims BANKING77 but holds none of its files
    monkeypatch.setenv("DATA_MIRROR", str(mirror))
    status, text = _run([], root, capsys)
    assert status == 1
    assert "FAILED banking77" in text and "prepared omniglot" in text, "the others are still prepared"


def test_named_data_sets_are_required_and_only_they_are_attempted(tmp_path, monkeypatch, calls, capsys):
    root = _tree(tmp_path / "kit", KIT_HOMEWORKS)
    monkeypatch.setenv("DATA_MIRROR", str(_mirror(tmp_path / "mirror", ("omniglot",))))
    assert _run(["omniglot"], root, capsys)[0] == 0
    status, text = _run(["movielens,omniglot"], root, capsys)
    assert status == 1 and "FAILED movielens" in text
    assert calls == ["omniglot", "movielens", "omniglot"]


def test_unknown_data_set_is_a_usage_error(tmp_path, calls, capsys):
    with pytest.raises(SystemExit) as exit_info:
        make_data.main(["imagenet"], root=_tree(tmp_path / "kit", ("hw1",)), preparers=make_data.PREPARERS)
    assert exit_info.value.code == 2 and "unknown data sets ['imagenet']" in capsys.readouterr().err


def test_a_mirror_that_is_not_a_folder_fails_before_anything_runs(tmp_path, monkeypatch, calls, capsys):
    monkeypatch.setenv("DATA_MIRROR", str(tmp_path / "nowhere"))
    status, text = _run([], _tree(tmp_path / "handout", ("hw1",)), capsys)
    assert status == 1 and calls == [] and "is not a folder" in text


def test_every_homework_names_known_data_sets_and_mirror_folders_match():
    assert {d for sets in make_data.HOMEWORK_DATASETS.values() for d in sets} == set(make_data.PREPARERS)
    folders = {
        "movielens": [movielens.ML_100K.mirror_path],
        "omniglot": [spec.remote.mirror_path for spec in OFFICIAL_SPECS],
        "banking77": [f.mirror_path for f in (banking77.TRAIN_CSV, banking77.TEST_CSV, banking77.CATEGORIES_JSON)],
    }
    for name, paths in folders.items():
        assert all(p.startswith(f"{name}/") for p in paths), (name, paths)
