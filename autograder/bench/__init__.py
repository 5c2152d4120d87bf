"""Homework-specific benchmarks (`def bench() -> str` per hwN) and their staff-only baselines."""
