"""`make check`'s "machine left as it was": only this run's processes count, never a grading of
another checkout on the same machine; a process a grading detaches still counts as this run's."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from autograder.staff.attacks import run_processes

FAKE_WORKER = [sys.executable, "-c", "import time; time.sleep(60)", "/tmp/mtml-hw9-x/engine/worker_main.py"]


def test_counts_descendants_of_the_run_only():
    # `run` stands for this check's process tree; `other` for another checkout's grading.
    run = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import subprocess, time
        subprocess.Popen({FAKE_WORKER!r})
        time.sleep(60)
    """)])
    other = subprocess.Popen(FAKE_WORKER)
    try:
        for _ in range(100):  # until the run's own worker has started
            mine = run_processes(run.pid)
            if mine:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert len(mine) == 1 and "worker_main.py" in mine[0]
        assert not any(line.startswith(f"{other.pid}:") for line in mine)
        assert any(line.startswith(f"{other.pid}:") for line in run_processes())
    finally:
        for process in (run, other):
            process.kill()
            process.wait()
    # The run's worker, orphaned by its parent's death, went to init: no longer this run's.
    assert run_processes(run.pid) == []


def test_a_detached_process_is_re_parented_to_the_claiming_run():
    # In a process of its own, so that this test process stays an ordinary parent.
    script = textwrap.dedent(f"""
        import os, subprocess, sys, time
        from autograder.staff.attacks import claim_orphans, run_processes
        assert claim_orphans()
        # A grading whose worker detaches a child and then exits.
        subprocess.run([sys.executable, "-c", "import subprocess; subprocess.Popen({FAKE_WORKER!r}, start_new_session=True)"], check=True)
        time.sleep(0.5)
        left = run_processes()
        for line in left:
            os.kill(int(line.split(":")[0]), 9)
        print(len(left), "worker_main.py" in "".join(left))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["1", "True"], done.stderr
