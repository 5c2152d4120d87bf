"""Time, memory, visibility and intake problems, end to end on the fake homework.

Two fake kits: "tight" has a total budget of 8 s plus two measured worker start-ups (a
submission that hangs everywhere runs out of it), "roomy" has 40 s, a 1500 MB worker limit and `visibility = "after_published"`. Every test's
budget comes from a budgets.toml (3 s floor). All gradings run once, two at a time, in a fixture.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.engine import messages
from autograder.engine.grade import pytest_args
from autograder.engine.suite import KIT_ROOT, SuiteError, load_suite
from autograder.engine.tests.fake_kit import SOLUTION, make_fake_kit
from autograder.staff.bench import worker_startup_s
from autograder.staff.hangs import hang_source, verify_hangs

BUDGETS = "[reference_s]\ntest_add = 0.01\ntest_scale = 0.01\ntest_partial = 0.01\n"
TIGHT = "test_timeout_s = 8\ntime_budget_s = {total}\ntest_budget_floor_s = 3\ntest_budget_multiple = 10\n"
ROOMY = ("test_timeout_s = 8\ntime_budget_s = 40\ntest_budget_floor_s = 3\ntest_budget_multiple = 10\n"
         'worker_memory_mb = 1500\nvisibility = "after_published"\n')
MISPLACED = "answer.py is in your submission twice (at a/answer.py and b/answer.py), so none of them was taken"

SUBMISSIONS = {  # name: (kit, files of the submission folder)
    "hang-everywhere": ("tight", {"answer.py": hang_source(SOLUTION)}),
    "scale-hangs": ("roomy", {"answer.py": SOLUTION.replace("    return a * k\n", "    while True:\n        pass\n")}),
    "reference": ("roomy", {"answer.py": SOLUTION}),
    "misplaced": ("roomy", {"a/answer.py": SOLUTION, "b/answer.py": SOLUTION}),
    "oom-torch": ("roomy", {"answer.py": SOLUTION.replace("    return a + b\n", "    return torch.empty(10**9) + a + b\n")}),
    "oom-python": ("roomy", {"answer.py": SOLUTION.replace("    return a * k\n",
                                                           "    x = bytearray(3 * 10**9)\n    return a * k\n")}),
}


def _kit(base: Path, name: str, suite_toml: str) -> Path:
    kit = make_fake_kit(base / name)
    (kit / "autograder/tests/hw9/suite.toml").write_text(suite_toml)
    (kit / "autograder/tests/hw9/budgets.toml").write_text(BUDGETS)
    return kit


def _grade(kit: Path, files: dict[str, str], out: Path) -> tuple[dict, float]:
    """Grades a folder in a process of its own, through the options a staff member running pytest
    by hand would use (the same settings resolver and intake as `make grade`)."""
    folder = out / "submission"
    for name, source in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(source)
    results = out / "results.json"
    args = pytest_args(load_suite("hw9", kit)) + ["--homework", "hw9", "--kit-root", str(kit), "--grading-seed", "1",
                                                  "--results-json", str(results), "--submission-dir", str(folder)]
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "pytest", *args], cwd=KIT_ROOT, capture_output=True, timeout=300,
                   env={**os.environ, "OMP_NUM_THREADS": "1"}, check=False)
    return json.loads(results.read_text()), time.monotonic() - started


@pytest.fixture(scope="module")
def tight_budget_s(tmp_path_factory) -> int:
    """The tight kit's total budget. The first test must meet its own 3 s budget before the total
    runs out, and start-up counts: 8 s alone failed on a loaded machine. Two start-ups more keep
    that true and still run out before the fourth hanging test, which follows three timeouts, each
    with a restart of the worker."""
    kit = _kit(tmp_path_factory.mktemp("startup"), "tight", TIGHT.format(total=8))
    return 8 + math.ceil(2 * worker_startup_s(load_suite("hw9", kit)))


@pytest.fixture(scope="module")
def graded(tmp_path_factory, tight_budget_s) -> dict[str, tuple[dict, float]]:
    base = tmp_path_factory.mktemp("budgets")
    kits = {"tight": _kit(base, "tight", TIGHT.format(total=tight_budget_s)), "roomy": _kit(base, "roomy", ROOMY)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_grade, kits[kit], files, base / "out" / name)
                   for name, (kit, files) in SUBMISSIONS.items()}
        return {name: f.result() for name, f in futures.items()}


def _by_number(results: dict) -> dict[str, dict]:
    return {t["number"]: t for t in results["tests"]}


def test_total_budget_fails_the_remaining_tests_at_once(graded, tight_budget_s):
    results, seconds = graded["hang-everywhere"]
    tests = _by_number(results)
    assert len(tests) == 4 and results["score"] == 0
    assert "budget of 3 s" in tests["1"]["output"]  # the calibrated budget, not test_timeout_s
    used_up = [t for t in results["tests"] if f"time budget of {tight_budget_s} s was used up" in t["output"]]
    assert used_up, [t["output"] for t in results["tests"]]
    assert '"add matches a + b"' in used_up[-1]["output"], "the message names the tests that used the budget"
    assert "before this test" in tests["4"]["output"]
    # The budget, plus start-up before it and the worker's close after it.
    assert seconds < tight_budget_s + 20, seconds
    assert verify_hangs(results, 4, seconds, 60) == ""


def test_a_function_that_timed_out_fails_fast_later(graded):
    results, _ = graded["scale-hangs"]
    tests = _by_number(results)
    assert "Timed out" in tests["2"]["output"] and "budget of 3 s" in tests["2"]["output"]
    assert tests["3"]["status"] == "passed", "the worker is restarted for the next test"
    partial = tests["4"]
    assert partial["output"].startswith("Not run: `scale` (answer.py) already timed out in test "
                                        '"scale matches a * k"'), partial["output"]
    assert partial["score"] == 1.0, "points earned before the hanging call are kept"
    assert results["execution_time"] < 3 + 3 + 15, "the second call to scale must not wait again"


def test_visibility_comes_from_the_suite_unless_a_test_sets_its_own(graded):
    results, _ = graded["reference"]
    assert results["score"] == 6.0
    assert results["visibility"] == "after_published"
    tests = _by_number(results)
    assert tests["1"]["visibility"] == "after_published"
    assert tests["2"]["visibility"] == "after_due_date"  # its own @visibility decorator wins


def test_staff_notes_stay_out_of_the_students_output(graded):
    reference, hangs = graded["reference"][0], graded["scale-hangs"][0]
    if os.geteuid() != 0:  # the worker ran as the grader's own user: staff must know, students need not
        assert any("not root" in n for n in reference["extra_data"]["staff_notes"]), reference
    assert any("hw9.submission.answer:scale in 'scale matches a * k'" in n
               for n in hangs["extra_data"]["staff_notes"]), hangs.get("extra_data")
    for results in (reference, hangs):
        assert "worker" not in results["output"] and "root" not in results["output"]
        assert "timed out" not in results["output"]


def test_file_problem_comes_first_in_every_affected_test(graded):
    results, _ = graded["misplaced"]
    assert results["score"] == 0
    for test in results["tests"]:
        assert test["output"].startswith(MISPLACED), test["output"]
        assert "Not attempted yet" not in test["output"] and "`raise NotImplementedError`" in test["output"]


@pytest.mark.parametrize("name, number, what", [("oom-torch", "1", "RuntimeError"), ("oom-python", "2", "MemoryError")])
def test_out_of_memory_names_the_limit_and_the_use(graded, name, number, what):
    results, _ = graded[name]
    tests = _by_number(results)
    output = tests[number]["output"]
    assert output.startswith("Out of memory in this test: your code may use at most 1500 MB"), output
    assert what in output and " MB (of which " in output
    other = "2" if number == "1" else "1"
    assert tests[other]["status"] == "passed", "the worker is restarted after running out of memory"


def test_budget_precedence(tmp_path):
    kit = _kit(tmp_path, "kit", ROOMY)
    suite = load_suite("hw9", kit)
    assert suite.test_budget("test_add") == 3.0  # floor: 10 x 0.01 s is less
    assert suite.test_budget("test_unlisted") == 8.0  # not calibrated: test_timeout_s
    (kit / "autograder/tests/hw9/budgets.toml").write_text("[reference_s]\ntest_add = 1.5\n")
    assert load_suite("hw9", kit).test_budget("test_add") == 15.0


def test_suite_keys_are_checked(tmp_path):
    kit = _kit(tmp_path, "kit", 'visibility = "sometimes"\n')
    with pytest.raises(SuiteError, match="visibility"):
        load_suite("hw9", kit)
    kit = _kit(tmp_path, "kit2", "")
    (kit / "autograder/tests/hw9/budgets.toml").write_text("test_add = 1\n")
    with pytest.raises(SuiteError, match=r"\[reference_s\]"):
        load_suite("hw9", kit).test_budget("test_add")


def test_messages_are_templates():
    assert "{seconds" in messages.TIME_BUDGET_USED_UP and "{heaviest}" in messages.TIME_BUDGET_USED_UP
    assert "{function}" in messages.ALREADY_TIMED_OUT and "{test}" in messages.ALREADY_TIMED_OUT
    assert "{limit" in messages.OUT_OF_MEMORY and "{used}" in messages.OUT_OF_MEMORY


def test_hang_source_keeps_signatures_and_docstrings_and_loops(tmp_path):
    import ast

    source = ('"""module doc"""\nX = 3\n\n\nclass Net:\n    """a net"""\n\n    def forward(self, x: int) -> int:\n'
              '        """doubles"""\n        def inner():\n            return 1\n        return 2 * x + inner()\n\n\n'
              'async def fetch(a, *, b=1):\n    return a\n')
    hung = hang_source(source)
    tree = ast.parse(hung)
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert sorted(f.name for f in functions) == ["fetch", "forward"]  # the nested one went with its parent
    forward = next(f for f in functions if f.name == "forward")
    assert ast.get_docstring(forward) == "doubles" and ast.get_docstring(tree) == "module doc"
    for f in functions:
        loop = f.body[-1]
        assert isinstance(loop, ast.While) and loop.test.value is True
    namespace: dict = {}
    exec(compile(hung, "hung.py", "exec"), namespace)  # module-level code still runs
    assert namespace["X"] == 3 and "forward" in vars(namespace["Net"])


def test_file_problems_reach_probe_failures_through_the_stub_marker():
    from autograder.engine.file_problems import implicated_files, with_file_problems
    from autograder.engine.proxy import StudentError

    todo = StudentError("todo", messages.NOT_ATTEMPTED.format(message="TODO: hw2.maml.inner_loop"))
    problems = {"maml.py": "maml.py was found twice.", "protonet.py": "protonet.py is misplaced."}
    assert implicated_files("probes:inner_loop_run", str(todo)) == ["maml.py"]
    moved = with_file_problems(todo, "probes:inner_loop_run", problems)
    assert str(moved) == ("maml.py was found twice.\nThis test reached the starter file's "
                          "`raise NotImplementedError` (TODO: hw2.maml.inner_loop).") and moved.kind == "todo"
    direct = StudentError("raised", "Your code raised ValueError: bad")
    assert str(with_file_problems(direct, "hw2.submission.protonet:prototype_logits", problems)).startswith(
        "protonet.py is misplaced.")
    timeout = StudentError("timeout", "Timed out")
    assert with_file_problems(timeout, "hw2.submission.maml:inner_loop", problems) is timeout


def test_gradescope_settings_follow_from_the_limits(tmp_path):
    from autograder.staff import gradescope_settings as gs

    suite = load_suite("hw9", _kit(tmp_path, "kit", ROOMY))  # 40 s budget, 1500 MB worker limit
    assert gs.gradescope_timeout_s(suite) == 60 * 2  # 40 + 45 s of overhead, rounded up to minutes
    assert gs.gradescope_timeout_s(suite) >= gs.worst_case_s(suite)
    assert gs.recommended_preset(suite, grader_peak_mb=300) == gs.Preset(2.0, 3072)  # 1500 + 450 > 1536
    assert gs.recommended_preset(suite, grader_peak_mb=20) == gs.Preset(1.0, 1536)
    big = load_suite("hw9", _kit(tmp_path, "big", "worker_memory_mb = 9000\n"))
    assert gs.recommended_preset(big, grader_peak_mb=300) is None
