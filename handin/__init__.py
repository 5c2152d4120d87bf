"""The layout rules of a submission: which files of a zip or folder are the student's answers.

`handin.layout.place_files` is the one definition of where an allow-listed file may sit in a
submission. Two sides use it, so they can never disagree: the grader's intake
(in the course staff's grading engine) when it reads a submission, and the student's `make submission`,
which builds the zip a student uploads. It ships in every handout, so it depends on the Python
standard library only.
"""
