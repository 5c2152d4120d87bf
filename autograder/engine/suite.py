"""A homework's hidden suite: where its parts live and the budgets in its `suite.toml`.

`suite.toml` keys (all optional; unknown keys are an error):
  time_budget_s     wall-clock target of the whole suite with one CPU thread (reported by bench)
  memory_budget_mb  peak-memory target of grader plus worker (reported by bench)
  test_timeout_s    default wall-clock budget of one test (`@pytest.mark.budget` overrides it)
  worker_memory_mb  address-space limit of the worker process
  worker_cpu_s      CPU-seconds limit of one worker process
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Gradescope images may run 3.10
    import tomli as tomllib

KIT_ROOT = Path(__file__).resolve().parents[2]


class SuiteError(ValueError):
    """A suite's files are missing or its suite.toml is wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Suite:
    homework: str
    kit_root: Path = KIT_ROOT
    time_budget_s: float = 60.0
    memory_budget_mb: float = 1500.0
    test_timeout_s: float = 30.0
    worker_memory_mb: int = 6000
    worker_cpu_s: int = 900

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
    def student_files(self) -> tuple[str, ...]:
        """The allow-list: the file names a student submits, taken from the reference solution."""
        return tuple(sorted(p.name for p in self.solutions_dir.glob("*.py") if p.name != "__init__.py"))


def homeworks(kit_root: Path = KIT_ROOT) -> list[str]:
    """Every homework that has a hidden suite, in order."""
    tests = kit_root / "autograder" / "tests"
    return sorted(p.name for p in tests.glob("hw*") if (p / "suite.toml").is_file())


def load_suite(homework: str, kit_root: Path = KIT_ROOT) -> Suite:
    path = kit_root / "autograder" / "tests" / homework / "suite.toml"
    if not path.is_file():
        known = ", ".join(homeworks(kit_root)) or "none"
        raise SuiteError(f"no hidden suite for {homework!r} ({path} is missing); known homeworks: {known}.")
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    allowed = {f.name for f in fields(Suite)} - {"homework", "kit_root"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise SuiteError(f"{path}: unknown keys {unknown}; allowed keys are {sorted(allowed)}.")
    return Suite(homework=homework, kit_root=kit_root, **raw)
