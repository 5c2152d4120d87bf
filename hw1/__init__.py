"""Homework 1: black-box meta-learning on Omniglot with a memory-augmented LSTM (Santoro et al. 2016)."""
