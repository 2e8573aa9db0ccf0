#!/usr/bin/env bash
# Installs what the build and the tests need on Debian bookworm, and nothing that is already there:
# the -dev packages (apt) and the pinned npm tools (third_party/npm, from its package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev git ca-certificates
          libsecp256k1-dev libmbedtls-dev libcpp-httplib-dev nlohmann-json3-dev libmsgsl-dev
          libssl-dev libgtest-dev libgmock-dev libbenchmark-dev libzip-dev wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from elsewhere (e.g. nodesource, whose nodejs conflicts with Debian's npm):
# take Debian's only when there is no npm at all.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The npm packages are pinned by third_party/npm/package-lock.json.
if [ ! -x third_party/npm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil ] ||
   [ third_party/npm/package-lock.json -nt third_party/npm/node_modules/.package-lock.json ]; then
  echo "bootstrap: installing the pinned npm tools (anvil, 0G contract bytecode, OpenZeppelin proxies)"
  npm ci --prefix third_party/npm --ignore-scripts --no-audit --no-fund --loglevel=error
fi
