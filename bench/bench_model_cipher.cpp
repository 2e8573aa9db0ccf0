// Decrypting a fine-tuned model: throughput of decrypt_model_file on a 256 MiB encrypted file in
// /tmp (tag signature check, chunked AES-256-GCM, write + fsync + rename) with several worker and
// writer counts, synced and not, and the process's peak RSS (the largest of all cases run so far),
// which must stay flat whatever the file size. The input is generated once in a forked child,
// so the parent's ru_maxrss reflects decryption only.
// The input is made before the first timed loop and removed at exit.
//
//   bench_model_cipher [--benchmark_...]     (build with -DCMAKE_BUILD_TYPE=Release)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/hex.hpp"
#include "finetune/model_cipher.hpp"

namespace {

namespace fs = std::filesystem;
using namespace zg;

constexpr std::uint64_t kPlaintextSize = 256ull * 1024 * 1024;
constexpr const char* kAesKey = "0x97fdc691d6a8e07213c082f0547878116c85e96439514f6f5b6cd31846f7c95a";
constexpr const char* kTeeKey = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";  // Hardhat #2

// Fixed at first use in the parent, so the forked generator writes to the same place.
const fs::path& work_dir() {
  static const fs::path dir = fs::temp_directory_path() / ("zg-bench-model-cipher-" + std::to_string(::getpid()));
  return dir;
}
fs::path encrypted_path() { return work_dir() / "model.enc"; }
fs::path decrypted_path() { return work_dir() / "model.zip"; }

void write_plaintext(const fs::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string block(1024 * 1024, '\0');
  for (std::uint64_t written = 0; written < kPlaintextSize; written += block.size()) {
    for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>((written + i) % 251 + 1);
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
}

// Runs in a child process, so its memory never counts towards the parent's peak RSS.
void generate_input() {
  fs::create_directories(work_dir());
  const pid_t child = ::fork();
  if (child < 0) std::abort();
  if (child == 0) {
    int status = 0;
    try {
      const auto plain = work_dir() / "model.plain";
      write_plaintext(plain);
      finetune::encrypt_model_file(plain, finetune::ModelKey(fixed_from_hex<32>(kAesKey)), crypto::PrivateKey::from_hex(kTeeKey),
                                   encrypted_path(), fixed_from_hex<12>("0x000102030405060708ffffff"));
      fs::remove(plain);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "cannot generate the input: %s\n", error.what());
      status = 1;
    }
    ::_exit(status);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "generating the 256 MiB input failed\n");
    std::exit(1);
  }
}

void ensure_input() {
  static const bool ready = [] {
    (void)work_dir();  // construct it before registering the handler, so it outlives the handler
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(work_dir(), ignored);
    });
    generate_input();
    return true;
  }();
  (void)ready;
}

double peak_rss_mib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

// Args: decryption workers (0 = one per core), background writers, synced (1: fsync + O_DIRECT,
// what `zg ft decrypt --out-raw` does) or scratch (0: no fsync, page cache, as for the ZIP that
// `--out DIR` unpacks at once).
void BM_DecryptModelFile256MiB(benchmark::State& state) {
  ensure_input();
  const finetune::ModelKey key(fixed_from_hex<32>(kAesKey));
  const auto signer = eth::Address::from_public_key(crypto::PrivateKey::from_hex(kTeeKey).public_key());
  const finetune::DecryptTuning tuning{static_cast<unsigned>(state.range(0)), static_cast<unsigned>(state.range(1))};
  const auto durability = state.range(2) != 0 ? finetune::Durability::synced : finetune::Durability::scratch;
  for (auto _ : state) {
    finetune::decrypt_model_file(encrypted_path(), key, decrypted_path(), signer, finetune::kDefaultChunkSize, durability, tuning);
    state.PauseTiming();
    if (fs::file_size(decrypted_path()) != kPlaintextSize) state.SkipWithError("wrong plaintext size");
    fs::remove(decrypted_path());
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPlaintextSize));
  state.counters["MB_per_s"] = benchmark::Counter(static_cast<double>(kPlaintextSize) / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

void BM_VerifyTagSignature256MiB(benchmark::State& state) {
  ensure_input();
  const auto signer = eth::Address::from_public_key(crypto::PrivateKey::from_hex(kTeeKey).public_key());
  for (auto _ : state) finetune::verify_tag_signature(encrypted_path(), signer);
}

BENCHMARK(BM_DecryptModelFile256MiB)
    ->ArgNames({"threads", "writers", "synced"})
    ->Args({0, 2, 1})  // the default: what zg ft decrypt --out-raw does
    ->Args({1, 0, 1})  // one thread that reads, decrypts and writes in turn
    ->Args({0, 0, 1})  // workers write themselves
    ->Args({1, 2, 1})
    ->Args({0, 4, 1})
    ->Args({0, 2, 0})  // scratch: no fsync, page cache
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(4);
BENCHMARK(BM_VerifyTagSignature256MiB)->Unit(benchmark::kMicrosecond);

}  // namespace
