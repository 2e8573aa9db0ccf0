#pragma once
// Step 11 of the fine-tuning flow (protocol-finetune.md §3 step 13, §6): from the released
// secret and the encrypted model file to the adapter files on disk. The order matters:
//   1. ECIES-decrypt Deliverable.encryptedSecret with the user's key -> the 32-byte AES key;
//   2. verify the tag signature against the TEE signer (no key needed) before decrypting;
//   3. decrypt chunk by chunk through fixed buffers (constant memory) into a staging directory;
//   4. check and unzip the archive in the staging directory;
//   5. rename the result into place only when all of that succeeded.
// The staging directory is a hidden sibling of the output (".<name>.zg-partial-<pid>"), so a
// process killed half way leaves nothing at the output path; the next run removes stale staging
// directories whose process is gone.
#include <filesystem>
#include <vector>

#include "common/bytes.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"
#include "finetune/model_archive.hpp"
#include "finetune/model_cipher.hpp"

namespace zg::finetune {

// AuthenticationError "the encrypted secret does not open with this key ..." for a wrong key;
// ParseError for a malformed or empty secret.
ModelKey decrypt_model_key(const crypto::PrivateKey& user, ByteSpan encrypted_secret);

struct DecryptedModel {
  std::uint64_t plaintext_size = 0;  // bytes of the decrypted ZIP (or raw file)
  std::vector<ArchiveEntry> files;   // empty for a raw output
};

// Steps 2-5 into `out_dir`, which must not exist yet (UsageError otherwise).
DecryptedModel decrypt_model_to_directory(const std::filesystem::path& encrypted_file, const ModelKey& key,
                                          const eth::Address& tee_signer, const std::filesystem::path& out_dir,
                                          std::size_t chunk_size = kDefaultChunkSize);
// Steps 2-3 into one file (the ZIP itself), via "<out_file>.partial"; `out_file` must not exist.
DecryptedModel decrypt_model_to_raw_file(const std::filesystem::path& encrypted_file, const ModelKey& key,
                                         const eth::Address& tee_signer, const std::filesystem::path& out_file,
                                         std::size_t chunk_size = kDefaultChunkSize);

// Removes ".<name>.zg-partial-<pid>" siblings of `out` whose process no longer runs.
void remove_stale_staging(const std::filesystem::path& out);

}  // namespace zg::finetune
