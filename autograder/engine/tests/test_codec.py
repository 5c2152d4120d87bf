"""The process boundary carries data only, and refuses anything else with a useful message."""

import io
import os
import pickle

import numpy as np
import pytest
import torch

from autograder.engine.worker import codec


def test_roundtrip_keeps_types_and_values():
    value = {"t": torch.arange(6.0).reshape(2, 3), "n": np.arange(3, dtype=np.int64), "tup": (1, 2.5, "x"),
             "list": [None, True, {"deep": torch.zeros(1, dtype=torch.int64)}]}
    back = codec.roundtrip(value)
    assert torch.equal(back["t"], value["t"])
    assert isinstance(back["n"], np.ndarray) and back["n"].tolist() == [0, 1, 2]
    assert back["tup"] == (1, 2.5, "x") and isinstance(back["tup"], tuple)
    assert back["list"][0] is None and back["list"][1] is True
    assert back["list"][2]["deep"].dtype == torch.int64


def test_requires_grad_survives_for_arguments_and_views_are_copied():
    base = torch.zeros(1000)
    leaf = torch.ones(3, requires_grad=True)
    back = codec.roundtrip({"leaf": leaf, "view": base[:2]})
    assert back["leaf"].requires_grad and back["leaf"].is_leaf
    assert back["view"].untyped_storage().nbytes() == 2 * 4


@pytest.mark.parametrize("bad", [object(), {1: 2}, np.array(["a"]), torch.nn.Linear(2, 2), lambda: 0])
def test_refuses_non_data(bad):
    with pytest.raises(codec.CodecError):
        codec.to_bytes({"x": bad})


def test_refuses_oversized_results():
    with pytest.raises(codec.CodecError, match="size limit"):
        codec.to_bytes(torch.zeros(1000), max_bytes=100)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_payload_that_would_run_code_is_refused():
    payload = pickle.dumps({"ok": _Evil()})
    with pytest.raises(codec.CodecError, match="not plain data"):
        codec.from_bytes(payload)
    buffer = io.BytesIO()
    torch.save({"ok": _Evil()}, buffer)
    with pytest.raises(codec.CodecError):
        codec.from_bytes(buffer.getvalue())
