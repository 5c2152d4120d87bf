"""The README smoke runs: their table matches the READMEs, `run_smoke` judges output, and (slow) each
run lands in its stated range on the reference solution."""

import shutil
import sys
from pathlib import Path

import pytest

from autograder.engine.suite import KIT_ROOT
from autograder.staff.smoke import OUT, SMOKE_RUNS, Figure, SmokeRun, run_smoke

ALL_RUNS = [run for runs in SMOKE_RUNS.values() for run in runs]
IGNORE = shutil.ignore_patterns("__pycache__", "runs", "cache", "downloads", "tests")


def test_every_smoke_command_is_printed_in_its_readme():
    for run in ALL_RUNS:
        readme = (KIT_ROOT / run.homework / "README.md").read_text()
        assert run.command in readme, f"{run.homework}/README.md does not show `{run.command}`"


def test_every_range_is_stated_in_its_readme():
    """The README gives each range as the table holds it ("0.85 to 1.00", "70 to 95%")."""
    for run in ALL_RUNS:
        readme = (KIT_ROOT / run.homework / "README.md").read_text()
        for figure in run.figures:
            low, high = (f"{figure.low:.2f}", f"{figure.high:.2f}") if figure.high <= 1 else (
                f"{figure.low:g}", f"{figure.high:g}")
            stated = f"{low} to {high}" in readme
            assert stated, f"{run.homework}/README.md does not state {figure.name} {figure.low}-{figure.high}"


def _fake_tree(tmp_path: Path, printed: str, status: int = 0) -> Path:
    package = tmp_path / "fakehw"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    # The fake tool fails (status 4) unless --out-dir names an existing folder (run_smoke's temporary one).
    (package / "train.py").write_text(
        "import os, sys\n"
        "if not os.path.isdir(sys.argv[sys.argv.index('--out-dir') + 1]):\n    sys.exit(4)\n"
        f"print({printed!r})\nsys.exit({status})\n")
    return tmp_path


FAKE = SmokeRun("fakehw", "python -m fakehw.train --steps 3", (Figure("accuracy", r"accuracy ([0-9.]+)", 0.5, 0.9),),
                "none", ("--out-dir", OUT), 60)


def test_run_smoke_accepts_a_figure_in_range(tmp_path):
    ok, detail = run_smoke(_fake_tree(tmp_path, "accuracy 0.75"), sys.executable, FAKE)
    assert ok and "accuracy 0.75 in [0.5, 0.9]" in detail


def test_run_smoke_rejects_a_figure_out_of_range_or_missing_or_a_crash(tmp_path):
    ok, detail = run_smoke(_fake_tree(tmp_path / "low", "accuracy 0.3"), sys.executable, FAKE)
    assert not ok and "OUTSIDE" in detail
    ok, detail = run_smoke(_fake_tree(tmp_path / "none", "loss 0.1"), sys.executable, FAKE)
    assert not ok and "not found" in detail
    ok, detail = run_smoke(_fake_tree(tmp_path / "crash", "accuracy 0.75", status=3), sys.executable, FAKE)
    assert not ok and "status 3" in detail


def test_ci_outputs_go_to_a_temporary_folder(tmp_path):
    tree = _fake_tree(tmp_path, "accuracy 0.75")
    ok, detail = run_smoke(tree, sys.executable, FAKE)
    assert ok, detail  # the fake tool found its --out-dir folder
    assert not (tree / OUT).exists()


def reference_tree(homework: str, root: Path) -> Path:
    """The provided code of `homework`, the data and runconfig packages, with the reference as its submission."""
    shutil.copytree(KIT_ROOT / homework, root / homework, ignore=IGNORE)
    for shared in ("data", "runconfig"):
        shutil.copytree(KIT_ROOT / shared, root / shared, ignore=IGNORE)
    for path in (KIT_ROOT / "autograder" / "solutions" / homework).glob("*.py"):
        shutil.copy2(path, root / homework / "submission" / path.name)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("run", ALL_RUNS, ids=lambda run: run.command.removeprefix("python -m "))
def test_smoke_run_lands_in_its_range_on_the_reference(run, tmp_path):
    ok, detail = run_smoke(reference_tree(run.homework, tmp_path), sys.executable, run)
    assert ok, detail
