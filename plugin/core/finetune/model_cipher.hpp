#pragma once
// The 0G encrypted model file (protocol-finetune.md §6): what a fine-tuning provider's TEE writes
// and what the customer decrypts once the broker releases the key.
//
//   offset 0    65 B  tagSig = secp256k1 signature (r, s, v with v in {0,1}), no EIP-191 prefix,
//                     over keccak256(tag_0 || tag_1 || ...), made by the provider's TEE signer
//   offset 65   12 B  iv
//   offset 77         chunks: AES-256-GCM ciphertext (<= chunk size, 64 MiB) || tag (16 B)
//
// Chunk i uses the nonce iv + i (a 96-bit big-endian counter with carry), no AAD. Every chunk but
// the last holds exactly `chunk_size` bytes of ciphertext; an empty plaintext has no chunks.
//
// All parsers take the file as untrusted: a malformed layout is a ParseError, a wrong signer, tag
// or key a crypto::AuthenticationError, a failing read or write an IoError. Chunk numbers in
// messages count from 0, as the tags do.
#include <cstdint>
#include <filesystem>

#include "common/bytes.hpp"
#include "common/secret.hpp"
#include "crypto/aes_gcm.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"

namespace zg::finetune {

inline constexpr std::size_t kTagSignatureSize = 65;
inline constexpr std::size_t kIvSize = 12;
inline constexpr std::size_t kHeaderSize = kTagSignatureSize + kIvSize;  // 77
inline constexpr std::size_t kTagSize = crypto::kGcmTagSize;
inline constexpr std::size_t kDefaultChunkSize = 64 * 1024 * 1024;

using ModelKey = Secret<32>;
using Iv = FixedBytes<kIvSize>;

// Where the chunks of a file of a given size lie. Throws ParseError when the size cannot be a valid
// file: shorter than the header, or a last chunk with no ciphertext byte before its tag.
class ChunkLayout {
 public:
  ChunkLayout(std::uint64_t file_size, std::size_t chunk_size);
  // The layout of the file that encrypting `plaintext_size` bytes produces.
  static ChunkLayout for_plaintext(std::uint64_t plaintext_size, std::size_t chunk_size);

  std::uint64_t file_size() const noexcept { return file_size_; }
  std::uint64_t chunk_count() const noexcept { return chunk_count_; }
  std::uint64_t chunk_offset(std::uint64_t index) const noexcept;
  std::uint64_t ciphertext_size(std::uint64_t index) const noexcept;
  std::uint64_t tag_offset(std::uint64_t index) const noexcept { return chunk_offset(index) + ciphertext_size(index); }

 private:
  std::uint64_t file_size_ = 0;
  std::uint64_t chunk_size_ = 0;
  std::uint64_t chunk_count_ = 0;
  std::uint64_t last_ciphertext_size_ = 0;
};

// iv + index as a 96-bit big-endian counter, wrapping at 2^96 (Go's incrementNonce, repeated).
Iv chunk_nonce(const Iv& iv, std::uint64_t index) noexcept;

// ---- customer side ------------------------------------------------------------------------------

// Reads only the header and the chunk tags (no key needed) and returns the address that signed
// them. ParseError when the layout or the signature encoding is malformed.
eth::Address recover_tag_signer(const std::filesystem::path& file, std::size_t chunk_size = kDefaultChunkSize);
eth::Address recover_tag_signer(ByteSpan file, std::size_t chunk_size = kDefaultChunkSize);

// The check to run BEFORE acknowledging a deliverable: throws crypto::AuthenticationError unless
// the tags were signed by `expected_signer` (the service's teeSignerAddress).
void verify_tag_signature(const std::filesystem::path& file, const eth::Address& expected_signer,
                          std::size_t chunk_size = kDefaultChunkSize);
void verify_tag_signature(ByteSpan file, const eth::Address& expected_signer, std::size_t chunk_size = kDefaultChunkSize);

// Whether an output is flushed to disk before it is renamed into place: `scratch` is for a file
// that is consumed and deleted right away (the decrypted ZIP before it is unpacked), where an fsync
// would only force a needless write of the whole file.
enum class Durability { synced, scratch };

// Verifies the tag signature, then decrypts into `out_path + ".partial"`, which becomes `out_path`
// only after every tag matched (and, when synced, after an fsync). On any failure the partial file
// is removed and nothing appears at `out_path`. Chunks are independent GCM messages, so one worker
// per core decrypts them in turn, in place in reused 4 MiB buffers that background writers then
// write (a fixed set of buffers: memory stays flat whatever the file size); a synced output is
// written around the page cache (O_DIRECT) where the file system allows it. When several chunks
// fail, the error names the lowest one.
void decrypt_model_file(const std::filesystem::path& in_path, const ModelKey& key, const std::filesystem::path& out_path,
                        const eth::Address& expected_signer, std::size_t chunk_size = kDefaultChunkSize,
                        Durability durability = Durability::synced);

struct DecryptTuning {
  unsigned threads = 0;  // decryption workers; 0 = one per core. Never more than there are chunks.
  unsigned writers = 2;  // background writer threads (writes in flight); 0 = each worker writes itself
};
void decrypt_model_file(const std::filesystem::path& in_path, const ModelKey& key, const std::filesystem::path& out_path,
                        const eth::Address& expected_signer, std::size_t chunk_size, Durability durability,
                        const DecryptTuning& tuning);
// In-memory form (tests, fuzzing): returns the plaintext only when everything checked.
Bytes decrypt_model(ByteSpan file, const ModelKey& key, const eth::Address& expected_signer,
                    std::size_t chunk_size = kDefaultChunkSize);

// ---- provider side (simulator, tests) -----------------------------------------------------------

// Writes exactly the layout above, through `out_path + ".partial"` like decryption.
void encrypt_model_file(const std::filesystem::path& in_path, const ModelKey& key, const crypto::PrivateKey& tee_signer,
                        const std::filesystem::path& out_path, const Iv& iv, std::size_t chunk_size = kDefaultChunkSize);
// The same with a random IV.
void encrypt_model_file(const std::filesystem::path& in_path, const ModelKey& key, const crypto::PrivateKey& tee_signer,
                        const std::filesystem::path& out_path);
Bytes encrypt_model(ByteSpan plaintext, const ModelKey& key, const crypto::PrivateKey& tee_signer, const Iv& iv,
                    std::size_t chunk_size = kDefaultChunkSize);

}  // namespace zg::finetune
