"""The hostile bank: submissions that attack the grader, each with the exact score it must get.

`autograder/attacks/hwN/attacks.toml` holds `[[attack]]` tables:
  name, description        what the attack is and what it tries
  base = "reference"       start from the reference ("reference") or the blank stub ("stub")
  edits                    list of {file, old, new} (old must occur once), {file, prepend} or {file, append}
  extra_files              {name = content}: files placed beside the student's (shadowing attempts)
  omit = [...]             student files left out of the submission
  zip = false              submit as a zip instead of a folder
  zip_members              list of {name, content} | {name, symlink} | {name, zeros} (zip only)
  tests = [...]            run only these hidden tests (function names); default all
  failed = "all" | [...]   the tests (function names) that must fail; all other tests run must pass
  forbidden_paths = [...]  files that must not exist after grading
  requires = [...]         "own-uid" / "namespaces": confinement the attack is only safe or only
                           meaningful with; without it the attack is reported as skipped
In code and paths, `{kit}` is replaced by the kit's root and `{tmp}` by the system temp folder:
the bank assumes the strongest attacker, one who knows where the grader's files are.

`verify` checks, for one graded attack: a results.json with every test of the suite, exactly the
expected tests failed and so exactly the expected score, and no line of a hidden test or of the
reference's solution code in anything a student can see. `machine_state` is compared before and
after the whole bank: no process left behind by this run and no change to this checkout's files.
A run counts as its own only the processes descended from it (`claim_orphans` makes sure that what
a grading leaves behind stays in that tree), never a grading of another checkout on the machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.engine.results import MAX_TEST_OUTPUT
from autograder.engine.suite import Suite, read_toml

from .edited_copy import copy_submission, replace_once

MIN_SECRET_LINE = 30  # shorter lines (imports, `return x`) are not evidence of a leak
KEYS = {"name", "description", "base", "edits", "extra_files", "omit", "zip", "zip_members", "tests", "failed",
        "forbidden_paths", "requires"}
REQUIREMENTS = {"own-uid", "namespaces"}


class AttackError(ValueError):
    """An attack entry is malformed or no longer applies to the reference."""


@dataclass(frozen=True)
class Attack:
    name: str
    description: str
    failed: str | tuple[str, ...]
    base: str = "reference"
    edits: tuple[dict[str, str], ...] = ()
    extra_files: dict[str, str] = field(default_factory=dict)
    zip: bool = False
    zip_members: tuple[dict[str, Any], ...] = ()
    tests: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()
    forbidden_paths: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    def forbidden(self, kit: Path) -> list[Path]:
        return [Path(fill(p, kit)) for p in self.forbidden_paths]


def fill(text: str, kit: Path) -> str:
    return text.replace("{kit}", str(kit)).replace("{tmp}", tempfile.gettempdir())


def unmet_requirements(attack: Attack) -> list[str]:
    """What the platform lacks for this attack (empty when it can run)."""
    from autograder.engine.confinement import choose_worker_identity, namespaces_available

    missing = []
    if "own-uid" in attack.requires and choose_worker_identity()[0] is None:
        missing.append("own-uid")
    if "namespaces" in attack.requires and not namespaces_available(())[0]:
        missing.append("namespaces")
    return missing


def load_attacks(suite: Suite) -> list[Attack]:
    path = suite.kit_root / "autograder" / "attacks" / suite.homework / "attacks.toml"
    if not path.is_file():
        return []
    raw = read_toml(path, AttackError).get("attack", [])
    attacks = []
    for entry in raw:
        unknown = set(entry) - KEYS
        if unknown or not {"name", "description", "failed"} <= set(entry):
            raise AttackError(f"{path}: attack {entry.get('name')!r} has unknown keys {sorted(unknown)} "
                              "or lacks name/description/failed")
        failed = entry["failed"] if entry["failed"] == "all" else tuple(entry["failed"])
        unknown_req = set(entry.get("requires", ())) - REQUIREMENTS
        if unknown_req:
            raise AttackError(f"{path}: attack {entry['name']!r} requires unknown {sorted(unknown_req)}")
        attacks.append(Attack(**{**entry, "failed": failed, **{key: tuple(entry.get(key, ())) for key in (
            "edits", "zip_members", "tests", "omit", "forbidden_paths", "requires")}}))
    return attacks


def _apply(folder: Path, edit: dict[str, str], attack: str, kit: Path) -> None:
    target = folder / edit["file"]
    text = target.read_text()
    if "prepend" in edit or "append" in edit:
        # Prepended code goes right after any `from __future__` import, which must stay first.
        lines = text.splitlines(keepends=True)
        cut = max((i + 1 for i, line in enumerate(lines) if line.startswith("from __future__ import")), default=0)
        head, tail = "".join(lines[:cut]), "".join(lines[cut:])
        target.write_text(head + fill(edit.get("prepend", ""), kit) + tail + fill(edit.get("append", ""), kit))
        return
    replace_once(target, edit["old"], fill(edit["new"], kit), f"attack {attack!r}", AttackError)


def _zip_bomb_member(archive: zipfile.ZipFile, name: str, size: int) -> None:
    with archive.open(zipfile.ZipInfo(name), "w", force_zip64=True) as member:
        block = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            member.write(block)


def materialise(suite: Suite, attack: Attack, work: Path) -> Path:
    """Writes the attack's submission (a folder, or a zip beside it) and returns its path."""
    folder = work / attack.name
    shutil.rmtree(folder, ignore_errors=True)
    copy_submission(suite, folder, attack.base)
    for edit in attack.edits:
        _apply(folder, edit, attack.name, suite.kit_root)
    for name, content in attack.extra_files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(fill(content, suite.kit_root))
    for name in attack.omit:
        (folder / name).unlink()
    if not attack.zip:
        return folder
    target = work / f"{attack.name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
        for member in attack.zip_members:
            if "symlink" in member:
                info = zipfile.ZipInfo(member["name"])
                info.external_attr = (0o120777) << 16
                archive.writestr(info, member["symlink"])
            elif "zeros" in member:
                _zip_bomb_member(archive, member["name"], int(member["zeros"]))
            else:
                archive.writestr(fill(member["name"], suite.kit_root), fill(member["content"], suite.kit_root))
    shutil.rmtree(folder)
    return target


def secret_lines(suite: Suite) -> set[str]:
    """Lines of the hidden tests and of the solution code that appear in no file a student has."""
    public: set[str] = set()
    for path in suite.homework_dir.rglob("*.py"):
        public |= {line.strip() for line in path.read_text().splitlines()}
    secret: set[str] = set()
    for folder in (suite.tests_dir, suite.solutions_dir):
        for path in folder.rglob("*.py"):
            secret |= {line.strip() for line in path.read_text().splitlines()}
    return {line for line in secret - public if len(line) >= MIN_SECRET_LINE}


def verify(attack: Attack, results: dict[str, Any] | None, secrets: set[str],
           listing: list[dict[str, Any]], kit: Path) -> str:
    """Returns "" when the graded attack got exactly what it must, else what went wrong.

    listing: the suite's tests as `grade.list_tests` collects them (function names and points).
    """
    if results is None:
        return "no results.json"
    if attack.tests:
        listing = [t for t in listing if t["function"] in attack.tests]
    by_key = {(t["number"], t["name"]): t for t in results["tests"]}
    if len(results["tests"]) != len(listing) or len(by_key) != len(listing):
        return f"{len(results['tests'])} test entries, expected {len(listing)}"
    known = {t["function"] for t in listing}
    named = set(attack.tests) | (set() if attack.failed == "all" else set(attack.failed))
    if not named <= known:
        return f"the attack names tests that do not exist or were not run: {sorted(named - known)}"
    wrong, expected = [], 0.0
    for test in listing:
        got = by_key.get((test["number"], test["name"]))
        should_fail = attack.failed == "all" or test["function"] in attack.failed
        if got is None or (got["status"] == "failed") != should_fail:
            wrong.append(f"{test['function']} {got['status'] if got else 'missing'}")
        expected += 0.0 if should_fail else test["max_score"]
    if wrong:
        return "unexpected outcomes: " + "; ".join(wrong[:4])
    if abs(results["score"] - expected) > 1e-9:
        return f"score {results['score']} != {expected}"
    visible = json.dumps(results, ensure_ascii=False)
    leaked = [line for line in secrets if line in visible]
    if leaked:
        return f"hidden text leaked into the results: {leaked[0][:60]!r}"
    if "\x1b" in visible or any(len(t["output"]) > MAX_TEST_OUTPUT for t in results["tests"]):
        return "a test output carries escape sequences or exceeds the length cap"
    missing = [str(p) for p in attack.forbidden(kit) if p.exists()]
    if missing:
        return f"files written outside the sandbox: {missing}"
    return ""


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".venv" not in path.parts:
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def claim_orphans() -> bool:
    """Makes this process the child subreaper of everything it starts, so that a process a grading
    leaves behind (a worker, a student's detached child) is re-parented here, not to init, and
    `run_processes` still finds it. Returns whether the platform allowed it."""
    from autograder.engine.confinement import become_subreaper

    return become_subreaper()


def _live_processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every live process; zombies are dead and left out."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields start after the last ')'.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state not in ("Z", "X"):
            table[int(entry)] = (int(ppid), cmd.strip())
    return table


def run_processes(root: int | None = None) -> list[str]:
    """"pid: command line" of every live process descended from `root` (default: this process).

    Gradings of other checkouts on the same machine are not descendants, so they never count.
    """
    root = os.getpid() if root is None else root
    table = _live_processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(f"{pid}: {table[pid][1][:400]}")
        stack += children.get(pid, [])
    return sorted(found)


def machine_state(suite: Suite) -> dict[str, Any]:
    """This checkout's kit files (a digest per folder) and the processes this run has alive."""
    return {"kit": {name: _tree_digest(suite.kit_root / name) for name in (suite.homework, "autograder", "data", "runconfig")},
            "workers": run_processes()}
