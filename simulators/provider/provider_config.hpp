#pragma once
// zg-provider-sim's command line. Keys never come from argv (the process list shows argv to every
// user): --provider-key-file / ZG_PROVIDER_KEY, --tee-key-file / ZG_TEE_KEY, --owner-key-file.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::provider {

// Faults a test can ask for, to prove that clients notice them.
struct Misbehaviour {
  bool sign_with_wrong_key = false;        // signatures from a key that is not the TEE signer
  bool tamper_response = false;            // the signed text hashes other bytes than those sent
  bool quote_wrong_signer = false;         // /v1/quote attests a signer that is not the TEE signer
  bool quote_wrong_compose_hash = false;   // /v1/quote's compose-hash event does not match app_compose
  std::chrono::milliseconds delay{0};      // before answering a billed request
  std::chrono::milliseconds stream_delay{0};  // between two SSE events of a stream (lets clients cancel mid-stream)
  unsigned fail_with_5xx = 0;              // the first N billed requests get 500
  std::optional<unsigned> drop_stream_after;  // close a stream after N data chunks
  unsigned rate_limit_rpm = 0;             // 0: unlimited
};

inline constexpr std::string_view kServiceTypeChatbot = "chatbot";
inline constexpr std::string_view kServiceTypeEmbedding = "embedding";

struct ProviderConfig {
  std::string rpc_url;
  std::optional<eth::Address> inference_contract;
  std::optional<std::filesystem::path> provider_key_file;
  std::optional<std::filesystem::path> tee_key_file;
  std::optional<std::filesystem::path> owner_key_file;
  // The on-chain serviceType: "chatbot" serves /v1/proxy/chat/completions, "embedding" serves
  // /v1/proxy/embeddings; each refuses the other's route.
  std::string service_type = "chatbot";
  std::string model = "zg-sim-1";  // "zg-embed-1" for an embedding service unless --model says otherwise
  eth::Uint256 input_price{1'000'000'000};   // neuron per token
  eth::Uint256 output_price{2'000'000'000};  // neuron per token
  std::uint16_t port = 0;                    // 0: any free port
  std::string upstream_url;                  // empty: the built-in deterministic model
  bool register_service = false;
  std::chrono::milliseconds settle_interval{10'000};
  std::chrono::milliseconds account_refresh{3'000};
  eth::Uint256 minimum_locked_balance{1'000'000'000'000'000'000ULL};  // 1 0G
  std::size_t max_body_bytes = 32u << 20;  // the broker's request size limit (413 above it)
  Misbehaviour misbehaviour;
};

// Throws UsageError naming the flag for unknown flags, missing values and bad numbers/addresses.
// Arguments exclude argv[0].
ProviderConfig parse_provider_args(std::span<const std::string_view> args);
std::string provider_usage();

}  // namespace zg::provider
