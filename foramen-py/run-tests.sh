#!/usr/bin/env bash
# The Python package's tests: builds the extension into a venv under the
# build folder (created on first use: maturin, pytest, polars,
# matplotlib for the example notebook, pandas and pyarrow for
# .to_pandas(), from PyPI)
# and runs pytest against the command line `cargo test` builds. Skips,
# saying why, without Python 3.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/foramen-target}"
venv="${FORAMEN_PY_VENV:-$CARGO_TARGET_DIR/py-venv}"
if ! command -v python3 >/dev/null; then
    echo "skipped: python3 is not installed, so the Python package's tests cannot run"
    exit 0
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import maturin, pytest, polars, matplotlib, pandas, pyarrow" 2>/dev/null; then
    echo "installing maturin, pytest, polars, matplotlib, pandas and pyarrow into $venv ..."
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet maturin pytest polars matplotlib pandas pyarrow
fi
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"
maturin develop --quiet
# The command line the byte-for-byte test compares with: the one `cargo
# test` builds (brought up to date here, built with the tests' features).
(cd .. && cargo test --quiet --no-run 2>/dev/null)
FORAMEN_BIN="$CARGO_TARGET_DIR/debug/foramen" python -m pytest -q tests
