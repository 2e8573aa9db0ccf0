#include "crypto/eip191.hpp"

#include <string>

#include "crypto/keccak.hpp"

namespace zg::crypto {

Hash256 eip191_hash(ByteSpan message) {
  // Hashed in pieces so that a large message is never copied behind its prefix.
  const std::string prefix = "\x19" "Ethereum Signed Message:\n" + std::to_string(message.size());
  Keccak256 hasher;
  hasher.update(as_bytes(prefix));
  hasher.update(message);
  return hasher.finalize();
}

Hash256 eip191_hash_of_hash(const Hash256& hash) { return eip191_hash(hash); }

Signature personal_sign(const PrivateKey& key, ByteSpan message) { return key.sign_hash(eip191_hash(message)); }

eth::Address recover_personal_signer(ByteSpan message, const Signature& signature) {
  return eth::Address::from_public_key(recover(eip191_hash(message), signature));
}

}  // namespace zg::crypto
