"""Tools only course staff run: checks, audit, benchmarks, demo, stub generation, handout and
Gradescope packaging, mutants, attacks and batch grading. Nothing here runs on Gradescope."""
