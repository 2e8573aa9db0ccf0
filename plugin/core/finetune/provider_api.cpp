#include "finetune/provider_api.hpp"

#include <httplib.h>

#include <cerrno>
#include <exception>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/text.hpp"

namespace zg::finetune {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::uint64_t kMaxDatasetBytes = 100u << 20;  // the broker's limit

std::pair<time_t, time_t> seconds_and_micros(std::chrono::milliseconds duration) {
  return {static_cast<time_t>(duration.count() / 1000), static_cast<time_t>((duration.count() % 1000) * 1000)};
}

struct BaseUrl {
  std::string scheme_host_port;
  std::string path;
};

BaseUrl parse_base_url(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) throw UsageError("provider URL must start with http:// or https://");
  const auto scheme = ascii_lower(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    throw UsageError("provider URL scheme '" + printable_excerpt(scheme, 40) + "' is not http or https");
  }
  const auto rest = text.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const auto authority = rest.substr(0, authority_end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    throw UsageError("provider URL has no host, or carries credentials: " + printable_excerpt(text, 200));
  }
  BaseUrl url{scheme + "://" + std::string(authority), ""};
  if (authority_end != std::string_view::npos) url.path = std::string(rest.substr(authority_end));
  if (const auto cut = url.path.find_first_of("?#"); cut != std::string::npos) url.path.erase(cut);
  while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  return url;
}

json parse_json(std::string_view body, const std::string& what) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) throw ParseError(what + " is not JSON: " + printable_excerpt(body, 200));
  return parsed;
}

std::string optional_string(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

CustomModel to_model(const json& item) {
  if (!item.is_object()) throw ParseError("model list: an entry is not a JSON object");
  CustomModel m{optional_string(item, "name"), optional_string(item, "hash"), optional_string(item, "description"),
                optional_string(item, "dataType"), optional_string(item, "tokenizer")};
  if (m.name.empty() || m.hash.empty()) throw ParseError("model list: an entry has no `name` or `hash`");
  return m;
}

// The encrypted LoRA as it arrives: "<out>.partial", renamed by commit(), removed otherwise.
class DownloadFile {
 public:
  explicit DownloadFile(fs::path out)
      : out_(std::move(out)), partial_(out_.string() + ".partial"),
        fd_(::open(partial_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw IoError("cannot create " + partial_.string() + ": " + std::generic_category().message(errno));
  }
  ~DownloadFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) {
      std::error_code ignored;
      fs::remove(partial_, ignored);
    }
  }
  DownloadFile(const DownloadFile&) = delete;
  DownloadFile& operator=(const DownloadFile&) = delete;

  void write(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto put = ::write(fd_, bytes.data(), bytes.size());
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) throw IoError("cannot write " + partial_.string() + ": " + std::generic_category().message(errno));
      bytes.remove_prefix(static_cast<std::size_t>(put));
    }
  }
  void commit() {
    const int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0 || ::close(fd) != 0) throw IoError("cannot flush " + partial_.string());
    fs::rename(partial_, out_);
    committed_ = true;
  }

 private:
  fs::path out_;
  fs::path partial_;
  int fd_;
  bool committed_ = false;
};

}  // namespace

void check_path_segment(std::string_view value, std::string_view what) {
  if (value.empty() || value.size() > 200) throw UsageError(std::string(what) + " must be 1..200 characters");
  for (const char c : value) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
                    c == '.';
    if (!ok || value == "." || value == "..") {
      throw UsageError(std::string(what) + " '" + printable_excerpt(value, 80) + "' has characters not allowed in a URL path");
    }
  }
}

std::vector<CustomModel> parse_model_list(std::string_view body) {
  const auto list = parse_json(body, "model list");
  if (list.is_null()) return {};
  if (!list.is_array()) throw ParseError("model list is not a JSON array: " + printable_excerpt(body, 200));
  std::vector<CustomModel> models;
  for (const auto& item : list) models.push_back(to_model(item));
  return models;
}

CustomModel parse_model(std::string_view body) { return to_model(parse_json(body, "model")); }

struct ProviderApi::Exchange {
  std::string method;
  std::string path;
  std::string what;
  std::string request_body;
  std::string content_type = "application/json";
  std::function<void(std::string_view, std::uint64_t)> on_body;  // 2xx only; else into `body`
  std::uint64_t max_bytes = 0;

  int status = 0;
  std::string body;
};

ProviderApi::ProviderApi(std::string_view service_url, ProviderApiOptions options) : options_(options) {
  const auto url = parse_base_url(service_url);
  base_path_ = url.path;
  display_url_ = url.scheme_host_port + url.path;
  try {
    client_ = std::make_unique<httplib::Client>(url.scheme_host_port);
  } catch (const std::exception&) {
    throw UsageError("provider URL " + display_url_ + " is not valid");
  }
  if (!client_->is_valid()) throw UsageError("provider URL " + display_url_ + " is not valid");
  client_->set_keep_alive(true);
  const auto [connect_s, connect_us] = seconds_and_micros(options_.connect_timeout);
  client_->set_connection_timeout(connect_s, connect_us);
  const auto [read_s, read_us] = seconds_and_micros(options_.read_timeout);
  client_->set_read_timeout(read_s, read_us);
  client_->set_write_timeout(read_s, read_us);
}

ProviderApi::~ProviderApi() = default;

void ProviderApi::send(Exchange& exchange) {
  httplib::Request request;
  request.method = exchange.method;
  request.path = base_path_ + "/v1" + exchange.path;
  request.body = exchange.request_body;
  if (!exchange.request_body.empty()) request.set_header("Content-Type", exchange.content_type.c_str());

  std::exception_ptr failure;  // exceptions must not unwind through httplib
  std::uint64_t received = 0;
  bool too_large = false;
  const auto limit = exchange.max_bytes != 0 ? exchange.max_bytes : options_.max_body_bytes;
  request.response_handler = [&](const httplib::Response& response) {
    exchange.status = response.status;
    return true;
  };
  request.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t total) {
    received += size;
    const bool ok_status = exchange.status >= 200 && exchange.status < 300;
    if (received > (ok_status ? limit : options_.max_body_bytes)) {
      too_large = true;
      return false;
    }
    if (!ok_status || !exchange.on_body) {
      exchange.body.append(data, size);
      return true;
    }
    try {
      exchange.on_body(std::string_view(data, size), total);
      return true;
    } catch (...) {
      failure = std::current_exception();
      return false;
    }
  };

  const std::string context = exchange.what + " from " + display_url_;
  const std::lock_guard lock(mutex_);
  const httplib::Result result = client_->send(request);
  if (failure) std::rethrow_exception(failure);
  if (too_large) throw IoError(context + ": answer larger than " + std::to_string(limit) + " bytes");
  if (!result) throw IoError(context + " failed: " + httplib::to_string(result.error()));
  if (exchange.status < 200 || exchange.status >= 300) {
    throw broker::ProviderError(exchange.status, broker::provider_error_text(exchange.body), context);
  }
}

std::string ProviderApi::call(const std::string& method, const std::string& path, const std::string& what, std::string body) {
  Exchange exchange;
  exchange.method = method;
  exchange.path = path;
  exchange.what = what;
  exchange.request_body = std::move(body);
  send(exchange);
  return std::move(exchange.body);
}

std::string ProviderApi::task_path(std::string_view user_in_url, std::string_view task_id) const {
  check_path_segment(user_in_url, "user address");
  check_path_segment(task_id, "task id");
  return "/user/" + std::string(user_in_url) + "/task/" + std::string(task_id);
}

std::string ProviderApi::quote() { return call("GET", "/quote", "TEE quote"); }

std::string ProviderApi::create_task(std::string_view user_in_url, const std::string& body) {
  check_path_segment(user_in_url, "user address");
  const auto answer = call("POST", "/user/" + std::string(user_in_url) + "/task", "create task", body);
  const auto parsed = parse_json(answer, "create-task answer");
  const auto id = parsed.is_object() ? optional_string(parsed, "id") : std::string();
  if (id.empty()) throw ParseError("create-task answer has no task id: " + printable_excerpt(answer, 200));
  return id;
}

Task ProviderApi::get_task(std::string_view user_in_url, std::string_view task_id) {
  return parse_task(call("GET", task_path(user_in_url, task_id), "task " + std::string(task_id)));
}

std::vector<Task> ProviderApi::list_tasks(std::string_view user_in_url, bool latest_only) {
  check_path_segment(user_in_url, "user address");
  return parse_task_list(
      call("GET", "/user/" + std::string(user_in_url) + "/task" + (latest_only ? "?latest=true" : ""), "task list"));
}

std::string ProviderApi::task_log(std::string_view user_in_url, std::string_view task_id) {
  return call("GET", task_path(user_in_url, task_id) + "/log", "task log");
}

std::string ProviderApi::cancel_task(std::string_view user_in_url, std::string_view task_id, const std::string& signature) {
  return call("POST", task_path(user_in_url, task_id) + "/cancel", "cancel task", json{{"signature", signature}}.dump());
}

std::uint64_t ProviderApi::pending_task_count() {
  const auto body = call("GET", "/task/pending", "pending task count");
  std::string digits;
  for (const char c : body) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '"') {
      throw ParseError("pending task count is not a number: " + printable_excerpt(body, 100));
    }
  }
  if (digits.empty() || digits.size() > 18) throw ParseError("pending task count is not a number: " + printable_excerpt(body, 100));
  return std::stoull(digits);
}

std::vector<CustomModel> ProviderApi::models() { return parse_model_list(call("GET", "/model", "model list")); }

CustomModel ProviderApi::model(std::string_view name_or_hash) {
  check_path_segment(name_or_hash, "model name");
  return parse_model(call("GET", "/model/" + broker::percent_encode(name_or_hash), "model " + std::string(name_or_hash)));
}

std::string ProviderApi::upload_dataset(std::string_view user_in_url, const fs::path& file, const std::string& signature,
                                        std::int64_t timestamp) {
  check_path_segment(user_in_url, "user address");
  const auto extension = file.extension().string();
  if (extension != ".jsonl" && extension != ".json") {
    throw UsageError("the provider accepts only .jsonl or .json datasets, not " + file.filename().string());
  }
  std::error_code error;
  const auto size = fs::file_size(file, error);
  if (error) throw UsageError("cannot read " + file.string() + ": " + error.message());
  if (size > kMaxDatasetBytes) {
    throw UsageError(file.string() + " is " + std::to_string(size) + " bytes; the provider accepts at most 100 MB (upload it to 0G Storage instead)");
  }
  std::ifstream in(file, std::ios::binary);
  const std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof()) throw IoError("cannot read " + file.string());

  // multipart/form-data by hand: httplib's Request has no multipart sender of its own.
  const std::string boundary = "zg-dataset-boundary-7f3a9c1e5b2d";
  std::string body;
  const auto part = [&](const std::string& name, const std::string& value, const std::string& filename) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!filename.empty()) body += "; filename=\"" + filename + "\"\r\nContent-Type: application/octet-stream";
    body += "\r\n\r\n" + value + "\r\n";
  };
  if (content.find(boundary) != std::string::npos) throw UsageError("the dataset contains the multipart boundary text");
  part("file", content, file.filename().string());
  part("signature", signature, "");
  part("timestamp", std::to_string(timestamp), "");
  body += "--" + boundary + "--\r\n";

  Exchange exchange;
  exchange.method = "POST";
  exchange.path = "/user/" + std::string(user_in_url) + "/dataset";
  exchange.what = "dataset upload";
  exchange.request_body = std::move(body);
  exchange.content_type = "multipart/form-data; boundary=" + boundary;
  send(exchange);
  const auto parsed = parse_json(exchange.body, "dataset upload answer");
  const auto hash = parsed.is_object() ? optional_string(parsed, "datasetHash") : std::string();
  if (hash.size() != 66 || hash.substr(0, 2) != "0x") {
    throw ParseError("dataset upload answer has no datasetHash: " + printable_excerpt(exchange.body, 200));
  }
  return hash;
}

std::uint64_t ProviderApi::download_lora(std::string_view user_in_url, std::string_view task_id, const std::string& signature,
                                         std::int64_t timestamp, const fs::path& out, const TransferProgress& progress) {
  DownloadFile file(out);
  std::uint64_t done = 0;
  Exchange exchange;
  exchange.method = "POST";
  exchange.path = task_path(user_in_url, task_id) + "/lora";
  exchange.what = "encrypted model download";
  exchange.request_body = json{{"signature", signature}, {"timestamp", timestamp}}.dump();
  exchange.max_bytes = options_.max_download_bytes;
  exchange.on_body = [&](std::string_view bytes, std::uint64_t total) {
    file.write(bytes);
    done += bytes.size();
    if (progress) progress(done, total);
  };
  send(exchange);
  file.commit();
  return done;
}

}  // namespace zg::finetune
