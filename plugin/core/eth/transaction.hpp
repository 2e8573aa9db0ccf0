#pragma once
// Ethereum transactions: EIP-1559 (type 2) and legacy with EIP-155 replay protection.
// Build a Transaction, sign it with a private key, send raw() with eth_sendRawTransaction.
#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::eth {

enum class TxType : std::uint8_t { legacy = 0, eip1559 = 2 };

struct Transaction {
  TxType type = TxType::eip1559;
  std::uint64_t chain_id = 0;
  std::uint64_t nonce = 0;
  Uint256 max_priority_fee_per_gas;  // type 2 only
  Uint256 max_fee_per_gas;           // type 2 only
  Uint256 gas_price;                 // legacy only
  std::uint64_t gas_limit = 0;
  std::optional<Address> to;         // none: contract creation, `data` is the init code
  Uint256 value;
  Bytes data;

  // The digest the sender signs: keccak256(0x02 || rlp([...9 fields])) for type 2,
  // keccak256(rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0])) for legacy.
  Hash256 signing_hash() const;
};

struct SignedTransaction {
  Transaction tx;
  crypto::Signature signature;

  // The bytes eth_sendRawTransaction takes (0x02-prefixed for type 2).
  Bytes raw() const;
  std::string raw_hex() const;
  // The transaction hash: keccak256(raw()).
  Hash256 hash() const;
  // Recovers the sender from the signature.
  Address sender() const;
};

SignedTransaction sign_transaction(const Transaction& tx, const crypto::PrivateKey& key);

// Parses a raw signed transaction (type 2 or EIP-155 legacy) strictly; ParseError on anything else.
SignedTransaction decode_signed_transaction(ByteSpan raw);

// The address a contract created by `deployer` with `nonce` gets: keccak256(rlp([deployer, nonce]))[12:].
Address contract_address(const Address& deployer, std::uint64_t nonce);

}  // namespace zg::eth
