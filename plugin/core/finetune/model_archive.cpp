#include "finetune/model_archive.hpp"

#include <cerrno>
#include <memory>
#include <set>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "common/text.hpp"
#include "finetune/direct_io.hpp"

namespace zg::finetune {
namespace {

namespace fs = std::filesystem;

// One reused aligned buffer for every entry; a multiple of the O_DIRECT alignment.
constexpr std::size_t kCopyBufferSize = 4 << 20;

std::string entry_label(std::string_view name) { return "'" + printable_excerpt(name, 200, '?') + "'"; }

struct ArchiveCloser {
  void operator()(zip_t* archive) const noexcept { zip_discard(archive); }
};
using Archive = std::unique_ptr<zip_t, ArchiveCloser>;

struct EntryCloser {
  void operator()(zip_file_t* file) const noexcept { zip_fclose(file); }
};
using EntryStream = std::unique_ptr<zip_file_t, EntryCloser>;

class ZipError {
 public:
  ZipError() noexcept { zip_error_init(&error_); }
  ~ZipError() { zip_error_fini(&error_); }
  ZipError(const ZipError&) = delete;
  ZipError& operator=(const ZipError&) = delete;
  zip_error_t* get() noexcept { return &error_; }
  std::string text() { return zip_error_strerror(&error_); }

 private:
  zip_error_t error_{};
};

// Takes ownership of `source` (freed here when opening fails, by the archive otherwise).
Archive open_source(zip_source_t* source, ZipError& error) {
  if (source == nullptr) throw ArchiveError("model archive: cannot open: " + error.text());
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, error.get());
  if (archive == nullptr) {
    zip_source_free(source);
    throw ArchiveError("model archive is not a valid ZIP file: " + error.text());
  }
  return Archive(archive);
}

Archive open_file(const fs::path& path) {
  ZipError error;
  return open_source(zip_source_file_create(path.c_str(), 0, -1, error.get()), error);
}

Archive open_bytes(ByteSpan bytes) {
  ZipError error;
  // An empty buffer still needs a valid pointer for libzip.
  static const std::uint8_t kEmpty = 0;
  return open_source(zip_source_buffer_create(bytes.empty() ? &kEmpty : bytes.data(), bytes.size(), 0, error.get()), error);
}

// Only plain files and directories: a symlink entry could point the next entry's write anywhere.
void check_entry_kind(zip_t* archive, zip_uint64_t index, const std::string& name) {
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(archive, index, 0, &opsys, &attributes) != 0) {
    throw ArchiveError("model archive: cannot read the attributes of entry " + entry_label(name));
  }
  if (opsys != ZIP_OPSYS_UNIX) return;  // DOS-style attributes carry no file type
  const auto type = (attributes >> 16) & S_IFMT;
  if (type != 0 && type != S_IFREG && type != S_IFDIR) {
    throw ArchiveError("model archive: entry " + entry_label(name) + " is a " + (type == S_IFLNK ? "symbolic link" : "special file") +
                       "; only files and directories are accepted");
  }
}

std::vector<ArchiveEntry> list_entries(zip_t* archive, const ArchiveLimits& limits) {
  const auto count = zip_get_num_entries(archive, 0);
  if (count < 0) throw ArchiveError("model archive: cannot count its entries");
  if (static_cast<std::uint64_t>(count) > limits.max_entries) {
    throw ArchiveError("model archive has " + std::to_string(count) + " entries, more than the " +
                       std::to_string(limits.max_entries) + " accepted");
  }
  std::vector<ArchiveEntry> entries;
  std::set<std::string> seen;
  std::uint64_t total = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    const auto index = static_cast<zip_uint64_t>(i);
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive, index, ZIP_FL_ENC_RAW, &stat) != 0 || (stat.valid & ZIP_STAT_NAME) == 0 ||
        (stat.valid & ZIP_STAT_SIZE) == 0) {
      throw ArchiveError("model archive: cannot read entry " + std::to_string(i));
    }
    ArchiveEntry entry{stat.name, stat.size, false};
    check_entry_name(entry.name);
    entry.directory = entry.name.back() == '/';
    if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && stat.encryption_method != ZIP_EM_NONE) {
      throw ArchiveError("model archive: entry " + entry_label(entry.name) + " is encrypted");
    }
    check_entry_kind(archive, index, entry.name);
    auto key = entry.name;
    if (entry.directory) key.pop_back();
    if (!seen.insert(key).second) throw ArchiveError("model archive: entry " + entry_label(entry.name) + " appears twice");
    if (entry.directory && entry.size != 0) throw ArchiveError("model archive: directory entry " + entry_label(entry.name) + " has data");
    total += entry.size;
    if (total > limits.max_total_bytes) {
      throw ArchiveError("model archive would extract to more than " + std::to_string(limits.max_total_bytes) + " bytes");
    }
    entries.push_back(std::move(entry));
  }
  // A file may not also be a directory of another entry ("a" and "a/b").
  std::set<std::string> files;
  for (const auto& entry : entries) {
    if (!entry.directory) files.insert(entry.name);
  }
  for (const auto& entry : entries) {
    for (auto slash = entry.name.find('/'); slash != std::string::npos && slash + 1 < entry.name.size();
         slash = entry.name.find('/', slash + 1)) {
      if (const auto parent = entry.name.substr(0, slash); files.count(parent) != 0) {
        throw ArchiveError("model archive: " + entry_label(parent) + " is both a file and a directory");
      }
    }
  }
  return entries;
}

// An extracted file. Its bytes must be on disk before the directory is renamed into place, so the
// page-aligned bulk goes out with O_DIRECT from the reused aligned buffer (no fresh page-cache pages
// to fill, no write-back storm at the fsync); the unaligned tail, and file systems without O_DIRECT,
// take the ordinary descriptor. The fsync at close covers both.
class OutputFile {
 public:
  explicit OutputFile(const fs::path& path)
      : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw IoError("cannot create " + path.string() + ": " + std::generic_category().message(errno));
    open_direct();
  }
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
    if (direct_fd_ >= 0) ::close(direct_fd_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Appends; `data` should be an aligned buffer for the O_DIRECT path to apply.
  void write(const std::uint8_t* data, std::size_t size) {
    if (direct_fd_ >= 0 && direct_io::is_aligned(written_) && direct_io::is_aligned(data)) {
      const auto bulk = size / direct_io::kAlignment * direct_io::kAlignment;
      if (bulk != 0 && write_direct(data, bulk)) {
        data += bulk;
        size -= bulk;
      }
    }
    write_buffered(data, size);
  }
  void close() {
    if (direct_fd_ >= 0) {
      ::close(direct_fd_);
      direct_fd_ = -1;
    }
    const int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
      throw IoError("cannot flush " + path_.string() + ": " + std::generic_category().message(errno));
    }
  }

 private:
  // The second descriptor is used only if it is the same file (it is opened by name).
  void open_direct() {
    direct_fd_ = ::open(path_.c_str(), O_WRONLY | O_DIRECT | O_NOFOLLOW | O_CLOEXEC);
    struct stat created {};
    struct stat direct {};
    if (direct_fd_ >= 0 && (::fstat(fd_, &created) != 0 || ::fstat(direct_fd_, &direct) != 0 || created.st_dev != direct.st_dev ||
                            created.st_ino != direct.st_ino)) {
      ::close(direct_fd_);
      direct_fd_ = -1;
    }
  }
  // false (and no O_DIRECT from then on) when the file system refuses it at write time.
  bool write_direct(const std::uint8_t* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
      const auto put = ::pwrite(direct_fd_, data + done, size - done, static_cast<off_t>(written_));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0 && errno == EINVAL && done == 0) {
        ::close(direct_fd_);
        direct_fd_ = -1;
        return false;
      }
      if (put < 0) throw IoError("cannot write " + path_.string() + ": " + std::generic_category().message(errno));
      if (!direct_io::is_aligned(static_cast<std::uint64_t>(put))) {  // short and unaligned: finish buffered
        written_ += static_cast<std::uint64_t>(put);
        write_buffered(data + done + static_cast<std::size_t>(put), size - done - static_cast<std::size_t>(put));
        return true;
      }
      done += static_cast<std::size_t>(put);
      written_ += static_cast<std::uint64_t>(put);
    }
    return true;
  }
  void write_buffered(const std::uint8_t* data, std::size_t size) {
    while (size > 0) {
      const auto put = ::pwrite(fd_, data, size, static_cast<off_t>(written_));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) throw IoError("cannot write " + path_.string() + ": " + std::generic_category().message(errno));
      data += put;
      size -= static_cast<std::size_t>(put);
      written_ += static_cast<std::uint64_t>(put);
    }
  }

  fs::path path_;
  int fd_;
  int direct_fd_ = -1;
  std::uint64_t written_ = 0;
};

// Fills `buffer` as far as the entry goes (zip_fread may return less than asked), so that writes
// stay whole aligned blocks; 0 at the end of the entry.
std::size_t read_entry(zip_file_t* stream, const std::string& name, direct_io::AlignedBuffer& buffer) {
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    const auto got = zip_fread(stream, buffer.data() + filled, buffer.size() - filled);
    if (got < 0) throw ArchiveError("model archive: entry " + entry_label(name) + " is corrupted: " + zip_file_strerror(stream));
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  return filled;
}

void extract_entry(zip_t* archive, zip_uint64_t index, const ArchiveEntry& entry, const fs::path& target,
                   direct_io::AlignedBuffer& buffer) {
  const fs::path destination = target / fs::path(entry.name).relative_path();
  if (entry.directory) {
    fs::create_directories(destination);
    return;
  }
  fs::create_directories(destination.parent_path());
  EntryStream stream(zip_fopen_index(archive, index, 0));
  if (!stream) throw ArchiveError("model archive: cannot open entry " + entry_label(entry.name) + ": " + zip_strerror(archive));
  OutputFile out(destination);
  std::uint64_t written = 0;
  while (true) {
    const auto got = read_entry(stream.get(), entry.name, buffer);
    if (got == 0) break;
    written += got;
    if (written > entry.size) throw ArchiveError("model archive: entry " + entry_label(entry.name) + " holds more data than it declares");
    out.write(buffer.data(), got);
  }
  if (written != entry.size) throw ArchiveError("model archive: entry " + entry_label(entry.name) + " is shorter than it declares");
  out.close();
}

std::vector<ArchiveEntry> extract(zip_t* archive, const fs::path& target, const ArchiveLimits& limits) {
  if (!fs::is_directory(target) || !fs::is_empty(target)) {
    throw UsageError("model archive: extraction target " + target.string() + " must be an existing empty directory");
  }
  const auto entries = list_entries(archive, limits);  // every name checked before the first write
  direct_io::AlignedBuffer buffer(kCopyBufferSize);
  for (std::size_t i = 0; i < entries.size(); ++i) extract_entry(archive, i, entries[i], target, buffer);
  return entries;
}

}  // namespace

void check_entry_name(const std::string& name) {
  if (name.empty()) throw ArchiveError("model archive: an entry has an empty name");
  if (name.size() > 1024) throw ArchiveError("model archive: entry name longer than 1024 bytes");
  for (const unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) throw ArchiveError("model archive: entry " + entry_label(name) + " has a control character in its name");
    if (c == '\\') throw ArchiveError("model archive: entry " + entry_label(name) + " uses a backslash; only '/' separates directories");
  }
  if (name.front() == '/') throw ArchiveError("model archive: entry " + entry_label(name) + " is an absolute path");
  if (name.size() >= 2 && name[1] == ':') throw ArchiveError("model archive: entry " + entry_label(name) + " starts with a drive letter");
  // Components between slashes; a single trailing slash marks a directory.
  const std::string_view body = name.back() == '/' ? std::string_view(name).substr(0, name.size() - 1) : std::string_view(name);
  std::size_t start = 0;
  while (true) {
    const auto slash = body.find('/', start);
    const auto component = body.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (component.empty()) throw ArchiveError("model archive: entry " + entry_label(name) + " has an empty path component");
    if (component == "." || component == "..") {
      throw ArchiveError("model archive: entry " + entry_label(name) + " contains '" + std::string(component) +
                         "' (path traversal)");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
}

std::vector<ArchiveEntry> inspect_model_archive(const fs::path& zip, const ArchiveLimits& limits) {
  return list_entries(open_file(zip).get(), limits);
}

std::vector<ArchiveEntry> inspect_model_archive(ByteSpan zip, const ArchiveLimits& limits) {
  return list_entries(open_bytes(zip).get(), limits);
}

std::vector<ArchiveEntry> extract_model_archive(const fs::path& zip, const fs::path& target_dir, const ArchiveLimits& limits) {
  return extract(open_file(zip).get(), target_dir, limits);
}

std::vector<ArchiveEntry> extract_model_archive(ByteSpan zip, const fs::path& target_dir, const ArchiveLimits& limits) {
  return extract(open_bytes(zip).get(), target_dir, limits);
}

}  // namespace zg::finetune
