// `zg inference token`: the provider Authorization header, computed offline.
#include <chrono>

#include "broker/session_token.hpp"
#include "command.hpp"
#include "common/error.hpp"

namespace zg::cli {
namespace {

std::int64_t integer_option(const Args& args, const std::string& name, std::int64_t fallback, std::int64_t min,
                            std::int64_t max) {
  const auto v = args.value(name);
  if (!v) return fallback;
  std::int64_t n = 0;
  try {
    std::size_t used = 0;
    n = std::stoll(*v, &used);
    if (used != v->size()) throw std::invalid_argument(*v);
  } catch (const std::exception&) {
    throw UsageError("--" + name + ": '" + *v + "' is not a whole number");
  }
  if (n < min || n > max) {
    throw UsageError("--" + name + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int inference_token(Context& ctx, const Args& args) {
  const auto provider = args.required("provider");
  eth::Address::from_hex(provider);  // reject a malformed address; the token keeps the caller's spelling
  const auto timestamp = integer_option(args, "timestamp-ms", now_ms(), 0, INT64_MAX / 2);
  const auto nonce = args.value("nonce").value_or(broker::generate_nonce(timestamp));
  if (nonce.find('|') != std::string::npos || nonce.find('"') != std::string::npos) {
    throw UsageError("--nonce must not contain '|' or '\"'");
  }
  const auto generation = static_cast<std::uint64_t>(integer_option(args, "generation", 0, 0, INT64_MAX));
  const auto token_id = static_cast<std::uint8_t>(integer_option(args, "token-id", broker::kEphemeralTokenId, 0, 255));

  const auto key = ctx.wallet_key();
  const auto user = eth::Address::from_public_key(key.public_key()).checksummed();
  auto token = token_id == broker::kEphemeralTokenId
                   ? broker::ephemeral_token(user, provider, timestamp, nonce, generation)
                   : broker::api_key_token(user, provider, timestamp, nonce, generation, token_id);
  if (auto expires = args.value("expires-at-ms")) token.expires_at_ms = integer_option(args, "expires-at-ms", 0, 0, INT64_MAX);
  const auto signed_token = broker::sign_session_token(token, key);
  ctx.emit({{"rawMessage", signed_token.raw_json},
            {"signature", signed_token.signature_hex},
            {"apiKey", signed_token.api_key()},
            {"authorization", signed_token.authorization_header()}},
           signed_token.authorization_header());
  return 0;
}

}  // namespace

void add_inference_commands(std::vector<Command>& commands) {
  commands.push_back(
      {"inference token", "print the provider Authorization header (offline)",
       "Builds and signs a session token exactly as SDK 0.9.0 does and prints the value of the\n"
       "`Authorization` header a 0G provider expects (\"Bearer app-sk-...\"). Nothing is sent; use it\n"
       "for interoperability checks or with curl. Token id 255 (default) is an ephemeral 24 h token;\n"
       "0..254 make a persistent API key (expiresAt 0 unless --expires-at-ms).\n\n"
       "example: ZG_PRIVATE_KEY=0x... zg inference token --provider 0x7099...79C8 \\\n"
       "           --timestamp-ms 1700000000000 --nonce 1700000000000-abcdefghijk000000 --generation 0",
       {{"provider", "ADDR", "the provider address (kept exactly as given, like the SDK)"},
        {"timestamp-ms", "T", "token timestamp in ms since the epoch (default: now)"},
        {"nonce", "N", "token nonce (default: random, in the SDK's format)"},
        {"generation", "G", "Account.generation from the chain (default 0)"},
        {"token-id", "I", "255 = ephemeral (default), 0..254 = persistent API key"},
        {"expires-at-ms", "E", "explicit expiresAt in ms (default: timestamp + 24 h, or 0 for API keys)"}},
       inference_token});
}

}  // namespace zg::cli
