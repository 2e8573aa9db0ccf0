#!/usr/bin/env bash
# Side by side in one run: OpenAI chat requests straight to the provider simulator (with the signed
# 0G Authorization header from `zg inference token`) and the same requests through zg-bridge
# (model 0g/zg-sim-1, signed, forwarded and verified by lib0g), non-streamed and streamed, at
# several concurrencies with wrk; time to first SSE byte with ttfb.py; zg-bridge's RSS idle and
# after the load. Everything runs on one local devnet that this script starts and stops.
#
# usage: bench/bridge/side_by_side.sh [BUILD_DIR]      (default build/release)
# env:   DURATION=10s  CONCURRENCY="1 32 256"  THREADS=256 (zg-bridge --threads)
#        VERIFY=sync (zg-bridge --verify)  TTFB_COUNT=300  RESULTS=DIR (raw outputs kept there)
#        NODELAY=1: preload nodelay_preload.c into the devnet (the provider simulator leaves Nagle on,
#        which costs ~40 ms per response on both sides and hides the bridge; see that file); 0: as is
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build/release}" && pwd)
zg=$build/adapters/cli/zg
bridge=$build/adapters/bridge/zg-bridge
lib=$build/plugin/lib0g.so
duration=${DURATION:-10s}
concurrency=${CONCURRENCY:-1 32 256}
threads=${THREADS:-256}
verify=${VERIFY:-sync}
ttfb_count=${TTFB_COUNT:-300}
for tool in wrk python3; do command -v $tool >/dev/null || { echo "side_by_side: $tool is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }; done
for f in "$zg" "$bridge" "$lib"; do [ -e "$f" ] || { echo "side_by_side: $f is missing: build zg, zg-bridge and zg0 first" >&2; exit 1; }; done

work=$(mktemp -d)
results=${RESULTS:-$work/results}
mkdir -p "$results"
export ZG_DEVNET_FILE=$work/devnet.json
# The devnet's well-known first anvil account (test use only).
export ZG_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
provider=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
bridge_pid=""
cleanup() {
  [ -n "$bridge_pid" ] && kill "$bridge_pid" 2>/dev/null && wait "$bridge_pid" 2>/dev/null || true
  "$zg" devnet down >/dev/null 2>&1 || true
  [ -z "${RESULTS:-}" ] && rm -rf "$work" || true
}
trap cleanup EXIT

echo "side_by_side: devnet up (anvil, 0G contracts, provider simulator)" >&2
if [ "${NODELAY:-1}" = 1 ]; then
  cc -shared -fPIC -O2 -o "$work/nodelay.so" "$here/nodelay_preload.c" -ldl
  LD_PRELOAD=$work/nodelay.so "$zg" devnet up >/dev/null
else
  "$zg" devnet up >/dev/null
fi
provider_url=$("$zg" --json devnet status | python3 -c 'import json,sys; print(json.load(sys.stdin)["provider"]["url"])')
provider_port=${provider_url##*:}
"$zg" ledger add --amount 20 >/dev/null
"$zg" ledger transfer --provider $provider --amount 10 >/dev/null
auth=$("$zg" inference token --provider $provider)

message='"messages":[{"role":"user","content":"Hello, how fast is the bridge?"}]'
printf '{"model":"zg-sim-1",%s}' "$message" >"$work/direct.json"
printf '{"model":"zg-sim-1","stream":true,%s}' "$message" >"$work/direct-stream.json"
printf '{"model":"0g/zg-sim-1",%s}' "$message" >"$work/bridge.json"
printf '{"model":"0g/zg-sim-1","stream":true,%s}' "$message" >"$work/bridge-stream.json"

"$bridge" --port 0 --threads "$threads" --verify "$verify" --plugin "$lib" >"$work/bridge.log" 2>&1 &
bridge_pid=$!
for _ in $(seq 100); do grep -q '^listening on' "$work/bridge.log" && break; sleep 0.1; done
bridge_port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$work/bridge.log")
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$bridge_port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$bridge_port/health" >/dev/null || { cat "$work/bridge.log" >&2; exit 1; }
# Both sides must answer before anything is measured.
curl -sf -H "Authorization: $auth" -H 'Content-Type: application/json' --data-binary @"$work/direct.json" \
  "http://127.0.0.1:$provider_port/v1/proxy/chat/completions" >/dev/null || { echo "direct request failed" >&2; exit 1; }
curl -sf -H 'Content-Type: application/json' --data-binary @"$work/bridge.json" \
  "http://127.0.0.1:$bridge_port/v1/chat/completions" >/dev/null || { echo "bridge request failed" >&2; cat "$work/bridge.log" >&2; exit 1; }
sleep 1
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$bridge_pid/status"; }
idle_rss=$(rss_kb)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# run_wrk NAME CONCURRENCY URL BODY [AUTH] -> the RESULT line
run_wrk() {
  local name=$1 c=$2 url=$3 body=$4 authorization=${5:-} t=2
  [ "$c" -lt 2 ] && t=1
  # The simulator serves each connection on one of its 8 worker threads until the connection has been
  # idle 5 s: let the previous cell's keep-alive connections (wrk's, the bridge's pool) expire first.
  sleep 6
  BODY_FILE=$body AUTH=$authorization wrk -t$t -c"$c" -d"$duration" --timeout 30s -s "$here/post.lua" "$url" \
    >"$results/$name-c$c.txt" 2>&1
  grep '^RESULT' "$results/$name-c$c.txt"
}
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }

echo "| mode | c | direct req/s | bridge req/s | direct p50 ms | bridge p50 ms | added p50 ms | direct p99 ms | bridge p99 ms | added p99 ms | non-2xx (d/b) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for mode in plain stream; do
  suffix=""
  [ $mode = stream ] && suffix="-stream"
  for c in $concurrency; do
    d=$(run_wrk "direct$suffix" "$c" "http://127.0.0.1:$provider_port/v1/proxy/chat/completions" "$work/direct$suffix.json" "$auth")
    b=$(run_wrk "bridge$suffix" "$c" "http://127.0.0.1:$bridge_port/v1/chat/completions" "$work/bridge$suffix.json")
    awk -v mode=$mode -v c="$c" -v drps="$(field rps "$d")" -v brps="$(field rps "$b")" \
      -v d50="$(field p50_us "$d")" -v b50="$(field p50_us "$b")" -v d99="$(field p99_us "$d")" -v b99="$(field p99_us "$b")" \
      -v dn="$(field non2xx "$d")" -v bn="$(field non2xx "$b")" \
      'BEGIN { printf "| %s | %s | %d | %d | %.3f | %.3f | %+.3f | %.3f | %.3f | %+.3f | %s/%s |\n",
               mode, c, drps, brps, d50/1000, b50/1000, (b50-d50)/1000, d99/1000, b99/1000, (b99-d99)/1000, dn, bn }'
  done
done
loaded_rss=$(rss_kb)

dt=$(python3 "$here/ttfb.py" "$provider_port" "$work/direct-stream.json" "$ttfb_count" "$auth")
bt=$(python3 "$here/ttfb.py" "$bridge_port" "$work/bridge-stream.json" "$ttfb_count")
echo
echo "| time to first SSE byte, c=1, $ttfb_count requests | direct | bridge | added |"
echo "| --- | --- | --- | --- |"
awk -v d="$(field ttfb_p50_us "$dt")" -v b="$(field ttfb_p50_us "$bt")" 'BEGIN { printf "| p50 ms | %.3f | %.3f | %+.3f |\n", d/1000, b/1000, (b-d)/1000 }'
awk -v d="$(field ttfb_p99_us "$dt")" -v b="$(field ttfb_p99_us "$bt")" 'BEGIN { printf "| p99 ms | %.3f | %.3f | %+.3f |\n", d/1000, b/1000, (b-d)/1000 }'
echo
echo "zg-bridge RSS: idle ${idle_rss} kB, after the load $(rss_kb) kB (peak during load: $(awk '/^VmHWM/ {print $2}' /proc/$bridge_pid/status) kB)"
echo "zg-bridge --threads $threads --verify $verify; NODELAY=${NODELAY:-1}; wrk ${duration} per cell; $(nproc) CPUs shared by wrk, zg-bridge, the provider and anvil; load average before: $load_before"
