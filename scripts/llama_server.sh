#!/usr/bin/env bash
# Builds the real llama-server the end-to-end tests run (llama.cpp v0.5.0), once per machine, and says
# where it is. See --help.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  cat <<'EOF'
usage: scripts/llama_server.sh [--cmake-args] [--help]

Gets a real llama-server for the end-to-end tests without GitHub:
  1. installs the pinned npm packages of third_party/npm-llama (node-llama-cpp@3.22.1, which ships the
     complete llama.cpp v0.5.0 source as llama/gitRelease.bundle, and @node-llama-cpp/linux-x64@3.22.1)
     with --ignore-scripts --omit=optional (about 85 MB; without --omit=optional npm pulls 725 MB of
     CUDA/Vulkan builds nobody here uses);
  2. clones the bundle and builds only the llama-server target (CPU, no web UI, no tests/examples,
     -DLLAMA_BUILD_IS_DEV=OFF so it reports version 0.5.0) with -j${ZG_LLAMA_JOBS:-2}: about 7 minutes
     on 2 cores the first time;
  3. keeps the result OUTSIDE the repository, keyed on the bundle's commit:
       ${ZG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zg}/llama.cpp-<commit>/
     A stamp file written after a successful build marks it done, so the next run takes seconds and an
     interrupted build is resumed, never used. Delete the directory to start over.

Output (stdout; progress goes to stderr):
  default       the path of the llama-server binary
  --cmake-args  the CMake arguments that enable the end-to-end tests, one per line:
                -DZG_LLAMA_SERVER=<llama-server> and -DZG_LLAMA_SOURCE_DIR=<source checkout>
                (tests/e2e builds its model generator against the checkout's ggml headers)

Environment: ZG_CACHE_DIR (cache root), ZG_LLAMA_JOBS (build parallelism, default 2).
EOF
}

output=path
case "${1:-}" in
  "") ;;
  --cmake-args) output=cmake ;;
  -h|--help) usage; exit 0 ;;
  *) echo "llama_server.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
esac

say() { echo "llama_server.sh: $*" >&2; }

npm_dir="$repo/third_party/npm-llama"
bundle="$npm_dir/node_modules/node-llama-cpp/llama/gitRelease.bundle"
if [ ! -f "$bundle" ] || [ "$npm_dir/package-lock.json" -nt "$npm_dir/node_modules/.package-lock.json" ]; then
  say "installing node-llama-cpp@3.22.1 and @node-llama-cpp/linux-x64@3.22.1 (the llama.cpp v0.5.0 source bundle)"
  # `npm install` with the lock file, not `npm ci`: node-llama-cpp's optional per-platform packages that
  # npm skips here are absent from the lock, which `npm ci` refuses as "out of sync". The lock file is
  # still honoured (versions and integrity) and left unchanged.
  npm install --prefix "$npm_dir" --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error >&2
fi

commit="$(git bundle list-heads "$bundle" | awk '$2 == "HEAD" { print $1; exit }')"
if ! [[ "$commit" =~ ^[0-9a-f]{40}$ ]]; then
  say "cannot read the commit of $bundle"
  exit 1
fi
cache="${ZG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zg}/llama.cpp-$commit"
src="$cache/src"
build="$cache/build"
server="$build/bin/llama-server"
stamp="$cache/llama-server.stamp"
# The flags of host-runtime.md §5. GGML_NATIVE=OFF: a cache copied to another machine still runs.
flags=(-DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_IS_DEV=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF
       -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=ON -DGGML_NATIVE=OFF)
# The stamp records what was built, so changing the flags here means a rebuild.
stamp_text="commit=$commit flags=${flags[*]}"

print_result() {
  if [ "$output" = cmake ]; then
    printf '%s\n' "-DZG_LLAMA_SERVER=$server" "-DZG_LLAMA_SOURCE_DIR=$src"
  else
    printf '%s\n' "$server"
  fi
}

built() { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ] && [ -x "$server" ]; }

if built; then
  print_result
  exit 0
fi

mkdir -p "$cache"
# Two test runs at once must not build into the same directory: the second waits for the first.
exec 9>"$cache/.lock"
flock 9
if built; then
  print_result
  exit 0
fi
rm -f "$stamp"

if [ "$(git -C "$src" rev-parse HEAD 2>/dev/null || true)" != "$commit" ]; then
  say "checking out llama.cpp $commit from the bundle into $src"
  rm -rf "$src" "$src.partial"
  git clone --quiet --no-checkout "$bundle" "$src.partial"
  git -C "$src.partial" -c advice.detachedHead=false checkout --quiet "$commit"
  mv "$src.partial" "$src"
fi

jobs="${ZG_LLAMA_JOBS:-2}"
log="$cache/build.log"
say "building llama-server (llama.cpp v0.5.0, -j$jobs; about 7 min on 2 cores the first time); log: $log"
started=$(date +%s)
if ! { cmake -S "$src" -B "$build" "${flags[@]}" && nice -n 10 cmake --build "$build" -j"$jobs" --target llama-server; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  say "the llama-server build failed (full log: $log)"
  exit 1
fi
version="$("$server" --version 2>&1 | grep -m1 'version' || true)"
say "built in $(( $(date +%s) - started )) s: $server (${version:-version unknown})"
printf '%s' "$stamp_text" >"$stamp.partial"
mv "$stamp.partial" "$stamp"
print_result
