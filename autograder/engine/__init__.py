"""The grading engine: a trusted grader process and an untrusted worker process (ARCHITECTURE.md).

Entry points: `python -m autograder` (CLI), `autograder.engine.plugin` (pytest plugin used by the
grader), `autograder.engine.stubgen` (writes student stubs from the reference solutions).
"""
