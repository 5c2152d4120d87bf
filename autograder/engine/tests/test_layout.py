"""handin.layout: the one rule, shared with the student's `make submission`, for where files may sit."""

import ast
from pathlib import Path

from handin.layout import FOUND_MORE_THAN_ONCE, MISSING, Placement, is_litter, place_files

ALLOWED = ("maml.py", "protonet.py")


def test_single_folder_at_any_depth_is_taken():
    placed = place_files(["alice/hw2/maml.py", "alice/protonet.py", "alice/README.txt"], ALLOWED)
    assert placed == Placement(chosen={"maml.py": "alice/hw2/maml.py", "protonet.py": "alice/protonet.py"},
                               problems={}, ignored=["alice/README.txt"])


def test_litter_is_neither_a_copy_nor_named():
    paths = ["maml.py", "protonet.py", "__MACOSX/._maml.py", "__MACOSX/x/maml.py", "._protonet.py", ".DS_Store",
             "__pycache__/maml.cpython-311.pyc", "x/__pycache__/maml.py", "submission/__init__.py", "Thumbs.db", "x/"]
    assert place_files(paths, ALLOWED) == Placement(chosen={"maml.py": "maml.py", "protonet.py": "protonet.py"},
                                                    problems={}, ignored=[])
    assert is_litter("__MACOSX/._maml.py") and not is_litter("macos/maml.py")


def test_found_more_than_once_takes_none_and_names_every_place():
    paths = ["a/maml.py", "b/maml.py", "c\\maml.py", "protonet.py"]
    placed = place_files(paths, ALLOWED)
    assert placed.chosen == {"protonet.py": "protonet.py"}
    assert placed.problems == {"maml.py": FOUND_MORE_THAN_ONCE.format(
        name="maml.py", times="3 times", places="at a/maml.py, b/maml.py and c\\maml.py")}
    assert placed.ignored == sorted(["a/maml.py", "b/maml.py", "c\\maml.py"])


def test_many_copies_are_summarised():
    placed = place_files([f"v{i}/maml.py" for i in range(9)], ALLOWED)
    assert "9 times (at v0/maml.py, v1/maml.py, v2/maml.py and 6 more)" in placed.problems["maml.py"]
    assert placed.problems["protonet.py"] == MISSING.format(name="protonet.py")


def test_layout_uses_the_standard_library_only():
    """It ships in every handout, where neither torch nor autograder/ may be imported."""
    tree = ast.parse((Path(__file__).resolve().parents[3] / "handin" / "layout.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"__future__", "collections", "dataclasses"}, imported
