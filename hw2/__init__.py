"""Homework 2: Prototypical Networks and MAML on Omniglot.

Provided code: the 4-block conv network (`networks.py`), episodes (`episodes.py`), accuracy and
confidence intervals (`metrics.py`), the configuration (`config.py`), training, checkpoints and
evaluation (`training.py`), plots (`plots.py`), and the command-line tools (`train.py`,
`experiments.py`). Your code lives in `submission/`: `protonet.py` and `maml.py`.
"""
