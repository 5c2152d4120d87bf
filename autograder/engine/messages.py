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
