#pragma once
// The user's signatures on fine-tuning requests (protocol-finetune.md §9). Every one is
// personal_sign over a 32-byte hash h, i.e. a signature of keccak256("\x19Ethereum Signed
// Message:\n32" || h), 65 bytes with v = 27/28, sent as "0x" + 130 hex digits:
//
//   create task      h = keccak256(user[20] || uint256_be(nonce) || utf8(datasetHash))
//   cancel task      h = keccak256(uuid[16])
//   LoRA download    h = keccak256(utf8(lowercase hex(uuid[16]) || decimal(unix seconds)))
//   dataset upload   h = keccak256(utf8(user address as in the URL || decimal(unix seconds)))
//
// The broker recovers the user's PUBLIC KEY from the create-task signature and later encrypts the
// model key to it, so the task must be signed by the key that will decrypt.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::finetune {

using TaskUuid = FixedBytes<16>;

// "3f2504e0-4f89-41d3-9a0c-0305e82c3301" (any letter case) -> 16 bytes; ParseError otherwise.
TaskUuid parse_task_uuid(std::string_view text);
// 16 bytes -> lowercase canonical form with dashes.
std::string format_task_uuid(const TaskUuid& uuid);

// The SDK's nonce: unix milliseconds * 10000 + 40 (any value above Account.nonce is accepted).
eth::Uint256 task_nonce(std::uint64_t unix_ms);

Bytes create_task_preimage(const eth::Address& user, const eth::Uint256& nonce, std::string_view dataset_hash);
Hash256 create_task_hash(const eth::Address& user, const eth::Uint256& nonce, std::string_view dataset_hash);
Hash256 cancel_task_hash(const TaskUuid& task);
std::string lora_download_message(const TaskUuid& task, std::int64_t unix_seconds);
std::string dataset_upload_message(std::string_view user_as_in_url, std::int64_t unix_seconds);

// personal_sign over a 32-byte hash: "0x" + 130 hex digits, v = 27/28.
std::string sign_hash_personal(const crypto::PrivateKey& key, const Hash256& hash);
// The address that personal_sign'ed `hash` (ParseError for a malformed signature).
eth::Address recover_hash_personal_signer(const Hash256& hash, std::string_view signature_hex);

std::string sign_create_task(const crypto::PrivateKey& key, const eth::Uint256& nonce, std::string_view dataset_hash);
std::string sign_cancel_task(const crypto::PrivateKey& key, const TaskUuid& task);
std::string sign_lora_download(const crypto::PrivateKey& key, const TaskUuid& task, std::int64_t unix_seconds);
std::string sign_dataset_upload(const crypto::PrivateKey& key, std::string_view user_as_in_url, std::int64_t unix_seconds);

}  // namespace zg::finetune
