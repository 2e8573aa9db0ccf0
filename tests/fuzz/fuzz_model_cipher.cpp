// Fuzz target: untrusted bytes as an encrypted model file (key-less signature check, then
// decryption with a fixed key and a small chunk size so inputs span several chunks) and as an
// ECIES blob. Every rejection must be a zg::Error; anything else (crash, sanitizer report,
// another exception type) is a bug.
#include <cstddef>
#include <cstdint>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/ecies.hpp"
#include "finetune/model_cipher.hpp"

namespace {

// The seed corpus was made with these: the SDK vector's AES key, Hardhat key #2 as the TEE signer
// (0x3C44...93BC) and Hardhat key #0 as the ECIES receiver.
constexpr std::size_t kChunkSize = 64;
constexpr const char* kAesKey = "0x97fdc691d6a8e07213c082f0547878116c85e96439514f6f5b6cd31846f7c95a";
constexpr const char* kTeeSigner = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
constexpr const char* kReceiverKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

struct Fixture {
  zg::finetune::ModelKey key{zg::fixed_from_hex<32>(kAesKey)};
  zg::eth::Address signer = zg::eth::Address::from_hex(kTeeSigner);
  zg::crypto::PrivateKey receiver = zg::crypto::PrivateKey::from_hex(kReceiverKey);
};

const Fixture& fixture() {
  static const Fixture instance;
  return instance;
}

void fuzz_model_file(zg::ByteSpan input) {
  const auto& f = fixture();
  try {
    zg::finetune::verify_tag_signature(input, f.signer, kChunkSize);
  } catch (const zg::Error&) {
  }
  try {
    const auto plaintext = zg::finetune::decrypt_model(input, f.key, f.signer, kChunkSize);
    // Only a file that passed every check gets here, so its size must match the layout.
    const zg::finetune::ChunkLayout layout(input.size(), kChunkSize);
    if (layout.file_size() != plaintext.size() + zg::finetune::kHeaderSize + layout.chunk_count() * zg::finetune::kTagSize) {
      __builtin_trap();
    }
  } catch (const zg::Error&) {
  }
}

void fuzz_ecies(zg::ByteSpan input) {
  try {
    const auto plaintext = zg::crypto::ecies::decrypt(fixture().receiver, input);
    if (plaintext.size() + zg::crypto::ecies::kOverhead != input.size()) __builtin_trap();
  } catch (const zg::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const zg::ByteSpan input(data, size);
  fuzz_model_file(input);
  fuzz_ecies(input);
  return 0;
}
