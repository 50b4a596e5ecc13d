#!/usr/bin/env bash
# Install the benchmark-only peers into the project's venv (default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -m pip install -q -e '.[bench]'
# Pitie's IDT: the package pins numpy<2 and the GUI opencv build; its code runs on what we have.
"$PY" -m pip install -q --no-deps 'python-color-transfer>=0.1.2a0,<1'
