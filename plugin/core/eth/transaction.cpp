#include "eth/transaction.hpp"

#include <algorithm>
#include <vector>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/keccak.hpp"
#include "eth/rlp.hpp"

namespace zg::eth {
namespace {

constexpr std::uint8_t kEip1559Prefix = 0x02;
constexpr std::uint64_t kEip155Offset = 35;  // v = chainId * 2 + 35 + recoveryId
constexpr std::size_t kEip1559FieldCount = 12;
constexpr std::size_t kLegacyFieldCount = 9;

rlp::Item to_item(const std::optional<Address>& to) {
  if (!to) return rlp::Item::bytes(Bytes{});
  return rlp::Item::bytes(ByteSpan(to->bytes()));
}

// r and s are RLP integers: big-endian without leading zeros.
rlp::Item scalar_item(const FixedBytes<32>& scalar) {
  const auto first = std::find_if(scalar.begin(), scalar.end(), [](std::uint8_t b) { return b != 0; });
  return rlp::Item::bytes(Bytes(first, scalar.end()));
}

std::vector<rlp::Item> eip1559_fields(const Transaction& tx) {
  std::vector<rlp::Item> fields;
  fields.push_back(rlp::Item::uint(tx.chain_id));
  fields.push_back(rlp::Item::uint(tx.nonce));
  fields.push_back(rlp::Item::uint(tx.max_priority_fee_per_gas));
  fields.push_back(rlp::Item::uint(tx.max_fee_per_gas));
  fields.push_back(rlp::Item::uint(tx.gas_limit));
  fields.push_back(to_item(tx.to));
  fields.push_back(rlp::Item::uint(tx.value));
  fields.push_back(rlp::Item::bytes(ByteSpan(tx.data)));
  fields.push_back(rlp::Item::list({}));  // empty access list
  return fields;
}

std::vector<rlp::Item> legacy_fields(const Transaction& tx) {
  std::vector<rlp::Item> fields;
  fields.push_back(rlp::Item::uint(tx.nonce));
  fields.push_back(rlp::Item::uint(tx.gas_price));
  fields.push_back(rlp::Item::uint(tx.gas_limit));
  fields.push_back(to_item(tx.to));
  fields.push_back(rlp::Item::uint(tx.value));
  fields.push_back(rlp::Item::bytes(ByteSpan(tx.data)));
  return fields;
}

Bytes typed_envelope(std::vector<rlp::Item> fields) {
  Bytes out{kEip1559Prefix};
  append(out, rlp::encode(rlp::Item::list(std::move(fields))));
  return out;
}

std::uint64_t legacy_v(const Transaction& tx, std::uint8_t recovery_id) {
  if (tx.chain_id > (UINT64_MAX - kEip155Offset - 1) / 2) throw UsageError("transaction: chain id too large for EIP-155");
  return tx.chain_id * 2 + kEip155Offset + recovery_id;
}

void check_chain_id(const Transaction& tx) {
  if (tx.chain_id == 0) throw UsageError("transaction: chain id is not set");
}

std::optional<Address> decode_to(const rlp::Item& item) {
  const Bytes& bytes = item.as_bytes();
  if (bytes.empty()) return std::nullopt;
  if (bytes.size() != 20) throw ParseError("transaction: 'to' has " + std::to_string(bytes.size()) + " bytes, expected 20");
  FixedBytes<20> address{};
  std::copy(bytes.begin(), bytes.end(), address.begin());
  return Address(address);
}

FixedBytes<32> decode_scalar(const rlp::Item& item, const char* what) {
  const Uint256 value = item.as_uint256(what);
  if (value.is_zero()) throw ParseError(std::string("transaction: signature ") + what + " is zero");
  return value.to_be_bytes();
}

SignedTransaction decode_eip1559(ByteSpan payload) {
  const rlp::Item root = rlp::decode(payload);
  const auto& f = root.as_list();
  if (f.size() != kEip1559FieldCount) {
    throw ParseError("transaction: type 2 has " + std::to_string(f.size()) + " fields, expected 12");
  }
  SignedTransaction signed_tx;
  Transaction& tx = signed_tx.tx;
  tx.type = TxType::eip1559;
  tx.chain_id = f[0].as_u64("chainId");
  tx.nonce = f[1].as_u64("nonce");
  tx.max_priority_fee_per_gas = f[2].as_uint256("maxPriorityFeePerGas");
  tx.max_fee_per_gas = f[3].as_uint256("maxFeePerGas");
  tx.gas_limit = f[4].as_u64("gasLimit");
  tx.to = decode_to(f[5]);
  tx.value = f[6].as_uint256("value");
  tx.data = f[7].as_bytes();
  if (!f[8].as_list().empty()) throw ParseError("transaction: access lists are not supported");
  const std::uint64_t parity = f[9].as_u64("yParity");
  if (parity > 1) throw ParseError("transaction: yParity is " + std::to_string(parity) + ", expected 0 or 1");
  signed_tx.signature.recovery_id = static_cast<std::uint8_t>(parity);
  signed_tx.signature.r = decode_scalar(f[10], "r");
  signed_tx.signature.s = decode_scalar(f[11], "s");
  return signed_tx;
}

SignedTransaction decode_legacy(ByteSpan raw) {
  const rlp::Item root = rlp::decode(raw);
  const auto& f = root.as_list();
  if (f.size() != kLegacyFieldCount) {
    throw ParseError("transaction: legacy has " + std::to_string(f.size()) + " fields, expected 9");
  }
  SignedTransaction signed_tx;
  Transaction& tx = signed_tx.tx;
  tx.type = TxType::legacy;
  tx.nonce = f[0].as_u64("nonce");
  tx.gas_price = f[1].as_uint256("gasPrice");
  tx.gas_limit = f[2].as_u64("gasLimit");
  tx.to = decode_to(f[3]);
  tx.value = f[4].as_uint256("value");
  tx.data = f[5].as_bytes();
  const std::uint64_t v = f[6].as_u64("v");
  if (v < kEip155Offset) throw ParseError("transaction: legacy v = " + std::to_string(v) + " has no EIP-155 chain id");
  tx.chain_id = (v - kEip155Offset) / 2;
  signed_tx.signature.recovery_id = static_cast<std::uint8_t>((v - kEip155Offset) % 2);
  signed_tx.signature.r = decode_scalar(f[7], "r");
  signed_tx.signature.s = decode_scalar(f[8], "s");
  return signed_tx;
}

}  // namespace

Hash256 Transaction::signing_hash() const {
  check_chain_id(*this);
  if (type == TxType::eip1559) return crypto::keccak256(typed_envelope(eip1559_fields(*this)));
  auto fields = legacy_fields(*this);
  fields.push_back(rlp::Item::uint(chain_id));
  fields.push_back(rlp::Item::uint(0));
  fields.push_back(rlp::Item::uint(0));
  return crypto::keccak256(rlp::encode(rlp::Item::list(std::move(fields))));
}

Bytes SignedTransaction::raw() const {
  check_chain_id(tx);
  if (tx.type == TxType::eip1559) {
    auto fields = eip1559_fields(tx);
    fields.push_back(rlp::Item::uint(signature.recovery_id));
    fields.push_back(scalar_item(signature.r));
    fields.push_back(scalar_item(signature.s));
    return typed_envelope(std::move(fields));
  }
  auto fields = legacy_fields(tx);
  fields.push_back(rlp::Item::uint(legacy_v(tx, signature.recovery_id)));
  fields.push_back(scalar_item(signature.r));
  fields.push_back(scalar_item(signature.s));
  return rlp::encode(rlp::Item::list(std::move(fields)));
}

std::string SignedTransaction::raw_hex() const { return to_hex(raw()); }

Hash256 SignedTransaction::hash() const { return crypto::keccak256(raw()); }

Address SignedTransaction::sender() const {
  return Address::from_public_key(crypto::recover(tx.signing_hash(), signature));
}

SignedTransaction sign_transaction(const Transaction& tx, const crypto::PrivateKey& key) {
  if (tx.type != TxType::eip1559 && tx.type != TxType::legacy) throw UsageError("transaction: unsupported type");
  return SignedTransaction{tx, key.sign_hash(tx.signing_hash())};
}

SignedTransaction decode_signed_transaction(ByteSpan raw) {
  if (raw.empty()) throw ParseError("transaction: empty input");
  if (raw[0] == kEip1559Prefix) return decode_eip1559(raw.subspan(1));
  if (raw[0] >= 0xc0) return decode_legacy(raw);
  throw ParseError("transaction: unsupported type 0x" + to_hex(raw.first(1), false));
}

Address contract_address(const Address& deployer, std::uint64_t nonce) {
  const Bytes encoded = rlp::encode(rlp::Item::list({rlp::Item::bytes(ByteSpan(deployer.bytes())), rlp::Item::uint(nonce)}));
  const Hash256 digest = crypto::keccak256(encoded);
  FixedBytes<20> address{};
  std::copy(digest.begin() + 12, digest.end(), address.begin());
  return Address(address);
}

}  // namespace zg::eth
