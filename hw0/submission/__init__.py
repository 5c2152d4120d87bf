"""Your code for homework 0: `model.py`, `losses.py`, `negatives.py`. Fill in every TODO."""
