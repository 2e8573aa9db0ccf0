// Fuzzes the model ZIP checks and extraction (libzip underneath): hostile archives must be refused
// with an ArchiveError/Error, never crash, and never write outside the target directory.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "common/error.hpp"
#include "finetune/model_archive.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  const zg::ByteSpan zip(data, size);
  zg::finetune::ArchiveLimits limits;
  limits.max_total_bytes = 1u << 20;  // keep each run small
  limits.max_entries = 64;
  try {
    (void)zg::finetune::inspect_model_archive(zip, limits);
  } catch (const zg::Error&) {
    return 0;
  }
  static const fs::path target = fs::temp_directory_path() / ("zg-fuzz-archive-" + std::to_string(::getpid()));
  std::error_code ignored;
  fs::remove_all(target, ignored);
  fs::create_directories(target);
  try {
    (void)zg::finetune::extract_model_archive(zip, target, limits);
  } catch (const zg::Error&) {
  }
  fs::remove_all(target, ignored);
  return 0;
}
