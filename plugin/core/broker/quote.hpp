#pragma once
// The provider's TEE quote (GET /v1/quote, protocol-inference.md §8) and the two checks the SDK's
// verifyService automates: the attested signer (report_data: base64 of the signer address as
// ASCII, NUL-padded) must be the contract's teeSignerAddress, and for dstack TEEs
// sha256(tcb_info.app_compose) must equal the `compose-hash` event of the event log. The quote's
// own DCAP signature is not checked here (the SDK does not either; dstack-verifier does).
// The body is untrusted: every malformed field is a ParseError naming the field.
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "eth/address.hpp"

namespace zg::broker {

struct TeeQuote {
  std::string quote;       // the TDX quote (hex), passed on to external verifiers
  Bytes report_data;       // decoded from base64
  std::optional<std::string> app_compose;          // tcb_info.app_compose, when tcb_info has one
  std::optional<std::string> compose_hash_event;   // event_payload of the "compose-hash" event
  bool has_nvidia_payload = false;
};

// Accepts the quote object itself or a JSON string holding it (the broker writes the quote as a
// JSON string body); `tcb_info` and `event_log` may likewise be JSON strings or values.
TeeQuote parse_quote(std::string_view body);

// The signer address in report_data: ASCII with NUL padding stripped. ParseError when the bytes
// are not printable ASCII.
std::string attested_signer(const TeeQuote& quote);

enum class ComposeHashCheck { matches, differs, not_present };

struct QuoteCheck {
  bool signer_matches = false;
  std::string attested_signer;
  ComposeHashCheck compose_hash = ComposeHashCheck::not_present;
  std::string compose_hash_expected;  // the event log's value
  std::string compose_hash_actual;    // hex(sha256(app_compose))
  bool acceptable() const noexcept { return signer_matches && compose_hash != ComposeHashCheck::differs; }
  std::string summary() const;  // one paragraph for the user
};

// Compares with the contract's Service.teeSignerAddress (case-insensitively, as the SDK does).
QuoteCheck check_quote(const TeeQuote& quote, const eth::Address& tee_signer);

}  // namespace zg::broker
