#include "chat_signature.hpp"

#include <sys/random.h>

#include <array>
#include <cstdio>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/sha256.hpp"
#include "eth/address.hpp"

namespace zg::provider {

std::string signed_text(ByteSpan request_body, ByteSpan response_bytes) {
  return to_hex(crypto::sha256(request_body), false) + ":" + to_hex(crypto::sha256(response_bytes), false);
}

ChatSignature sign_chat(std::string text, const crypto::PrivateKey& key) {
  ChatSignature signed_chat;
  signed_chat.signature = crypto::personal_sign(key, as_bytes(text)).to_hex(27);
  signed_chat.signing_address = eth::Address::from_public_key(key.public_key()).checksummed();
  signed_chat.text = std::move(text);
  return signed_chat;
}

nlohmann::json signature_json(const ChatSignature& signature) {
  return {{"text", signature.text},
          {"signature", signature.signature},
          {"signing_address", signature.signing_address},
          {"signing_algo", "ecdsa"}};
}

std::string new_chat_id() {
  std::array<std::uint8_t, 16> bytes{};
  if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    throw IoError("getrandom failed while making a chat id");
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string hex = to_hex(bytes, false);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

void SignatureCache::put(const std::string& chat_id, ChatSignature signature) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  while (!expiry_order_.empty() && expiry_order_.front().first <= now) {
    // An id put again later has a newer expiry in the map: only drop what really expired.
    const auto found = entries_.find(expiry_order_.front().second);
    if (found != entries_.end() && found->second.expires <= now) entries_.erase(found);
    expiry_order_.pop_front();
  }
  entries_.insert_or_assign(chat_id, Entry{std::move(signature), now + ttl_});
  expiry_order_.emplace_back(now + ttl_, chat_id);
}

std::optional<ChatSignature> SignatureCache::find(const std::string& chat_id) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(chat_id);
  if (found == entries_.end() || found->second.expires <= Clock::now()) return std::nullopt;
  return found->second.signature;
}

}  // namespace zg::provider
