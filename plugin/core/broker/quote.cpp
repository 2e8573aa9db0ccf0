#include "broker/quote.hpp"

#include <nlohmann/json.hpp>

#include "common/base64.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "common/text.hpp"
#include "crypto/sha256.hpp"

namespace zg::broker {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxQuotedBytes = 120;

std::string printable(std::string_view text) { return printable_excerpt(text, kMaxQuotedBytes, '?'); }

std::string lower(std::string_view text) { return ascii_lower(text); }

// A field that may be a JSON value or a string holding JSON text; discarded when neither.
json embedded_json(const json& value) {
  if (value.is_string()) return json::parse(value.get_ref<const std::string&>(), nullptr, false);
  return value;
}

const std::string& required_string(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) throw ParseError(std::string("quote: `") + name + "` is missing or not a string");
  return it->get_ref<const std::string&>();
}

std::optional<std::string> app_compose_of(const json& quote) {
  const auto it = quote.find("tcb_info");
  if (it == quote.end() || it->is_null()) return std::nullopt;
  const json tcb = embedded_json(*it);
  if (tcb.is_discarded() || !tcb.is_object()) throw ParseError("quote: `tcb_info` is not a JSON object");
  const auto compose = tcb.find("app_compose");
  if (compose == tcb.end()) return std::nullopt;
  if (!compose->is_string()) throw ParseError("quote: `tcb_info.app_compose` is not a string");
  return compose->get<std::string>();
}

std::optional<std::string> compose_hash_event_of(const json& quote) {
  const auto it = quote.find("event_log");
  if (it == quote.end() || it->is_null()) return std::nullopt;
  const json events = embedded_json(*it);
  if (events.is_discarded() || !events.is_array()) throw ParseError("quote: `event_log` is not a JSON array");
  for (const auto& event : events) {
    if (!event.is_object()) throw ParseError("quote: an `event_log` entry is not an object");
    const auto name = event.find("event");
    if (name == event.end() || !name->is_string() || name->get_ref<const std::string&>() != "compose-hash") continue;
    const auto payload = event.find("event_payload");
    if (payload == event.end() || !payload->is_string()) {
      throw ParseError("quote: the compose-hash event has no string `event_payload`");
    }
    return payload->get<std::string>();
  }
  return std::nullopt;
}

}  // namespace

TeeQuote parse_quote(std::string_view body) {
  json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_string()) parsed = embedded_json(parsed);
  if (parsed.is_discarded() || !parsed.is_object()) throw ParseError("quote is not a JSON object: " + printable(body));

  TeeQuote quote;
  quote.quote = required_string(parsed, "quote");
  try {
    quote.report_data = base64_decode(required_string(parsed, "report_data"));
  } catch (const ParseError& e) {
    throw ParseError(std::string("quote: `report_data` is not base64: ") + e.what());
  }
  quote.app_compose = app_compose_of(parsed);
  quote.compose_hash_event = compose_hash_event_of(parsed);
  const auto nvidia = parsed.find("nvidia_payload");
  quote.has_nvidia_payload = nvidia != parsed.end() && !nvidia->is_null() && !(nvidia->is_string() && nvidia->empty());
  return quote;
}

std::string attested_signer(const TeeQuote& quote) {
  std::string text;
  for (const auto byte : quote.report_data) {
    if (byte == 0) continue;  // the SDK strips every NUL, not only the trailing padding
    if (byte < 0x20 || byte >= 0x7f) {
      throw ParseError("quote: report_data is not an ASCII address (byte 0x" + to_hex(ByteSpan(&byte, 1), false) +
                       "); it may be the newer non-legacy layout");
    }
    text += static_cast<char>(byte);
  }
  return text;
}

QuoteCheck check_quote(const TeeQuote& quote, const eth::Address& tee_signer) {
  QuoteCheck check;
  check.attested_signer = attested_signer(quote);
  check.signer_matches = lower(check.attested_signer) == tee_signer.lower_hex();
  if (quote.app_compose && quote.compose_hash_event) {
    check.compose_hash_actual = to_hex(crypto::sha256(as_bytes(*quote.app_compose)), false);
    check.compose_hash_expected = lower(*quote.compose_hash_event);
    check.compose_hash = check.compose_hash_actual == check.compose_hash_expected ? ComposeHashCheck::matches
                                                                                  : ComposeHashCheck::differs;
  }
  return check;
}

std::string QuoteCheck::summary() const {
  std::string out = signer_matches ? "the TEE quote attests the contract's signer " + attested_signer
                                   : "the TEE quote attests signer \"" + printable(attested_signer) +
                                         "\", which is NOT the contract's teeSignerAddress";
  switch (compose_hash) {
    case ComposeHashCheck::matches: out += "; compose hash matches the event log"; break;
    case ComposeHashCheck::differs:
      out += "; compose hash MISMATCH: sha256(app_compose) = " + compose_hash_actual + ", event log says " +
             printable(compose_hash_expected);
      break;
    case ComposeHashCheck::not_present: out += "; no compose hash to check (no app_compose or compose-hash event)"; break;
  }
  return out;
}

}  // namespace zg::broker
