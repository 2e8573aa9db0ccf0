#pragma once
// EIP-712 typed structured data hashing, generic over any set of struct types.
//
// Input is either JSON in the eth_signTypedData_v4 form ({types, primaryType, domain, message}) or
// the same pieces built in C++. Values are JSON: integers as JSON numbers or decimal / 0x-hex
// strings (negative as "-5"), addresses and byte strings as 0x-hex, booleans as JSON booleans.
// Value rules follow ethers v6 TypedDataEncoder: out-of-range integers, wrong bytesN lengths,
// bad addresses, missing fields and unknown types are ParseErrors; extra message fields are ignored.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::crypto::eip712 {

struct Field {
  std::string name;
  std::string type;  // "uint256", "address", "bytes32", "string", "Person", "Person[]", "uint8[3]", ...
  friend bool operator==(const Field&, const Field&) = default;
};

// Struct name -> fields in declaration order.
using Types = std::map<std::string, std::vector<Field>, std::less<>>;

// The EIP712Domain values. Only the fields that are set take part in the domain type, in the
// order name, version, chainId, verifyingContract, salt (as ethers and MetaMask build it).
struct Domain {
  std::optional<std::string> name;
  std::optional<std::string> version;
  std::optional<eth::Uint256> chain_id;
  std::optional<eth::Address> verifying_contract;
  std::optional<Hash256> salt;

  std::vector<Field> type_fields() const;
  nlohmann::json to_json() const;
};

// "Mail(Person from,Person to,string contents)Person(string name,address wallet)": the type itself
// first, then every struct it references (transitively), sorted by name.
std::string encode_type(const Types& types, std::string_view type_name);
Hash256 type_hash(const Types& types, std::string_view type_name);
// typeHash || enc(field_1) || ... || enc(field_n), 32 bytes each.
Bytes encode_data(const Types& types, std::string_view type_name, const nlohmann::json& value);
Hash256 hash_struct(const Types& types, std::string_view type_name, const nlohmann::json& value);
// keccak256(0x19 0x01 || domainSeparator || structHash).
Hash256 signing_digest(const Hash256& domain_separator, const Hash256& struct_hash);

class TypedData {
 public:
  // `types` must not contain EIP712Domain; it is derived from the domain fields that are set.
  TypedData(Types types, std::string primary_type, const Domain& domain, nlohmann::json message);
  // eth_signTypedData_v4 JSON. An EIP712Domain entry in `types` is used as given; without one the
  // domain type is derived from the domain keys present. Unknown domain keys are a ParseError.
  static TypedData from_json(const nlohmann::json& typed_data);
  static TypedData parse(std::string_view json_text);  // malformed JSON is a ParseError

  Hash256 domain_separator() const;
  Hash256 struct_hash() const;  // hashStruct(primaryType, message)
  Hash256 digest() const;       // what eth_signTypedData_v4 signs

  const Types& types() const noexcept { return types_; }
  const std::string& primary_type() const noexcept { return primary_type_; }

 private:
  TypedData(Types types, std::string primary_type, nlohmann::json domain, nlohmann::json message);

  Types types_;  // includes EIP712Domain
  std::string primary_type_;
  nlohmann::json domain_;
  nlohmann::json message_;
};

}  // namespace zg::crypto::eip712
