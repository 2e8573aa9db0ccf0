#include "storage/model_stream_decryptor.hpp"

#include <algorithm>
#include <string>

#include "crypto/secp256k1.hpp"

namespace zg::storage {

ModelStreamDecryptor::ModelStreamDecryptor(const finetune::ModelKey& key, const eth::Address& expected_signer,
                                           std::uint64_t file_size, PlainSink write, std::size_t chunk_size)
    : cipher_(key.view()),
      expected_signer_(expected_signer),
      layout_(file_size, chunk_size),
      write_(std::move(write)) {}

void ModelStreamDecryptor::consume(ByteSpan bytes) {
  if (bytes.size() > layout_.file_size() - position_) {
    throw UsageError("model stream: more bytes than the file's " + std::to_string(layout_.file_size()));
  }
  while (!bytes.empty()) {
    if (position_ < finetune::kHeaderSize) {
      consume_header(bytes);
    } else if (position_ < layout_.tag_offset(chunk_)) {
      consume_ciphertext(bytes);
    } else {
      consume_tag(bytes);
    }
  }
}

void ModelStreamDecryptor::consume_header(ByteSpan& bytes) {
  const auto take = std::min<std::size_t>(bytes.size(), finetune::kHeaderSize - static_cast<std::size_t>(position_));
  std::copy_n(bytes.begin(), take, header_.begin() + static_cast<std::ptrdiff_t>(position_));
  position_ += take;
  bytes = bytes.subspan(take);
  if (position_ == finetune::kHeaderSize) {
    std::copy_n(header_.begin() + finetune::kTagSignatureSize, finetune::kIvSize, iv_.begin());
    if (layout_.chunk_count() > 0) begin_chunk();
  }
}

void ModelStreamDecryptor::begin_chunk() {
  cipher_.begin(crypto::AesGcm::Direction::decrypt, finetune::chunk_nonce(iv_, chunk_));
  carried_ = 0;
  tag_filled_ = 0;
}

void ModelStreamDecryptor::consume_ciphertext(ByteSpan& bytes) {
  const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), layout_.tag_offset(chunk_) - position_));
  auto piece = bytes.first(take);
  bytes = bytes.subspan(take);
  position_ += take;
  const bool chunk_ends = position_ == layout_.tag_offset(chunk_);
  // Complete the carried block first, then whole blocks straight from the input; the chunk's last
  // piece may be any length.
  if (carried_ > 0) {
    const auto fill = std::min(piece.size(), carry_.size() - carried_);
    std::copy_n(piece.begin(), fill, carry_.begin() + static_cast<std::ptrdiff_t>(carried_));
    carried_ += fill;
    piece = piece.subspan(fill);
    if (carried_ < carry_.size() && !chunk_ends) return;
    decrypt_aligned(ByteSpan(carry_).first(carried_));
    carried_ = 0;
  }
  const auto aligned = chunk_ends ? piece.size() : piece.size() / 16 * 16;
  if (aligned > 0) decrypt_aligned(piece.first(aligned));
  const auto rest = piece.subspan(aligned);
  std::copy(rest.begin(), rest.end(), carry_.begin());
  carried_ = rest.size();
}

void ModelStreamDecryptor::decrypt_aligned(ByteSpan bytes) {
  if (plain_.size() < bytes.size()) plain_.resize(bytes.size());
  auto out = MutableByteSpan(plain_).first(bytes.size());
  cipher_.update(bytes, out);
  write_(plain_written_, out);
  plain_written_ += out.size();
}

void ModelStreamDecryptor::consume_tag(ByteSpan& bytes) {
  const auto take = std::min(bytes.size(), tag_.size() - tag_filled_);
  std::copy_n(bytes.begin(), take, tag_.begin() + static_cast<std::ptrdiff_t>(tag_filled_));
  tag_filled_ += take;
  position_ += take;
  bytes = bytes.subspan(take);
  if (tag_filled_ < tag_.size()) return;
  try {
    cipher_.finish_decrypt(tag_);
  } catch (const crypto::AuthenticationError&) {
    throw crypto::AuthenticationError("chunk " + std::to_string(chunk_) +
                                      ": authentication tag mismatch (wrong key or corrupted file)");
  }
  tags_hash_.update(tag_);
  if (++chunk_ < layout_.chunk_count()) begin_chunk();
}

std::uint64_t ModelStreamDecryptor::finish() {
  if (position_ != layout_.file_size()) {
    throw ParseError("model stream: " + std::to_string(position_) + " of " + std::to_string(layout_.file_size()) +
                     " bytes arrived");
  }
  eth::Address signer;
  try {
    const auto signature = crypto::Signature::from_rsv(ByteSpan(header_).first(finetune::kTagSignatureSize));
    signer = eth::Address::from_public_key(crypto::recover(tags_hash_.finalize(), signature));
  } catch (const ParseError& error) {
    throw ParseError(std::string("encrypted model file: the tag signature is malformed (") + error.what() + ")");
  }
  if (signer != expected_signer_) {
    throw crypto::AuthenticationError("encrypted model file: the chunk tags are signed by " + signer.checksummed() +
                                      ", not by the provider's TEE signer " + expected_signer_.checksummed() +
                                      " (the file was altered or does not come from this provider's TEE)");
  }
  return plain_written_;
}

}  // namespace zg::storage
