#pragma once
// Response verification (protocol-inference.md §7): the TEE signs a `text` per chat id with
// EIP-191 personal_sign; the SDK's check is "the signature recovers to the expected signer".
// On top of that, as a separate non-fatal signal, the response hash inside a decentralized text
// ("reqSha:respSha") can be compared with sha256 of the bytes actually received.
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace zg::broker {

// §7.1 step 6: ecrecover(EIP-191(text), signature) equals expected_signer, case-insensitively.
// A malformed signature or address is simply "false" (the SDK's verifySignature does the same).
bool response_signature_matches(std::string_view text, std::string_view signature_hex,
                                std::string_view expected_signer) noexcept;

// The two leading hash fields of a signed text: decentralized "reqSha:respSha", and the
// centralized routing-proof form "reqSha:respSha:type:identity:fingerprint". 64 hex digits each.
struct SignedHashes {
  std::string request_sha256;
  std::string response_sha256;
};
std::optional<SignedHashes> split_signed_text(std::string_view text);

enum class ResponseVerdict {
  verified,        // signature from the expected signer and the response hash matches what we received
  signature_only,  // signature ok; the content hash differs or cannot be compared
  failed,          // the signature does not come from the expected signer
};

struct ResponseVerification {
  ResponseVerdict verdict = ResponseVerdict::failed;
  std::string reason;  // for the user: why it is not `verified`, or what was checked
};

// `received_response`: the raw response bytes as received (the whole SSE stream for streams);
// nullopt when they are not available.
ResponseVerification verify_response(std::string_view text, std::string_view signature_hex,
                                     std::string_view expected_signer, std::optional<ByteSpan> received_response);

// §7.1 steps 2-3 as a pure function over the on-chain Service fields.
struct ServiceVerificationInfo {
  std::string_view verifiability;  // must be "OpML", "TeeML" or "ZKML"
  bool tee_signer_acknowledged = false;
  std::string_view tee_signer_address;
  std::string_view additional_info;  // JSON text
};

struct SignerChoice {
  std::optional<std::string> signer;  // nullopt: the SDK calls the service "not verifiable"
  std::string reason;                 // which rule decided
};

// Default teeSignerAddress; additionalInfo.TargetTeeAddress instead when TargetSeparated === true,
// ProviderType !== "centralized" (missing/unknown = decentralized) and TargetTeeAddress is a
// non-empty string. JSON that is not an object has none of these keys: the default applies.
SignerChoice choose_response_signer(const ServiceVerificationInfo& service);

}  // namespace zg::broker
