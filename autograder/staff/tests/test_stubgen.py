"""Stubs are generated from the reference: blocks become TODO raises, everything else is shared."""

import pytest

from autograder.staff.stubgen import BEGIN, END, MarkerError, make_stub

SOURCE = f'''"""Module doc."""
import math

{BEGIN}
import os  # only the reference needs this
{END}


class Model:
    def forward(self, x):
        """Doc [B, D]."""
        # TODO: explain the goal.
        {BEGIN}
        return math.sqrt(x)
        {END}


def helper(n):
    def inner():
        {BEGIN}
        return n
        {END}
    return inner
'''


def test_blocks_become_raises_with_qualified_names():
    stub = make_stub(SOURCE, "hw9.model")
    assert 'raise NotImplementedError("TODO: hw9.model.Model.forward")' in stub
    assert 'raise NotImplementedError("TODO: hw9.model.helper.inner")' in stub
    assert "math.sqrt" not in stub and "import os" not in stub
    assert '"""Doc [B, D]."""' in stub and "# TODO: explain the goal." in stub
    compile(stub, "stub.py", "exec")


@pytest.mark.parametrize("broken", [
    f"def f():\n    {BEGIN}\n    return 1\n",
    f"def f():\n    return 1\n    {END}\n",
    f"def f():\n    {BEGIN}\n    {BEGIN}\n    return 1\n    {END}\n",
])
def test_unbalanced_markers_are_errors(broken):
    with pytest.raises(MarkerError):
        make_stub(broken, "hw9.x")
