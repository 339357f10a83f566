#!/usr/bin/env bash
# The README's second command (and what .ci/run calls): install what is missing, build with
# ASan/UBSan and warnings as errors, run every test; then build the libFuzzer targets with clang
# and run each for a short smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --workflow --preset ci
if [ "${FIREBREAK_SKIP_FUZZ:-0}" != "1" ] && [ -f tests/fuzz/CMakeLists.txt ]; then
  cmake --workflow --preset fuzz
fi
