#include "finetune_config.hpp"

#include "common/error.hpp"
#include "simulator_main.hpp"

namespace zg::finetune_sim {

namespace {

using sim::parse_count;

CustomModel parse_custom_model(std::string_view text) {
  // NAME=0xHASH[:DESCRIPTION]
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) throw UsageError("--custom-model expects NAME=0xHASH");
  CustomModel model;
  model.name = text.substr(0, equals);
  std::string_view rest = text.substr(equals + 1);
  if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    model.description = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  if (rest.size() != 66 || rest.substr(0, 2) != "0x") throw UsageError("--custom-model hash must be 0x + 64 hex digits");
  model.hash = rest;
  return model;
}

const sim::OptionTable<FinetuneConfig>& options() {
  static const sim::OptionTable<FinetuneConfig> table{
      {
          {"--register", [](FinetuneConfig& c) { c.register_service = true; }},
          {"--no-custom-models", [](FinetuneConfig& c) { c.custom_models.clear(); }},
          {"--sign-tags-with-wrong-key", [](FinetuneConfig& c) { c.misbehaviour.sign_tags_with_wrong_key = true; }},
          {"--flip-model-byte", [](FinetuneConfig& c) { c.misbehaviour.flip_model_byte = true; }},
          {"--skip-penalty", [](FinetuneConfig& c) { c.misbehaviour.skip_penalty = true; }},
          {"--force-penalty", [](FinetuneConfig& c) { c.misbehaviour.force_penalty = true; }},
      },
      {
          {"--rpc", [](FinetuneConfig& c, std::string_view v) { c.rpc_url = v; }},
          {"--finetune-contract", [](FinetuneConfig& c, std::string_view v) { c.finetune_contract = eth::Address::from_hex(v); }},
          {"--provider-key-file", [](FinetuneConfig& c, std::string_view v) { c.provider_key_file = std::string(v); }},
          {"--tee-key-file", [](FinetuneConfig& c, std::string_view v) { c.tee_key_file = std::string(v); }},
          {"--owner-key-file", [](FinetuneConfig& c, std::string_view v) { c.owner_key_file = std::string(v); }},
          {"--data-dir", [](FinetuneConfig& c, std::string_view v) { c.data_dir = std::string(v); }},
          {"--plaintext-dir", [](FinetuneConfig& c, std::string_view v) { c.plaintext_dir = std::string(v); }},
          {"--port",
           [](FinetuneConfig& c, std::string_view v) {
             const auto port = parse_count("--port", v);
             if (port > 65535) throw UsageError("--port must be at most 65535");
             c.port = static_cast<std::uint16_t>(port);
           }},
          {"--price-per-token",
           [](FinetuneConfig& c, std::string_view v) {
             try {
               c.price_per_token = eth::Uint256::from_dec(v);
             } catch (const Error&) {
               throw UsageError("--price-per-token expects a whole number of neuron, got \"" + std::string(v) + "\"");
             }
           }},
          {"--custom-model", [](FinetuneConfig& c, std::string_view v) { c.custom_models.push_back(parse_custom_model(v)); }},
          {"--storage-url", [](FinetuneConfig& c, std::string_view v) { c.storage_url = v; }},
          {"--flow-contract", [](FinetuneConfig& c, std::string_view v) { c.flow_contract = eth::Address::from_hex(v); }},
          {"--settle-interval-ms",
           [](FinetuneConfig& c, std::string_view v) {
             c.settle_interval = std::chrono::milliseconds(std::max<std::uint64_t>(1, parse_count("--settle-interval-ms", v)));
           }},
          {"--ack-timeout-s", [](FinetuneConfig& c, std::string_view v) { c.ack_timeout_seconds = parse_count("--ack-timeout-s", v); }},
          {"--max-queue", [](FinetuneConfig& c, std::string_view v) { c.max_queue = parse_count("--max-queue", v); }},
          {"--step-delay-ms",
           [](FinetuneConfig& c, std::string_view v) {
             c.misbehaviour.step_delay = std::chrono::milliseconds(parse_count("--step-delay-ms", v));
           }},
      },
  };
  return table;
}

}  // namespace

FinetuneConfig parse_finetune_args(std::span<const std::string_view> args) {
  FinetuneConfig config;
  options().parse(args, config, finetune_usage());
  if (config.rpc_url.empty()) throw UsageError("--rpc URL is required (the chain the provider bills on)");
  if (!config.finetune_contract) throw UsageError("--finetune-contract ADDRESS is required");
  if (!config.storage_url.empty() && !config.flow_contract) {
    throw UsageError("--storage-url needs --flow-contract ADDRESS (the Flow contract the upload pays)");
  }
  if (config.misbehaviour.skip_penalty && config.misbehaviour.force_penalty) {
    throw UsageError("--skip-penalty and --force-penalty contradict each other");
  }
  return config;
}

std::string finetune_usage() {
  return "usage: zg-finetune-sim --rpc URL --finetune-contract ADDRESS [options]\n"
         "  keys: --provider-key-file PATH (or ZG_PROVIDER_KEY), --tee-key-file PATH (or ZG_TEE_KEY),\n"
         "        --owner-key-file PATH (or ZG_OWNER_KEY; with --register: the owner acknowledges the TEE signer)\n"
         "  --register  --port N (0: any)  --price-per-token NEURON (1000000000)\n"
         "  --custom-model NAME=0xHASH[:DESCRIPTION] (repeatable)  --no-custom-models\n"
         "  --storage-url URL --flow-contract ADDRESS (upload models to 0G Storage; else root = keccak256)\n"
         "  --data-dir DIR  --plaintext-dir DIR (writes <task id>.zip: the trained model before encryption)\n"
         "  --settle-interval-ms N (1000)  --ack-timeout-s N (21600; min with lockTime/2)  --max-queue N (5)\n"
         "  faults: --sign-tags-with-wrong-key --flip-model-byte --skip-penalty --force-penalty\n"
         "          --step-delay-ms N\n";
}

}  // namespace zg::finetune_sim
