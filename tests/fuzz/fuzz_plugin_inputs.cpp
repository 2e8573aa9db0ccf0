// Fuzzes what lib0g reads from a host's bytes before anything touches the chain or the disk, through
// lib0g's own boundary code (compiled in from plugin/lib0g: parse_host_object, merge_host_config,
// read_request, guarded/fill_error):
//   '0' create's config: parse_host_object -> merge_host_config (the host's get_config answers come
//       from the input after a 0x1E byte, one per key, 0x1E-separated) -> parse_gateway_config
//   '1' import_model's spec: parse_host_object -> parse_import_spec (never import_model: no copies)
//   '2' a request: read_request over the body bytes -> the gateway's body checks (find_model_member,
//       parse_model_ref, replace_model)
//   '3' the "hooks" member alone -> parse_command_hooks
// The first byte picks the parser (mod 4). Every refusal must come out of guarded() as ZG_E_INVALID
// with a one-line, non-empty message; any other status (an exception that is not a clear refusal)
// or a crash fails.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "gateway/gateway_config.hpp"
#include "gateway/request_target.hpp"
#include "hooks/command_hook.hpp"
#include "importer/model_importer.hpp"
#include "zg/plugin.h"

// The boundary code itself, exactly as lib0g.so builds it (it is not part of zg_core).
#include "../../plugin/lib0g/c_boundary.cpp"
#include "../../plugin/lib0g/host_tables.cpp"

namespace {

using zg::lib0g::guarded;

constexpr char kSeparator = '\x1e';

struct FakeHost {
  std::vector<std::string> answers;  // get_config answers, in the order lib0g asks
  std::size_t next = 0;
};

const char* fake_get_config(void* ctx, const char*) {
  auto* host = static_cast<FakeHost*>(ctx);
  if (host->next >= host->answers.size()) return nullptr;
  const auto& answer = host->answers[host->next++];
  return answer == "\x15" ? nullptr : answer.c_str();  // NAK: "not configured"
}

void check_refusal(zg_status status, const zg_error& error) {
  if (status == ZG_OK) return;
  if (status != ZG_E_INVALID || error.code != ZG_E_INVALID || error.http_status < 400 || error.http_status > 499) std::abort();
  const std::string_view message(error.message);
  if (message.empty() || message.find('\n') != std::string_view::npos) std::abort();
}

void fuzz_config(std::string_view input) {
  const auto split = input.find(kSeparator);
  const auto config_text = input.substr(0, split);
  FakeHost fake;
  if (split != std::string_view::npos) {
    std::string_view rest = input.substr(split + 1);
    while (true) {
      const auto end = rest.find(kSeparator);
      fake.answers.emplace_back(rest.substr(0, end));
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }
  zg_host_api host{};
  host.struct_size = sizeof host;
  host.host_ctx = &fake;
  host.get_config = fake_get_config;
  zg_error error{};
  error.struct_size = sizeof error;
  const auto status = guarded(&error, [&] {
    auto config = zg::lib0g::parse_host_object(config_text.data(), config_text.size(), "config");
    zg::lib0g::merge_host_config(config, host);
    const auto parsed = zg::gateway::parse_gateway_config(config);
    for (const auto& hook : parsed.hooks) {
      if (hook.command.empty() || hook.command.front().empty() || hook.command.front().front() != '/') std::abort();
    }
  });
  check_refusal(status, error);
}

void fuzz_import_spec(std::string_view input) {
  zg_error error{};
  error.struct_size = sizeof error;
  const auto status = guarded(&error, [&] {
    const auto spec = zg::importer::parse_import_spec(zg::lib0g::parse_host_object(input.data(), input.size(), "import spec"));
    if (spec.source.empty() || spec.models_dir.empty()) std::abort();
    zg::importer::check_model_name(spec.name);  // what parse accepted must pass the name check again
    if (spec.name.find('/') != std::string::npos || spec.name.find("..") != std::string::npos) std::abort();
  });
  check_refusal(status, error);
}

void fuzz_request(std::string_view input) {
  zg_request request{};
  request.struct_size = sizeof request;
  request.request_id = 7;
  request.path = "/v1/chat/completions";
  request.body = input.data();
  request.body_len = input.size();
  zg_error error{};
  error.struct_size = sizeof error;
  const auto status = guarded(&error, [&] {
    const auto view = zg::lib0g::read_request(&request);
    const auto member = zg::gateway::find_model_member(view.body);
    const auto ref = zg::gateway::parse_model_ref(member.value);
    const auto rewritten = zg::gateway::replace_model(view.body, member, "zg-model");
    if (rewritten.size() != view.body.size() - (member.end - member.begin) + 10) std::abort();  // "\"zg-model\""
    (void)ref;
  });
  check_refusal(status, error);
}

void fuzz_hooks(std::string_view input) {
  zg_error error{};
  error.struct_size = sizeof error;
  const auto status = guarded(&error, [&] {
    const auto j = zg::lib0g::parse_host_object(("{\"hooks\":" + std::string(input) + "}").c_str(), input.size() + 10, "config");
    (void)zg::hooks::parse_command_hooks(j.at("hooks"));
  });
  check_refusal(status, error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: fuzz_config(input); break;
    case 1: fuzz_import_spec(input); break;
    case 2: fuzz_request(input); break;
    default: fuzz_hooks(input); break;
  }
  return 0;
}
