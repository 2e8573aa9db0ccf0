#include "wallet/key_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cctype>
#include <cstdio>
#include <string_view>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "common/secret.hpp"

namespace zg::wallet {
namespace {

// Holds text that contains a key and wipes it on every exit path.
class SecretText {
 public:
  SecretText() = default;
  SecretText(const SecretText&) = delete;
  SecretText& operator=(const SecretText&) = delete;
  ~SecretText() { secure_wipe(buffer_.data(), buffer_.size()); }
  std::array<char, 256>& buffer() noexcept { return buffer_; }
  std::size_t size = 0;
  std::string_view view() const noexcept { return {buffer_.data(), size}; }

 private:
  std::array<char, 256> buffer_{};
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

crypto::PrivateKey parse_key(std::string_view text, const std::string& origin) {
  Secret<32> secret;
  try {
    decode_hex_into(trim(text), secret.mutable_view(), origin);
  } catch (const ParseError&) {
    // Do not echo the content: it may be a slightly mangled real key.
    throw UsageError(origin + " does not hold a private key (expected 64 hex digits, optionally 0x-prefixed)");
  }
  return crypto::PrivateKey(secret.view());
}

void read_key_file(const std::filesystem::path& path, SecretText& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UsageError("cannot open key file " + path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw UsageError("key file " + path.string() + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw UsageError("key file " + path.string() + " is readable by others (mode " + mode +
                     "); refusing to use it. Fix with: chmod 600 " + path.string());
  }
  auto& buffer = out.buffer();
  ssize_t n = 0;
  while (out.size < buffer.size() && (n = ::read(fd, buffer.data() + out.size, buffer.size() - out.size)) > 0) {
    out.size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (n < 0) throw UsageError("cannot read key file " + path.string() + ": " + std::strerror(errno));
  if (out.size == buffer.size()) throw UsageError("key file " + path.string() + " is too large to be a private key");
}

}  // namespace

crypto::PrivateKey load_private_key(const KeySource& source) {
  if (source.key_file) {
    SecretText text;
    read_key_file(*source.key_file, text);
    return parse_key(text.view(), "key file " + source.key_file->string());
  }
  if (const char* value = std::getenv(source.environment_variable.c_str()); value != nullptr && *value != '\0') {
    return parse_key(value, "environment variable " + source.environment_variable);
  }
  throw UsageError("no wallet key: pass --key-file PATH (a file with mode 0600) or set " + source.environment_variable);
}

bool has_key(const KeySource& source) {
  if (source.key_file) return true;
  const char* value = std::getenv(source.environment_variable.c_str());
  return value != nullptr && *value != '\0';
}

}  // namespace zg::wallet
