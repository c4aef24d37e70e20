#!/usr/bin/env bash
# Build the one-folder bundle and run its self-test on the frozen app.
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
pyinstaller packaging/truelens.spec --noconfirm --distpath dist --workpath build
QT_QPA_PLATFORM=offscreen dist/truelens/truelens selftest --gui
