// Times the official SDKs (npm @0gfoundation/0g-compute-ts-sdk 0.9.0 and @0gfoundation/0g-ts-sdk 1.2.8,
// pinned in third_party/npm) on the operations our C++ core benchmarks, so that side_by_side.sh can
// print ratios from one run. It calls the SDKs' own functions; the chain reads they would make are
// answered from their own caches so that only the computation is timed.
//
//   node sdk_bench.js token N            session token with a fresh signature (generateSessionToken)
//   node sdk_bench.js verify N           response signature check (Verifier.verifySignature)
//   node sdk_bench.js merkle FILE        0G Storage root of FILE (ZgFile.merkleTree)
//   node sdk_bench.js make-model MIB OUT KEYFILE [PLAINTEXT]
//                                        writes an encrypted model (of PLAINTEXT's bytes if given) in the provider's format and prints
//                                        {"key","encrypted_secret","tee_signer"} for the decrypt run
//   node sdk_bench.js decrypt KEYHEX IN OUT SIGNER
//                                        aesGCMDecryptToFile as `0g-compute-cli` runs it ("seconds"),
//                                        then the fsync of OUT that it does not do ("fsync_seconds")
// Each prints one JSON line.
'use strict';
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');
const npm = path.join(__dirname, '../../third_party/npm/node_modules');
const ethers = require(path.join(npm, 'ethers'));
const compute = path.join(npm, '@0gfoundation/0g-compute-ts-sdk/lib.commonjs');
const { ZGServingUserBrokerBase } = require(path.join(compute, 'inference/broker/base.js'));
const { Verifier } = require(path.join(compute, 'inference/broker/verifier.js'));
const encrypt = require(path.join(compute, 'common/utils/encrypt.js'));

// The anvil dev account the devnet uses as the user (a public test key).
const USER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const PROVIDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

function nowNs() { return process.hrtime.bigint(); }

// A cache with the SDK's getItem/setItem shape that already holds the account info, so that
// generateSessionToken signs without reading the chain.
class MemoryCache {
  constructor() { this.items = new Map(); }
  async getItem(key) { return this.items.get(key) ?? null; }
  async setItem(key, value) { this.items.set(key, value); }
}

async function benchToken(n) {
  const wallet = new ethers.Wallet(USER_KEY);
  const contract = { getUserAddress: () => wallet.address, signer: wallet };
  const cache = new MemoryCache();
  await cache.setItem(`account_info_${wallet.address}_${PROVIDER}`, { generation: 1, revokedBitmap: '0' });
  const broker = new ZGServingUserBrokerBase(contract, null, null, cache);
  for (let i = 0; i < 50; i++) await broker.generateSessionToken(PROVIDER);  // warm up the JIT
  const start = nowNs();
  for (let i = 0; i < n; i++) await broker.generateSessionToken(PROVIDER);
  const us = Number(nowNs() - start) / 1e3 / n;
  console.log(JSON.stringify({ op: 'session_token', iterations: n, us_per_op: us }));
}

function benchVerify(n) {
  const wallet = new ethers.Wallet(USER_KEY);
  const text = JSON.stringify({ request_hash: '0x' + '11'.repeat(32), response_hash: '0x' + '22'.repeat(32) });
  const signature = wallet.signMessageSync(text);
  for (let i = 0; i < 50; i++) Verifier.verifySignature(text, signature, wallet.address);
  const start = nowNs();
  for (let i = 0; i < n; i++) {
    if (!Verifier.verifySignature(text, signature, wallet.address)) throw new Error('did not verify');
  }
  const us = Number(nowNs() - start) / 1e3 / n;
  console.log(JSON.stringify({ op: 'verify_signature', iterations: n, us_per_op: us }));
}

async function benchMerkle(file) {
  const { ZgFile } = require(path.join(npm, '@0gfoundation/0g-ts-sdk/lib.commonjs/index.js'));
  const size = fs.statSync(file).size;
  const start = nowNs();
  const zg = await ZgFile.fromFilePath(file);
  const [tree, err] = await zg.merkleTree();
  if (err) throw err;
  await zg.close();
  const s = Number(nowNs() - start) / 1e9;
  console.log(JSON.stringify({ op: 'merkle_root', bytes: size, seconds: s, mb_per_s: size / 1e6 / s,
                               root: tree.rootHash() }));
}

// The provider's layout (protocol-finetune.md §6): tag signature (65) | iv (12) | per 64 MiB chunk
// ciphertext + 16-byte tag, the iv incremented as a big-endian counter per chunk, and the signature a
// raw secp256k1 signature over keccak256(all tags).
// With PLAINTEXT (a file, e.g. a ZIP for `zg ft decrypt --out DIR`) its bytes are encrypted and MIB
// is ignored; without it, MIB MiB of random bytes (the same 64 MiB block repeated).
function makeModel(mib, out, teeKeyHex, plaintextPath) {
  const key = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const firstIv = Buffer.from(iv);
  const chunk = 64 * 1024 * 1024;
  const total = plaintextPath ? fs.statSync(plaintextPath).size : mib * 1024 * 1024;
  const inFd = plaintextPath ? fs.openSync(plaintextPath, 'r') : null;
  const fd = fs.openSync(out, 'w');
  fs.writeSync(fd, Buffer.alloc(65), 0, 65, 0);
  fs.writeSync(fd, firstIv, 0, 12, 65);
  let offset = 77;
  const tags = [];
  const plain = inFd !== null ? Buffer.alloc(Math.min(chunk, total)) : crypto.randomBytes(Math.min(chunk, total));
  for (let done = 0; done < total; done += chunk) {
    const n = Math.min(chunk, total - done);
    if (inFd !== null) fs.readSync(inFd, plain, 0, n, done);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([cipher.update(plain.subarray(0, n)), cipher.final()]);
    const tag = cipher.getAuthTag();
    fs.writeSync(fd, ct, 0, ct.length, offset); offset += ct.length;
    fs.writeSync(fd, tag, 0, 16, offset); offset += 16;
    tags.push(tag);
    for (let i = iv.length - 1; i >= 0; i--) { iv[i]++; if (iv[i] !== 0) break; }
  }
  const tee = new ethers.SigningKey(teeKeyHex);
  const sig = ethers.Signature.from(tee.sign(ethers.keccak256(Buffer.concat(tags))));
  fs.writeSync(fd, Buffer.from(sig.serialized.slice(2), 'hex'), 0, 65, 0);
  fs.closeSync(fd);
  if (inFd !== null) fs.closeSync(inFd);
  const { PrivateKey, encrypt: eciesEncrypt } = require(path.join(npm, 'eciesjs'));
  const userPub = PrivateKey.fromHex(USER_KEY.slice(2)).publicKey.toHex();
  const encryptedSecret = eciesEncrypt(userPub, key).toString('hex');
  console.log(JSON.stringify({ key: key.toString('hex'), encrypted_secret: encryptedSecret,
                               tee_signer: ethers.computeAddress(tee.publicKey) }));
}

// Times the SDK's decrypt as it is (no fsync), then, separately, the fsync of its output, so that
// the comparison with ours (which syncs before its rename) can be shown both ways.
async function benchDecrypt(keyHex, input, output, signer) {
  const size = fs.statSync(input).size;
  const start = nowNs();
  await encrypt.aesGCMDecryptToFile(keyHex, input, output, signer);
  const s = Number(nowNs() - start) / 1e9;
  const syncStart = nowNs();
  const fd = fs.openSync(output, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const fsyncS = Number(nowNs() - syncStart) / 1e9;
  console.log(JSON.stringify({ op: 'decrypt_model', bytes: size, seconds: s, mb_per_s: size / 1e6 / s,
                               fsync_seconds: fsyncS }));
}

async function main() {
  const [op, ...args] = process.argv.slice(2);
  if (op === 'token') return benchToken(Number(args[0] || 2000));
  if (op === 'verify') return benchVerify(Number(args[0] || 2000));
  if (op === 'merkle') return benchMerkle(args[0]);
  if (op === 'make-model') return makeModel(Number(args[0]), args[1], fs.readFileSync(args[2], 'utf8').trim(), args[3]);
  if (op === 'decrypt') return benchDecrypt(args[0], args[1], args[2], args[3]);
  throw new Error('usage: see the comment at the top of sdk_bench.js');
}
main().catch((e) => { console.error(e.message || e); process.exit(1); });
