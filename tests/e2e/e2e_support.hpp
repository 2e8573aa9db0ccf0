#pragma once
// What the end-to-end tests share: a scratch directory, the tiny-model generator, a real llama-server
// in router mode on 127.0.0.1 (a free port it picks itself), and small HTTP helpers. Everything a test
// starts is a ChildProcess, stopped by PID when the owning object goes away, even when the test fails.
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/process.hpp"

namespace zg::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string shell_quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// A fresh directory under the build tree's e2e work dir, removed at the end unless ZG_KEEP_E2E is set
// (then the logs of llama-server and the simulators stay for a post-mortem).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    static int counter = 0;
    path_ = fs::path(ZG_E2E_WORK_DIR) / (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    if (std::getenv("ZG_KEEP_E2E") == nullptr) fs::remove_all(path_, ignored);
  }
  const fs::path& path() const noexcept { return path_; }

 private:
  fs::path path_;
};

// Runs a short-lived tool to completion; its output goes to `log`. Returns the exit code.
inline int run_tool(const std::vector<std::string>& argv, const fs::path& log) {
  std::string command;
  for (const auto& arg : argv) command += shell_quoted(arg) + " ";
  command += ">" + shell_quoted(log.string()) + " 2>&1 </dev/null";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Writes a tiny random-weight llama model named `name` (its file name without .gguf is the name the
// router lists). A different seed gives different weights, so two models are two different files.
// Writes the rank-4 LoRA adapter for the tiny model.
inline fs::path generate_tiny_lora(const fs::path& dir, const std::string& name) {
  const fs::path out = dir / (name + ".gguf");
  const fs::path log = dir / (name + ".tiny-gguf.log");
  const int code = run_tool({ZG_TINY_GGUF_PATH, "lora", "--out", out.string()}, log);
  if (code != 0) throw std::runtime_error("tiny-gguf lora failed (" + std::to_string(code) + "): " + read_text(log));
  return out;
}

inline fs::path generate_tiny_model(const fs::path& dir, const std::string& name, unsigned seed = 42) {
  const fs::path out = dir / (name + ".gguf");
  const fs::path log = dir.parent_path() / (name + ".tiny-gguf.log");  // not in a models dir: the router scans it
  const int code = run_tool({ZG_TINY_GGUF_PATH, "model", "--vocab", ZG_LLAMA_VOCAB, "--out", out.string(), "--name",
                             name, "--seed", std::to_string(seed)},
                            log);
  if (code != 0) throw std::runtime_error("tiny-gguf failed (" + std::to_string(code) + "): " + read_text(log));
  return out;
}

// A real llama-server in router mode: no model of its own, models from --models-dir, each model run
// by a child llama-server the router spawns on first use (and stops when the router stops).
class LlamaRouter {
 public:
  // `preset` (optional): an INI file of extra models, e.g. a model with a LoRA (`lora = PATH`).
  static LlamaRouter start(const fs::path& models_dir, const fs::path& work_dir, const fs::path& preset = {}) {
    const fs::path log = work_dir / "llama-server.log";
    const fs::path hf_cache = work_dir / "llama-cache";  // an empty cache: only models_dir is listed
    fs::create_directories(hf_cache);
    ProcessOptions options;
    options.argv = {ZG_LLAMA_SERVER_PATH, "--host", "127.0.0.1", "--port", "0", "--models-dir", models_dir.string(),
                    "--models-max", "2", "--ctx-size", "512", "--parallel", "1", "--threads", "1", "--no-webui"};
    if (!preset.empty()) options.argv.insert(options.argv.end(), {"--models-preset", preset.string()});
    options.output_file = log;
    options.extra_environment = {"LLAMA_CACHE=" + hf_cache.string()};
    ChildProcess process = ChildProcess::spawn(options);
    const auto port = wait_for_listening_port(process, log, "listening on http://127.0.0.1:", 60s);
    if (!port) throw std::runtime_error("llama-server did not start listening: " + read_text(log));
    return LlamaRouter(std::move(process), *port, log);
  }

  int port() const noexcept { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const fs::path& log() const noexcept { return log_; }
  ChildProcess& process() noexcept { return process_; }

 private:
  LlamaRouter(ChildProcess process, int port, fs::path log)
      : process_(std::move(process)), port_(port), log_(std::move(log)) {}
  ChildProcess process_;
  int port_;
  fs::path log_;
};

inline httplib::Client client_for(const std::string& url) {
  httplib::Client client(url);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(120, 0);  // a first request waits for the router to load the model
  return client;
}

struct HttpReply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    const auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

inline HttpReply to_reply(const httplib::Result& result, const std::string& what) {
  if (!result) throw std::runtime_error(what + ": " + httplib::to_string(result.error()));
  return {result->status, result->body, result->headers};
}

inline HttpReply http_get(const std::string& url, const std::string& path) {
  auto client = client_for(url);
  return to_reply(client.Get(path), "GET " + url + path);
}

inline HttpReply http_post_json(const std::string& url, const std::string& path, const nlohmann::json& body,
                                const httplib::Headers& headers = {}) {
  auto client = client_for(url);
  return to_reply(client.Post(path, headers, body.dump(), "application/json"), "POST " + url + path);
}

// The entry of `/models` (the router's own list) for `id`, or nothing when it is not listed.
inline std::optional<nlohmann::json> listed_model(const nlohmann::json& models, const std::string& id) {
  for (const auto& model : models.at("data")) {
    if (model.value("id", "") == id) return model;
  }
  return std::nullopt;
}

// A short, deterministic chat request: greedy decoding, so the same model and prompt give the same text.
inline nlohmann::json chat_request(const std::string& model, bool stream) {
  return {{"model", model},
          {"messages", nlohmann::json::array({{{"role", "user"}, {"content", "Say hello."}}})},
          {"max_tokens", 8},
          {"temperature", 0},
          {"stream", stream}};
}

}  // namespace zg::e2e
