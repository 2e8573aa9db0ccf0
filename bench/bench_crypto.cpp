// Crypto hot paths: keccak-256 throughput at the sizes the core hashes (a word, a merkle pair, a
// storage segment-sized buffer, a large file) and secp256k1 signing and recovery. OpenSSL's SHA3-256
// (same permutation, assembly implementation) runs on 8 KiB in the same binary as a yardstick when
// the build uses OpenSSL.
#include <benchmark/benchmark.h>

#include <memory>

#include "crypto/keccak.hpp"
#include "crypto/secp256k1.hpp"

#if defined(ZG_TLS_OPENSSL)
#include <openssl/evp.h>
#endif

namespace {

using namespace zg;

void run_keccak(benchmark::State& state, std::size_t size) {
  const Bytes input(size, 0xa5);
  for (auto _ : state) {
    Hash256 digest = crypto::keccak256(input);
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void BM_Keccak256_32B(benchmark::State& state) { run_keccak(state, 32); }
void BM_Keccak256_8KiB(benchmark::State& state) { run_keccak(state, 8 * 1024); }
void BM_Keccak256_1MiB(benchmark::State& state) { run_keccak(state, 1024 * 1024); }

void BM_Keccak256Pair_64B(benchmark::State& state) {
  Hash256 left{};
  Hash256 right{};
  right.fill(0x11);
  for (auto _ : state) {
    // Feed each result back in, like a merkle tree climbing a level, so no call can be hoisted.
    left = crypto::keccak256_pair(left, right);
    benchmark::DoNotOptimize(left);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 64));
}

const crypto::PrivateKey& bench_key() {
  static const crypto::PrivateKey key =
      crypto::PrivateKey::from_hex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  return key;
}

Hash256 bench_digest() { return crypto::keccak256(as_bytes("benchmark message")); }

void BM_SignHash(benchmark::State& state) {
  const auto& key = bench_key();
  Hash256 digest = bench_digest();
  for (auto _ : state) {
    auto signature = key.sign_hash(digest);
    benchmark::DoNotOptimize(signature);
  }
}

void BM_Recover(benchmark::State& state) {
  const Hash256 digest = bench_digest();
  const auto signature = bench_key().sign_hash(digest);
  for (auto _ : state) {
    auto key = crypto::recover(digest, signature);
    benchmark::DoNotOptimize(key);
  }
}

void BM_SignThenRecover(benchmark::State& state) {
  const auto& key = bench_key();
  Hash256 digest = bench_digest();
  for (auto _ : state) {
    const auto signature = key.sign_hash(digest);
    auto signer = crypto::recover(digest, signature);
    benchmark::DoNotOptimize(signer);
    digest[0] ^= 1;  // a new message each time
  }
}

BENCHMARK(BM_Keccak256_32B);
BENCHMARK(BM_Keccak256Pair_64B);
BENCHMARK(BM_Keccak256_8KiB);
BENCHMARK(BM_Keccak256_1MiB);
BENCHMARK(BM_SignHash);
BENCHMARK(BM_Recover);
BENCHMARK(BM_SignThenRecover);

#if defined(ZG_TLS_OPENSSL)
void BM_OpenSslSha3_256_8KiB(benchmark::State& state) {
  const Bytes input(8 * 1024, 0xa5);
  const auto context = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Hash256 digest{};
  for (auto _ : state) {
    unsigned int length = 0;
    if (EVP_DigestInit_ex(context.get(), EVP_sha3_256(), nullptr) != 1 ||
        EVP_DigestUpdate(context.get(), input.data(), input.size()) != 1 ||
        EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1) {
      state.SkipWithError("OpenSSL SHA3-256 failed");
      break;
    }
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_OpenSslSha3_256_8KiB);
#endif

}  // namespace
