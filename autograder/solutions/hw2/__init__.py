"""Reference solution of homework 2: `protonet.py`, `maml.py`."""
