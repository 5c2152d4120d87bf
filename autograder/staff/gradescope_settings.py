"""The Gradescope settings a homework needs, derived from the engine's own limits, not guessed.

Gradescope's autograder documentation (Troubleshooting, "Autograder terminated with 'Killed'" and
"Your submission timed out") says: a container's default memory limit is 768 MB and it can be
raised under the assignment's "Autograder Settings"; each autograder gets half a virtual CPU by
default, also raised there; the overall timeout defaults to 10 minutes and can be raised to 40; a
grading killed by either gets 0 and shows the student nothing. The settings menu offers fixed
CPU/memory pairs (PRESETS below, in the menu's ratio of 1.5 GB per CPU); check it when setting up.

Time: the longest grading the engine allows is the suite's enforced `time_budget_s` plus what
runs outside that budget (GRADER_OVERHEAD_S), so the recommended timeout is that, rounded up to
a whole minute: no submission, however slow, can outlast it.

Memory: the worker's address-space limit (`worker_memory_mb`) bounds its resident memory too, so
a container holding that limit plus the grader's own peak (with GRADER_MEMORY_MARGIN) can never be
filled by student code: the worker's allocation fails first, inside one test, and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from autograder.engine.suite import Suite

# What a grading costs beyond the suite's total budget: Python and torch start-up, intake and
# collection before the budget's clock starts, and closing the worker and writing results after
# it. Measured at 3-4 s on the bench machine (a hanging submission's grading less its budget, hw0-hw3);
# the allowance covers a CPU several times slower and a last test's grader-side work.
GRADER_OVERHEAD_S = 45.0
GRADER_MEMORY_MARGIN = 1.5  # on the grader's measured peak resident memory


@dataclass(frozen=True)
class Preset:
    cpus: float
    memory_mb: int

    def __str__(self) -> str:
        return f"{self.cpus:g} CPU, {self.memory_mb / 1024:g} GB RAM"


PRESETS = (Preset(0.5, 768), Preset(1.0, 1536), Preset(2.0, 3072), Preset(4.0, 6144))


def worst_case_s(suite: Suite) -> float:
    """The longest a grading of this homework can take, whatever the submission does."""
    return suite.time_budget_s + GRADER_OVERHEAD_S


def gradescope_timeout_s(suite: Suite) -> int:
    """The autograder timeout to set on Gradescope, in seconds (a whole number of minutes)."""
    return 60 * math.ceil(worst_case_s(suite) / 60)


def container_need_mb(suite: Suite, grader_peak_mb: float) -> float:
    """Memory the container must hold so that the worker's limit is reached before the container's."""
    return suite.worker_memory_mb + GRADER_MEMORY_MARGIN * grader_peak_mb


def recommended_preset(suite: Suite, grader_peak_mb: float) -> Preset | None:
    """The smallest preset with room for the worker's limit and the grader; None if none has."""
    need = container_need_mb(suite, grader_peak_mb)
    return next((p for p in PRESETS if p.memory_mb >= need), None)
