"""The official Omniglot zips: where they come from, what they must hold, and checking that they do.

Lake et al. (2015) publish two zips on GitHub (brendenlake/omniglot, `python/`). Each holds one top
folder of its own name and, below it, `<Alphabet>/characterNN/<id>_<drawer>.png`: one folder per
alphabet, one per character (numbered from 01 without gaps), and one 105x105 1-bit PNG per drawer
(`<id>` is the character's global 4-digit number, `<drawer>` runs 01..20).

    images_background.zip   30 alphabets,  964 characters, 19,280 images
    images_evaluation.zip   20 alphabets,  659 characters, 13,180 images

The per-alphabet character counts are constants below, so that a missing character is named, not
merely counted. Verification reads only the zip's central directory plus one CRC pass over its
bytes (`ZipFile.testzip`, ~0.2 s), so it is cheap enough to run every time a zip is used.

Checksums: the official SHA-256 digests are not recorded (None), and the local mirror copies are
re-encoded PNGs whose bytes differ anyway; the structural check above is what every copy must pass.
"""

from __future__ import annotations

import logging
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from data.fetch import MIRROR_ENV, DataError, RemoteFile, data_home, fetch, mirror_root

log = logging.getLogger(__name__)

NUM_DRAWERS = 20  # every character of Omniglot was drawn by 20 different people
IMAGE_SHAPE = (105, 105)  # every official PNG is 105x105, 1-bit
_URL_BASE = "https://github.com/brendenlake/omniglot/raw/master/python/"

# Per-alphabet character counts, read from the official zips (they also fix the alphabet names).
BACKGROUND_ALPHABETS = {
    "Alphabet_of_the_Magi": 20, "Anglo-Saxon_Futhorc": 29, "Arcadian": 26, "Armenian": 41,
    "Asomtavruli_(Georgian)": 40, "Balinese": 24, "Bengali": 46,
    "Blackfoot_(Canadian_Aboriginal_Syllabics)": 14, "Braille": 26, "Burmese_(Myanmar)": 34,
    "Cyrillic": 33, "Early_Aramaic": 22, "Futurama": 26, "Grantha": 43, "Greek": 24,
    "Gujarati": 48, "Hebrew": 22, "Inuktitut_(Canadian_Aboriginal_Syllabics)": 16,
    "Japanese_(hiragana)": 52, "Japanese_(katakana)": 47, "Korean": 40, "Latin": 26,
    "Malay_(Jawi_-_Arabic)": 40, "Mkhedruli_(Georgian)": 41, "N_Ko": 33,
    "Ojibwe_(Canadian_Aboriginal_Syllabics)": 14, "Sanskrit": 42, "Syriac_(Estrangelo)": 23,
    "Tagalog": 17, "Tifinagh": 55,
}  # fmt: skip
EVALUATION_ALPHABETS = {
    "Angelic": 20, "Atemayar_Qelisayer": 26, "Atlantean": 26, "Aurek-Besh": 26, "Avesta": 26,
    "Ge_ez": 26, "Glagolitic": 45, "Gurmukhi": 45, "Kannada": 41, "Keble": 26, "Malayalam": 47,
    "Manipuri": 40, "Mongolian": 30, "Old_Church_Slavonic_(Cyrillic)": 45, "Oriya": 46,
    "Sylheti": 28, "Syriac_(Serto)": 23, "Tengwar": 25, "Tibetan": 42, "ULOG": 26,
}  # fmt: skip

_PNG_NAME = re.compile(r"(\d+)_(\d+)\.png")


@dataclass(frozen=True)
class ZipSpec:
    """What one official zip must hold.

    remote: where the zip comes from (URL, mirror path, file name).
    alphabets: alphabet folder name -> number of characters (folders character01..characterNN).
    num_drawers: PNGs per character folder (drawers 01..num_drawers).
    background: True for the background set (Lake et al.'s training alphabets).
    """

    remote: RemoteFile
    alphabets: dict[str, int]
    num_drawers: int = NUM_DRAWERS
    background: bool = True

    @property
    def top(self) -> str:
        """The zip's single top folder: its file name without `.zip`."""
        return self.remote.name.removesuffix(".zip")

    @property
    def num_characters(self) -> int:
        return sum(self.alphabets.values())


BACKGROUND = ZipSpec(
    remote=RemoteFile(
        name="images_background.zip",
        url=_URL_BASE + "images_background.zip",
        mirror_path="omniglot/images_background.zip",
        sha256=None,
    ),
    alphabets=BACKGROUND_ALPHABETS,
    background=True,
)
EVALUATION = ZipSpec(
    remote=RemoteFile(
        name="images_evaluation.zip",
        url=_URL_BASE + "images_evaluation.zip",
        mirror_path="omniglot/images_evaluation.zip",
        sha256=None,
    ),
    alphabets=EVALUATION_ALPHABETS,
    background=False,
)
OFFICIAL_SPECS = (BACKGROUND, EVALUATION)
NUM_ALPHABETS = len(BACKGROUND_ALPHABETS) + len(EVALUATION_ALPHABETS)  # 50
NUM_CHARACTERS = BACKGROUND.num_characters + EVALUATION.num_characters  # 1,623


@dataclass(frozen=True)
class Character:
    """One verified character folder: its alphabet, its name, and its PNG members by drawer."""

    alphabet: str
    name: str  # "characterNN"
    members: tuple[str, ...]  # [S] zip member names, drawer 1..S in order


def _fix_hint(path: Path) -> str:
    return (
        f"The file is incomplete or not the official one: delete {path} and run `make data` "
        f"again (or set {MIRROR_ENV} to a folder that holds the official Omniglot zips)."
    )


def _short_list(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _group_members(path: Path, spec: ZipSpec, names: list[str]) -> dict[tuple[str, str], dict]:
    """Files of the zip grouped as {(alphabet, characterNN): {drawer: member name}}."""
    groups: dict[tuple[str, str], dict[int, str]] = {}
    unexpected = []
    for name in names:
        parts = name.split("/")
        # macOS archivers add resource forks and Finder files; they are not part of the data.
        if parts[0] == "__MACOSX" or parts[-1].startswith("."):
            continue
        match = _PNG_NAME.fullmatch(parts[-1])
        if len(parts) != 4 or parts[0] != spec.top or match is None:
            unexpected.append(name)
            continue
        by_drawer = groups.setdefault((parts[1], parts[2]), {})
        drawer = int(match.group(2))
        if drawer in by_drawer:  # two files claim the same drawer: one would be silently lost
            unexpected.append(name)
        by_drawer[drawer] = name
    if unexpected:
        raise DataError(
            f"{path} holds files outside the official layout "
            f"{spec.top}/<Alphabet>/characterNN/<id>_<drawer>.png (or a drawer twice): "
            f"{_short_list(unexpected)}. " + _fix_hint(path)
        )
    return groups


def verify_zip(path: Path, spec: ZipSpec, check_crc: bool = True) -> list[Character]:
    """Checks that `path` is a complete copy of the zip `spec` describes and lists its characters.

    check_crc: also read every member once and check its CRC (~0.5 s for an official zip). Code
        that reads all members anyway may skip it: `read_member` checks the CRC of what it reads.
    Raises DataError naming what is wrong (unreadable or truncated zip, corrupt member, missing or
    extra alphabet, character or drawer) and how to fix it. Returns the characters sorted by
    (alphabet, character name), each with its members sorted by drawer.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            # One CRC pass over all members: catches a copy damaged after its directory was written.
            bad_member = archive.testzip() if check_crc else None
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise DataError(f"{path} is not a readable zip ({err}). " + _fix_hint(path)) from err
    if bad_member is not None:
        raise DataError(f"{path}: member {bad_member} fails its CRC check. " + _fix_hint(path))

    groups = _group_members(path, spec, names)
    found_alphabets = {alphabet for alphabet, _ in groups}
    missing_alphabets = sorted(set(spec.alphabets) - found_alphabets)
    extra_alphabets = sorted(found_alphabets - set(spec.alphabets))
    if missing_alphabets or extra_alphabets:
        raise DataError(
            f"{path} has {len(found_alphabets)} alphabets, expected {len(spec.alphabets)}"
            + (f"; missing: {_short_list(missing_alphabets)}" if missing_alphabets else "")
            + (f"; unexpected: {_short_list(extra_alphabets)}" if extra_alphabets else "")
            + ". "
            + _fix_hint(path)
        )

    problems = []
    characters = []
    drawers = list(range(1, spec.num_drawers + 1))
    for alphabet, count in sorted(spec.alphabets.items()):
        expected = [f"character{i:02d}" for i in range(1, count + 1)]
        found = sorted(name for a, name in groups if a == alphabet)
        missing = sorted(set(expected) - set(found))
        extra = sorted(set(found) - set(expected))
        problems += [f"{alphabet}/{name} is missing" for name in missing]
        problems += [f"{alphabet}/{name} is not an official character" for name in extra]
        for name in expected:
            by_drawer = groups.get((alphabet, name))
            if by_drawer is None:
                continue
            if sorted(by_drawer) != drawers:
                absent = [d for d in drawers if d not in by_drawer]
                problems.append(
                    f"{alphabet}/{name} has {len(by_drawer)} drawings, expected "
                    f"{spec.num_drawers}" + (f" (missing drawers {absent})" if absent else "")
                )
                continue
            members = tuple(by_drawer[d] for d in drawers)
            characters.append(Character(alphabet=alphabet, name=name, members=members))
    if problems:
        raise DataError(
            f"{path} is incomplete: {len(problems)} problem(s): {_short_list(problems)}. "
            + _fix_hint(path)
        )
    log.debug(
        "verified %s: %d alphabets, %d characters", path, len(spec.alphabets), len(characters)
    )
    return characters


def read_member(archive: zipfile.ZipFile, path: Path, member: str) -> bytes:
    """The bytes of one member of the zip at `path`; DataError (with the fix) if they are corrupt.

    zipfile checks the CRC when a member is read to its end, so this is as safe as `testzip`.
    """
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as err:
        raise DataError(f"{path}: member {member} is corrupt ({err}). " + _fix_hint(path)) from err


def downloads_dir() -> Path:
    """Where the official zips are kept: `data_home()/downloads/omniglot` (git-ignored)."""
    return data_home() / "downloads" / "omniglot"


def fetch_official(
    specs: tuple[ZipSpec, ...] = OFFICIAL_SPECS, dest_dir: Path | None = None
) -> list[Path]:
    """Returns verified local paths of the zips in `specs`, copied from `DATA_MIRROR` or downloaded.

    A zip already in `dest_dir` (default `downloads_dir()`) is verified again and reused; a bad one
    is set aside as `*.corrupt` and fetched anew (see `data.fetch.fetch`).
    """
    dest_dir = downloads_dir() if dest_dir is None else dest_dir
    paths = []
    for spec in specs:
        # Bind `spec` now: the validator runs inside `fetch`, after this loop variable moved on.
        def validator(path: Path, spec: ZipSpec = spec) -> None:
            verify_zip(path, spec)

        paths.append(fetch(spec.remote, dest_dir, validator=validator))
    return paths


def official_zips_available(
    specs: tuple[ZipSpec, ...] = OFFICIAL_SPECS, dest_dir: Path | None = None
) -> bool:
    """True when every zip is already downloaded or `DATA_MIRROR` is set (no network needed).

    Raises DataError when `DATA_MIRROR` is set but is not a folder.
    """
    dest_dir = downloads_dir() if dest_dir is None else dest_dir
    if mirror_root() is not None:
        return True
    return all((dest_dir / spec.remote.name).is_file() for spec in specs)
