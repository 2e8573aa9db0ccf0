#pragma once
// Inference request authentication (protocol-inference.md §3): the session token RAW_JSON, its
// EIP-191 signature, the `Authorization: Bearer app-sk-<base64(RAW_JSON|SIG_HEX)>` header and the
// persistent API key `app-sk-…`; and the provider-side parser/validator with the upstream
// broker's checks and error texts (ctrl/request.go ValidateSession, validateTokenRevocation).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/uint256.hpp"

namespace zg::broker {

inline constexpr std::uint8_t kEphemeralTokenId = 255;
inline constexpr std::int64_t kEphemeralLifetimeMs = 86'400'000;  // also the provider's maximum
inline constexpr std::string_view kApiKeyPrefix = "app-sk-";
inline constexpr std::string_view kBearerPrefix = "Bearer app-sk-";

// The token fields, typed as the provider decodes them (Go: int64, int64, uint64, uint8).
struct SessionToken {
  std::string address;   // the user's address as the signer reports it (EIP-55 from ethers)
  std::string provider;  // the provider address exactly as the caller gave it
  std::int64_t timestamp_ms = 0;
  std::int64_t expires_at_ms = 0;  // 0 = never (persistent API keys only)
  std::string nonce;
  std::uint64_t generation = 0;  // Account.generation, 0 when the account does not exist yet
  std::uint8_t token_id = kEphemeralTokenId;

  friend bool operator==(const SessionToken&, const SessionToken&) = default;
};

// ---- customer side ----

// The SDK's Node nonce: `${now_ms}-${random_base36}` right-padded with '0' to 32 characters.
std::string nonce_from(std::int64_t now_ms, std::string_view random_base36);
// The same with 13 base-36 characters from the OS CSPRNG (getrandom).
std::string generate_nonce(std::int64_t now_ms);

// tokenId 255, expiresAt = timestamp + 24 h: what getRequestHeaders sends.
SessionToken ephemeral_token(std::string address, std::string provider, std::int64_t now_ms, std::string nonce,
                             std::uint64_t generation);
// A persistent API key: tokenId 0..254 (UsageError otherwise); expiresAt 0 without a lifetime.
SessionToken api_key_token(std::string address, std::string provider, std::int64_t now_ms, std::string nonce,
                           std::uint64_t generation, std::uint8_t token_id,
                           std::optional<std::int64_t> lifetime_ms = std::nullopt);

// RAW_JSON exactly as JSON.stringify writes it: fixed key order, no whitespace, integers.
// Throws UsageError when a field contains '|' (the provider splits the payload on the first '|').
std::string to_raw_json(const SessionToken& token);

// "0x" + hex(r || s || v), v in {27, 28}, over EIP-191(keccak256(raw_json)) — 32 raw hash bytes.
std::string sign_raw_json(std::string_view raw_json, const crypto::PrivateKey& key);

struct SignedSessionToken {
  std::string raw_json;
  std::string signature_hex;

  std::string api_key() const;               // "app-sk-" + base64(raw_json + "|" + signature_hex)
  std::string authorization_header() const;  // "Bearer " + api_key()
};
SignedSessionToken sign_session_token(const SessionToken& token, const crypto::PrivateKey& key);

// ---- provider side ----

// Which upstream check rejected a token; the message is the broker's own text.
enum class SessionTokenCheck {
  header,                // "missing or invalid Authorization header, must be Bearer app-sk-<…>"
  base64,                // "invalid base64 in Authorization header: …"
  payload,               // "invalid Authorization payload, expect base64(rawMessage:signature)"
  json,                  // "invalid session token format in Authorization: …"
  provider,              // "session token is for different provider"
  ephemeral_no_expiry,   // "ephemeral token must have an expiration time"
  ephemeral_too_long,    // "ephemeral token duration cannot exceed 24 hours"
  expired,               // "session token expired"
  generation_expired,    // "session token has been revoked (generation expired)"
  future_generation,     // "invalid session token (future generation)"
  revoked,               // "session token has been revoked"
  signature_format,      // "invalid signature format: …"
  signature_length,      // "invalid signature length"
  signature_recovery,    // "failed to recover public key from signature: …"
  signer_mismatch,       // "signature verification failed: address mismatch"
};

class SessionTokenError : public Error {
 public:
  SessionTokenError(SessionTokenCheck check, const std::string& message) : Error(message), check_(check) {}
  SessionTokenCheck check() const noexcept { return check_; }

 private:
  SessionTokenCheck check_;
};

// The on-chain Account fields the revocation check reads.
struct TokenRevocationState {
  std::uint64_t generation = 0;
  eth::Uint256 revoked_bitmap;
};

struct SessionValidationContext {
  std::string provider_address;  // this provider; compared case-insensitively
  std::int64_t now_unix_s = 0;
  std::optional<TokenRevocationState> account;  // nullopt: the account does not exist (check passes)
};

struct ParsedAuthorization {
  std::string raw_json;       // the exact signed bytes
  std::string signature_hex;  // everything after the first '|'
  SessionToken token;
};

// Checks 1-2: prefix, strict padded base64, split on the first '|', JSON (any key order, unknown
// keys ignored, missing keys zero as in Go; a wrong type or out-of-range number is an error).
ParsedAuthorization parse_authorization_header(std::string_view header);
// Checks 3-7 in the broker's order; returns normally when the token is accepted.
void validate_session(const ParsedAuthorization& parsed, const SessionValidationContext& context);
// Both; the signer is parsed.token.address. Throws SessionTokenError.
ParsedAuthorization validate_authorization_header(std::string_view header, const SessionValidationContext& context);

}  // namespace zg::broker
