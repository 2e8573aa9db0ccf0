#include "finetune/model_delivery.hpp"

#include <cerrno>
#include <string>
#include <system_error>

#include <signal.h>
#include <unistd.h>

#include "common/error.hpp"
#include "crypto/aes_gcm.hpp"
#include "crypto/ecies.hpp"

namespace zg::finetune {
namespace {

namespace fs = std::filesystem;

std::string staging_prefix(const fs::path& out) { return "." + out.filename().string() + ".zg-partial-"; }

fs::path absolute_output(const fs::path& out) {
  auto absolute = fs::absolute(out).lexically_normal();
  if (absolute.has_filename()) return absolute;
  return absolute.parent_path();  // "dir/" -> "dir"
}

void refuse_existing(const fs::path& out) {
  std::error_code error;
  if (fs::exists(fs::symlink_status(out, error))) {
    throw UsageError(out.string() + " already exists; choose a new path (nothing is overwritten)");
  }
  if (!fs::is_directory(out.parent_path())) throw UsageError("the directory " + out.parent_path().string() + " does not exist");
}

// The staging directory for one run; removed with everything in it unless released.
class StagingDirectory {
 public:
  explicit StagingDirectory(const fs::path& out) : path_(out.parent_path() / (staging_prefix(out) + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directory(path_);
    fs::permissions(path_, fs::perms::owner_all);
  }
  ~StagingDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  StagingDirectory(const StagingDirectory&) = delete;
  StagingDirectory& operator=(const StagingDirectory&) = delete;
  const fs::path& path() const noexcept { return path_; }

 private:
  fs::path path_;
};

}  // namespace

ModelKey decrypt_model_key(const crypto::PrivateKey& user, ByteSpan encrypted_secret) {
  if (encrypted_secret.empty()) {
    throw ParseError("the deliverable has no encrypted secret: the provider has not released the key (yet)");
  }
  try {
    return crypto::ecies::decrypt_key(user, encrypted_secret);
  } catch (const crypto::AuthenticationError&) {
    throw crypto::AuthenticationError(
        "the encrypted secret does not open with this key: the task was signed (and the secret encrypted) for another "
        "key, or the secret is corrupted");
  }
}

void remove_stale_staging(const fs::path& out) {
  const auto target = absolute_output(out);
  const auto prefix = staging_prefix(target);
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(target.parent_path(), error)) {
    const auto name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const auto pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // still running (or not ours to judge)
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

DecryptedModel decrypt_model_to_directory(const fs::path& encrypted_file, const ModelKey& key, const eth::Address& tee_signer,
                                          const fs::path& out_dir, std::size_t chunk_size) {
  const auto target = absolute_output(out_dir);
  refuse_existing(target);
  remove_stale_staging(target);
  verify_tag_signature(encrypted_file, tee_signer, chunk_size);  // fail fast, before any output exists

  const StagingDirectory staging(target);
  const auto zip = staging.path() / "model.zip";
  decrypt_model_file(encrypted_file, key, zip, tee_signer, chunk_size, Durability::scratch);  // deleted after unpacking
  const auto files_dir = staging.path() / "files";
  fs::create_directory(files_dir);
  DecryptedModel result;
  result.plaintext_size = fs::file_size(zip);
  result.files = extract_model_archive(zip, files_dir);
  refuse_existing(target);  // someone may have created it meanwhile
  fs::rename(files_dir, target);
  return result;
}

DecryptedModel decrypt_model_to_raw_file(const fs::path& encrypted_file, const ModelKey& key, const eth::Address& tee_signer,
                                         const fs::path& out_file, std::size_t chunk_size) {
  const auto target = absolute_output(out_file);
  refuse_existing(target);
  decrypt_model_file(encrypted_file, key, target, tee_signer, chunk_size);
  DecryptedModel result;
  result.plaintext_size = fs::file_size(target);
  return result;
}

}  // namespace zg::finetune
