#pragma once
// Where the wallet key comes from: a key file only its owner can read, or an environment
// variable. Never from argv (the process list shows argv to every user), never logged.
#include <filesystem>
#include <optional>
#include <string>

#include "crypto/secp256k1.hpp"

namespace zg::wallet {

struct KeySource {
  std::optional<std::filesystem::path> key_file;  // --key-file / ZG_KEY_FILE
  std::string environment_variable = "ZG_PRIVATE_KEY";
};

// Throws UsageError: no key configured, file missing, file readable by group/others (the message
// gives the chmod that fixes it), or content that is not a 32-byte hex key. The raw text read is
// wiped before returning.
crypto::PrivateKey load_private_key(const KeySource& source);

// True when a key is configured at all (used to choose between read-only and signing commands).
bool has_key(const KeySource& source);

}  // namespace zg::wallet
