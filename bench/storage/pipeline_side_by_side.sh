#!/usr/bin/env bash
# The download-verify-decrypt pipeline of a fine-tuned model (issue 5), ours vs the official SDKs in
# node, side by side in one run on the same stored file:
#   - a devnet (anvil, the 0G contracts, zg-storage-sim) of its own, stopped on exit;
#   - an encrypted model of ZG_BENCH_MODEL_MIB MiB (default 256) in the provider's format (sdk_bench.js
#     make-model: 64 MiB AES-256-GCM chunks, tag signature by the devnet's TEE key), uploaded once with
#     `zg storage upload` (a real Flow.submit, every segment with its proof);
#   - ours, the order `zg ft` keeps: `zg storage download` (every segment's proof checked against the
#     root, .partial + rename) then `zg ft decrypt --out-raw` (tag signature, AES-GCM, .partial + rename);
#   - ours fused: `zg storage download --decrypt-secret`, which decrypts the verified segments as they
#     arrive (re-download of a settled model), timed the same way;
#   - the SDK: sdk_pipeline.js (Indexer.download + ZgFile.merkleTree root compare + aesGCMDecryptToFile).
# Every side's decrypted bytes are compared with `cmp`.
#
#   bench/storage/pipeline_side_by_side.sh [BUILD_DIR]     (default build/release; needs zg and zg-storage-sim)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/release}
zg=$build/adapters/cli/zg
mib=${ZG_BENCH_MODEL_MIB:-256}
work=$(mktemp -d /tmp/zg-pipeline-bench.XXXXXX)
export ZG_DEVNET_FILE=$work/devnet.json
cleanup() {
  "$zg" devnet down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# The devnet's well-known anvil accounts (public test keys): the user (uploads, owns the ECIES key) and
# the TEE signer of the fine-tuning provider.
export ZG_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
echo 0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a > "$work/tee.key"

json_field() { node -e 'const o=JSON.parse(process.argv[1]); console.log(o[process.argv[2]])' "$1" "$2"; }
now() { date +%s.%N; }
mbps() { node -e 'console.log((Number(process.argv[1])/1e6/Number(process.argv[2])).toFixed(0))' "$1" "$2"; }
sum() { node -e 'console.log(process.argv.slice(1).map(Number).reduce((a,b)=>a+b,0))' "$@"; }
ratio() { node -e 'console.log((Number(process.argv[1])/Number(process.argv[2])).toFixed(1))' "$1" "$2"; }
peak_rss_mib() { awk '/Maximum resident/ {printf "%.1f", $6/1024}' "$1"; }

echo "# download-verify-decrypt pipeline, ${mib} MiB model, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$zg" devnet up --no-provider --no-finetune-provider >/dev/null
indexer=$("$zg" --json devnet status | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).storage.url))')

meta=$(node "$root/bench/sdk/sdk_bench.js" make-model "$mib" "$work/model.enc" "$work/tee.key")
key=$(json_field "$meta" key); secret=$(json_field "$meta" encrypted_secret); signer=$(json_field "$meta" tee_signer)
bytes=$(stat -c %s "$work/model.enc")
start=$(now)
model_root=$("$zg" --json storage upload "$work/model.enc" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).root))')
echo "uploaded $bytes bytes in $(node -e "console.log(($(now) - $start).toFixed(1))") s, root $model_root"
sync

# Ours, as `zg ft` runs it: download and verify, then decrypt.
start=$(now)
/usr/bin/time -v -o "$work/ours-dl.time" "$zg" storage download "$model_root" --out "$work/ours.enc" >/dev/null 2>&1
mid=$(now)
/usr/bin/time -v -o "$work/ours-dec.time" "$zg" ft decrypt --encrypted-secret "$secret" --in "$work/ours.enc" \
  --tee-signer "$signer" --out-raw "$work/ours.dec" >/dev/null
end=$(now)
ours_dl=$(node -e "console.log($mid - $start)"); ours_dec=$(node -e "console.log($end - $mid)"); ours=$(sum "$ours_dl" "$ours_dec")
rm -f "$work/ours.enc"
sync

# Ours fused: verified segments are decrypted as they arrive (the key is known: a re-download).
fused=""
if "$zg" storage download --help 2>&1 | grep -q -- --decrypt-secret; then
  start=$(now)
  /usr/bin/time -v -o "$work/fused.time" "$zg" storage download "$model_root" --decrypt-secret "$secret" \
    --tee-signer "$signer" --out "$work/fused.dec" >/dev/null 2>&1
  fused=$(node -e "console.log($(now) - $start)")
  cmp -s "$work/ours.dec" "$work/fused.dec" || { echo "fused output differs!"; exit 1; }
  rm -f "$work/fused.dec"
  sync
fi

# The SDK.
sdk=$(/usr/bin/time -v -o "$work/sdk.time" node "$root/bench/sdk/sdk_pipeline.js" "$indexer" "$model_root" "$key" "$signer" "$work" 2>/dev/null)
[[ "$(json_field "$sdk" root_matches)" == true ]] || { echo "SDK root differs!"; exit 1; }
cmp -s "$work/ours.dec" "$work/sdk.dec" || { echo "decrypted files differ!"; exit 1; }
sdk_dl=$(json_field "$sdk" download_s); sdk_root=$(json_field "$sdk" root_s); sdk_dec=$(json_field "$sdk" decrypt_s)
sdk_shipped=$(sum "$sdk_dl" "$sdk_dec"); sdk_checked=$(sum "$sdk_dl" "$sdk_root" "$sdk_dec")

echo "ours, download+verify then decrypt: $(mbps "$bytes" "$ours") MB/s end to end" \
     "(download $(mbps "$bytes" "$ours_dl") MB/s, RSS $(peak_rss_mib "$work/ours-dl.time") MiB;" \
     "decrypt $(mbps "$bytes" "$ours_dec") MB/s, RSS $(peak_rss_mib "$work/ours-dec.time") MiB)"
[[ -n "$fused" ]] && echo "ours fused (--decrypt-secret): $(mbps "$bytes" "$fused") MB/s end to end, RSS $(peak_rss_mib "$work/fused.time") MiB"
echo "SDK: download $(mbps "$bytes" "$sdk_dl") MB/s (no proof check), root recompute $(mbps "$bytes" "$sdk_root") MB/s," \
     "decrypt $(mbps "$bytes" "$sdk_dec") MB/s; RSS $(peak_rss_mib "$work/sdk.time") MiB"
echo "SDK as shipped (download+decrypt): $(mbps "$bytes" "$sdk_shipped") MB/s -> ours $(ratio "$sdk_shipped" "$ours")x" \
     "${fused:+(fused $(ratio "$sdk_shipped" "$fused")x)}"
echo "SDK with our checks (+ root compare): $(mbps "$bytes" "$sdk_checked") MB/s -> ours $(ratio "$sdk_checked" "$ours")x" \
     "${fused:+(fused $(ratio "$sdk_checked" "$fused")x)}"
echo "same decrypted bytes on every side; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
