#pragma once
// Deliverable.modelRootHash and the checks to run on a downloaded model file BEFORE
// acknowledging it (protocol-finetune.md §3 steps 10-11, §5, §11 surprise 3). The on-chain bytes
// are one of three things:
//   - 32 raw bytes: the 0G Storage root of the encrypted file (the upload succeeded), or
//   - 32 raw bytes: keccak256 of the encrypted file (the upload failed or was skipped), or
//   - ASCII text "0x<64 hex>[,0x<64 hex>...]" (brokers from 2025 stored the root(s) as text).
// A 32-byte value cannot say which of the first two it is, so both are computed and compared.
#include <filesystem>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "eth/address.hpp"

namespace zg::finetune {

struct ModelRootHash {
  std::vector<Hash256> roots;  // one, or several for a fragmented legacy upload
  bool legacy_text = false;    // stored as ASCII text rather than 32 raw bytes
};

// ParseError when the bytes are neither 32 raw bytes nor comma-separated 0x-hex roots.
ModelRootHash parse_model_root_hash(ByteSpan raw);

// Both possible roots of an encrypted model file.
struct FileRoots {
  Hash256 storage_root{};  // 0G Storage merkle root (§7.1)
  Hash256 keccak{};        // keccak256 of the bytes
  std::uint64_t size = 0;
};
FileRoots compute_file_roots(const std::filesystem::path& file);
FileRoots compute_roots(ByteSpan bytes);

enum class RootForm { storage_root, keccak256 };
const char* root_form_name(RootForm form) noexcept;  // "0G Storage root", "keccak256"

struct RootMatch {
  bool matches = false;
  RootForm form = RootForm::storage_root;  // which one matched (when matches)
  bool legacy_text = false;
  std::string explanation;  // one sentence for the user, either way
};
RootMatch match_model_root(const FileRoots& file, const ModelRootHash& expected);

// Everything step 10 checks before acknowledgeDeliverable, without the key: the root (any of the
// three forms) and the tag signature against the service's TEE signer.
struct DeliverableCheck {
  RootMatch root;
  bool signature_ok = false;
  std::string signature_explanation;
  FileRoots file;

  bool passed() const noexcept { return root.matches && signature_ok; }
  std::string summary() const;  // both verdicts, one line each
};
DeliverableCheck check_deliverable_file(const std::filesystem::path& encrypted_file, ByteSpan model_root_hash,
                                        const eth::Address& tee_signer);

}  // namespace zg::finetune
