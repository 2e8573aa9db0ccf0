#pragma once
// zg-finetune-sim's command line. Keys never come from argv: --provider-key-file / ZG_PROVIDER_KEY,
// --tee-key-file / ZG_TEE_KEY, --owner-key-file / ZG_OWNER_KEY.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::finetune_sim {

// Faults a test can ask for, to prove that clients notice them.
struct Misbehaviour {
  bool sign_tags_with_wrong_key = false;  // the model's tag signature comes from a key that is not the TEE signer
  bool flip_model_byte = false;           // /lora serves the encrypted model with one byte flipped
  bool skip_penalty = false;              // never settle an unacknowledged deliverable
  bool force_penalty = false;             // settle as soon as delivered, without waiting for the acknowledgement
  std::chrono::milliseconds step_delay{0};  // pause before each state change of a task (Init -> ... -> Delivered)
};

// A provider's own model (GET /v1/model), as the broker's config lists them.
struct CustomModel {
  std::string name;
  std::string hash;  // 0x + 64 hex
  std::string description;
};

struct FinetuneConfig {
  std::string rpc_url;
  std::optional<eth::Address> finetune_contract;
  std::optional<std::filesystem::path> provider_key_file;
  std::optional<std::filesystem::path> tee_key_file;
  std::optional<std::filesystem::path> owner_key_file;
  std::filesystem::path data_dir;  // datasets, encrypted models; default: a fresh directory under /tmp
  std::optional<std::filesystem::path> plaintext_dir;  // <dir>/<task id>.zip: the plaintext model, for tests
  std::uint16_t port = 0;
  bool register_service = false;
  eth::Uint256 price_per_token{1'000'000'000};  // neuron per token (the broker's config, also put on chain)
  std::vector<CustomModel> custom_models{{"zg-tiny-llama",
                                          "0x5a2c3d4e5f60718293a4b5c6d7e8f9001122334455667788990aabbccddeeff0",
                                          "tiny llama (n_embd 64, 1 block) for LoRA tests"}};
  // 0G Storage: where to upload the encrypted model (empty: modelRootHash = keccak256 of the file).
  std::string storage_url;
  std::optional<eth::Address> flow_contract;
  std::chrono::milliseconds settle_interval{1000};
  std::uint64_t ack_timeout_seconds = 21600;  // deliveredTaskAckTimeoutSecs; the broker uses min(this, lockTime/2)
  std::size_t max_queue = 5;                  // maxTaskQueueSize
  Misbehaviour misbehaviour;
};

// Throws UsageError naming the flag for unknown flags, missing values and bad numbers/addresses.
FinetuneConfig parse_finetune_args(std::span<const std::string_view> args);
std::string finetune_usage();

}  // namespace zg::finetune_sim
