#pragma once
// Test harness for zg-bridge: the real zg-bridge process, a loopback OpenAI upstream we control
// (so forwarded bytes can be compared exactly), and small HTTP helpers.
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "common/process.hpp"

namespace zg::test {

// The real zg-bridge binary as a child process; stopped (SIGTERM, then SIGKILL) by its destructor.
class BridgeProcess {
 public:
  BridgeProcess(std::vector<std::string> args, std::vector<std::string> env, const std::filesystem::path& log)
      : log_(log) {
    ProcessOptions options;
    options.argv = {ZG_BRIDGE_PATH};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.output_file = log;
    options.extra_environment = std::move(env);
    child_.emplace(ChildProcess::spawn(options));
    if (auto port = wait_for_listening_port(*child_, log, "listening on http://127.0.0.1:", std::chrono::seconds(20))) {
      port_ = *port;
    }
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return slurp(log_); }
  bool running() { return child_ && child_->running(); }
  std::optional<int> stop() { return child_ ? child_->stop() : std::nullopt; }
  // Waits until GET /health answers 200 (the plugin is created).
  bool wait_healthy(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return wait_until(
        [&] {
          httplib::Client c("127.0.0.1", port_);
          auto r = c.Get("/health");
          return r && r->status == 200;
        },
        timeout);
  }

 private:
  std::filesystem::path log_;
  std::optional<ChildProcess> child_;
  int port_ = 0;
};

// A loopback OpenAI server standing in for llama-server: fixed, recognisable bytes, the last request
// it got, a status other than 200 for model "teapot", and slow SSE events for model "slow".
class FakeOpenAiUpstream {
 public:
  static constexpr const char* kJsonBody = R"({"id":"cmpl-local-1","object":"chat.completion","model":"tiny-local",)"
                                           R"("choices":[{"index":0,"message":{"role":"assistant","content":"local hi"}}]})";
  static std::vector<std::string> sse_events() {
    return {"data: {\"id\":\"l1\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n",
            "data: {\"id\":\"l1\",\"choices\":[{\"delta\":{\"content\":\"cal\"}}]}\n\n",
            ": keep-alive comment\n\n", "data: [DONE]\n\n"};
  }
  static std::string sse_body() {
    std::string all;
    for (const auto& e : sse_events()) all += e;
    return all;
  }

  FakeOpenAiUpstream() {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    server_.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    server_.Get("/v1/models", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"object":"list","data":[{"id":"tiny-local","object":"model","owned_by":"llamacpp"}]})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // bind_to_any_port already listens: connections wait in the backlog until the thread accepts.
  }
  ~FakeOpenAiUpstream() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::string last_body() {
    std::lock_guard lock(mutex_);
    return last_body_;
  }
  std::string last_authorization() {
    std::lock_guard lock(mutex_);
    return last_authorization_;
  }

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mutex_);
      last_body_ = req.body;
      last_authorization_ = req.get_header_value("Authorization");
    }
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    const std::string model = body.is_object() ? body.value("model", "") : "";
    if (model == "teapot") {
      res.status = 418;
      res.set_content(R"({"error":{"message":"I'm a teapot","type":"invalid_request_error","code":"teapot"}})",
                      "application/problem+json");
      return;
    }
    if (body.is_object() && body.value("stream", false)) {
      const bool slow = model == "slow";
      res.set_chunked_content_provider("text/event-stream", [slow, i = std::size_t{0}](std::size_t, httplib::DataSink& sink) mutable {
        const auto events = sse_events();
        if (i == events.size()) {
          sink.done();
          return true;
        }
        if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const auto& e = events[i++];
        return sink.write(e.data(), e.size());
      });
      return;
    }
    res.set_content(kJsonBody, "application/json; charset=utf-8");
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::string last_body_;
  std::string last_authorization_;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  std::vector<std::string> chunks;  // body pieces as they arrived
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

inline HttpAnswer http_post(int port, const std::string& path, const std::string& body, const std::string& bearer = "") {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(60));
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.body = body;
  req.set_header("Content-Type", "application/json");
  if (!bearer.empty()) req.set_header("Authorization", "Bearer " + bearer);
  HttpAnswer answer;
  req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    answer.chunks.emplace_back(data, n);
    answer.body.append(data, n);
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (client.send(req, res, error)) {
    answer.status = res.status;
    answer.headers = res.headers;
  }
  return answer;
}

inline HttpAnswer http_get(int port, const std::string& path, const std::string& bearer = "") {
  httplib::Client client("127.0.0.1", port);
  httplib::Headers headers;
  if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
  HttpAnswer answer;
  if (auto r = client.Get(path, headers)) {
    answer.status = r->status;
    answer.body = r->body;
    answer.headers = r->headers;
  }
  return answer;
}

// The value of one Prometheus sample line ("name{labels} value"), or -1 when absent.
inline double metric_value(const std::string& text, const std::string& sample) {
  const auto at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sample.size() + 2));
}

inline std::filesystem::path fresh_test_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("zg-bridge-test-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace zg::test
