"""Reference solution of homework 1 (black-box meta-learning): `sampler.py`, `model.py`, `loss.py`."""
