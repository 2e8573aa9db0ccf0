// Replay driver for fuzz targets in builds without libFuzzer.
// Usage: fuzz_X CORPUS_DIR [MUTATIONS]
// Runs every file of the corpus, then MUTATIONS inputs derived from them by deterministic
// byte flips, truncations, insertions and splices. A crash or sanitizer report fails the test.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::vector<std::uint8_t>> load_corpus(const std::filesystem::path& dir) {
  std::vector<std::vector<std::uint8_t>> inputs;
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (inputs.empty()) inputs.emplace_back();
  return inputs;
}

std::vector<std::uint8_t> mutate(std::vector<std::uint8_t> input,
                                 const std::vector<std::vector<std::uint8_t>>& corpus,
                                 std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < edits; ++i) {
    const auto pos = input.empty() ? 0 : rng() % input.size();
    switch (rng() % 6) {
      case 0: if (!input.empty()) input[pos] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
      case 1: if (!input.empty()) input[pos] = static_cast<std::uint8_t>(rng()); break;
      case 2: input.resize(pos); break;
      case 3: input.insert(input.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<std::uint8_t>(rng())); break;
      case 4: if (!input.empty()) input.erase(input.begin() + static_cast<std::ptrdiff_t>(pos)); break;
      default: {
        const auto& other = corpus[rng() % corpus.size()];
        if (!other.empty()) {
          const auto from = rng() % other.size();
          input.insert(input.begin() + static_cast<std::ptrdiff_t>(pos), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        }
      }
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR [MUTATIONS]\n";
    return 2;
  }
  const auto corpus = load_corpus(argv[1]);
  const long mutations = argc > 2 ? std::stol(argv[2]) : 10000;
  for (const auto& input : corpus) LLVMFuzzerTestOneInput(input.data(), input.size());
  std::mt19937_64 rng(0x0606);
  for (long i = 0; i < mutations; ++i) {
    const auto input = mutate(corpus[rng() % corpus.size()], corpus, rng);
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::cout << "replayed " << corpus.size() << " corpus inputs and " << mutations << " mutations\n";
  return 0;
}
