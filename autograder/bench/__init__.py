"""Homework-specific benchmarks (`def bench() -> str` per hwN); the naive Omniglot sampler they time
against the cache lives in data/tests/naive_zip_sampler.py (staff-only: no handout ships data/tests)."""
