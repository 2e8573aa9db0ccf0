// zg-storage-sim: a 0G Storage node and indexer on 127.0.0.1 for the devnet and tests (JSON-RPC 2.0
// over HTTP POST, single calls and batches). It follows the Flow contract's Submit logs on --rpc.
// Prints "listening on 127.0.0.1:<port>" once it serves; SIGTERM/SIGINT stop it.
//
//   zg-storage-sim --rpc http://127.0.0.1:8545 --flow 0x... [--port 0] [--corrupt-downloads]
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "storage_node.hpp"

namespace {

using namespace zg;
using nlohmann::json;

struct SimOptions {
  std::string rpc_url;
  std::optional<eth::Address> flow;
  int port = 0;
  bool corrupt_downloads = false;
};

constexpr const char* kUsage =
    "usage: zg-storage-sim --rpc URL --flow ADDRESS [--port N] [--corrupt-downloads]\n"
    "  A 0G Storage node + indexer (zgs_* and indexer_* JSON-RPC) that accepts a file only after its\n"
    "  Flow.submit is on chain and every segment only with a valid proof. Tests can make it serve\n"
    "  corrupted segments: --corrupt-downloads (all), or admin_corruptSegment(root, index).\n";

SimOptions parse_args(const std::vector<std::string_view>& args) {
  SimOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError(std::string(args[i]) + " needs a value");
      return std::string(args[++i]);
    };
    if (args[i] == "--rpc") {
      options.rpc_url = value();
    } else if (args[i] == "--flow") {
      options.flow = eth::Address::from_hex(value());
    } else if (args[i] == "--port") {
      const auto text = value();
      try {
        options.port = std::stoi(text);
      } catch (const std::exception&) {
        throw UsageError("--port needs a number, got " + text);
      }
      if (options.port < 0 || options.port > 65535) throw UsageError("--port must be 0..65535");
    } else if (args[i] == "--corrupt-downloads") {
      options.corrupt_downloads = true;
    } else {
      throw UsageError("unknown option " + std::string(args[i]) + "\n" + kUsage);
    }
  }
  if (options.rpc_url.empty() || !options.flow) throw UsageError(std::string("--rpc and --flow are required\n") + kUsage);
  return options;
}

json error_reply(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json answer_one(storage_sim::StorageNode& node, const json& call);

// Appends a call's reply as text to `out`. Segment downloads are serialized by the node itself,
// straight into `out` (their 350 KB base64 string would otherwise be copied and scanned for escapes
// several times); every other call goes through answer_one.
void answer_text(storage_sim::StorageNode& node, const json& call, std::string& out) {
  if (call.is_object() && call.contains("method") && call.at("method").is_string()) {
    const json id = call.contains("id") ? call.at("id") : json(nullptr);
    const json params = call.contains("params") ? call.at("params") : json::array();
    const auto start = out.size();
    try {
      out += R"({"jsonrpc":"2.0","id":)" + id.dump() + R"(,"result":)";
      if (node.append_as_text(call.at("method").get<std::string>(), params, out)) {
        out += "}";
        return;
      }
      out.resize(start);
    } catch (const storage_sim::RpcFailure& e) {
      out.resize(start);
      out += error_reply(id, e.code(), e.what()).dump();
      return;
    } catch (const std::exception& e) {
      out.resize(start);
      out += error_reply(id, storage_sim::kServerError, e.what()).dump();
      return;
    }
  }
  out += answer_one(node, call).dump();
}

json answer_one(storage_sim::StorageNode& node, const json& call) {
  const json id = call.is_object() && call.contains("id") ? call.at("id") : json(nullptr);
  if (!call.is_object() || !call.contains("method") || !call.at("method").is_string()) {
    return error_reply(id, -32600, "Invalid request");
  }
  const json params = call.contains("params") ? call.at("params") : json::array();
  try {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", node.handle(call.at("method").get<std::string>(), params)}};
  } catch (const storage_sim::RpcFailure& e) {
    return error_reply(id, e.code(), e.what());
  } catch (const std::exception& e) {
    return error_reply(id, storage_sim::kServerError, e.what());
  }
}

int run(const SimOptions& options) {
  eth::RpcClient rpc(options.rpc_url);
  storage_sim::StorageNode node(rpc, *options.flow, {"", options.corrupt_downloads});
  httplib::Server server;
  server.set_payload_max_length(64u << 20);
  server.Post("/", [&node](const httplib::Request& req, httplib::Response& res) {
    std::string reply;
    reply.reserve(storage::kMaxSegmentBase64 + 4096);  // one segment reply without regrowing
    try {
      const auto request = json::parse(req.body);
      if (request.is_array()) {
        reply = "[";
        for (const auto& call : request) {
          if (reply.size() > 1) reply += ",";
          answer_text(node, call, reply);
        }
        reply += "]";
      } else {
        answer_text(node, request, reply);
      }
    } catch (const json::exception&) {
      reply = error_reply(nullptr, -32700, "Parse error").dump();
    }
    // Moved, not copied (set_content copies): the body of a segment reply is 350 KB.
    res.body = std::move(reply);
    res.set_header("Content-Type", "application/json");
  });
  // Segment replies are written as headers then a large body: without TCP_NODELAY, the body's last
  // partial packet can wait for the client's delayed ACK. Clients keep their connections (the
  // default closes a connection after 5 requests, which costs a reconnect every 5 segments).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1u << 20);
  const int port = options.port == 0 ? server.bind_to_any_port("127.0.0.1")
                                     : (server.bind_to_port("127.0.0.1", options.port) ? options.port : -1);
  if (port <= 0) throw IoError("cannot listen on 127.0.0.1:" + std::to_string(options.port));
  node.set_self_url("http://127.0.0.1:" + std::to_string(port));

  std::thread signal_waiter([&server] {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  });
  std::cout << "listening on 127.0.0.1:" << port << std::endl;
  std::cerr << "zg-storage-sim: following Flow " << options.flow->checksummed() << " on " << rpc.display_url() << std::endl;
  const bool served = server.listen_after_bind();
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  return served ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Every thread inherits this mask, so only the waiter thread sees SIGTERM/SIGINT.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << kUsage;
      return 0;
    }
    return run(parse_args(args));
  } catch (const UsageError& error) {
    std::cerr << "zg-storage-sim: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "zg-storage-sim: " << error.what() << "\n";
    return 1;
  }
}
