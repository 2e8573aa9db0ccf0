#pragma once
// EIP-191 version 0x45 ("personal_sign"): the digest wallets sign for a plain message, so that a
// signed message can never double as a signed transaction.
#include "common/bytes.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"

namespace zg::crypto {

// keccak256("\x19Ethereum Signed Message:\n" + decimal(message.size()) + message).
Hash256 eip191_hash(ByteSpan message);
// The same over the 32 raw bytes of a hash (the "\n32" case): what signMessage(getBytes(hash)) signs.
Hash256 eip191_hash_of_hash(const Hash256& hash);

// personal_sign: signs eip191_hash(message).
Signature personal_sign(const PrivateKey& key, ByteSpan message);
// The address that personal_sign'ed `message`; throws ParseError for a signature that recovers nothing.
eth::Address recover_personal_signer(ByteSpan message, const Signature& signature);

}  // namespace zg::crypto
