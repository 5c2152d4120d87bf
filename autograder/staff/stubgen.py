"""Writes the student stubs `hwN/submission/*.py` from the reference solutions.

A `# BEGIN SOLUTION` ... `# END SOLUTION` block inside a function becomes
`raise NotImplementedError("TODO: hwN.<module>.<qualname>")` at the block's indentation; a block at
module level is dropped. Everything else is copied verbatim, so signatures, docstrings and TODO
comments are written once. `python -m autograder stubs [--check] [--hw hwN,...]` (`make stubs`).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from autograder.engine.suite import KIT_ROOT

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
HEADER = "# Your part of the homework: fill in every TODO below (see the README of this homework).\n"


class MarkerError(ValueError):
    """Solution markers are unbalanced or misplaced; the message names the file and line."""


def _qualnames(tree: ast.Module) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, nested ones included."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")

    visit(tree, "")
    return spans


def _enclosing(spans: list[tuple[int, int, str]], line: int) -> str | None:
    inside = [s for s in spans if s[0] <= line <= s[1]]
    return max(inside, key=lambda s: s[0])[2] if inside else None


def make_stub(source: str, module: str, path: str = "<solution>") -> str:
    """Returns the stub text of one solution file; `module` is e.g. "hw0.model"."""
    spans = _qualnames(ast.parse(source, filename=path))
    out: list[str] = []
    block_start: int | None = None
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if block_start is not None:
                raise MarkerError(f"{path}:{number}: {BEGIN} inside another block (opened at line {block_start})")
            block_start = number
            indent = line[: len(line) - len(line.lstrip())]
            function = _enclosing(spans, number)
            if function is not None:
                out.append(f'{indent}raise NotImplementedError("TODO: {module}.{function}")\n')
            elif indent:
                raise MarkerError(f"{path}:{number}: indented {BEGIN} outside a function")
        elif stripped == END:
            if block_start is None:
                raise MarkerError(f"{path}:{number}: {END} without {BEGIN}")
            block_start = None
        elif block_start is None:
            out.append(line)
    if block_start is not None:
        raise MarkerError(f"{path}:{block_start}: {BEGIN} is never closed")
    return HEADER + "".join(out)


def expected_stubs(homework: str, kit_root: Path = KIT_ROOT) -> dict[Path, str]:
    """Stub path -> content for every solution file of the homework."""
    solutions = kit_root / "autograder" / "solutions" / homework
    target = kit_root / homework / "submission"
    stubs = {}
    for path in sorted(solutions.glob("*.py")):
        if path.name == "__init__.py":
            continue
        stubs[target / path.name] = make_stub(path.read_text(), f"{homework}.{path.stem}", str(path))
    return stubs


def run_stubs(homeworks: list[str], check: bool = False) -> int:
    """Writes the stubs of `homeworks` (default: every homework with solutions); with `check`,
    writes nothing and returns 1 when a committed stub differs from what the reference gives."""
    names = homeworks or sorted(p.name for p in (KIT_ROOT / "autograder" / "solutions").glob("hw*"))
    stale = []
    for homework in names:
        for path, text in expected_stubs(homework).items():
            if check:
                if not path.is_file() or path.read_text() != text:
                    stale.append(str(path.relative_to(KIT_ROOT)))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                print(f"wrote {path.relative_to(KIT_ROOT)}")
    if stale:
        print("stubs out of date with the solutions: " + ", ".join(stale) + "\nrun `make stubs` and commit.",
              file=sys.stderr)
        return 1
    if check:
        print(f"stubs in sync for {', '.join(names) or 'no homework'}")
    return 0
