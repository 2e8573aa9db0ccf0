#pragma once
// What one request carries through its events. The gateway fills the request and response parts;
// the built-in hooks fill the rest (Authorization, verification, fee). Observers never see this:
// they get the event's JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/fee.hpp"
#include "contracts/inference_serving.hpp"
#include "eth/uint256.hpp"

namespace zg::hooks {

// The outcome as plugin.h's summary names it: "verified", "signature-only", "failed",
// "not-verifiable" or "skipped".
struct VerificationOutcome {
  std::string outcome;
  std::string reason;
};

struct RequestContext {
  std::uint64_t request_id = 0;
  const contracts::InferenceService* service = nullptr;  // the provider this attempt goes to
  std::string_view path;                                 // the client's path, "/v1/chat/completions"

  // request.sending: the signing hook sets the header the provider requires.
  std::string authorization;

  // response.received: what came back (the bytes exactly as the client got them).
  int http_status = 0;
  std::string_view response;
  std::optional<std::string> chat_id;
  std::optional<broker::TokenUsage> usage;

  // Filled by the verification and accounting hooks.
  std::optional<VerificationOutcome> verification;
  std::optional<eth::Uint256> fee;  // neuron
};

}  // namespace zg::hooks
