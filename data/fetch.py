"""Getting one official file onto disk: from a local mirror or its official URL, verified, atomically.

Every data set of the kit describes its files as `RemoteFile` constants and calls `fetch`. The rules
(STYLE.md, rule 9):
- A file is written under a temporary name and renamed into place only after it was verified, so an
  interrupted or corrupt transfer is never mistaken for a good cache.
- A file already in place is verified again before it is trusted; a bad one is set aside (renamed
  `*.corrupt`, never silently deleted) and fetched anew.
- Downloads resume from a partial `*.part` file when the server allows ranges.
- `DATA_MIRROR` names a folder laid out like the official downloads (see `RemoteFile.mirror_path`);
  when it is set, nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DATA_HOME_ENV = "MTML_DATA_HOME"
MIRROR_ENV = "DATA_MIRROR"
_CHUNK = 1 << 20


class DataError(RuntimeError):
    """A data set is missing, incomplete or corrupt; the message says how to fix it."""


@dataclass(frozen=True)
class RemoteFile:
    """One file as its official source publishes it.

    name: file name on disk, e.g. "ml-100k.zip".
    url: official download URL.
    mirror_path: path of the same file inside a `DATA_MIRROR` folder, e.g. "omniglot/images_background.zip".
    sha256: checksum of the official bytes, or None where only a structural check is possible.
    """

    name: str
    url: str
    mirror_path: str
    sha256: str | None = None


Validator = Callable[[Path], None]
"""Raises DataError when the file at the path is not a complete, usable copy."""


def data_home() -> Path:
    """Folder that holds downloads and caches: `$MTML_DATA_HOME`, else `data/` of the kit."""
    env = os.environ.get(DATA_HOME_ENV)
    return Path(env) if env else Path(__file__).resolve().parent


def mirror_root() -> Path | None:
    """The `DATA_MIRROR` folder, or None when unset. A set but missing folder is an error."""
    env = os.environ.get(MIRROR_ENV)
    if not env:
        return None
    root = Path(env).expanduser()
    if not root.is_dir():
        raise DataError(
            f"{MIRROR_ENV}={env!r} is not a folder. Point it at a folder laid out like the official "
            f"downloads (e.g. <mirror>/omniglot/images_background.zip), or unset it to download."
        )
    return root


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(remote: RemoteFile, path: Path, validator: Validator | None, check_sha: bool) -> None:
    if check_sha and remote.sha256 is not None:
        got = sha256_of(path)
        if got != remote.sha256:
            raise DataError(
                f"{path} has SHA-256 {got}, expected {remote.sha256} for {remote.url}: "
                "the download is corrupt or incomplete."
            )
    if validator is not None:
        validator(path)


def _set_aside(path: Path) -> None:
    bad = path.with_name(path.name + ".corrupt")
    os.replace(path, bad)
    log.warning("set aside %s as %s (failed verification)", path, bad)


def _download(url: str, part: Path) -> None:
    """Downloads `url` into `part`, resuming from its current size when the server allows."""
    start = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={start}-"} if start else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            resumed = start > 0 and response.status == 206
            with open(part, "ab" if resumed else "wb") as out:
                shutil.copyfileobj(response, out, _CHUNK)
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise DataError(
            f"could not download {url}: {err}. Check the network, or set {MIRROR_ENV} to a folder "
            "that holds a copy of the official files and run `make data` again."
        ) from err


def fetch(remote: RemoteFile, dest_dir: Path, validator: Validator | None = None) -> Path:
    """Returns the verified path of `remote` inside `dest_dir`, copying or downloading it if needed.

    The SHA-256 applies to bytes from the official URL; a mirror copy (which may be re-encoded) and
    every file already in place must pass `validator`.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / remote.name
    if final.exists():
        try:
            _verify(remote, final, validator, check_sha=False)
            return final
        except DataError as err:
            log.warning("%s", err)
            _set_aside(final)

    part = final.with_name(final.name + ".part")
    mirror = mirror_root()
    if mirror is not None:
        source = mirror / remote.mirror_path
        if not source.is_file():
            raise DataError(
                f"{source} does not exist. {MIRROR_ENV}={mirror} must hold the official file at "
                f"{remote.mirror_path}; copy it there (from {remote.url}) or unset {MIRROR_ENV}."
            )
        log.info("copying %s from the mirror %s", remote.name, mirror)
        shutil.copyfile(source, part)
        from_official = False
    else:
        log.info("downloading %s", remote.url)
        _download(remote.url, part)
        from_official = True

    try:
        _verify(remote, part, validator, check_sha=from_official)
    except DataError:
        _set_aside(part)
        raise
    os.replace(part, final)
    return final
