"""Homework 3: adapting a pre-trained sentence encoder with few labels (BANKING77).

Provided code: the encoder and its tokenizer (`encoder.py`), a tiny random BERT for tests
(`tiny.py`), classification heads (`heads.py`), a synthetic intent task (`synthetic.py`), the
training configuration (`config.py`), the training loop (`training.py`) and two command-line tools
(`train.py`, `experiments.py`). Your code lives in `submission/`.
"""
