"""The grading runtime: a trusted grader process and an untrusted worker process.

What a grading runs, on Gradescope or here: `grade.grade` (intake, then pytest with
`autograder.engine.plugin`), the student proxies (`proxy`), the sandboxed worker (`sandbox`,
`confinement`, `memwatch`) and the files that run inside it (`worker/`). The trust boundary is in
autograder/README.md; staff tools live in `autograder.staff`, the command line in `autograder.cli`.
"""
