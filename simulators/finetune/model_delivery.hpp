#pragma once
// The broker's finalizer (protocol-finetune.md §3 step 10, §6): encrypt the zipped adapter with a
// fresh AES-256 key (64 MiB GCM chunks, tags signed by the TEE key), keep the file, upload it to
// 0G Storage when a storage client is configured (modelRootHash = its storage root) or else use
// keccak256 of the file, and ECIES-encrypt the key to the user's public key for the settlement.
#include <filesystem>
#include <functional>
#include <string>

#include "common/bytes.hpp"
#include "crypto/secp256k1.hpp"

namespace zg::finetune_sim {

// Uploads a file to 0G Storage and returns its root (0x + 64 hex). Throws on failure.
using ModelUploader = std::function<std::string(const std::filesystem::path&)>;

struct SealedModel {
  std::filesystem::path encrypted_file;
  Bytes model_root_hash;   // 32 bytes: storage root, or keccak256(encrypted file)
  bool stored_on_0g = false;
  Bytes encrypted_secret;  // ECIES(user key, AES key): what settleFees releases
};

// Writes `encrypted_file` atomically. `tag_signer` is the TEE key (or, to test clients, another
// one). An upload failure is logged through `log` and falls back to keccak256, as the broker does.
SealedModel seal_model(ByteSpan plaintext_zip, const crypto::PublicKey& user_key, const crypto::PrivateKey& tag_signer,
                       const std::filesystem::path& encrypted_file, const ModelUploader& upload,
                       const std::function<void(const std::string&)>& log);

}  // namespace zg::finetune_sim
