#include "request_auth.hpp"

#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/keccak.hpp"
#include "task_store.hpp"

namespace zg::finetune_sim {

void check_timestamp_window(std::int64_t timestamp, std::int64_t now) {
  const std::int64_t age = now - timestamp;
  if (age < -kMaxFutureSkew) {
    throw AuthError("timestamp is too far in the future: " + std::to_string(-age) + " seconds ahead");
  }
  if (age > kMaxAge) {
    throw AuthError("timestamp is too old: " + std::to_string(age) + " seconds ago (max 300 seconds)");
  }
}

Hash256 create_task_hash(const eth::Address& user, const eth::Uint256& nonce, std::string_view dataset_hash) {
  Bytes preimage(user.bytes().begin(), user.bytes().end());
  const auto nonce_word = nonce.to_be_bytes();
  append(preimage, nonce_word);
  append(preimage, as_bytes(dataset_hash));
  return crypto::keccak256(preimage);
}

Hash256 cancel_hash(std::string_view task_id) { return crypto::keccak256(uuid_bytes(task_id)); }

Hash256 download_hash(std::string_view task_id, std::int64_t timestamp) {
  const std::string message = to_hex(uuid_bytes(task_id), false) + std::to_string(timestamp);
  return crypto::keccak256(as_bytes(message));
}

Hash256 upload_hash(std::string_view address_as_in_url, std::int64_t timestamp) {
  const std::string message = std::string(address_as_in_url) + std::to_string(timestamp);
  return crypto::keccak256(as_bytes(message));
}

crypto::PublicKey recover_personal_key(const Hash256& hash, std::string_view signature_hex) {
  if (signature_hex.size() < 2 || signature_hex[0] != '0' || (signature_hex[1] != 'x' && signature_hex[1] != 'X')) {
    throw AuthError("decode signature: hex string without 0x prefix");
  }
  Bytes raw;
  try {
    raw = from_hex(signature_hex);
  } catch (const Error&) {
    throw AuthError("decode signature: invalid hex string");
  }
  if (raw.size() != 65) {
    throw AuthError("invalid signature length " + std::to_string(raw.size()) + ", expected 65");
  }
  try {
    return crypto::recover(crypto::eip191_hash_of_hash(hash), crypto::Signature::from_rsv(raw));
  } catch (const Error& error) {
    throw AuthError(std::string("recover public key from signature: ") + error.what());
  }
}

void require_personal_signer(const Hash256& hash, std::string_view signature_hex, const eth::Address& expected) {
  const auto recovered = eth::Address::from_public_key(recover_personal_key(hash, signature_hex));
  if (recovered != expected) {
    throw AuthError("signature verification failed: expected " + expected.checksummed() + ", got " +
                    recovered.checksummed());
  }
}

}  // namespace zg::finetune_sim
