#!/usr/bin/env bash
# Ours vs the official TypeScript SDK in node, on the same inputs, one after the other in one run, so the
# ratios are comparable even on a noisy machine (bench/README.md quotes them).
#
#   bench/sdk/side_by_side.sh [BUILD_DIR]      (default: build/release, Release build with benchmarks)
#   ZG_BENCH_FILE_MIB=1024 to change the storage-root file size (default 512);
#   ZG_BENCH_MODEL_MIB="256 1024" for the model sizes the decrypt rows run on (default "256 1024");
#   ZG_BENCH_CACHE="warm cold" page-cache states of the encrypted input for the decrypt rows (default both);
#   ZG_BENCH_ONLY=decrypt runs only the decrypt rows (needs only `zg`, not the benchmark binaries).
#
# Compares: session token with a fresh signature, response signature verification (Google Benchmark vs
# the SDK's generateSessionToken / Verifier.verifySignature); the 0G Storage root of a file (`zg storage
# root` vs ZgFile.merkleTree); decrypting an encrypted model (`zg ft decrypt --out-raw` vs
# aesGCMDecryptToFile) with peak RSS of each process. Ours fsyncs the output before renaming it into
# place; the SDK does not sync at all, so its decrypt row is printed twice: as the SDK runs (no fsync)
# and with the fsync of its output added (the same durability as ours).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/release}
zg=$build/adapters/cli/zg
work=$(mktemp -d /tmp/zg-sdk-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
file_mib=${ZG_BENCH_FILE_MIB:-512}
model_mibs=${ZG_BENCH_MODEL_MIB:-256 1024}
cache_states=${ZG_BENCH_CACHE:-warm cold}
only=${ZG_BENCH_ONLY:-}
sdk="node $here/sdk_bench.js"

json_field() { node -e 'const o=JSON.parse(process.argv[1]); console.log(o[process.argv[2]])' "$1" "$2"; }
gbench_us() {  # BINARY FILTER -> microseconds of CPU time per iteration
  "$1" --benchmark_filter="$2" --benchmark_format=json 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const b=JSON.parse(s).benchmarks[0];
      const f={ns:1e-3,us:1,ms:1e3}[b.time_unit];console.log(b.cpu_time*f)})'
}
ratio() { node -e 'console.log((Number(process.argv[1])/Number(process.argv[2])).toFixed(1))' "$1" "$2"; }
peak_rss_mib() { awk '/Maximum resident/ {printf "%.1f", $6/1024}' "$1"; }

echo "# side by side, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ "$only" != decrypt ]]; then
ours=$(gbench_us "$build/bench/bench_session_token" '^BM_CreateSessionToken$')
theirs=$(json_field "$($sdk token 2000)" us_per_op)
echo "session token, fresh signature: ours ${ours} us, SDK ${theirs} us -> $(ratio "$theirs" "$ours")x"

ours=$(gbench_us "$build/bench/bench_session_token" '^BM_VerifyResponseSignature$')
theirs=$(json_field "$($sdk verify 2000)" us_per_op)
echo "response signature verification: ours ${ours} us, SDK ${theirs} us -> $(ratio "$theirs" "$ours")x"

head -c $((file_mib << 20)) /dev/urandom > "$work/data.bin"
start=$(date +%s.%N)
/usr/bin/time -v -o "$work/ours.time" "$zg" storage root "$work/data.bin" > "$work/ours.root"
ours_s=$(node -e "console.log($(date +%s.%N) - $start)")
sdk_out=$(/usr/bin/time -v -o "$work/sdk.time" $sdk merkle "$work/data.bin")
theirs_s=$(json_field "$sdk_out" seconds)
[[ "$(tr -d '[:space:]' < "$work/ours.root")" == *"$(json_field "$sdk_out" root)"* ]] || { echo "roots differ!"; exit 1; }
echo "storage root of ${file_mib} MiB: ours $(node -e "console.log(($file_mib*1.048576/$ours_s).toFixed(0))") MB/s" \
     "(RSS $(peak_rss_mib "$work/ours.time") MiB), SDK $(node -e "console.log(($file_mib*1.048576/$theirs_s).toFixed(1))") MB/s" \
     "(RSS $(peak_rss_mib "$work/sdk.time") MiB) -> $(ratio "$theirs_s" "$ours_s")x, same root"
rm -f "$work/data.bin"

fi

# The TEE key of the devnet's tee-signer account (a public anvil test key) signs the tags.
echo 0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a > "$work/tee.key"
mbps() { node -e 'console.log((Number(process.argv[1])*1.048576/Number(process.argv[2])).toFixed(0))' "$1" "$2"; }
now() { date +%s.%N; }
since() { node -e 'console.log((Number(process.argv[2])-Number(process.argv[1])).toFixed(4))' "$1" "$(now)"; }
# Drops one file from the page cache (cold runs) without touching the rest of the machine's cache.
evict() { sync "$1"; dd if="$1" iflag=nocache count=0 status=none; }
warm() { cat "$1" > /dev/null; }

for model_mib in $model_mibs; do
  meta=$($sdk make-model "$model_mib" "$work/model.enc" "$work/tee.key")
  key=$(json_field "$meta" key); secret=$(json_field "$meta" encrypted_secret); signer=$(json_field "$meta" tee_signer)
  sync "$work/model.enc"
  for cache in $cache_states; do
    # Ours: the whole CLI run (process start, ECIES of the key, tag-signature check, decrypt, fsync, rename).
    if [[ $cache == cold ]]; then evict "$work/model.enc"; else warm "$work/model.enc"; fi
    start=$(now)
    ZG_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 /usr/bin/time -v -o "$work/ours.time" \
      "$zg" ft decrypt --encrypted-secret "$secret" --in "$work/model.enc" --tee-signer "$signer" --out-raw "$work/ours.dec" > /dev/null 2> "$work/ours.err" || { cat "$work/ours.err"; exit 1; }
    ours_s=$(since "$start")
    # The SDK: aesGCMDecryptToFile timed inside node (node's start-up not counted), then its output's fsync.
    if [[ $cache == cold ]]; then evict "$work/model.enc"; else warm "$work/model.enc"; fi
    sdk_out=$(/usr/bin/time -v -o "$work/sdk.time" $sdk decrypt "$key" "$work/model.enc" "$work/sdk.dec" "$signer")
    theirs_s=$(json_field "$sdk_out" seconds)
    theirs_synced_s=$(node -e 'console.log(Number(process.argv[1])+Number(process.argv[2]))' "$theirs_s" "$(json_field "$sdk_out" fsync_seconds)")
    cmp -s "$work/ours.dec" "$work/sdk.dec" || { echo "decrypted files differ!"; exit 1; }
    echo "decrypt ${model_mib} MiB model, ${cache} input: ours (fsync) $(mbps "$model_mib" "$ours_s") MB/s (RSS $(peak_rss_mib "$work/ours.time") MiB);" \
         "SDK $(mbps "$model_mib" "$theirs_s") MB/s without fsync -> $(ratio "$theirs_s" "$ours_s")x," \
         "$(mbps "$model_mib" "$theirs_synced_s") MB/s with its output fsynced -> $(ratio "$theirs_synced_s" "$ours_s")x" \
         "(RSS $(peak_rss_mib "$work/sdk.time") MiB); same bytes; load $(cut -d' ' -f1 /proc/loadavg)"
    rm -f "$work/ours.dec" "$work/sdk.dec"
  done
  rm -f "$work/model.enc"
done
