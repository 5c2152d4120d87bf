"""Your code for homework 2: `protonet.py` and `maml.py`. Fill in every TODO."""
