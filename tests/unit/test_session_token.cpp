// Session tokens and API keys (protocol-inference.md §3) against the SDK vectors, and the
// provider-side validator's checks with the broker's error texts.
#include <gtest/gtest.h>

#include "broker/session_token.hpp"
#include "common/base64.hpp"
#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/keccak.hpp"
#include "eth/address.hpp"
#include "vectors.hpp"

namespace zg::broker {
namespace {

using nlohmann::json;

const json& session_vector() {
  static const json v = zg::test::load_vectors("inference-vectors.json")["sessionToken"];
  return v;
}
const json& api_key_vector() {
  static const json v = zg::test::load_vectors("inference-vectors.json")["apiKey"];
  return v;
}

std::string input(const char* key) { return session_vector()["inputs"][key].get<std::string>(); }
std::int64_t now_ms() { return session_vector()["inputs"]["nowMs"].get<std::int64_t>(); }

const crypto::PrivateKey& user_key() {
  static const auto key = crypto::PrivateKey::from_hex(input("userPrivateKey"));
  return key;
}

SessionToken vector_ephemeral_token() {
  return ephemeral_token(input("userAddress"), input("provider"), now_ms(), input("nonce"),
                         session_vector()["inputs"]["generation"].get<std::uint64_t>());
}

SessionToken vector_api_key_token() {
  return api_key_token(input("userAddress"), input("provider"), now_ms(), input("nonce"), 0,
                       api_key_vector()["inputs"]["tokenId"].get<std::uint8_t>());
}

std::string header_for(const std::string& raw_json, const std::string& signature) {
  return std::string(kBearerPrefix) + base64_encode(as_bytes(raw_json + "|" + signature));
}
std::string signed_header(const SessionToken& token) { return sign_session_token(token, user_key()).authorization_header(); }

// The provider of the vector, in lower case: the check is case-insensitive.
SessionValidationContext provider_context(std::int64_t now_unix_s = 1'700'000'100) {
  std::string provider = input("provider");
  for (auto& c : provider) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return SessionValidationContext{provider, now_unix_s, std::nullopt};
}

void expect_rejected(const std::string& header, const SessionValidationContext& context, SessionTokenCheck check,
                     const std::string& message_start) {
  try {
    (void)validate_authorization_header(header, context);
    ADD_FAILURE() << "accepted, expected: " << message_start;
  } catch (const SessionTokenError& e) {
    EXPECT_EQ(e.check(), check) << e.what();
    EXPECT_EQ(std::string(e.what()).substr(0, message_start.size()), message_start);
  }
}

// ---- customer side, byte-identical with the SDK ----

TEST(SessionToken, KeyDerivesTheVectorAddress) {
  EXPECT_EQ(eth::Address::from_public_key(user_key().public_key()).checksummed(), input("userAddress"));
}

TEST(SessionToken, NonceFromPinnedParts) {
  // padEnd(32, '0'). The vector's nonce was pinned as a literal of 31 characters, so it is not
  // an output of this formula; the token builders take any nonce string as given.
  EXPECT_EQ(nonce_from(now_ms(), "abcdefghijk"), "1700000000000-abcdefghijk0000000");
  EXPECT_EQ(input("nonce").size(), 31U);
  EXPECT_EQ(nonce_from(5, "xyz"), "5-xyz" + std::string(27, '0'));
  // padEnd never truncates.
  EXPECT_EQ(nonce_from(1700000000000, "0123456789abcdefghij"), "1700000000000-0123456789abcdefghij");
}

TEST(SessionToken, GeneratedNonceHasTheNodeShape) {
  const auto a = generate_nonce(now_ms());
  const auto b = generate_nonce(now_ms());
  ASSERT_EQ(a.size(), 32U);
  EXPECT_EQ(a.substr(0, 14), "1700000000000-");
  for (const char c : a.substr(14, 13)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) << a;
  EXPECT_EQ(a.substr(27), "00000");
  EXPECT_NE(a, b);  // 13 random base-36 characters (~67 bits)
}

TEST(SessionToken, RawMessageSignatureAndHeaderMatchTheSdk) {
  const auto token = vector_ephemeral_token();
  EXPECT_EQ(token.expires_at_ms, now_ms() + 86'400'000);
  const auto raw = to_raw_json(token);
  EXPECT_EQ(raw, session_vector()["rawMessage"].get<std::string>());
  const Hash256 hash = crypto::keccak256(as_bytes(raw));
  EXPECT_EQ(to_hex(hash), session_vector()["keccak256OfRawMessage"].get<std::string>());
  EXPECT_EQ(to_hex(crypto::eip191_hash_of_hash(hash)), session_vector()["eip191DigestSigned"].get<std::string>());

  const auto signed_token = sign_session_token(token, user_key());
  EXPECT_EQ(signed_token.signature_hex, session_vector()["signature"].get<std::string>());
  EXPECT_EQ(signed_token.authorization_header(), session_vector()["authorizationHeader"].get<std::string>());
}

TEST(SessionToken, ApiKeyMatchesTheSdk) {
  const auto token = vector_api_key_token();
  EXPECT_EQ(token.expires_at_ms, 0);
  const auto signed_token = sign_session_token(token, user_key());
  EXPECT_EQ(signed_token.raw_json + "|" + signed_token.signature_hex, api_key_vector()["decoded"].get<std::string>());
  EXPECT_EQ(signed_token.api_key(), api_key_vector()["rawToken"].get<std::string>());
  EXPECT_EQ(signed_token.authorization_header(), "Bearer " + api_key_vector()["rawToken"].get<std::string>());
}

TEST(SessionToken, ApiKeyArguments) {
  EXPECT_THROW((void)api_key_token("a", "p", 1, "n", 0, 255), UsageError);
  EXPECT_THROW((void)api_key_token("a", "p", 1, "n", 0, 3, 0), UsageError);
  EXPECT_EQ(api_key_token("a", "p", 1000, "n", 0, 3, 60'000).expires_at_ms, 61'000);
  EXPECT_EQ(api_key_token("a", "p", 1000, "n", 0, 254).token_id, 254);
}

TEST(SessionToken, JsonStringsAreEscapedLikeJsonStringify) {
  SessionToken token{"0xA\"b\\c", "p\n\r\t\b\f\x01\x1f/\x7f", 1, 2, "n\xc3\xa9", 3, 4};
  EXPECT_EQ(to_raw_json(token),
            "{\"address\":\"0xA\\\"b\\\\c\",\"provider\":\"p\\n\\r\\t\\b\\f\\u0001\\u001f/\x7f\",\"timestamp\":1,"
            "\"expiresAt\":2,\"nonce\":\"n\xc3\xa9\",\"generation\":3,\"tokenId\":4}");
  // Cross-check with an independent serializer that keeps insertion order.
  nlohmann::ordered_json expected;
  expected["address"] = token.address;
  expected["provider"] = token.provider;
  expected["timestamp"] = token.timestamp_ms;
  expected["expiresAt"] = token.expires_at_ms;
  expected["nonce"] = token.nonce;
  expected["generation"] = token.generation;
  expected["tokenId"] = token.token_id;
  EXPECT_EQ(to_raw_json(token), expected.dump());
  // And it parses back to the same token.
  EXPECT_EQ(parse_authorization_header(header_for(to_raw_json(token), "0x")).token, token);
}

TEST(SessionToken, PipeInAFieldIsRefused) {
  auto token = vector_ephemeral_token();
  token.nonce = "a|b";
  EXPECT_THROW((void)to_raw_json(token), UsageError);
}

// ---- provider side: accepted tokens ----

TEST(SessionValidation, AcceptsTheSdkHeaderAndApiKey) {
  const auto parsed = validate_authorization_header(session_vector()["authorizationHeader"].get<std::string>(),
                                                    provider_context());
  EXPECT_EQ(parsed.token, vector_ephemeral_token());
  EXPECT_EQ(parsed.raw_json, session_vector()["rawMessage"].get<std::string>());
  EXPECT_EQ(parsed.signature_hex, session_vector()["signature"].get<std::string>());

  auto context = provider_context(4'000'000'000);  // expiresAt 0: never expires
  context.account = TokenRevocationState{0, eth::Uint256(0b10)};  // bit 1 revoked, not bit 0
  const auto key = validate_authorization_header("Bearer " + api_key_vector()["rawToken"].get<std::string>(), context);
  EXPECT_EQ(key.token, vector_api_key_token());
}

TEST(SessionValidation, AnyKeyOrderIsAccepted) {
  const std::string raw =
      "{\"tokenId\":255,\"nonce\":\"n1\",\"generation\":0,\"expiresAt\":1700086400000,\"timestamp\":1700000000000,"
      "\"provider\":\"" + input("provider") + "\",\"address\":\"" + input("userAddress") + "\",\"extra\":[1,2]}";
  const auto parsed = validate_authorization_header(header_for(raw, sign_raw_json(raw, user_key())), provider_context());
  EXPECT_EQ(parsed.token.nonce, "n1");
  EXPECT_EQ(parsed.token.expires_at_ms, 1'700'086'400'000);
  EXPECT_EQ(parsed.token.token_id, 255);
}

TEST(SessionValidation, ExpiryIsCheckedInWholeSeconds) {
  const auto header = signed_header(vector_ephemeral_token());  // expiresAt 1700086400000
  EXPECT_NO_THROW((void)validate_authorization_header(header, provider_context(1'700'086'400)));
  expect_rejected(header, provider_context(1'700'086'401), SessionTokenCheck::expired, "session token expired");
}

// ---- provider side: each check rejects with the broker's text ----

TEST(SessionValidation, HeaderPrefix) {
  const std::string message =
      "missing or invalid Authorization header, must be Bearer app-sk-<base64(rawMessage:signature)>";
  const std::string key = api_key_vector()["rawToken"].get<std::string>();
  expect_rejected(key, provider_context(), SessionTokenCheck::header, message);  // the caller forgot "Bearer "
  expect_rejected("", provider_context(), SessionTokenCheck::header, message);
  expect_rejected("bearer " + key, provider_context(), SessionTokenCheck::header, message);
  expect_rejected("Bearer sk-abc", provider_context(), SessionTokenCheck::header, message);
}

TEST(SessionValidation, BadBase64AndMissingSeparator) {
  expect_rejected("Bearer app-sk-!!!!", provider_context(), SessionTokenCheck::base64, "invalid base64 in Authorization header: ");
  expect_rejected("Bearer app-sk-e30", provider_context(), SessionTokenCheck::base64, "invalid base64 in Authorization header: ");
  expect_rejected(std::string(kBearerPrefix) + base64_encode(as_bytes("{}0xabc")), provider_context(),
                  SessionTokenCheck::payload, "invalid Authorization payload, expect base64(rawMessage:signature)");
}

TEST(SessionValidation, MalformedJsonAndWrongTypes) {
  const std::string prefix = "invalid session token format in Authorization: ";
  for (const std::string raw : {"{\"timestamp\":\"1700\"}", "{\"tokenId\":256}", "{\"tokenId\":-1}",
                                "{\"timestamp\":1.5}", "{\"generation\":-2}", "{\"address\":7}", "[1]", "{\"a\":",
                                "{\"timestamp\":9223372036854775808}"}) {
    SCOPED_TRACE(raw);
    expect_rejected(header_for(raw, "0x00"), provider_context(), SessionTokenCheck::json, prefix);
  }
}

TEST(SessionValidation, WrongProvider) {
  auto token = vector_ephemeral_token();
  token.provider = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
  // Also expired and from a future generation: the provider check comes first.
  auto context = provider_context(2'000'000'000);
  context.account = TokenRevocationState{0, {}};
  token.generation = 7;
  expect_rejected(signed_header(token), context, SessionTokenCheck::provider, "session token is for different provider");
}

TEST(SessionValidation, EphemeralLimits) {
  auto no_expiry = vector_ephemeral_token();
  no_expiry.expires_at_ms = 0;
  expect_rejected(signed_header(no_expiry), provider_context(), SessionTokenCheck::ephemeral_no_expiry,
                  "ephemeral token must have an expiration time");

  auto too_long = vector_ephemeral_token();
  too_long.expires_at_ms += 1;
  expect_rejected(signed_header(too_long), provider_context(), SessionTokenCheck::ephemeral_too_long,
                  "ephemeral token duration cannot exceed 24 hours");
}

TEST(SessionValidation, GenerationAndBitmapRevocation) {
  auto context = provider_context();
  context.account = TokenRevocationState{1, {}};
  expect_rejected(signed_header(vector_ephemeral_token()), context, SessionTokenCheck::generation_expired,
                  "session token has been revoked (generation expired)");

  auto future = vector_ephemeral_token();
  future.generation = 2;
  expect_rejected(signed_header(future), context, SessionTokenCheck::future_generation,
                  "invalid session token (future generation)");
  future.generation = 1;
  EXPECT_NO_THROW((void)validate_authorization_header(signed_header(future), context));

  // Bit tokenId of revokedBitmap; ephemeral tokens skip the bitmap.
  auto key = vector_api_key_token();
  key.token_id = 200;
  context.account = TokenRevocationState{0, eth::Uint256::from_hex("0x100000000000000000000000000000000000000000000000000")};
  expect_rejected(signed_header(key), context, SessionTokenCheck::revoked, "session token has been revoked");
  key.token_id = 199;
  EXPECT_NO_THROW((void)validate_authorization_header(signed_header(key), context));
  context.account->revoked_bitmap = eth::Uint256::from_hex(std::string("0x") + std::string(64, 'f'));
  EXPECT_NO_THROW((void)validate_authorization_header(signed_header(vector_ephemeral_token()), context));
}

TEST(SessionValidation, TamperedSignatureOrMessage) {
  const std::string raw = session_vector()["rawMessage"].get<std::string>();
  std::string signature = session_vector()["signature"].get<std::string>();
  signature[100] = signature[100] == '0' ? '1' : '0';  // inside s
  expect_rejected(header_for(raw, signature), provider_context(), SessionTokenCheck::signer_mismatch,
                  "signature verification failed: address mismatch");

  // A valid signature over different bytes (the nonce was edited after signing).
  std::string edited = raw;
  edited.replace(edited.find("abcdefghijk"), 11, "abcdefghijx");
  expect_rejected(header_for(edited, session_vector()["signature"].get<std::string>()), provider_context(),
                  SessionTokenCheck::signer_mismatch, "signature verification failed: address mismatch");
}

TEST(SessionValidation, SignatureEncoding) {
  const std::string raw = session_vector()["rawMessage"].get<std::string>();
  const std::string signature = session_vector()["signature"].get<std::string>();
  expect_rejected(header_for(raw, signature.substr(2)), provider_context(), SessionTokenCheck::signature_format,
                  "invalid signature format: hex string without 0x prefix");
  expect_rejected(header_for(raw, ""), provider_context(), SessionTokenCheck::signature_format, "invalid signature format: ");
  expect_rejected(header_for(raw, signature + "zz"), provider_context(), SessionTokenCheck::signature_format,
                  "invalid signature format: ");
  expect_rejected(header_for(raw, signature.substr(0, 130)), provider_context(), SessionTokenCheck::signature_length,
                  "invalid signature length");
  expect_rejected(header_for(raw, signature.substr(0, 130) + "01"), provider_context(),
                  SessionTokenCheck::signature_recovery, "failed to recover public key from signature: ");
}

// Untrusted input: whatever the bytes, the validator answers with a SessionTokenError, never
// another exception type or a crash.
TEST(SessionValidation, GarbagePayloadsOnlyEverGiveSessionTokenErrors) {
  const std::string raw = session_vector()["rawMessage"].get<std::string>();
  const std::string signature = session_vector()["signature"].get<std::string>();
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  constexpr std::string_view kSyntax = "{}[]\"\\:,|0x9e-.\x80";  // JSON syntax, digits, a stray UTF-8 byte
  int rejected = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string payload = raw + "|" + signature;
    const auto edits = 1 + next() % 4;
    for (std::uint64_t e = 0; e < edits; ++e) {
      const auto at = next() % payload.size();
      switch (next() % 3) {
        case 0: payload[at] = static_cast<char>(next()); break;
        case 1: payload.erase(at, 1 + next() % 8); break;
        default: payload.insert(at, 1, kSyntax[next() % kSyntax.size()]); break;
      }
      if (payload.empty()) payload = "|";
    }
    // Any exception other than SessionTokenError escapes and fails the test.
    try {
      (void)validate_authorization_header(std::string(kBearerPrefix) + base64_encode(as_bytes(payload)), provider_context());
    } catch (const SessionTokenError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1900);  // nearly every mutation breaks the JSON or the signature
}

TEST(SessionValidation, FreshTokenRoundTrip) {
  const auto address = eth::Address::from_public_key(user_key().public_key()).checksummed();
  const auto token = ephemeral_token(address, input("provider"), now_ms(), generate_nonce(now_ms()), 0);
  const auto parsed = validate_authorization_header(signed_header(token), provider_context());
  EXPECT_EQ(parsed.token, token);
}

}  // namespace
}  // namespace zg::broker
