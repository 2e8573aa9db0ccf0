#pragma once
// What the provider signs per chat (protocol-inference.md §7.2, decentralized text):
// hex(sha256(request body)) ":" hex(sha256(response bytes as sent)), EIP-191 personal_sign with the
// TEE key, v 27/28; kept in memory under the chat id (the ZG-Res-Key) for a TTL, as the broker does.
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "crypto/secp256k1.hpp"

namespace zg::provider {

inline constexpr std::string_view kChatIdNotFound = "Chat id not found or expired, chat_id_not_found";

// 64 + 1 + 64 lowercase hex characters.
std::string signed_text(ByteSpan request_body, ByteSpan response_bytes);

struct ChatSignature {
  std::string text;
  std::string signature;        // "0x" + 130 hex digits
  std::string signing_address;  // EIP-55
};

ChatSignature sign_chat(std::string text, const crypto::PrivateKey& key);
// {"text","signature","signing_address","signing_algo":"ecdsa"}.
nlohmann::json signature_json(const ChatSignature& signature);

// A random UUID v4 (RFC 4122 layout) from the OS CSPRNG: the ZG-Res-Key.
std::string new_chat_id();

// Thread-safe; expired entries are dropped on insert so the map stays bounded by traffic. Every entry
// lives for the same ttl, so insertion order is expiry order: a queue finds the expired ones without
// scanning the map (a full scan per insert made each request O(entries) and the simulator slower and
// slower under load).
class SignatureCache {
 public:
  explicit SignatureCache(std::chrono::seconds ttl = std::chrono::minutes(20)) : ttl_(ttl) {}
  void put(const std::string& chat_id, ChatSignature signature);
  std::optional<ChatSignature> find(const std::string& chat_id);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    ChatSignature signature;
    Clock::time_point expires;
  };
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::deque<std::pair<Clock::time_point, std::string>> expiry_order_;
};

}  // namespace zg::provider
