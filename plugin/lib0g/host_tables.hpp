#pragma once
// Reading the tables a host hands in. Each carries its own struct_size: a member is read only when
// struct_size covers it (an older host's smaller table leaves the rest NULL), and nothing past our
// own sizeof is ever touched (a newer host's larger table works unchanged).
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/gateway.hpp"
#include "zg/plugin.h"

namespace zg::lib0g {

// Copies of the host's tables with every member it did not provide set to NULL/0.
zg_host_api read_host_api(const zg_host_api* host) noexcept;            // NULL -> all empty
zg_response_sink read_sink(const zg_response_sink* sink) noexcept;      // NULL -> all empty

struct RequestView {
  std::uint64_t id = 0;
  std::string_view path;
  std::string_view body;
};
// Throws InvalidArgument when a member the 1.0 request needs is missing, NULL or zero.
RequestView read_request(const zg_request* request);

// The host's log and on_event services as the gateway takes them (empty where the host has none).
gateway::HostServices host_services(const zg_host_api& host);

// Parses a JSON object given by the host (config, import spec) with a bound on nesting. Throws
// InvalidArgument naming `what` when it is not valid JSON or not an object. NULL with length 0 is {}.
nlohmann::json parse_host_object(const char* text, std::size_t length, std::string_view what);

// Fills config members the JSON did not give from the host's get_config (plugin.h): strings as
// given; "auto_fund" from true/false/1/0/yes/no; "providers" from a JSON array or a comma list;
// "hooks" from a JSON array. Throws InvalidArgument for a value it cannot read.
void merge_host_config(nlohmann::json& config, const zg_host_api& host);

}  // namespace zg::lib0g
