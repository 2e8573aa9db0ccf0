#include "importer/model_importer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <httplib.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "common/text.hpp"
#include "gateway/gateway.hpp"

namespace zg::importer {
namespace {

namespace fs = std::filesystem;
using gateway::Failure;
using gateway::GatewayError;
using nlohmann::json;

constexpr std::size_t kMaxNameLength = 128;
constexpr std::string_view kGgufMagic = "GGUF";
// Temporary copies live in a hidden staging folder inside models_dir: same filesystem (so the final
// rename is atomic), and one level too deep for the router's scan to list them as models.
constexpr const char* kStagingDir = ".zg-import";

[[noreturn]] void fail(Failure kind, int http_status, const std::string& message) {
  throw GatewayError(kind, http_status, message);
}

[[noreturn]] void fail_io(const std::string& what, const fs::path& path) {
  fail(Failure::internal, 500, "import: cannot " + what + " " + path.string() + ": " + std::strerror(errno));
}

std::string string_member(const json& spec, const char* key, bool required) {
  const auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) {
    if (required) fail(Failure::invalid, 400, std::string("import spec: \"") + key + "\" is missing");
    return {};
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    fail(Failure::invalid, 400, std::string("import spec: \"") + key + "\" must be a non-empty string");
  }
  return it->get<std::string>();
}

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Removes a path (file or tree) on scope exit unless released: no half copies left behind.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(fs::path path) : path_(std::move(path)) {}
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  ~RemoveOnExit() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  void release() noexcept { path_.clear(); }

 private:
  fs::path path_;
};

void sync_directory(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) fail_io("sync directory", dir);
}

bool starts_with_gguf_magic(const fs::path& file) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail_io("open", file);
  std::array<char, 4> magic{};
  const auto n = ::read(fd.get(), magic.data(), magic.size());
  return n == static_cast<ssize_t>(magic.size()) && std::string_view(magic.data(), magic.size()) == kGgufMagic;
}

void write_all(int fd, const char* data, std::size_t size, const fs::path& path) {
  while (size > 0) {
    const auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_io("write", path);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Copies what is left of `in` into `out` with plain read/write.
void copy_by_reading(int in, int out, const fs::path& source, const fs::path& target) {
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const auto n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_io("read", source);
    if (n == 0) return;
    write_all(out, buffer.data(), static_cast<std::size_t>(n), target);
  }
}

// Copies one regular file to a new file `target` (mode 0600) and syncs it. copy_file_range lets the
// kernel do it (reflinks where the filesystem can); plain read/write where it cannot.
void copy_file_synced(const fs::path& source, const fs::path& target) {
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) fail_io("open", source);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) fail_io("stat", source);
  if (!S_ISREG(st.st_mode)) fail(Failure::invalid, 400, "import: " + source.string() + " is not a regular file");
  Fd out(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) fail_io("create", target);
  if (::fchmod(out.get(), 0600) != 0) fail_io("chmod", target);
  off_t copied = 0;
  while (copied < st.st_size) {
    const auto n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr,
                                     static_cast<std::size_t>(st.st_size - copied), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
      copy_by_reading(in.get(), out.get(), source, target);
      break;
    }
    if (n < 0) fail_io("copy to", target);
    if (n == 0) break;  // the source shrank while we copied: caught by the size check below
    copied += n;
  }
  struct stat written {};
  if (::fstat(out.get(), &written) != 0) fail_io("stat", target);
  if (written.st_size != st.st_size) {
    fail(Failure::internal, 500, "import: " + source.string() + " changed size while it was copied");
  }
  if (::fsync(out.get()) != 0) fail_io("sync", target);
  if (::close(out.release()) != 0) fail_io("close", target);
}

// The regular files of a model directory (no sub-directories: the router only looks at the top).
std::vector<fs::path> model_directory_files(const fs::path& source) {
  std::vector<fs::path> files;
  bool has_gguf = false;
  std::error_code ec;
  fs::directory_iterator entries(source, ec);
  if (ec) fail(Failure::internal, 500, "import: cannot list " + source.string() + ": " + ec.message());
  for (const auto& entry : entries) {
    if (!entry.is_regular_file()) {
      fail(Failure::invalid, 400, "import: " + entry.path().string() + " is not a regular file (a model directory holds only files)");
    }
    if (entry.path().extension() == ".gguf") {
      if (!starts_with_gguf_magic(entry.path())) fail(Failure::invalid, 400, "import: " + entry.path().string() + " is not a GGUF file");
      has_gguf = true;
    }
    files.push_back(entry.path());
  }
  if (!has_gguf) fail(Failure::invalid, 400, "import: directory " + source.string() + " holds no .gguf file");
  return files;
}

// A unique hidden name in the staging folder; never ends in .gguf, so nothing lists it.
fs::path staging_path(const fs::path& staging, const std::string& name) {
  static std::atomic<unsigned> counter{0};
  return staging / (name + ".partial-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

// Renames `from` to `to`. Without `replace` it refuses an existing `to` atomically (RENAME_NOREPLACE);
// with it, a file is replaced by rename(2) and a directory is swapped (RENAME_EXCHANGE) so the
// router never sees the name missing; `from` then holds the old directory for the caller to remove.
void rename_into_place(const fs::path& from, const fs::path& to, bool replace, bool is_directory) {
  std::error_code ec;
  unsigned flags = replace ? (is_directory ? RENAME_EXCHANGE : 0u) : RENAME_NOREPLACE;
  if (replace && is_directory && !fs::exists(to, ec)) flags = RENAME_NOREPLACE;
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) == 0) return;
  // A filesystem without these flags: the same outcome, without the atomic check or swap.
  if (errno == EINVAL && flags == RENAME_NOREPLACE) {
    if (fs::exists(to, ec)) {
      errno = EEXIST;
    } else if (::rename(from.c_str(), to.c_str()) == 0) {
      return;
    }
  } else if (errno == EINVAL && flags == RENAME_EXCHANGE) {
    auto old = from;
    old += "-old";
    if (::rename(to.c_str(), old.c_str()) == 0 && ::rename(from.c_str(), to.c_str()) == 0 &&
        ::rename(old.c_str(), from.c_str()) == 0) {
      return;  // `from` holds the old directory, as after an exchange
    }
  }
  if (errno == EEXIST) {
    fail(Failure::invalid, 409, "import: " + to.string() + " already exists (set \"replace\": true to replace it)");
  }
  fail_io("rename into place", to);
}

void check_no_other_form(const fs::path& other) {
  std::error_code ec;
  if (fs::exists(other, ec)) {
    fail(Failure::invalid, 409, "import: " + other.string() + " already holds a model of that name; remove it first");
  }
}

struct UrlParts {
  std::string scheme_host_port;
  std::string base_path;  // without a trailing '/'
};

UrlParts parse_router_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : ascii_lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    fail(Failure::invalid, 400, "import spec: \"router_url\" must start with http:// or https://");
  }
  const auto path_start = url.find('/', scheme_end + 3);
  UrlParts parts;
  parts.scheme_host_port = url.substr(0, path_start);
  if (parts.scheme_host_port.size() == scheme_end + 3) fail(Failure::invalid, 400, "import spec: \"router_url\" has no host");
  if (path_start != std::string::npos) parts.base_path = url.substr(path_start);
  while (!parts.base_path.empty() && parts.base_path.back() == '/') parts.base_path.pop_back();
  return parts;
}

void reload_router(const std::string& router_url, const fs::path& imported, const ImportOptions& options) {
  const auto url = parse_router_url(router_url);
  const auto where = "imported " + imported.string() + ", but the llama-server router at " + url.scheme_host_port;
  try {
    httplib::Client client(url.scheme_host_port);
    const auto connect = std::chrono::duration_cast<std::chrono::microseconds>(options.connect_timeout).count();
    const auto read = std::chrono::duration_cast<std::chrono::microseconds>(options.read_timeout).count();
    client.set_connection_timeout(connect / 1000000, connect % 1000000);
    client.set_read_timeout(read / 1000000, read % 1000000);
    const auto result = client.Get(url.base_path + "/models?reload=1");
    if (!result) fail(Failure::network, 502, where + " could not be reached (" + httplib::to_string(result.error()) + ")");
    if (result->status < 200 || result->status > 299) {
      fail(Failure::network, 502, where + " answered the reload with HTTP " + std::to_string(result->status) + ": " +
                                      printable_excerpt(result->body, 200));
    }
  } catch (const GatewayError&) {
    throw;
  } catch (const std::exception& e) {
    fail(Failure::network, 502, where + " could not be asked to reload: " + e.what());
  }
}

}  // namespace

void check_model_name(const std::string& name) {
  const bool safe_chars = !name.empty() && name.size() <= kMaxNameLength &&
                          name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+@-") ==
                              std::string::npos;
  if (!safe_chars || name.front() == '.' || name.find("..") != std::string::npos) {
    fail(Failure::invalid, 400,
         "import: model name \"" + printable_excerpt(name, 64, '?') +
             "\" is not allowed: use 1-128 of A-Z a-z 0-9 . _ + @ -, not starting with '.', without '..' or '/'");
  }
}

ImportSpec parse_import_spec(const json& spec) {
  if (!spec.is_object()) fail(Failure::invalid, 400, "import spec must be a JSON object");
  ImportSpec out;
  out.source = string_member(spec, "source", true);
  out.name = string_member(spec, "name", true);
  out.models_dir = string_member(spec, "models_dir", true);
  out.router_url = string_member(spec, "router_url", false);
  if (const auto it = spec.find("replace"); it != spec.end() && !it->is_null()) {
    if (!it->is_boolean()) fail(Failure::invalid, 400, "import spec: \"replace\" must be true or false");
    out.replace = it->get<bool>();
  }
  check_model_name(out.name);
  if (!out.router_url.empty()) parse_router_url(out.router_url);
  return out;
}

ImportResult import_model(const ImportSpec& spec, const ImportOptions& options) {
  check_model_name(spec.name);
  std::error_code ec;
  if (!fs::is_directory(spec.models_dir, ec)) {
    fail(Failure::not_found, 404, "import: models_dir " + spec.models_dir.string() + " is not an existing directory");
  }
  const auto source_status = fs::status(spec.source, ec);
  if (!fs::exists(source_status)) fail(Failure::not_found, 404, "import: source " + spec.source.string() + " does not exist");
  const bool is_directory = fs::is_directory(source_status);
  if (!is_directory && !fs::is_regular_file(source_status)) {
    fail(Failure::invalid, 400, "import: source " + spec.source.string() + " is neither a file nor a directory");
  }

  const auto file_target = spec.models_dir / (spec.name + ".gguf");
  const auto dir_target = spec.models_dir / spec.name;
  const auto& target = is_directory ? dir_target : file_target;
  check_no_other_form(is_directory ? file_target : dir_target);
  const auto files = is_directory ? model_directory_files(spec.source) : std::vector<fs::path>{};
  if (!is_directory && !starts_with_gguf_magic(spec.source)) {
    fail(Failure::invalid, 400, "import: " + spec.source.string() + " is not a GGUF file");
  }

  const auto staging = spec.models_dir / kStagingDir;
  fs::create_directories(staging, ec);
  if (ec) fail(Failure::internal, 500, "import: cannot create " + staging.string() + ": " + ec.message());
  const auto temp = staging_path(staging, spec.name);
  RemoveOnExit cleanup(temp);
  if (is_directory) {
    if (::mkdir(temp.c_str(), 0700) != 0) fail_io("create", temp);
    for (const auto& file : files) copy_file_synced(file, temp / file.filename());
    sync_directory(temp);
  } else {
    copy_file_synced(spec.source, temp);
  }
  rename_into_place(temp, target, spec.replace, is_directory);
  sync_directory(spec.models_dir);
  if (spec.replace && is_directory) fs::remove_all(temp, ec);  // after the exchange it holds the old model
  cleanup.release();
  fs::remove(staging, ec);  // only when empty; a concurrent import may still use it

  ImportResult result{target, spec.name, false};
  if (!spec.router_url.empty()) {
    reload_router(spec.router_url, target, options);
    result.reloaded = true;
  }
  return result;
}

json to_json(const ImportResult& result) {
  return {{"path", result.path.string()}, {"name", result.name}, {"reloaded", result.reloaded}};
}

}  // namespace zg::importer
