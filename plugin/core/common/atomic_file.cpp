#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "common/error.hpp"

namespace zg {
namespace {

// Closes a descriptor and removes the temporary file unless committed.
class TempFile {
 public:
  TempFile(std::filesystem::path path, unsigned mode) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd_ < 0) throw IoError("cannot create " + path_.string() + ": " + std::strerror(errno));
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  void write_all(std::string_view content) {
    while (!content.empty()) {
      const auto n = ::write(fd_, content.data(), content.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw IoError("cannot write " + path_.string() + ": " + std::strerror(errno));
      content.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void commit_to(const std::filesystem::path& destination) {
    if (::fsync(fd_) != 0) throw IoError("cannot sync " + path_.string() + ": " + std::strerror(errno));
    ::close(std::exchange(fd_, -1));
    if (::rename(path_.c_str(), destination.c_str()) != 0) {
      throw IoError("cannot rename " + path_.string() + " to " + destination.string() + ": " + std::strerror(errno));
    }
    committed_ = true;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content, unsigned mode) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  auto temp = path;
  temp += ".tmp-" + std::to_string(::getpid());
  TempFile file(temp, mode);
  file.write_all(content);
  file.commit_to(path);
}

}  // namespace zg
