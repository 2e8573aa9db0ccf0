// zg-storage-sim: a 0G Storage node and indexer on 127.0.0.1 for the devnet and tests (JSON-RPC 2.0
// over HTTP POST, single calls and batches). It follows the Flow contract's Submit logs on --rpc.
// Prints "listening on 127.0.0.1:<port>" once it serves; SIGTERM/SIGINT stop it.
//
//   zg-storage-sim --rpc http://127.0.0.1:8545 --flow 0x... [--port 0] [--corrupt-downloads]
#include <httplib.h>

#include <iostream>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "simulator_main.hpp"
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

SimOptions parse_args(std::span<const std::string_view> args) {
  static const sim::OptionTable<SimOptions> table{
      {{"--corrupt-downloads", [](SimOptions& o) { o.corrupt_downloads = true; }}},
      {
          {"--rpc", [](SimOptions& o, std::string_view v) { o.rpc_url = v; }},
          {"--flow", [](SimOptions& o, std::string_view v) { o.flow = eth::Address::from_hex(v); }},
          {"--port",
           [](SimOptions& o, std::string_view v) {
             const auto port = sim::parse_count("--port", v);
             if (port > 65535) throw UsageError("--port must be 0..65535");
             o.port = static_cast<int>(port);
           }},
      }};
  SimOptions options;
  table.parse(args, options, kUsage);
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
  const int port = sim::bind_loopback(server, options.port);
  node.set_self_url("http://127.0.0.1:" + std::to_string(port));
  std::cerr << "zg-storage-sim: following Flow " << options.flow->checksummed() << " on " << rpc.display_url() << std::endl;
  const bool served = sim::serve_until_signal(port, [&] { return server.listen_after_bind(); }, [&] { server.stop(); });
  return served ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return zg::sim::simulator_main("zg-storage-sim", argc, argv, [] { return std::string(kUsage); },
                                 [](std::span<const std::string_view> args) { return run(parse_args(args)); });
}
