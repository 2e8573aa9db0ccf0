#pragma once
// Decrypts an encrypted model file (finetune/model_cipher.hpp, protocol-finetune.md §6) from a stream
// of its bytes in file order, as verified 0G Storage segments arrive: no encrypted copy on disk, no
// second pass. It applies the checks of finetune::decrypt_model_file, in an order a stream allows:
// every chunk's GCM tag as the chunk ends, and the tag signature by the TEE signer once the last tag
// is in (the signature covers all tags). Plaintext leaves through `write` before those checks end, so
// the caller must write it to a temporary file and rename it only after finish() returned (that is
// what StorageClient::download_decrypted does).
//
// Only for a key the user already holds legitimately, i.e. a re-download of a settled model: the
// fine-tuning flow itself verifies the root BEFORE acknowledging and decrypts only after settlement.
#include <cstdint>
#include <functional>

#include "common/bytes.hpp"
#include "crypto/aes_gcm.hpp"
#include "crypto/keccak.hpp"
#include "eth/address.hpp"
#include "finetune/model_cipher.hpp"

namespace zg::storage {

class ModelStreamDecryptor {
 public:
  // Receives the plaintext in order: (offset in the plaintext, bytes).
  using PlainSink = std::function<void(std::uint64_t offset, ByteSpan plaintext)>;

  // ParseError when file_size cannot be an encrypted model (finetune::ChunkLayout's rules).
  ModelStreamDecryptor(const finetune::ModelKey& key, const eth::Address& expected_signer, std::uint64_t file_size,
                       PlainSink write, std::size_t chunk_size = finetune::kDefaultChunkSize);

  // The next bytes of the encrypted file. crypto::AuthenticationError naming the chunk when a tag
  // does not match (wrong key or altered file); UsageError past the announced size.
  void consume(ByteSpan bytes);
  // After the whole file: ParseError if bytes are missing, crypto::AuthenticationError unless the tags
  // are signed by the expected TEE signer. Returns the plaintext size.
  std::uint64_t finish();

 private:
  void consume_header(ByteSpan& bytes);
  void consume_ciphertext(ByteSpan& bytes);
  void consume_tag(ByteSpan& bytes);
  void decrypt_aligned(ByteSpan bytes);
  void begin_chunk();

  crypto::AesGcm cipher_;
  eth::Address expected_signer_;
  finetune::ChunkLayout layout_;
  PlainSink write_;
  std::uint64_t position_ = 0;        // bytes of the file consumed
  std::uint64_t plain_written_ = 0;   // plaintext bytes handed to write_
  std::uint64_t chunk_ = 0;           // the chunk being decrypted
  FixedBytes<finetune::kHeaderSize> header_{};
  finetune::Iv iv_{};
  FixedBytes<16> carry_{};            // ciphertext not yet a whole AES block (pieces must be 16-aligned)
  std::size_t carried_ = 0;
  crypto::GcmTag tag_{};
  std::size_t tag_filled_ = 0;
  crypto::Keccak256 tags_hash_;
  Bytes plain_;                        // reused output buffer
};

}  // namespace zg::storage
