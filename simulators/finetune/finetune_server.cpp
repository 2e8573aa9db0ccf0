#include "finetune_server.hpp"

#include <httplib.h>

#include <charconv>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/base64.hpp"
#include "common/hex.hpp"
#include "simulator_main.hpp"
#include "crypto/keccak.hpp"
#include "crypto/sha256.hpp"
#include "model_catalog.hpp"
#include "request_auth.hpp"
#include "task_runner.hpp"
#include "training_params.hpp"

namespace zg::finetune_sim {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxDatasetBytes = 100u * 1024u * 1024u;  // the broker's dataset limit
constexpr std::size_t kMaxBodyBytes = kMaxDatasetBytes + (1u << 20);

// An HTTP answer other than 2xx, with the broker's message.
class HttpError : public Error {
 public:
  HttpError(int status, const std::string& message) : Error(message), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(json{{"error", message}}.dump(), "application/json");
}

// Go's common.IsHexAddress: optional 0x, then exactly 40 hex digits, any case.
bool is_hex_address(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  return text.size() == 40 && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c); });
}

// Go's common.HexToAddress for a string that passed is_hex_address.
eth::Address address_of(std::string_view text) {
  std::string lower = "0x";
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  for (const char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return eth::Address::from_hex(lower);
}

eth::Address path_user(const httplib::Request& req) {
  const std::string text = req.matches[1];
  if (!is_hex_address(text)) throw HttpError(400, "invalid user address format");
  return address_of(text);
}

std::string path_task_id(const httplib::Request& req) {
  const std::string id = req.matches[2];
  try {
    uuid_bytes(id);
  } catch (const ParseError&) {
    throw HttpError(400, "invalid task ID: " + id.substr(0, 64));
  }
  return id;
}

bool same_user(const std::string& spelled, const eth::Address& user) {
  return is_hex_address(spelled) && address_of(spelled) == user;
}

// The owner check the broker runs on the task routes: 404 unknown, 403 someone else's.
Task owned_task(TaskStore& tasks, const std::string& id, const eth::Address& user) {
  const auto task = tasks.get(id);
  if (!task) throw HttpError(404, "task " + id + " not found");
  if (!same_user(task->user_address, user)) throw HttpError(403, "task does not belong to this user");
  return *task;
}

std::string required_string(const json& body, const char* key, const char* go_field) {
  const auto found = body.find(key);
  if (found != body.end() && !found->is_null() && !found->is_string()) {
    throw HttpError(400, std::string("json: cannot unmarshal ") + found->type_name() + " into Go struct field Task." +
                             key + " of type string");
  }
  if (found == body.end() || found->is_null() || found->get<std::string>().empty()) {
    throw HttpError(400, std::string("Key: 'Task.") + go_field + "' Error:Field validation for '" + go_field +
                             "' failed on the 'required' tag");
  }
  return found->get<std::string>();
}

json parse_body(const std::string& text) {
  try {
    json body = json::parse(text);
    if (!body.is_object()) throw HttpError(400, "request body must be a JSON object");
    return body;
  } catch (const json::exception& error) {
    throw HttpError(400, std::string("invalid JSON body: ") + error.what());
  }
}

std::string quote_body(const eth::Address& signer) {
  // The dstack "legacy" layout (protocol-finetune.md §4): report_data = the signer address as
  // ASCII, NUL-padded to 64 bytes; a compose-hash event that matches tcb_info's app_compose.
  std::string report = signer.checksummed();
  report.resize(64, '\0');
  const std::string compose = json{{"manifest_version", 2},
                                   {"name", "zg-finetune-sim"},
                                   {"runner", "docker-compose"},
                                   {"docker_compose_file", "services:\n  broker:\n    image: zg-finetune-sim\n"}}
                                  .dump();
  const std::string compose_hash = to_hex(crypto::sha256(as_bytes(compose)), false);
  const json event_log = json::array({{{"imr", 3}, {"event_type", 134217729}, {"digest", compose_hash},
                                       {"event", "compose-hash"}, {"event_payload", compose_hash}}});
  return json{{"quote", to_hex(as_bytes("zg-finetune-sim: simulated quote, not attested"), false)},
              {"event_log", event_log.dump()},
              {"report_data", base64_encode(as_bytes(report))},
              {"vm_config", json{{"simulated", true}}.dump()},
              {"tcb_info", json{{"app_compose", compose}, {"simulated", true}}.dump()}}
      .dump();
}

json model_json(const CustomModel& model) {
  return {{"name", model.name},
          {"hash", model.hash},
          {"image", "zg-finetune-sim"},
          {"dataType", "text"},
          {"trainingScript", "/app/train_lora.py"},
          {"description", model.description},
          {"tokenizer", model.hash}};
}

std::int64_t parse_timestamp(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
    throw HttpError(400, "invalid timestamp: " + text.substr(0, 32));
  }
  return value;
}

template <typename Handler>
auto guarded(Handler handler) {
  return [handler](const httplib::Request& req, httplib::Response& res) {
    try {
      handler(req, res);
    } catch (const HttpError& error) {
      send_error(res, error.status(), error.what());
    } catch (const AuthError& error) {
      send_error(res, 401, error.what());
    }
  };
}

}  // namespace

std::optional<std::string> jsonl_error(std::string_view content) {
  std::size_t line_number = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= content.size(); ++i) {
    if (i != content.size() && content[i] != '\n') continue;
    ++line_number;
    const std::string_view line = content.substr(start, i - start);
    start = i + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      const json value = json::parse(line);
      if (!value.is_object() && !value.is_null()) {
        return "line " + std::to_string(line_number) + " is not valid JSON: json: cannot unmarshal " +
               value.type_name() + " into Go value of type map[string]interface {}";
      }
    } catch (const json::exception& error) {
      return "line " + std::to_string(line_number) + " is not valid JSON: " + error.what();
    }
  }
  return std::nullopt;
}

FinetuneServer::FinetuneServer(ServerParts parts) : parts_(std::move(parts)), server_(std::make_unique<httplib::Server>()) {
  install_routes();
}

FinetuneServer::~FinetuneServer() = default;

int FinetuneServer::bind() { return sim::bind_loopback(*server_, parts_.config.port); }

bool FinetuneServer::listen() { return server_->listen_after_bind(); }

void FinetuneServer::stop() { server_->stop(); }

void FinetuneServer::install_routes() {
  auto& server = *server_;
  server.set_payload_max_length(kMaxBodyBytes);
  server.set_logger([log = parts_.log](const httplib::Request& req, const httplib::Response& res) {
    log(req.method + " " + req.path + " -> " + std::to_string(res.status));
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
    std::string message = "internal error";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
    }
    send_error(res, 500, message);
  });

  server.Get("/v1/quote", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(quote_body(parts_.tee_signer), "application/json");
  });
  server.Get("/v1/task/pending", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::to_string(parts_.tasks.pending_count()), "text/plain");
  });
  server.Get("/v1/model", guarded([this](const httplib::Request& req, httplib::Response& res) { list_models(req, res); }));
  server.Get(R"(/v1/model/([^/]+))",
             guarded([this](const httplib::Request& req, httplib::Response& res) { list_models(req, res); }));
  server.Post(R"(/v1/user/([^/]+)/task)",
              guarded([this](const httplib::Request& req, httplib::Response& res) { create_task(req, res); }));
  server.Get(R"(/v1/user/([^/]+)/task)",
             guarded([this](const httplib::Request& req, httplib::Response& res) { list_tasks(req, res); }));
  server.Get(R"(/v1/user/([^/]+)/task/([^/]+))",
             guarded([this](const httplib::Request& req, httplib::Response& res) { get_task(req, res); }));
  server.Get(R"(/v1/user/([^/]+)/task/([^/]+)/log)",
             guarded([this](const httplib::Request& req, httplib::Response& res) { get_log(req, res); }));
  server.Post(R"(/v1/user/([^/]+)/task/([^/]+)/cancel)",
              guarded([this](const httplib::Request& req, httplib::Response& res) { cancel_task(req, res); }));
  server.Post(R"(/v1/user/([^/]+)/task/([^/]+)/lora)",
              guarded([this](const httplib::Request& req, httplib::Response& res) { download_lora(req, res); }));
  server.Post(R"(/v1/user/([^/]+)/dataset)",
              guarded([this](const httplib::Request& req, httplib::Response& res) { upload_dataset(req, res); }));
}

void FinetuneServer::check_provider_signer(const std::string& user_address) {
  const eth::Address user = address_of(user_address);
  const auto account = parts_.chain.get_account(user, parts_.provider);
  if (!account) {
    throw HttpError(400, "get account in contract: AccountNotExists(user=" + user.checksummed() +
                             ", provider=" + parts_.provider.checksummed() + ")");
  }
  const auto service = parts_.chain.get_service(parts_.provider);
  if (!service || !service->tee_signer_acknowledged) {
    throw HttpError(400, "service TEE signer has not been acknowledged by 0G team");
  }
  if (!account->acknowledged) {
    throw HttpError(400, "user has not acknowledged the provider's TEE signer. User must acknowledge before creating "
                         "a task");
  }
}

void FinetuneServer::create_task(const httplib::Request& req, httplib::Response& res) {
  const eth::Address user = path_user(req);
  const json body = parse_body(req.body);
  Task task;
  task.user_address = required_string(body, "userAddress", "UserAddress");
  task.pretrained_model_hash = required_string(body, "preTrainedModelHash", "PreTrainedModelHash");
  task.dataset_hash = required_string(body, "datasetHash", "DatasetHash");
  task.training_params = required_string(body, "trainingParams", "TrainingParams");
  required_string(body, "fee", "Fee");  // required, then overwritten by the broker's own price
  task.nonce = required_string(body, "nonce", "Nonce");
  task.signature = required_string(body, "signature", "Signature");
  if (const auto wait = body.find("wait"); wait != body.end() && wait->is_boolean()) task.wait = wait->get<bool>();
  if (!same_user(task.user_address, user)) throw HttpError(400, "userAddress in the body does not match the URL");

  try {
    task.model_type = choose_model(task.pretrained_model_hash, parts_.config.custom_models).type;
  } catch (const ParseError& error) {
    throw HttpError(400, error.what());
  }
  if (const auto params_error = training_params_error(task.training_params)) throw HttpError(400, *params_error);
  check_provider_signer(task.user_address);

  task.id = new_task_id();
  task.created_at = task.updated_at = unix_now();
  std::size_t ahead = 0;
  parts_.tasks.add_if(task, [&] {
    if (parts_.tasks.unfinished_count_locked(user) != 0) {
      throw HttpError(400, "cannot create a new task while there is an unfinished task");
    }
    ahead = parts_.tasks.pending_count_locked();
    if (ahead > parts_.config.max_queue) throw HttpError(409, "task queue is full");
    if (ahead != 0 && !task.wait) throw HttpError(409, "cannot create a new task while there are in-progress tasks");
  });
  if (ahead > 0) parts_.tasks.append_log(task.id, "There are " + std::to_string(ahead) + " tasks in the queue ahead.");
  parts_.log("task " + task.id + " created for " + user.checksummed());
  parts_.task_created();
  res.status = 201;
  res.set_content(json{{"id", task.id}}.dump(), "application/json");
}

void FinetuneServer::list_tasks(const httplib::Request& req, httplib::Response& res) {
  const eth::Address user = path_user(req);
  const bool ascending = req.get_param_value("order") == "asc";
  auto tasks = parts_.tasks.list(user, ascending);
  if (req.get_param_value("latest") == "true" && !tasks.empty()) {
    const Task newest = ascending ? tasks.back() : tasks.front();
    tasks = {newest};
  }
  json out = json::array();
  for (const auto& task : tasks) out.push_back(task.to_json());
  res.set_content(out.dump(), "application/json");
}

void FinetuneServer::get_task(const httplib::Request& req, httplib::Response& res) {
  path_user(req);
  const std::string id = path_task_id(req);
  const auto task = parts_.tasks.get(id);
  if (!task) throw HttpError(404, "task " + id + " not found");
  res.set_content(task->to_json().dump(), "application/json");
}

void FinetuneServer::get_log(const httplib::Request& req, httplib::Response& res) {
  const Task task = owned_task(parts_.tasks, path_task_id(req), path_user(req));
  res.set_content(task.log, "text/plain");
}

void FinetuneServer::cancel_task(const httplib::Request& req, httplib::Response& res) {
  const eth::Address user = path_user(req);
  const std::string id = path_task_id(req);
  const json body = parse_body(req.body);
  const auto signature = body.find("signature");
  if (signature == body.end() || !signature->is_string()) {
    throw HttpError(400, "Key: 'Task.Signature' Error:Field validation for 'Signature' failed on the 'required' tag");
  }
  require_personal_signer(cancel_hash(id), signature->get<std::string>(), user);
  owned_task(parts_.tasks, id, user);
  bool cancelled = false;
  const auto before = parts_.tasks.cancel(id, cancelled);
  if (!before) throw HttpError(404, "task " + id + " not found");
  if (!cancelled) throw HttpError(409, "task cannot be cancelled in its current state (" + state_name(*before) + ")");
  parts_.log("task " + id + " cancelled by its user");
  res.set_content("task " + id + " cancelled", "text/plain");
}

void FinetuneServer::download_lora(const httplib::Request& req, httplib::Response& res) {
  const eth::Address user = path_user(req);
  const std::string id = path_task_id(req);
  const json body = parse_body(req.body);
  const auto signature = body.find("signature");
  const auto timestamp = body.find("timestamp");
  if (signature == body.end() || !signature->is_string() || timestamp == body.end() || !timestamp->is_number_integer()) {
    throw HttpError(400, "the body must be {\"signature\": \"0x...\", \"timestamp\": <unix seconds>}");
  }
  const std::int64_t ts = timestamp->get<std::int64_t>();
  check_timestamp_window(ts, unix_now());
  require_personal_signer(download_hash(id, ts), signature->get<std::string>(), user);

  const Task task = owned_task(parts_.tasks, id, user);
  if (task.state != TaskState::delivered && task.state != TaskState::user_acknowledged &&
      task.state != TaskState::finished) {
    throw HttpError(409, "task is not ready for download. Please wait for 'Delivered' status");
  }
  std::ifstream in(task.encrypted_file, std::ios::binary);
  if (task.encrypted_file.empty() || !in) {
    throw HttpError(503, "encrypted LoRA not yet available for task " + id + " (state " + state_name(task.state) +
                             "); retry shortly");
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (parts_.config.misbehaviour.flip_model_byte && !bytes.empty()) bytes[bytes.size() / 2] ^= 0x01;
  res.set_header("Content-Disposition", "attachment; filename=lora_encrypted_" + id + ".data");
  res.set_content(std::move(bytes), "application/octet-stream");
}

void FinetuneServer::upload_dataset(const httplib::Request& req, httplib::Response& res) {
  const std::string address_in_url = req.matches[1];
  if (!is_hex_address(address_in_url)) throw HttpError(400, "invalid user address format");
  if (!req.is_multipart_form_data()) throw HttpError(400, "expected multipart/form-data with file, signature and timestamp");
  if (!req.has_file("file")) throw HttpError(400, "no file uploaded: the form field 'file' is required");
  if (!req.has_file("signature") || !req.has_file("timestamp")) {
    throw HttpError(400, "the form fields 'signature' and 'timestamp' are required");
  }
  const std::int64_t ts = parse_timestamp(req.get_file_value("timestamp").content);
  check_timestamp_window(ts, unix_now());
  // Signed over the address exactly as spelled in the URL.
  require_personal_signer(upload_hash(address_in_url, ts), req.get_file_value("signature").content,
                          address_of(address_in_url));

  const auto file = req.get_file_value("file");
  const std::filesystem::path name(file.filename);
  if (file.filename.empty() || name.filename().string() != file.filename || file.filename == "." || file.filename == "..") {
    throw HttpError(400, "invalid filename");
  }
  const std::string extension = name.extension().string();
  if (extension != ".jsonl" && extension != ".json") throw HttpError(400, "only .jsonl and .json files are accepted");
  if (file.content.size() > kMaxDatasetBytes) throw HttpError(413, "file too large: the limit is 100 MB");
  if (const auto error = jsonl_error(file.content)) throw HttpError(400, "invalid JSONL format: " + *error);

  const std::string hash = to_hex(crypto::keccak256(as_bytes(file.content)));
  const auto path = dataset_path(parts_.config.data_dir, address_of(address_in_url), hash);
  std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path, file.content, 0600);
  parts_.log("dataset " + hash + " (" + std::to_string(file.content.size()) + " bytes) saved");
  res.set_content(json{{"datasetHash", hash}, {"message", "Dataset uploaded successfully"}}.dump(), "application/json");
}

void FinetuneServer::list_models(const httplib::Request& req, httplib::Response& res) {
  json out = json::array();
  const std::string wanted = req.matches.size() > 1 ? std::string(req.matches[1]) : std::string();
  for (const auto& model : parts_.config.custom_models) {
    if (wanted.empty() || wanted == model.name || wanted == model.hash) out.push_back(model_json(model));
  }
  if (!wanted.empty()) {
    if (out.empty()) throw HttpError(404, "model " + wanted.substr(0, 80) + " not found");
    res.set_content(out[0].dump(), "application/json");
    return;
  }
  res.set_content(out.dump(), "application/json");
}

}  // namespace zg::finetune_sim
