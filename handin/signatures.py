"""What a submission file must still define, read from its source text alone (no import, no run).

Two questions `make submission` asks of each file, both answered from the syntax tree:
- `unfinished`: which functions still `raise NotImplementedError` (the starter files' TODO marker);
- `compare`: which names the grader calls were removed, or had their parameters changed, relative to
  a manifest of the starter file (`manifest`, written into every handout as
  `hwN/submission/SIGNATURES.json`).

A manifest lists every public function, class and method of a starter file (names without a leading
underscore, plus dunder methods such as `__init__`), each with its parameters as written: names,
kinds (positional, `*args`, keyword-only, `**kwargs`) and default values. Type annotations and the
body are left out, so a student may drop a hint or rewrite a body freely; renaming a parameter,
reordering parameters or changing a default is reported, because the grader passes arguments by
name and relies on the defaults the docstrings promise.
"""

from __future__ import annotations

import ast
import copy

MANIFEST_NAME = "SIGNATURES.json"
MANIFEST_VERSION = 1

Definitions = dict[str, str]  # qualified name ("MAML.forward") -> "def forward(self, x)" or "class MAML"


def _is_public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """`def name(params)` with annotations dropped and defaults kept."""
    args = copy.deepcopy(node.args)
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if arg is not None:
            arg.annotation = None
    return f"def {node.name}({ast.unparse(args)})"


def definitions(tree: ast.Module) -> Definitions:
    """Every public top-level function and class of a module, and the public methods of its classes."""
    found: Definitions = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_public(node.name):
            found[node.name] = _signature(node)
        elif isinstance(node, ast.ClassDef) and _is_public(node.name):
            found[node.name] = f"class {node.name}"
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_public(item.name):
                    found[f"{node.name}.{item.name}"] = _signature(item)
    return found


def manifest(sources: dict[str, str]) -> dict:
    """The manifest of the starter files: file name -> their definitions (JSON-ready)."""
    return {"about": "What the grader calls in each starter file; `make submission` compares your files "
                     "with it. Do not edit.",
            "version": MANIFEST_VERSION,
            "files": {name: definitions(ast.parse(text, filename=name)) for name, text in sorted(sources.items())}}


def _raises_not_implemented(node: ast.AST) -> bool:
    if not isinstance(node, ast.Raise) or node.exc is None:
        return False
    target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def _own_statements(function: ast.AST):
    """Every node inside `function`, not descending into nested functions or classes."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def unfinished(tree: ast.Module) -> list[tuple[str, int]]:
    """(qualified name, line) of every function whose own body raises NotImplementedError."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                raises = [n for n in _own_statements(child) if _raises_not_implemented(n)]
                if raises:
                    found.append((f"{prefix}{child.name}", raises[0].lineno))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return sorted(found, key=lambda item: item[1])


def compare(expected: Definitions, tree: ast.Module) -> list[str]:
    """One sentence per name of `expected` that the module removed or defines differently."""
    got = definitions(tree)
    problems = []
    for name, signature in expected.items():
        if name not in got:
            problems.append(f"{name} is gone: the grader calls it as `{signature}`")
        elif got[name] != signature:
            problems.append(f"{name} changed: the grader calls `{signature}`, your file has `{got[name]}`")
    return problems
