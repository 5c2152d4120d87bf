"""Staff-only part of the kit: reference solutions, hidden suites, mutants and the grading engine."""
