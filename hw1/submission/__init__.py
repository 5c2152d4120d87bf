"""Your code for homework 1: `sampler.py`, `model.py`, `loss.py`. Fill in every TODO."""
