#!/usr/bin/env bash
# The README's first command: install what is missing, build the release binary, and hunt through
# the shipped example archive (three accounts, one day, one planted intrusion).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release > /dev/null
cmake --build --preset release --target firebreak
echo
exec build/release/apps/firebreak/firebreak hunt examples/archive "$@"
