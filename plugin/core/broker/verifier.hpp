#pragma once
// End-to-end verification of one inference answer (protocol-inference.md §7.1 plus our content
// check): pick the expected signer from the on-chain Service, fetch the TEE's signature for the
// chat id promptly (the provider keeps it ~20 minutes in memory), and judge it.
//   verified        the signature recovers to the expected signer AND the response hash in the
//                   signed text is sha256 of the bytes we received
//   signature_only  the signature is good but the content hash differs, the text has no hash
//                   pair, or we do not have the bytes (the reason says which)
//   failed          wrong signer, malformed signature, or the signature could not be fetched
//   not_verifiable  the service cannot be verified at all (verifiability not OpML/TeeML/ZKML,
//                   TEE signer not acknowledged by the contract owner, additionalInfo not JSON)
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "broker/provider_client.hpp"
#include "common/bytes.hpp"
#include "contracts/inference_serving.hpp"

namespace zg::broker {

enum class Verdict { verified, signature_only, failed, not_verifiable };
std::string_view to_string(Verdict verdict) noexcept;  // "verified", "signature-only", "failed", "not verifiable"

struct VerificationReport {
  Verdict verdict = Verdict::failed;
  std::string reason;           // for the user
  std::string chat_id;
  std::string expected_signer;  // empty when not verifiable
  std::optional<SignatureRecord> signature;  // what the provider served, when it served one
};

struct VerifierOptions {
  // The provider may sign a stream only after its last byte: a "not found" is retried.
  int fetch_attempts = 3;
  std::chrono::milliseconds retry_delay{300};
};

// Offline: a signed text and signature against an expected signer, optionally with the bytes.
VerificationReport verify_signed_text(std::string_view text, std::string_view signature_hex,
                                      std::string_view expected_signer, std::optional<ByteSpan> received_response);

// §7.1 steps 2-3 for an on-chain service: the expected signer, or a not_verifiable report.
struct ExpectedSigner {
  std::optional<std::string> signer;
  std::string reason;
};
ExpectedSigner expected_signer_of(const contracts::InferenceService& service);

// The whole check for one chat id. `received_response` is the raw body (or SSE stream) we got;
// nullopt when it is not at hand (then the best verdict is signature_only). Network failures
// become a `failed` report, never an exception.
VerificationReport verify_chat(ProviderClient& provider, const contracts::InferenceService& service,
                               std::string_view chat_id, std::optional<ByteSpan> received_response,
                               const VerifierOptions& options = {});

}  // namespace zg::broker
