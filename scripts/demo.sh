#!/usr/bin/env bash
# The main job on the embedded default: a local 0G devnet (anvil + the real 0G contracts), driven
# by the zg CLI. Installs what is missing and builds first.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/adapters/cli/zg demo "$@"
