"""Every message the engine shows a student, in one place, so the engine's own tests can match them."""

NOT_ATTEMPTED = "Not attempted yet: {message}. Replace the `raise NotImplementedError` with your code."
SYNTAX_ERROR = "Your file does not compile, so no test of it can run:\n{message}"
IMPORT_ERROR = "Importing your code failed ({type}): {message}"
RAISED = "Your code raised {type}: {message}"
EXITED = "Your code tried to end the process ({message}); a submission must return, not exit."
BAD_RESULT = "Your code returned something that cannot be graded: {message}"
TIMEOUT = (
    "Timed out: this test has a budget of {seconds:g} s and your code was still running. "
    "Look for an infinite loop or a much slower algorithm than needed."
)
WORKER_DIED = (
    "The process running your code stopped unexpectedly ({reason}). Common causes: using more "
    "memory than allowed, printing huge amounts of output, or calling os._exit/os.kill."
)
MALFORMED_REPLY = "The process running your code sent a reply that is not a valid result."
WORKER_START_FAILED = "The grader could not start a process for your code: {reason}"
TEST_ERROR = "The test could not evaluate your result ({type}: {message})."
MISSING_FILE = "{name} is missing from your submission; the blank starter file was graded in its place."
EXTRA_FILES = "Ignored files that are not part of the assignment: {names}."
RUNNING_AS_ROOT = "note: the worker runs as the grader's own user ({reason})."
OUTPUT_TAIL = "\n--- the last lines your code printed ---\n{tail}"
DID_NOT_RUN = "This test did not run to completion (the grading run was interrupted)."
IMPORT_HANGS = (
    "Importing your code did not finish within {seconds:g} s (an infinite loop or a long computation "
    "at module level?), so no test could run."
)
IMPORT_DIED = "The process stopped while importing your code ({reason}), so no test could run."
# Intake: a problem from handin.layout (missing, found more than once) or the size cap, per file.
FILE_NOT_TAKEN = "{problem} The blank starter file was graded in its place."
STUB_REACHED = "{problems}\nThis test reached the starter file's `raise NotImplementedError` ({markers})."
FILE_TOO_LARGE = "{member} is larger than {mib} MiB, so it was not taken."
# Staff only: grading as root where the worker would have to stay root.
ROOT_WORKER_REFUSED = (
    "refusing to grade untrusted code as root: {reason}, so the student's code would run as root. "
    "Rebuild .venv from an interpreter every user can run (as root, `rm -rf .venv && make venv` "
    "picks one), or grade anyway with every capability dropped: --allow-root-worker "
    "(make grade ... ALLOW_ROOT_WORKER=1); the results then record it."
)
ROOT_WORKER_ALLOWED = (
    "staff: graded with --allow-root-worker: the student's code ran as root with every capability "
    "dropped ({reason})."
)
TIME_BUDGET_USED_UP = (
    "The grading's time budget of {seconds:g} s was used up {when}, so this test fails without "
    "waiting for your code. The tests that used the most of it: {heaviest}."
)
ALREADY_TIMED_OUT = (
    "Not run: {function} already timed out in test \"{test}\", so this test fails at once instead "
    "of waiting for it again. Look for an infinite loop or a much slower algorithm than needed."
)
OUT_OF_MEMORY = (
    "Out of memory in this test: your code may use at most {limit:g} MB of address space and it "
    "had reached {used} when it failed ({detail}). Look for tensors far larger than needed or "
    "results kept alive across iterations."
)
KILLED_BY_MEMORY_LIMIT = (
    "The process running your code was killed in this test ({reason}), most likely for exceeding the "
    "memory limit of {limit:g} MB of address space; it had reached {used}."
)
