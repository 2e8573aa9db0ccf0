#include "broker/session_token.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "common/base64.hpp"
#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/keccak.hpp"
#include "eth/address.hpp"

namespace zg::broker {
namespace {

constexpr std::size_t kNonceLength = 32;
constexpr std::size_t kNonceRandomChars = 13;  // Math.random().toString(36).substring(2, 15)

// ---- customer side helpers ----

void fill_random(MutableByteSpan out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::getrandom(out.data() + done, out.size() - done, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(std::string("getrandom failed: ") + std::strerror(errno));
    done += static_cast<std::size_t>(got);
  }
}

// Uniform base-36 characters: bytes >= 252 (7 * 36) are drawn again so there is no modulo bias.
std::string random_base36(std::size_t count) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  std::array<std::uint8_t, 32> pool{};
  while (out.size() < count) {
    fill_random(pool);
    for (const auto byte : pool) {
      if (byte < 252 && out.size() < count) out.push_back(kAlphabet[byte % 36]);
    }
  }
  return out;
}

// JSON.stringify's string escaping: the two mandatory escapes, the short forms, and \u00xx
// (lowercase) for the other control characters. Everything else, UTF-8 included, is copied.
void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
          out.push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void require_no_pipe(std::string_view field, std::string_view value) {
  if (value.find('|') != std::string_view::npos) {
    throw UsageError("session token " + std::string(field) + " must not contain '|': the provider splits on it");
  }
}

std::int64_t checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) throw UsageError("session token expiry overflows a 64-bit millisecond time");
  return sum;
}

// ---- provider side helpers ----

constexpr char kHeaderError[] =
    "missing or invalid Authorization header, must be Bearer app-sk-<base64(rawMessage:signature)>";

[[noreturn]] void reject(SessionTokenCheck check, const std::string& message) { throw SessionTokenError(check, message); }

[[noreturn]] void reject_json(const std::string& reason) {
  reject(SessionTokenCheck::json, "invalid session token format in Authorization: " + reason);
}

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Field readers with Go json.Unmarshal's typing: null leaves the zero value, floats and
// out-of-range integers are errors.
void read_string(const nlohmann::json& value, const char* key, std::string& out) {
  if (value.is_null()) return;
  if (!value.is_string()) reject_json(std::string("\"").append(key).append("\" must be a string"));
  out = value.get<std::string>();
}

// Built with append rather than operator+ chains: GCC 12 at -O3 reports a false -Wrestrict on those.
[[noreturn]] void reject_out_of_range(const char* key, const std::string& min, const std::string& max) {
  std::string reason = "\"";
  reason.append(key).append("\" must be an integer in ").append(min).append("..").append(max);
  reject_json(reason);
}

template <typename Int>
void read_integer(const nlohmann::json& value, const char* key, Int& out) {
  if (value.is_null()) return;
  constexpr auto kMin = std::numeric_limits<Int>::min();
  constexpr auto kMax = std::numeric_limits<Int>::max();
  const auto out_of_range = [key] { reject_out_of_range(key, std::to_string(kMin), std::to_string(kMax)); };
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(kMax)) out_of_range();
    out = static_cast<Int>(v);
  } else if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v < 0 && (kMin == 0 || v < static_cast<std::int64_t>(kMin))) out_of_range();
    out = static_cast<Int>(v);
  } else {
    out_of_range();
  }
}

SessionToken parse_token_json(std::string_view raw_json) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(raw_json);
  } catch (const nlohmann::json::exception& e) {
    reject_json(e.what());
  }
  if (!doc.is_object()) reject_json("the token must be a JSON object");
  SessionToken token;
  token.token_id = 0;  // Go's zero value when the key is missing
  for (const auto& [key, value] : doc.items()) {
    if (key == "address") read_string(value, "address", token.address);
    else if (key == "provider") read_string(value, "provider", token.provider);
    else if (key == "timestamp") read_integer(value, "timestamp", token.timestamp_ms);
    else if (key == "expiresAt") read_integer(value, "expiresAt", token.expires_at_ms);
    else if (key == "nonce") read_string(value, "nonce", token.nonce);
    else if (key == "generation") read_integer(value, "generation", token.generation);
    else if (key == "tokenId") read_integer(value, "tokenId", token.token_id);
  }
  return token;
}

void check_ephemeral_limits(const SessionToken& token) {
  if (token.token_id != kEphemeralTokenId) return;
  if (token.expires_at_ms == 0) reject(SessionTokenCheck::ephemeral_no_expiry, "ephemeral token must have an expiration time");
  // Go subtracts int64s with wrap-around; C++20 defines the same through unsigned arithmetic.
  const auto duration = static_cast<std::int64_t>(static_cast<std::uint64_t>(token.expires_at_ms) -
                                                  static_cast<std::uint64_t>(token.timestamp_ms));
  if (duration > kEphemeralLifetimeMs) {
    reject(SessionTokenCheck::ephemeral_too_long, "ephemeral token duration cannot exceed 24 hours");
  }
}

void check_expiry(const SessionToken& token, std::int64_t now_unix_s) {
  // Seconds against milliseconds / 1000 (integer division), as the broker does it.
  if (token.expires_at_ms > 0 && now_unix_s > token.expires_at_ms / 1000) {
    reject(SessionTokenCheck::expired, "session token expired");
  }
}

bool bit_is_set(const eth::Uint256& bitmap, unsigned bit) noexcept {
  return ((bitmap.limbs()[bit / 64] >> (bit % 64)) & 1U) != 0;
}

void check_revocation(const SessionToken& token, const std::optional<TokenRevocationState>& account) {
  if (!account) return;  // no account on chain: generation 0 and an empty bitmap are implied
  if (token.generation < account->generation) {
    reject(SessionTokenCheck::generation_expired, "session token has been revoked (generation expired)");
  }
  if (token.generation > account->generation) {
    reject(SessionTokenCheck::future_generation, "invalid session token (future generation)");
  }
  if (token.token_id == kEphemeralTokenId) return;  // ephemeral tokens are revoked only by generation
  if (bit_is_set(account->revoked_bitmap, token.token_id)) reject(SessionTokenCheck::revoked, "session token has been revoked");
}

// go-ethereum hexutil.Decode rules, then 65 bytes with v - 27 in {0, 1}.
crypto::Signature decode_session_signature(std::string_view hex) {
  if (hex.empty()) reject(SessionTokenCheck::signature_format, "invalid signature format: empty hex string");
  if (hex.size() < 2 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X')) {
    reject(SessionTokenCheck::signature_format, "invalid signature format: hex string without 0x prefix");
  }
  Bytes bytes;
  try {
    bytes = from_hex(hex);
  } catch (const ParseError& e) {
    reject(SessionTokenCheck::signature_format, std::string("invalid signature format: ") + e.what());
  }
  if (bytes.size() != 65) reject(SessionTokenCheck::signature_length, "invalid signature length");
  if (bytes[64] != 27 && bytes[64] != 28) {
    reject(SessionTokenCheck::signature_recovery, "failed to recover public key from signature: invalid signature recovery id");
  }
  try {
    return crypto::Signature::from_rsv(bytes);
  } catch (const ParseError& e) {
    reject(SessionTokenCheck::signature_recovery, std::string("failed to recover public key from signature: ") + e.what());
  }
}

void check_signature(const ParsedAuthorization& parsed) {
  const auto signature = decode_session_signature(parsed.signature_hex);
  const Hash256 digest = crypto::eip191_hash_of_hash(crypto::keccak256(as_bytes(parsed.raw_json)));
  eth::Address signer;
  try {
    signer = eth::Address::from_public_key(crypto::recover(digest, signature));
  } catch (const ParseError& e) {
    reject(SessionTokenCheck::signature_recovery, std::string("failed to recover public key from signature: ") + e.what());
  }
  if (!equal_ignoring_ascii_case(signer.lower_hex(), parsed.token.address)) {
    reject(SessionTokenCheck::signer_mismatch, "signature verification failed: address mismatch");
  }
}

}  // namespace

// ---- customer side ----

std::string nonce_from(std::int64_t now_ms, std::string_view random_base36) {
  std::string nonce = std::to_string(now_ms) + "-" + std::string(random_base36);
  if (nonce.size() < kNonceLength) nonce.append(kNonceLength - nonce.size(), '0');  // padEnd never truncates
  return nonce;
}

std::string generate_nonce(std::int64_t now_ms) { return nonce_from(now_ms, random_base36(kNonceRandomChars)); }

SessionToken ephemeral_token(std::string address, std::string provider, std::int64_t now_ms, std::string nonce,
                             std::uint64_t generation) {
  return SessionToken{std::move(address), std::move(provider), now_ms, checked_add(now_ms, kEphemeralLifetimeMs),
                      std::move(nonce),   generation,          kEphemeralTokenId};
}

SessionToken api_key_token(std::string address, std::string provider, std::int64_t now_ms, std::string nonce,
                           std::uint64_t generation, std::uint8_t token_id, std::optional<std::int64_t> lifetime_ms) {
  if (token_id == kEphemeralTokenId) throw UsageError("API key token ids are 0..254; 255 is the ephemeral session id");
  if (lifetime_ms && *lifetime_ms <= 0) throw UsageError("API key lifetime must be positive (omit it for no expiry)");
  const std::int64_t expires_at = lifetime_ms ? checked_add(now_ms, *lifetime_ms) : 0;
  return SessionToken{std::move(address), std::move(provider), now_ms, expires_at, std::move(nonce), generation, token_id};
}

std::string to_raw_json(const SessionToken& token) {
  require_no_pipe("address", token.address);
  require_no_pipe("provider", token.provider);
  require_no_pipe("nonce", token.nonce);
  std::string json;
  json.reserve(256);
  json += "{\"address\":";
  append_json_string(json, token.address);
  json += ",\"provider\":";
  append_json_string(json, token.provider);
  json += ",\"timestamp\":" + std::to_string(token.timestamp_ms);
  json += ",\"expiresAt\":" + std::to_string(token.expires_at_ms);
  json += ",\"nonce\":";
  append_json_string(json, token.nonce);
  json += ",\"generation\":" + std::to_string(token.generation);
  json += ",\"tokenId\":" + std::to_string(token.token_id) + "}";
  return json;
}

std::string sign_raw_json(std::string_view raw_json, const crypto::PrivateKey& key) {
  // signMessage(keccak256(json) as 32 raw bytes): EIP-191 with the "\n32" length prefix.
  const Hash256 digest = crypto::eip191_hash_of_hash(crypto::keccak256(as_bytes(raw_json)));
  return key.sign_hash(digest).to_hex(27);
}

std::string SignedSessionToken::api_key() const {
  return std::string(kApiKeyPrefix) + base64_encode(as_bytes(raw_json + "|" + signature_hex));
}

std::string SignedSessionToken::authorization_header() const { return "Bearer " + api_key(); }

SignedSessionToken sign_session_token(const SessionToken& token, const crypto::PrivateKey& key) {
  SignedSessionToken signed_token;
  signed_token.raw_json = to_raw_json(token);
  signed_token.signature_hex = sign_raw_json(signed_token.raw_json, key);
  return signed_token;
}

// ---- provider side ----

ParsedAuthorization parse_authorization_header(std::string_view header) {
  if (!header.starts_with(kBearerPrefix)) reject(SessionTokenCheck::header, kHeaderError);
  Bytes decoded;
  try {
    decoded = base64_decode(header.substr(kBearerPrefix.size()));
  } catch (const ParseError& e) {
    reject(SessionTokenCheck::base64, std::string("invalid base64 in Authorization header: ") + e.what());
  }
  const std::string_view payload = as_text(decoded);
  const auto bar = payload.find('|');
  if (bar == std::string_view::npos) {
    reject(SessionTokenCheck::payload, "invalid Authorization payload, expect base64(rawMessage:signature)");
  }
  ParsedAuthorization parsed;
  parsed.raw_json = std::string(payload.substr(0, bar));
  parsed.signature_hex = std::string(payload.substr(bar + 1));
  parsed.token = parse_token_json(parsed.raw_json);
  return parsed;
}

void validate_session(const ParsedAuthorization& parsed, const SessionValidationContext& context) {
  if (!equal_ignoring_ascii_case(parsed.token.provider, context.provider_address)) {
    reject(SessionTokenCheck::provider, "session token is for different provider");
  }
  check_ephemeral_limits(parsed.token);
  check_expiry(parsed.token, context.now_unix_s);
  check_revocation(parsed.token, context.account);
  check_signature(parsed);
}

ParsedAuthorization validate_authorization_header(std::string_view header, const SessionValidationContext& context) {
  ParsedAuthorization parsed = parse_authorization_header(header);
  validate_session(parsed, context);
  return parsed;
}

}  // namespace zg::broker
