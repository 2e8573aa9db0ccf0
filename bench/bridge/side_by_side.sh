#!/usr/bin/env bash
# Side by side in one run: OpenAI chat requests straight to the provider simulator (with the signed
# 0G Authorization header from `zg inference token`) and the same requests through zg-bridge
# (model 0g/zg-sim-1, signed, forwarded and verified by lib0g), non-streamed and streamed, at
# several concurrencies with wrk; time to first SSE byte with ttfb.py; zg-bridge's RSS idle and
# after the load. A third side, "fwd", sends the direct request (model zg-sim-1, signed header) to
# zg-bridge, which forwards it byte for byte to --local-upstream = the simulator: the bridge's HTTP
# layer without the plugin. Everything runs on one local devnet that this script starts and stops.
#
# usage: bench/bridge/side_by_side.sh [BUILD_DIR]      (default build/release)
# env:   DURATION=10s  CONCURRENCY="1 32 256"  THREADS=256 (zg-bridge --threads)
#        VERIFY=sync (zg-bridge --verify)  TTFB_COUNT=300  RESULTS=DIR (raw outputs kept there)
#        OPEN_RATES="500 2000" (req/s, open loop; "" skips)  OPEN_SECONDS=5  OPEN_CONNECTIONS=32
# Besides wrk's closed loop (each connection sends its next request when the answer came: that
# measures a saturated machine), open_loop.cpp offers a fixed load below saturation and counts each
# latency from the request's scheduled time, so the added latency there is the bridge's own cost.
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
open_rates=${OPEN_RATES-500 2000}
open_seconds=${OPEN_SECONDS:-5}
open_connections=${OPEN_CONNECTIONS:-32}
for tool in wrk python3 c++; do command -v $tool >/dev/null || { echo "side_by_side: $tool is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }; done
for f in "$zg" "$bridge" "$lib"; do [ -e "$f" ] || { echo "side_by_side: $f is missing: build zg, zg-bridge and zg0 first" >&2; exit 1; }; done

work=$(mktemp -d)
results=${RESULTS:-$work/results}
mkdir -p "$results"
c++ -O2 -std=c++20 -pthread -I "$root/plugin/core" "$here/open_loop.cpp" "$root/plugin/core/gateway/http_response_parser.cpp" \
  -o "$work/open_loop"
export ZG_DEVNET_FILE=$work/devnet.json
# The devnet's well-known first anvil account (test use only).
export ZG_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
provider=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
bridge_pid=""
cleanup() {
  if [ -n "$bridge_pid" ]; then kill "$bridge_pid" 2>/dev/null; wait "$bridge_pid" 2>/dev/null; fi
  "$zg" devnet down >/dev/null 2>&1 || true
  [ -z "${RESULTS:-}" ] && rm -rf "$work" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "side_by_side: devnet up (anvil, 0G contracts, provider simulator)" >&2
"$zg" devnet up >/dev/null
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

# The bridge serves 0g/zg-sim-1 through lib0g, and forwards every other model to --local-upstream:
# pointed at the simulator's own OpenAI path, that measures the bridge's HTTP layer alone ("fwd").
# A fresh bridge for every cell: closing its pooled keep-alive connections frees the simulator's
# worker threads at once (it has 8, each held by one connection until that idles 5 s).
start_bridge() {
  "$bridge" --port 0 --threads "$threads" --verify "$verify" --plugin "$lib" \
    --local-upstream "http://127.0.0.1:$provider_port/v1/proxy" >"$work/bridge.log" 2>&1 &
  bridge_pid=$!
  for _ in $(seq 100); do grep -q '^listening on' "$work/bridge.log" && break; sleep 0.1; done
  bridge_port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$work/bridge.log")
  for _ in $(seq 300); do curl -sf -m 2 "http://127.0.0.1:$bridge_port/health" >/dev/null && break; sleep 0.1; done
  if ! curl -sf -m 2 "http://127.0.0.1:$bridge_port/health" >/dev/null; then
    echo "side_by_side: zg-bridge (pid $bridge_pid, port '${bridge_port}') is not healthy after 30 s:" \
      "$(curl -s -m 2 -o /dev/null -w 'HTTP %{http_code}' "http://127.0.0.1:$bridge_port/health" || true);" \
      "$(kill -0 "$bridge_pid" 2>/dev/null && echo running || echo exited); its log:" >&2
    cat "$work/bridge.log" >&2
    exit 1
  fi
}
stop_bridge() {
  kill "$bridge_pid" 2>/dev/null && wait "$bridge_pid" 2>/dev/null || true
  bridge_pid=""
}
# Waits until the simulator answers a direct request within a second again (its queue drained).
wait_simulator() {
  for _ in $(seq 60); do
    curl -sf -m 1 -H "Authorization: $auth" -H 'Content-Type: application/json' --data-binary @"$work/direct.json" \
      "http://127.0.0.1:$provider_port/v1/proxy/chat/completions" >/dev/null && return 0
    sleep 1
  done
  echo "side_by_side: the simulator does not answer any more" >&2
  exit 1
}

start_bridge
# Every side must answer before anything is measured.
wait_simulator
curl -sf -H 'Content-Type: application/json' --data-binary @"$work/bridge.json" \
  "http://127.0.0.1:$bridge_port/v1/chat/completions" >/dev/null || { echo "0g request failed" >&2; cat "$work/bridge.log" >&2; exit 1; }
curl -sf -H "Authorization: $auth" -H 'Content-Type: application/json' --data-binary @"$work/direct.json" \
  "http://127.0.0.1:$bridge_port/v1/chat/completions" >/dev/null || { echo "fwd request failed" >&2; exit 1; }
sleep 1
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$bridge_pid/status"; }
idle_rss=$(rss_kb)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
stop_bridge

field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }
# The bridge's CPU time (user + system, clock ticks) so far; with a request count it gives the CPU
# the bridge spent per request, the number that load on a shared machine distorts least.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$bridge_pid/stat"; }
# with_cpu LINE TICKS_BEFORE: LINE plus bridge_cpu_us=<CPU microseconds per request> when a bridge runs
with_cpu() {
  if [ -z "$bridge_pid" ]; then echo "$1"; return; fi
  local n; n=$(field requests "$1")
  echo "$1 bridge_cpu_us=$(( ($(cpu_ticks) - $2) * 1000000 / $(getconf CLK_TCK) / (n > 0 ? n : 1) ))"
}

# run_wrk NAME CONCURRENCY URL BODY [AUTH] -> the RESULT line
run_wrk() {
  local name=$1 c=$2 url=$3 body=$4 authorization=${5:-} t=2 before=0
  [ "$c" -lt 2 ] && t=1
  wait_simulator
  [ -n "$bridge_pid" ] && before=$(cpu_ticks)
  BODY_FILE=$body AUTH=$authorization wrk -t$t -c"$c" -d"$duration" --timeout 30s -s "$here/post.lua" "$url" \
    >"$results/$name-c$c.txt" 2>&1
  with_cpu "$(grep '^RESULT' "$results/$name-c$c.txt")" "$before"
}

# All direct cells first, then all bridge cells: the simulator gives each connection one of its 8
# worker threads until it has idled 5 s, so a previous side's idle keep-alive connections would
# starve the next side's new ones.
declare -A out
rss_notes=""
for side in direct 0g fwd; do
  for mode in plain stream; do
    suffix=""
    [ $mode = stream ] && suffix="-stream"
    for c in $concurrency; do
      case $side in
        direct) out[$side-$mode-$c]=$(run_wrk "direct$suffix" "$c" "http://127.0.0.1:$provider_port/v1/proxy/chat/completions" "$work/direct$suffix.json" "$auth") ;;
        0g) start_bridge; out[$side-$mode-$c]=$(run_wrk "0g$suffix" "$c" "http://127.0.0.1:$bridge_port/v1/chat/completions" "$work/bridge$suffix.json") ;;
        fwd) start_bridge; out[$side-$mode-$c]=$(run_wrk "fwd$suffix" "$c" "http://127.0.0.1:$bridge_port/v1/chat/completions" "$work/direct$suffix.json" "$auth") ;;
      esac
      if [ -n "$bridge_pid" ]; then
        after=$(rss_kb)
        peak=$(awk '/^VmHWM/ {print $2}' "/proc/$bridge_pid/status")
        rss_notes+="$side/$mode/c$c: ${after} kB after, ${peak} kB peak; "
        stop_bridge
      fi
    done
  done
done
echo "| mode | c | side | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | bridge CPU us/req | non-2xx | socket errors |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for mode in plain stream; do
  for c in $concurrency; do
    d=${out[direct-$mode-$c]}
    for side in direct 0g fwd; do
      r=${out[$side-$mode-$c]}
      awk -v mode=$mode -v c="$c" -v side=$side -v rps="$(field rps "$r")" -v p50="$(field p50_us "$r")" -v p99="$(field p99_us "$r")" \
        -v d50="$(field p50_us "$d")" -v d99="$(field p99_us "$d")" -v n="$(field non2xx "$r")" -v e="$(field socket_errors "$r")" \
        -v cpu="$(field bridge_cpu_us "$r")" \
        'BEGIN { if (side == "direct") printf "| %s | %s | %s | %d | %.3f | %.3f | | | | %s | %s |\n", mode, c, side, rps, p50/1000, p99/1000, n, e;
                 else printf "| %s | %s | %s | %d | %.3f | %.3f | %+.3f | %+.3f | %s | %s | %s |\n", mode, c, side, rps, p50/1000, p99/1000, (p50-d50)/1000, (p99-d99)/1000, cpu, n, e }'
    done
  done
done
# Open loop: a fixed offered load below saturation, the same three sides.
if [ -n "$open_rates" ]; then
  echo
  echo "| open loop, $open_connections connections, ${open_seconds} s | rate | side | achieved req/s | p50 ms | p99 ms | p99.9 ms | added p50 ms | added p99 ms | bridge CPU us/req | errors | sent late |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for mode in plain stream; do
    suffix=""
    [ $mode = stream ] && suffix="-stream"
    for rate in $open_rates; do
      declare -A open
      for side in direct 0g fwd; do
        wait_simulator
        before=0
        case $side in
          direct) open[$side]=$("$work/open_loop" "$provider_port" /v1/proxy/chat/completions "$work/direct$suffix.json" "$rate" "$open_seconds" "$open_connections" "$auth") ;;
          0g) start_bridge; before=$(cpu_ticks); open[$side]=$("$work/open_loop" "$bridge_port" /v1/chat/completions "$work/bridge$suffix.json" "$rate" "$open_seconds" "$open_connections") ;;
          fwd) start_bridge; before=$(cpu_ticks); open[$side]=$("$work/open_loop" "$bridge_port" /v1/chat/completions "$work/direct$suffix.json" "$rate" "$open_seconds" "$open_connections" "$auth") ;;
        esac
        open[$side]=$(with_cpu "${open[$side]}" "$before")
        [ -n "$bridge_pid" ] && stop_bridge
        echo "${open[$side]}" >"$results/open-$side$suffix-r$rate.txt"
      done
      d=${open[direct]}
      for side in direct 0g fwd; do
        r=${open[$side]}
        awk -v mode=$mode -v rate="$rate" -v side=$side -v got="$(field achieved "$r")" -v p50="$(field p50_us "$r")" \
          -v p99="$(field p99_us "$r")" -v p999="$(field p999_us "$r")" -v d50="$(field p50_us "$d")" -v d99="$(field p99_us "$d")" \
          -v e="$(field errors "$r")" -v late="$(field late "$r")" -v cpu="$(field bridge_cpu_us "$r")" \
          'BEGIN { if (side == "direct") printf "| %s | %s | %s | %d | %.3f | %.3f | %.3f | | | | %s | %s |\n", mode, rate, side, got, p50/1000, p99/1000, p999/1000, e, late;
                   else printf "| %s | %s | %s | %d | %.3f | %.3f | %.3f | %+.3f | %+.3f | %s | %s | %s |\n", mode, rate, side, got, p50/1000, p99/1000, p999/1000, (p50-d50)/1000, (p99-d99)/1000, cpu, e, late }'
      done
      unset open
    done
  done
fi

wait_simulator
dt=$(python3 "$here/ttfb.py" "$provider_port" "$work/direct-stream.json" "$ttfb_count" "$auth" /v1/proxy/chat/completions)
start_bridge
bt=$(python3 "$here/ttfb.py" "$bridge_port" "$work/bridge-stream.json" "$ttfb_count" "" /v1/chat/completions)
ft=$(python3 "$here/ttfb.py" "$bridge_port" "$work/direct-stream.json" "$ttfb_count" "$auth" /v1/chat/completions)
stop_bridge
echo
echo "| time to first SSE byte, c=1, $ttfb_count requests | direct | 0g | added | fwd | added |"
echo "| --- | --- | --- | --- | --- | --- |"
for q in p50 p99; do
  awk -v q=$q -v d="$(field ttfb_${q}_us "$dt")" -v b="$(field ttfb_${q}_us "$bt")" -v f="$(field ttfb_${q}_us "$ft")" \
    'BEGIN { printf "| %s ms | %.3f | %.3f | %+.3f | %.3f | %+.3f |\n", q, d/1000, b/1000, (b-d)/1000, f/1000, (f-d)/1000 }'
done
echo
echo "zg-bridge RSS: idle ${idle_rss} kB (plugin created, one request of each kind served); per cell: $rss_notes"
echo "zg-bridge --threads $threads --verify $verify; wrk ${duration} per cell; $(nproc) CPUs shared by wrk, zg-bridge, the provider and anvil; load average before: $load_before"
