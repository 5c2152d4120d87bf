#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04 base).
# It installs the kit's pinned dependencies into their own virtual environment, so the system
# Python that Gradescope's harness uses is left alone, and creates the unprivileged user that runs
# student code.
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
VENV="${MTML_VENV:-/autograder/venv}"

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3.11 python3.11-venv

python3.11 -m venv "$VENV"
"$VENV/bin/pip" install --upgrade pip
# The CPU build of torch: Gradescope machines have no GPU, and it is a tenth of the size.
"$VENV/bin/pip" install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"
"$VENV/bin/pip" install "$SOURCE"

# Student code runs as uid 61000 + slot (slot 0 on Gradescope, one submission per container); the
# named user makes it readable in `ps`. It owns nothing of the kit.
id -u mtml-worker >/dev/null 2>&1 || useradd --uid 61000 --user-group --no-create-home --shell /usr/sbin/nologin mtml-worker
# Hidden tests and reference solutions: readable by root only.
chmod -R go-rwx "$SOURCE/autograder"
