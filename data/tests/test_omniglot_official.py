"""Verification of official-layout zips and fetching them from a mirror, on small fake zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from data.fetch import DataError
from data.omniglot import official
from data.omniglot.fake_zip import fake_png, fake_spec, write_fake_zip
from data.omniglot.official import verify_zip

ALPHABETS = {"Alpha": 2, "Beta": 3}  # 5 characters
DRAWERS = 3


@pytest.fixture(scope="module")
def good_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("zips") / "images_background.zip"
    return write_fake_zip(path, fake_spec(alphabets=ALPHABETS, num_drawers=DRAWERS))


def _spec(**kwargs) -> official.ZipSpec:
    return fake_spec(alphabets=kwargs.pop("alphabets", ALPHABETS), num_drawers=DRAWERS, **kwargs)


def _copy_without(source: Path, dest: Path, drop: str) -> Path:
    """Copies a zip, leaving out every member whose name contains `drop`."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w") as out:
        for info in src.infolist():
            if drop not in info.filename:
                out.writestr(info, src.read(info))
    return dest


def _copy_with(source: Path, dest: Path, name: str, data: bytes) -> Path:
    """Copies a zip and adds one member."""
    dest.write_bytes(source.read_bytes())
    with zipfile.ZipFile(dest, "a") as out:
        out.writestr(name, data)
    return dest


def test_official_constants_match_the_published_counts():
    assert len(official.BACKGROUND_ALPHABETS) == 30
    assert len(official.EVALUATION_ALPHABETS) == 20
    assert official.BACKGROUND.num_characters == 964
    assert official.EVALUATION.num_characters == 659
    assert official.NUM_CHARACTERS == 1623
    assert official.NUM_CHARACTERS * official.NUM_DRAWERS == 32460
    assert official.BACKGROUND.top == "images_background"
    assert official.EVALUATION.remote.mirror_path == "omniglot/images_evaluation.zip"


def test_good_zip_lists_characters_in_order(good_zip):
    characters = verify_zip(good_zip, _spec())
    names = [f"{c.alphabet}/{c.name}" for c in characters]
    assert names == [
        "Alpha/character01", "Alpha/character02",
        "Beta/character01", "Beta/character02", "Beta/character03",
    ]  # fmt: skip
    for character in characters:
        drawers = [int(m.rsplit("_", 1)[1].removesuffix(".png")) for m in character.members]
        assert drawers == list(range(1, DRAWERS + 1))


def test_truncated_zip_names_the_file_and_the_fix(good_zip, tmp_path):
    bad = tmp_path / "images_background.zip"
    data = good_zip.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="not a readable zip") as err:
        verify_zip(bad, _spec())
    assert str(bad) in str(err.value) and "make data" in str(err.value)


def test_corrupt_member_fails_the_crc_check(good_zip, tmp_path):
    bad = tmp_path / "images_background.zip"
    data = bytearray(good_zip.read_bytes())
    with zipfile.ZipFile(good_zip) as archive:
        info = archive.infolist()[2]
    # Local header: 30 fixed bytes, then the name and the extra field, then the member's data.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(DataError, match="CRC") as err:
        verify_zip(bad, _spec())
    assert info.filename in str(err.value)


def test_missing_character_is_named(good_zip, tmp_path):
    bad = _copy_without(good_zip, tmp_path / "images_background.zip", "Beta/character02/")
    with pytest.raises(DataError, match=r"Beta/character02 is missing") as err:
        verify_zip(bad, _spec())
    assert "delete" in str(err.value)


def test_missing_drawer_is_named(good_zip, tmp_path):
    bad = _copy_without(good_zip, tmp_path / "images_background.zip", "Alpha/character01/0001_02")
    with pytest.raises(
        DataError, match=r"Alpha/character01 has 2 drawings, expected 3 \(missing drawers \[2\]\)"
    ):
        verify_zip(bad, _spec())


def test_wrong_counts_are_reported(good_zip):
    # The zip is fine; the expectation differs: an alphabet and a character too few in the zip.
    with pytest.raises(DataError, match=r"has 2 alphabets, expected 3; missing: Gamma"):
        verify_zip(good_zip, _spec(alphabets={**ALPHABETS, "Gamma": 1}))
    with pytest.raises(DataError, match=r"Beta/character04 is missing"):
        verify_zip(good_zip, _spec(alphabets={"Alpha": 2, "Beta": 4}))
    with pytest.raises(DataError, match=r"Beta/character03 is not an official character"):
        verify_zip(good_zip, _spec(alphabets={"Alpha": 2, "Beta": 2}))


def test_files_outside_the_layout_are_rejected(good_zip, tmp_path):
    bad = _copy_with(good_zip, tmp_path / "a.zip", "images_background/Alpha/notes.txt", b"x")
    with pytest.raises(DataError, match="outside the official layout"):
        verify_zip(bad, _spec())
    duplicate = "images_background/Alpha/character01/9999_01.png"
    bad = _copy_with(good_zip, tmp_path / "b.zip", duplicate, fake_png())
    with pytest.raises(DataError, match="drawer twice"):
        verify_zip(bad, _spec())
    # macOS archive litter is not data and is ignored.
    ok = _copy_with(good_zip, tmp_path / "c.zip", "__MACOSX/images_background/._x.png", b"x")
    assert len(verify_zip(ok, _spec())) == 5


def test_fetch_from_mirror_verifies_and_places_the_zip(good_zip, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "omniglot").mkdir(parents=True)
    (mirror / "omniglot" / "images_background.zip").write_bytes(good_zip.read_bytes())
    monkeypatch.setenv("DATA_MIRROR", str(mirror))
    dest = tmp_path / "downloads"
    [path] = official.fetch_official((_spec(),), dest_dir=dest)
    assert path == dest / "images_background.zip"
    assert path.read_bytes() == good_zip.read_bytes()
    assert official.official_zips_available((_spec(),), dest_dir=dest)


def test_fetch_of_a_bad_mirror_copy_leaves_nothing_usable(good_zip, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "omniglot").mkdir(parents=True)
    _copy_without(good_zip, mirror / "omniglot" / "images_background.zip", "Alpha/character02/")
    monkeypatch.setenv("DATA_MIRROR", str(mirror))
    dest = tmp_path / "downloads"
    with pytest.raises(DataError, match="Alpha/character02 is missing"):
        official.fetch_official((_spec(),), dest_dir=dest)
    # Only the set-aside copy remains, under a name no loader looks for.
    assert sorted(p.name for p in dest.iterdir()) == ["images_background.zip.part.corrupt"]


def test_no_mirror_and_no_download_means_not_available(tmp_path, monkeypatch):
    monkeypatch.delenv("DATA_MIRROR", raising=False)
    assert not official.official_zips_available((_spec(),), dest_dir=tmp_path)
