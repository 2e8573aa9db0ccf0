#pragma once
// The decrypted fine-tuned model is a ZIP of the broker's `output_model/` directory (PEFT layout:
// adapter_model.safetensors, adapter_config.json, ...; protocol-finetune.md §3 step 13). It comes
// from a provider, so it is untrusted: every entry name is checked before anything is written
// (no absolute paths, no "..", no backslashes or drive letters, no duplicates), links, devices and
// encrypted entries are refused, sizes are bounded and checked against what was declared, and the
// CRC of every entry is verified (libzip) while it is streamed to disk through one fixed buffer.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"

namespace zg::finetune {

// A ZIP we refuse to extract; what() names the entry and the reason.
class ArchiveError : public Error {
 public:
  using Error::Error;
};

struct ArchiveEntry {
  std::string name;  // as in the archive, "output_model/adapter_config.json"
  std::uint64_t size = 0;
  bool directory = false;
};

struct ArchiveLimits {
  std::uint64_t max_entries = 10'000;
  std::uint64_t max_total_bytes = 64ull << 30;  // 64 GiB: far above any LoRA adapter
};

// Checks one entry name; ArchiveError naming the problem. Exposed for tests and fuzzing.
void check_entry_name(const std::string& name);

// Lists and checks every entry (names, kinds, sizes) without writing anything.
std::vector<ArchiveEntry> inspect_model_archive(const std::filesystem::path& zip, const ArchiveLimits& limits = {});
std::vector<ArchiveEntry> inspect_model_archive(ByteSpan zip, const ArchiveLimits& limits = {});

// Extracts into `target_dir`, which must exist and be empty (the caller renames it into place
// when this returns). On any error the partially written content stays in `target_dir` for the
// caller to remove; nothing is written outside it.
std::vector<ArchiveEntry> extract_model_archive(const std::filesystem::path& zip, const std::filesystem::path& target_dir,
                                                const ArchiveLimits& limits = {});
// The same from memory (tests, fuzzing).
std::vector<ArchiveEntry> extract_model_archive(ByteSpan zip, const std::filesystem::path& target_dir,
                                                const ArchiveLimits& limits = {});

}  // namespace zg::finetune
