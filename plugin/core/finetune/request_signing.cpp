#include "finetune/request_signing.hpp"

#include "common/error.hpp"
#include "common/hex.hpp"
#include "common/text.hpp"
#include "crypto/eip191.hpp"
#include "crypto/keccak.hpp"

namespace zg::finetune {
namespace {

// Dashes of the canonical 8-4-4-4-12 form.
bool is_dash_position(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

TaskUuid parse_task_uuid(std::string_view text) {
  if (text.size() != 36) {
    throw ParseError("task id '" + printable_excerpt(text, 60) + "' is not a UUID (8-4-4-4-12 hex digits)");
  }
  std::string hex;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_dash_position(i) != (text[i] == '-')) {
      throw ParseError("task id '" + printable_excerpt(text, 60) + "' is not a UUID (8-4-4-4-12 hex digits)");
    }
    if (text[i] != '-') hex += text[i];
  }
  try {
    return fixed_from_hex<16>(hex, "task id");
  } catch (const ParseError&) {
    throw ParseError("task id '" + printable_excerpt(text, 60) + "' is not a UUID (8-4-4-4-12 hex digits)");
  }
}

std::string format_task_uuid(const TaskUuid& uuid) {
  const auto hex = to_hex(uuid, false);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

eth::Uint256 task_nonce(std::uint64_t unix_ms) { return eth::Uint256(unix_ms) * eth::Uint256(10000) + eth::Uint256(40); }

Bytes create_task_preimage(const eth::Address& user, const eth::Uint256& nonce, std::string_view dataset_hash) {
  Bytes preimage(user.bytes().begin(), user.bytes().end());
  append(preimage, nonce.to_be_bytes());
  append(preimage, as_bytes(dataset_hash));  // the TEXT, "0x" and letter case included
  return preimage;
}

Hash256 create_task_hash(const eth::Address& user, const eth::Uint256& nonce, std::string_view dataset_hash) {
  return crypto::keccak256(create_task_preimage(user, nonce, dataset_hash));
}

Hash256 cancel_task_hash(const TaskUuid& task) { return crypto::keccak256(task); }

std::string lora_download_message(const TaskUuid& task, std::int64_t unix_seconds) {
  return to_hex(task, false) + std::to_string(unix_seconds);
}

std::string dataset_upload_message(std::string_view user_as_in_url, std::int64_t unix_seconds) {
  return std::string(user_as_in_url) + std::to_string(unix_seconds);
}

std::string sign_hash_personal(const crypto::PrivateKey& key, const Hash256& hash) {
  return key.sign_hash(crypto::eip191_hash_of_hash(hash)).to_hex(27);
}

eth::Address recover_hash_personal_signer(const Hash256& hash, std::string_view signature_hex) {
  return eth::Address::from_public_key(
      crypto::recover(crypto::eip191_hash_of_hash(hash), crypto::Signature::from_hex(signature_hex)));
}

std::string sign_create_task(const crypto::PrivateKey& key, const eth::Uint256& nonce, std::string_view dataset_hash) {
  const auto user = eth::Address::from_public_key(key.public_key());
  return sign_hash_personal(key, create_task_hash(user, nonce, dataset_hash));
}

std::string sign_cancel_task(const crypto::PrivateKey& key, const TaskUuid& task) {
  return sign_hash_personal(key, cancel_task_hash(task));
}

std::string sign_lora_download(const crypto::PrivateKey& key, const TaskUuid& task, std::int64_t unix_seconds) {
  return sign_hash_personal(key, crypto::keccak256(as_bytes(lora_download_message(task, unix_seconds))));
}

std::string sign_dataset_upload(const crypto::PrivateKey& key, std::string_view user_as_in_url, std::int64_t unix_seconds) {
  return sign_hash_personal(key, crypto::keccak256(as_bytes(dataset_upload_message(user_as_in_url, unix_seconds))));
}

}  // namespace zg::finetune
