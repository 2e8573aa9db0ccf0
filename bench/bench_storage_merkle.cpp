// 0G Storage file root throughput: a 1 GiB file on disk (pattern (i % 251) + 1, created once in
// /tmp and reused), streamed with pread by 1 and 2 workers; plus in-memory roots of patterned and
// all-zero data (the zero-subtree shortcut). Bytes/s counts the file's bytes; wall-clock time.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "storage/merkle.hpp"

namespace {

using namespace zg;

constexpr std::uint64_t kFileSize = std::uint64_t{1} << 30;
const std::filesystem::path kFilePath = "/tmp/zg_bench_storage_1gib.bin";

Bytes pattern_bytes(std::uint64_t first, std::size_t size) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>((first + i) % 251 + 1);
  return out;
}

// Writes the file unless one of the right size is already there (it is only ever our own output).
const std::filesystem::path& bench_file() {
  static const bool ready = [] {
    std::error_code ec;
    if (std::filesystem::file_size(kFilePath, ec) == kFileSize) return true;
    std::ofstream out(kFilePath, std::ios::binary | std::ios::trunc);
    constexpr std::size_t kBlock = 251 * 4096;  // a multiple of the period: one block fits every offset
    const Bytes block = pattern_bytes(0, kBlock);
    for (std::uint64_t written = 0; written < kFileSize;) {
      const auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(kBlock, kFileSize - written));
      out.write(reinterpret_cast<const char*>(block.data()), n);
      written += static_cast<std::uint64_t>(n);
    }
    if (!out) throw std::runtime_error("cannot write " + kFilePath.string());
    return true;
  }();
  (void)ready;
  return kFilePath;
}

void BM_FileRoot1GiB(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  const auto& path = bench_file();
  (void)storage::FileMerkleTree::from_file(path, threads);  // warm the page cache
  for (auto _ : state) {
    auto tree = storage::FileMerkleTree::from_file(path, threads);
    benchmark::DoNotOptimize(tree.root());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFileSize));
}
BENCHMARK(BM_FileRoot1GiB)->Arg(1)->Arg(2)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

void run_memory_root(benchmark::State& state, const Bytes& data) {
  const auto threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    auto tree = storage::FileMerkleTree::from_bytes(data, threads);
    benchmark::DoNotOptimize(tree.root());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}

void BM_MemoryRoot64MiB(benchmark::State& state) {
  static const Bytes data = pattern_bytes(0, 64 << 20);
  run_memory_root(state, data);
}
BENCHMARK(BM_MemoryRoot64MiB)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_MemoryRootZeros64MiB(benchmark::State& state) {
  static const Bytes data(64 << 20, 0);
  run_memory_root(state, data);
}
BENCHMARK(BM_MemoryRootZeros64MiB)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_SegmentRoot256KiB(benchmark::State& state) {
  static const Bytes data = pattern_bytes(0, storage::kSegmentSize);
  for (auto _ : state) benchmark::DoNotOptimize(storage::segment_root(data, storage::kSegmentChunks));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_SegmentRoot256KiB)->Unit(benchmark::kMicrosecond);

}  // namespace
