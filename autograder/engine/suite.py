"""A homework's hidden suite: where its parts live and the budgets in its `suite.toml`.

`suite.toml` keys (all optional; unknown keys are an error):
  time_budget_s         enforced wall-clock budget of the whole grading (tests and worker start-ups);
                        once spent, every remaining test fails at once
  memory_budget_mb      peak-memory target of grader plus worker (reported by bench)
  test_timeout_s        budget of a test that `budgets.toml` does not list
  test_budget_multiple  a listed test's budget is this multiple of the reference's seconds ...
  test_budget_floor_s   ... and never less than this
  worker_memory_mb      address-space limit of the worker process
  worker_cpu_s          CPU-seconds limit of one worker process
  visibility            when students see the tests' names, outputs and scores on Gradescope:
                        "visible", "after_due_date", "after_published" or "hidden"

`budgets.toml` beside it (written by `python -m autograder.staff.calibrate`, never by hand) holds
`[reference_s]`: the reference's own seconds per test function, measured with one thread.
Precedence of a test's budget: `@pytest.mark.budget(s)`, then the calibrated table, then
`test_timeout_s`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Gradescope images may run 3.10
    import tomli as tomllib

KIT_ROOT = Path(__file__).resolve().parents[2]


class SuiteError(ValueError):
    """A suite's files are missing or its suite.toml is wrong; the message says which and how to fix it."""


def read_toml(path: Path, error: type[Exception] = SuiteError) -> dict[str, Any]:
    """The table of a kit TOML file (suite.toml, budgets.toml, mutants.toml, attacks.toml); a syntax
    error raises `error` with the file and the parser's position."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path} is not valid TOML ({err}); fix that line.") from None


@dataclass(frozen=True)
class Suite:
    homework: str
    kit_root: Path = KIT_ROOT
    time_budget_s: float = 60.0
    memory_budget_mb: float = 1500.0
    test_timeout_s: float = 30.0
    test_budget_multiple: float = 5.0
    test_budget_floor_s: float = 5.0
    worker_memory_mb: int = 6000
    worker_cpu_s: int = 900
    visibility: str = "visible"

    @property
    def tests_dir(self) -> Path:
        return self.kit_root / "autograder" / "tests" / self.homework

    @property
    def solutions_dir(self) -> Path:
        return self.kit_root / "autograder" / "solutions" / self.homework

    @property
    def mutants_file(self) -> Path:
        return self.kit_root / "autograder" / "mutants" / self.homework / "mutants.toml"

    @property
    def probes_file(self) -> Path:
        return self.tests_dir / "probes.py"

    @property
    def homework_dir(self) -> Path:
        return self.kit_root / self.homework

    @property
    def budgets_file(self) -> Path:
        return self.tests_dir / "budgets.toml"

    @property
    def reference_seconds(self) -> dict[str, float]:
        """Test function name -> the reference's seconds for it (empty without budgets.toml)."""
        return _reference_seconds(self.budgets_file)

    def test_budget(self, function: str) -> float:
        """The wall-clock budget of test `function` unless a `budget` marker overrides it."""
        measured = self.reference_seconds.get(function)
        if measured is None:
            return self.test_timeout_s
        return max(self.test_budget_floor_s, self.test_budget_multiple * measured)

    @property
    def student_files(self) -> tuple[str, ...]:
        """The allow-list: the file names a student submits, taken from the reference solution."""
        return tuple(sorted(p.name for p in self.solutions_dir.glob("*.py") if p.name != "__init__.py"))


VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


def _reference_seconds(path: Path) -> dict[str, float]:
    if not path.is_file():
        return {}
    raw = read_toml(path)
    table = raw.get("reference_s")
    if not isinstance(table, dict) or not all(isinstance(v, (int, float)) and v >= 0 for v in table.values()):
        raise SuiteError(f"{path}: needs a [reference_s] table of test name = seconds; rewrite it with "
                         "`python -m autograder.staff.calibrate --hw hwN`.")
    return {str(k): float(v) for k, v in table.items()}


def homeworks(kit_root: Path = KIT_ROOT) -> list[str]:
    """Every homework that has a hidden suite, in order."""
    tests = kit_root / "autograder" / "tests"
    return sorted(p.name for p in tests.glob("hw*") if (p / "suite.toml").is_file())


def load_suite(homework: str, kit_root: Path = KIT_ROOT) -> Suite:
    path = kit_root / "autograder" / "tests" / homework / "suite.toml"
    if not path.is_file():
        known = ", ".join(homeworks(kit_root)) or "none"
        raise SuiteError(f"no hidden suite for {homework!r} ({path} is missing); known homeworks: {known}.")
    raw = read_toml(path)
    allowed = {f.name for f in fields(Suite)} - {"homework", "kit_root"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise SuiteError(f"{path}: unknown keys {unknown}; allowed keys are {sorted(allowed)}.")
    if raw.get("visibility", "visible") not in VISIBILITIES:
        raise SuiteError(f"{path}: visibility = {raw['visibility']!r}; use one of {list(VISIBILITIES)}.")
    return Suite(homework=homework, kit_root=kit_root, **raw)
