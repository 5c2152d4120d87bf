"""The worst submission for the clock: every function hangs. `make check` grades one per homework.

`hang_source` rewrites a reference file so that every function and method (nested ones go with
their parent) keeps its signature and docstring but loops forever; module-level code is kept, so
the submission imports and only its calls hang. Grading it must still finish inside the Gradescope
timeout that `make bench` recommends (`gradescope_settings.gradescope_timeout_s`), with one failed
entry per test, each saying why in words a student understands.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder.engine.suite import Suite

from .gradescope_settings import gradescope_timeout_s

# Reasons a test of a hanging submission may give (a substring of each message template).
HANG_REASONS = ("Timed out", "already timed out", "time budget of", "did not finish")


class _Hang(ast.NodeTransformer):
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        return self._hang(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AsyncFunctionDef:
        return self._hang(node)

    @staticmethod
    def _hang(node: Any) -> Any:
        first = node.body[0] if node.body else None
        docstring = [first] if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
            and isinstance(first.value.value, str) else []
        loop = ast.While(test=ast.Constant(True), body=[ast.Pass()], orelse=[])
        node.body = [*docstring, loop]
        return node


def hang_source(source: str) -> str:
    """`source` with the body of every function replaced by `while True: pass`."""
    tree = _Hang().visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def materialise_hangs(suite: Suite, target: Path) -> Path:
    """Writes every allow-listed file of the reference, each function hanging, into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in suite.student_files:
        (target / name).write_text(hang_source((suite.solutions_dir / name).read_text()))
    return target


def verify_hangs(results: dict[str, Any] | None, expected_tests: int, seconds: float, limit_s: float) -> str:
    """"" when the hanging submission's grading is as it must be, else what is wrong."""
    if results is None:
        return f"no results within {limit_s:g} s"
    problems = []
    if seconds > limit_s:
        problems.append(f"took {seconds:.0f} s, over the recommended timeout of {limit_s:g} s")
    tests = results.get("tests", [])
    if len(tests) != expected_tests:
        problems.append(f"{len(tests)} entries for {expected_tests} tests")
    passed = [t["name"] for t in tests if t["status"] != "failed" or t["score"] != 0]
    if passed:
        problems.append(f"tests not failed: {passed[:3]}")
    vague = [t["name"] for t in tests if not any(r in t["output"] for r in HANG_REASONS)]
    if vague:
        problems.append(f"tests without a timing reason: {vague[:3]}")
    return "; ".join(problems)


def hang_job(suite: Suite, out: Path) -> tuple[str, Callable[[], Any], Callable[[Any], str]]:
    """`make check`'s job for one homework: (label, grading to run, verdict on its Outcome)."""
    from autograder.engine.grade import list_tests

    from .batch import grade_in_subprocess

    folder = materialise_hangs(suite, out / "hangs-everywhere")
    limit = gradescope_timeout_s(suite)
    label = f"hangs in every function: done within {limit // 60} min, one entry per test"
    # The suite is collected only when the verdict is asked for: `check --only reference` skips it.
    return (label,
            lambda: grade_in_subprocess(suite.homework, folder, out / "hangs", 1, limit),
            lambda o: verify_hangs(o.results, len(list_tests(suite)), o.seconds, limit))
