"""Error carried forward: a function that calls the student's own helpers is graded on its own logic.

When a student function (the caller) calls other student functions (its helpers), a bug in a
helper must cost points in the helper's tests, not again in the caller's. A caller's test
therefore accepts either of two expectations:
  1. the reference: what the reference caller returns on the test's inputs (the usual check), or
  2. the student's own helpers: the caller's contract recomputed HERE, in the grader, from the
     outputs of the student's helpers on the same inputs. The outputs are fetched from the worker
     by a probe; the grader never runs student code and never sends the worker a solution.
A caller that is right passes 1 when its helpers are right and 2 when they are not; a caller
that is wrong fails both. The student reads the reference check's failure message.

Use in a hidden test:

    got = student.call("probes:run_caller", ...)
    expect_own_logic(
        lambda: check(got, reference_expectation()),
        lambda: check(got, expectation_from(student.call("probes:helper_outputs", ...))),
    )

The second check runs only when the first fails, so a correct submission pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable

# The tag of a hidden test that depends on every function of the submission (a training run, an
# outcome): any bug may cost points there, so it is the one place a bug may be charged again.
END_TO_END = "end-to-end"


def expect_own_logic(against_reference: Callable[[], None], against_own_helpers: Callable[[], None]) -> None:
    """Passes when `against_reference` passes, or else when `against_own_helpers` does.

    Each argument runs the test's assertions against one expectation and raises AssertionError
    (or StudentError, or anything else) when it does not hold. When neither holds, the reference
    check's failure is raised: it is the one that says what was expected of the caller. When the
    student's helpers cannot give an expectation at all (a helper raises, returns the wrong shape
    or type), no credit is carried forward.
    """
    try:
        against_reference()
        return
    except AssertionError as failure:
        reference_failure = failure
    try:
        against_own_helpers()
    except Exception:  # noqa: BLE001 -- any failure means no expectation from the student's helpers
        raise reference_failure from None
