#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds (release, and ASan+UBSan for the unit and
# fuzz-replay tests), and runs ctest. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh

echo "== release build and the full suite (unit, fuzz replay, devnet integration)"
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release -j2 --timeout 600

echo "== ASan+UBSan build: unit tests and fuzz replay"
cmake --preset debug-sanitizers >/dev/null
cmake --build --preset debug-sanitizers
ctest --preset debug-sanitizers -j2 --timeout 900
