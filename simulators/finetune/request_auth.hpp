#pragma once
// The user signatures the fine-tuning broker checks (protocol-finetune.md §9, §4). Every one is
// personal_sign over a 32-byte hash; v may be 27/28 or 0/1 (the newest broker accepts both).
// Failures throw AuthError with the broker's message.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::finetune_sim {

class AuthError : public Error {
 public:
  using Error::Error;
};

// The -60 s .. +300 s window of the /lora and /dataset routes, against `now` (unix seconds).
inline constexpr std::int64_t kMaxFutureSkew = 60;
inline constexpr std::int64_t kMaxAge = 300;
void check_timestamp_window(std::int64_t timestamp, std::int64_t now);

// keccak256(user[20] || uint256_be(nonce) || utf8(datasetHash)): what createTask signs.
Hash256 create_task_hash(const eth::Address& user, const eth::Uint256& nonce, std::string_view dataset_hash);
// keccak256(uuid16): what a cancel signs.
Hash256 cancel_hash(std::string_view task_id);
// keccak256(utf8(hex(uuid16) + decimal(ts))): what a /lora download signs.
Hash256 download_hash(std::string_view task_id, std::int64_t timestamp);
// keccak256(utf8(addressAsInUrl + decimal(ts))): what a /dataset upload signs.
Hash256 upload_hash(std::string_view address_as_in_url, std::int64_t timestamp);

// Decodes a 0x-hex 65-byte signature and recovers the key that personal_signed `hash`.
crypto::PublicKey recover_personal_key(const Hash256& hash, std::string_view signature_hex);
// Recovers and requires `expected`: "signature verification failed: expected 0x.., got 0x..".
void require_personal_signer(const Hash256& hash, std::string_view signature_hex, const eth::Address& expected);

}  // namespace zg::finetune_sim
