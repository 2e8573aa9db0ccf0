#include "provider_config.hpp"

#include <algorithm>
#include <limits>
#include <functional>
#include <map>

#include "common/error.hpp"
#include "simulator_main.hpp"

namespace zg::provider {

namespace {

// The simulator's counts are 32-bit: a larger number is refused, not wrapped.
unsigned parse_count(std::string_view flag, std::string_view text) {
  const auto value = sim::parse_count(flag, text);
  if (value > std::numeric_limits<unsigned>::max()) throw UsageError(std::string(flag) + " is too large: " + std::string(text));
  return static_cast<unsigned>(value);
}

eth::Uint256 parse_neuron(std::string_view flag, std::string_view text) {
  try {
    return eth::Uint256::from_dec(text);
  } catch (const Error&) {
    throw UsageError(std::string(flag) + " expects a whole number of neuron, got \"" + std::string(text) + "\"");
  }
}

using ValueSetter = std::function<void(ProviderConfig&, std::string_view)>;
using SwitchSetter = std::function<void(ProviderConfig&)>;

const std::map<std::string_view, ValueSetter>& value_flags() {
  static const std::map<std::string_view, ValueSetter> flags{
      {"--rpc", [](ProviderConfig& c, std::string_view v) { c.rpc_url = v; }},
      {"--inference-contract", [](ProviderConfig& c, std::string_view v) { c.inference_contract = eth::Address::from_hex(v); }},
      {"--provider-key-file", [](ProviderConfig& c, std::string_view v) { c.provider_key_file = std::string(v); }},
      {"--tee-key-file", [](ProviderConfig& c, std::string_view v) { c.tee_key_file = std::string(v); }},
      {"--owner-key-file", [](ProviderConfig& c, std::string_view v) { c.owner_key_file = std::string(v); }},
      {"--model", [](ProviderConfig& c, std::string_view v) { c.model = v; }},
      {"--service-type",
       [](ProviderConfig& c, std::string_view v) {
         if (v != kServiceTypeChatbot && v != kServiceTypeEmbedding) {
           throw UsageError("--service-type must be \"chatbot\" or \"embedding\", got \"" + std::string(v) + "\"");
         }
         c.service_type = v;
       }},
      {"--input-price", [](ProviderConfig& c, std::string_view v) { c.input_price = parse_neuron("--input-price", v); }},
      {"--output-price", [](ProviderConfig& c, std::string_view v) { c.output_price = parse_neuron("--output-price", v); }},
      {"--min-locked-balance",
       [](ProviderConfig& c, std::string_view v) { c.minimum_locked_balance = parse_neuron("--min-locked-balance", v); }},
      {"--port",
       [](ProviderConfig& c, std::string_view v) {
         const unsigned port = parse_count("--port", v);
         if (port > 65535) throw UsageError("--port must be at most 65535");
         c.port = static_cast<std::uint16_t>(port);
       }},
      {"--upstream", [](ProviderConfig& c, std::string_view v) { c.upstream_url = v; }},
      {"--settle-interval-ms",
       [](ProviderConfig& c, std::string_view v) {
         c.settle_interval = std::chrono::milliseconds(std::max(1u, parse_count("--settle-interval-ms", v)));
       }},
      {"--account-refresh-ms",
       [](ProviderConfig& c, std::string_view v) {
         c.account_refresh = std::chrono::milliseconds(parse_count("--account-refresh-ms", v));
       }},
      {"--delay-ms",
       [](ProviderConfig& c, std::string_view v) {
         c.misbehaviour.delay = std::chrono::milliseconds(parse_count("--delay-ms", v));
       }},
      {"--stream-delay-ms",
       [](ProviderConfig& c, std::string_view v) {
         c.misbehaviour.stream_delay = std::chrono::milliseconds(parse_count("--stream-delay-ms", v));
       }},
      {"--max-body-bytes",
       [](ProviderConfig& c, std::string_view v) {
         c.max_body_bytes = std::max(1u, parse_count("--max-body-bytes", v));
       }},
      {"--fail-with-5xx",
       [](ProviderConfig& c, std::string_view v) { c.misbehaviour.fail_with_5xx = parse_count("--fail-with-5xx", v); }},
      {"--drop-stream-after",
       [](ProviderConfig& c, std::string_view v) {
         c.misbehaviour.drop_stream_after = parse_count("--drop-stream-after", v);
       }},
      {"--rate-limit-rpm",
       [](ProviderConfig& c, std::string_view v) { c.misbehaviour.rate_limit_rpm = parse_count("--rate-limit-rpm", v); }},
  };
  return flags;
}

const std::map<std::string_view, SwitchSetter>& switch_flags() {
  static const std::map<std::string_view, SwitchSetter> flags{
      {"--register", [](ProviderConfig& c) { c.register_service = true; }},
      {"--sign-with-wrong-key", [](ProviderConfig& c) { c.misbehaviour.sign_with_wrong_key = true; }},
      {"--tamper-response", [](ProviderConfig& c) { c.misbehaviour.tamper_response = true; }},
      {"--quote-wrong-signer", [](ProviderConfig& c) { c.misbehaviour.quote_wrong_signer = true; }},
      {"--quote-wrong-compose-hash", [](ProviderConfig& c) { c.misbehaviour.quote_wrong_compose_hash = true; }},
  };
  return flags;
}

}  // namespace

ProviderConfig parse_provider_args(std::span<const std::string_view> args) {
  ProviderConfig config;
  sim::OptionTable<ProviderConfig>{switch_flags(), value_flags()}.parse(args, config, provider_usage());
  if (config.rpc_url.empty()) throw UsageError("--rpc URL is required (the chain the provider bills on)");
  if (config.service_type == kServiceTypeEmbedding) {
    if (std::find(args.begin(), args.end(), "--model") == args.end()) config.model = "zg-embed-1";
    // --upstream relays chat completions only; an embedding service answers with its built-in model.
    if (!config.upstream_url.empty()) throw UsageError("--upstream works with --service-type chatbot only");
  }
  if (!config.inference_contract) throw UsageError("--inference-contract ADDRESS is required");
  return config;
}

std::string provider_usage() {
  return "usage: zg-provider-sim --rpc URL --inference-contract ADDRESS [options]\n"
         "  keys: --provider-key-file PATH (or ZG_PROVIDER_KEY), --tee-key-file PATH (or ZG_TEE_KEY),\n"
         "        --owner-key-file PATH (with --register: the contract owner acknowledges the TEE signer)\n"
         "  --service-type chatbot|embedding (chatbot)  --model NAME (zg-sim-1; zg-embed-1 for embedding)\n"
         "  --input-price N  --output-price N (neuron per token; an embedding is billed on input tokens only)\n"
         "  --port N (0: any)  --upstream URL (an OpenAI-compatible server instead of the built-in model)\n"
         "  --register  --settle-interval-ms N (10000)  --account-refresh-ms N (3000)\n"
         "  --min-locked-balance NEURON (1000000000000000000)  --max-body-bytes N (33554432; 413 above)\n"
         "  faults: --sign-with-wrong-key --tamper-response --delay-ms N (before answering)\n"
         "          --stream-delay-ms N (between SSE events) --fail-with-5xx N (the first N billed requests)\n"
         "          --drop-stream-after N (close a stream after N events) --rate-limit-rpm N\n"
         "          --quote-wrong-signer --quote-wrong-compose-hash (a /v1/quote that must be refused)\n";
}

}  // namespace zg::provider
