// The official SDKs' download-verify-decrypt pipeline, timed, for bench/storage/pipeline_side_by_side.sh:
// what `0g-compute-cli` does for a fine-tuned model stored on 0G Storage, against our zg-storage-sim.
//
//   node sdk_pipeline.js INDEXER_URL ROOT KEYHEX SIGNER WORKDIR
//
// 1. download: @0gfoundation/0g-ts-sdk 1.2.8 Indexer.download(root, file, proof = true): indexer file
//    locations, zgs_getFileInfo, then zgs_downloadSegmentByTxSeq segment by segment, appended to the file.
//    Note: in 1.2.8 the `proof` flag is ignored (Downloader.downloadTask: "TODO: add proof check"), so
//    the SDK checks no segment proof and never recomputes the root;
// 2. root: ZgFile.merkleTree() of the downloaded file compared with ROOT, i.e. the check our client does
//    and the SDK skips, timed separately so both "SDK as shipped" and "SDK with the same checks" can be
//    compared;
// 3. decrypt: @0gfoundation/0g-compute-ts-sdk 0.9.0 aesGCMDecryptToFile(key, enc, out, signer).
// Prints one JSON line {bytes, download_s, root_s, decrypt_s, root_matches} on stdout; the SDK's own
// log lines go to stderr.
'use strict';
const path = require('path');
const fs = require('fs');
const npm = path.join(__dirname, '../../third_party/npm/node_modules');
const storageSdk = require(path.join(npm, '@0gfoundation/0g-ts-sdk/lib.commonjs/index.js'));
const encrypt = require(path.join(npm, '@0gfoundation/0g-compute-ts-sdk/lib.commonjs/common/utils/encrypt.js'));

const print = (line) => process.stdout.write(line + '\n');
console.log = (...args) => console.error(...args);  // the SDK logs progress with console.log

function seconds(start) { return Number(process.hrtime.bigint() - start) / 1e9; }

async function main() {
  const [indexerUrl, root, keyHex, signer, workdir] = process.argv.slice(2);
  if (!workdir) throw new Error('usage: node sdk_pipeline.js INDEXER_URL ROOT KEYHEX SIGNER WORKDIR');
  const encrypted = path.join(workdir, 'sdk.enc');
  const decrypted = path.join(workdir, 'sdk.dec');

  let start = process.hrtime.bigint();
  const indexer = new storageSdk.Indexer(indexerUrl);
  const err = await indexer.download(root, encrypted, true);
  if (err) throw err;
  const downloadS = seconds(start);

  start = process.hrtime.bigint();
  const file = await storageSdk.ZgFile.fromFilePath(encrypted);
  const [tree, treeErr] = await file.merkleTree();
  if (treeErr) throw treeErr;
  await file.close();
  const rootMatches = tree.rootHash().toLowerCase() === root.toLowerCase();
  const rootS = seconds(start);

  start = process.hrtime.bigint();
  await encrypt.aesGCMDecryptToFile(keyHex, encrypted, decrypted, signer);
  const decryptS = seconds(start);

  print(JSON.stringify({ bytes: fs.statSync(encrypted).size, download_s: downloadS, root_s: rootS,
                         decrypt_s: decryptS, root_matches: rootMatches }));
}
main().catch((e) => { console.error(e.message || e); process.exit(1); });
