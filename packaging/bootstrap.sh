#!/usr/bin/env bash
# Set up (idempotently) and run TrueLens from a clean clone.
#   bash packaging/bootstrap.sh run    # GUI on the bundled sample; headless analysis + report without a display
#   bash packaging/bootstrap.sh test   # ruff, import-linter contracts and the whole pytest suite
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
VENV="${TRUELENS_VENV:-.venv}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
stamp="$VENV/.installed-$(cat pyproject.toml packaging/requirements-nodeps.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "truelens: installing dependencies into $VENV (first run only)…"
  python -m pip install -q --upgrade pip
  python -m pip install -q -e ".[dev]"
  python -m pip install -q --no-deps -r packaging/requirements-nodeps.txt
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

case "${1:-run}" in
  run)
    shift || true
    exec truelens gui --sample "$@"
    ;;
  test)
    shift || true
    echo "== ruff"; ruff check .
    echo "== import-linter"; lint-imports
    echo "== pytest"; exec python -m pytest -q -p no:cacheprovider "$@"
    ;;
  *)
    echo "usage: bash packaging/bootstrap.sh run|test" >&2
    exit 2
    ;;
esac
