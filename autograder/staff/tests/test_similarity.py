"""similarity.py: copies are found through renamed variables, comments and docstrings; what every
submission shares with the stub, and one-line answers, are not evidence."""

from __future__ import annotations

from autograder.staff.similarity import MIN_FUNCTION_TOKENS, find_similar, normalised_functions

STUB = b'''import torch


def given(x):
    """Provided: everyone has it."""
    total = torch.zeros(3)
    for row in x:
        total = total + row * 2 - 1
    return total.softmax(dim=0) + total.sum() * 3


def normalise(x: torch.Tensor, k: int) -> torch.Tensor:
    """Your code."""
    raise NotImplementedError("TODO: hw9.a.normalise")


def short(x):
    raise NotImplementedError("TODO: hw9.a.short")
'''
ORIGINAL = STUB.replace(b'''    raise NotImplementedError("TODO: hw9.a.normalise")''', b'''    # centre, then scale by the norm
    centred = x - x.mean(dim=0, keepdim=True)
    for step in range(k):
        centred = centred / (centred.norm(dim=1, keepdim=True) + 1e-6)
    return torch.softmax(centred, dim=-1)''').replace(b'''    raise NotImplementedError("TODO: hw9.a.short")''',
                                                         b'''    return x + 1''')
# The same code with other names, comments, docstring, spacing and keyword spacing.
DISGUISED = ORIGINAL.replace(b"centred", b"z").replace(b"step", b"_").replace(
    b"# centre, then scale by the norm", b"# my own idea").replace(b'"""Your code."""', b'"""Written alone."""').replace(
    b"dim=0, keepdim=True", b"dim = 0,keepdim = True")
DIFFERENT = ORIGINAL.replace(b"torch.softmax(centred, dim=-1)", b"torch.log_softmax(centred, dim=-1)")


def test_renames_comments_and_docstrings_do_not_hide_a_copy():
    original = {f.where: f for f in normalised_functions("a.py", ORIGINAL)}
    disguised = {f.where: f for f in normalised_functions("a.py", DISGUISED)}
    assert original["a.py:normalise"].digest == disguised["a.py:normalise"].digest
    assert original["a.py:normalise"].tokens >= MIN_FUNCTION_TOKENS
    different = {f.where: f for f in normalised_functions("a.py", DIFFERENT)}
    assert different["a.py:normalise"].digest != original["a.py:normalise"].digest


def test_pairs_name_identical_files_and_shared_functions_only():
    subs = {"ann": {"a.py": ORIGINAL}, "bob": {"a.py": ORIGINAL}, "cy": {"a.py": DISGUISED},
            "dee": {"a.py": DIFFERENT}, "blank1": {"a.py": STUB}, "blank2": {"a.py": STUB}}
    pairs = {(p.a, p.b): p for p in find_similar(subs, {"a.py": STUB})}
    assert pairs[("ann", "bob")].identical_files == ("a.py",)
    assert pairs[("ann", "cy")].identical_files == () and pairs[("ann", "cy")].score == 1.0
    assert pairs[("ann", "cy")].shared_functions == ("a.py:normalise",), "given code and short answers are no evidence"
    assert ("blank1", "blank2") not in pairs, "two blank stubs share only the stub"
    assert not [key for key in pairs if "dee" in key], "a real difference in the only long function clears the pair"


def test_code_that_does_not_parse_still_counts_as_identical_files():
    broken = b"def f(:\n    pass\n"
    pairs = find_similar({"a": {"a.py": broken}, "b": {"a.py": broken}}, {"a.py": STUB})
    assert [(p.a, p.b, p.identical_files, p.score) for p in pairs] == [("a", "b", ("a.py",), 0.0)]
