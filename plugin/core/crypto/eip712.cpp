#include "crypto/eip712.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <set>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/keccak.hpp"

namespace zg::crypto::eip712 {
namespace {

constexpr std::string_view kDomainType = "EIP712Domain";
using Word = FixedBytes<32>;
using Json = nlohmann::json;

// ---- type strings -------------------------------------------------------------------------------

// "Person[2][]" -> element "Person[2]", length nullopt (dynamic); "Person" -> not an array.
struct ArrayType {
  std::string_view element;
  std::optional<std::size_t> length;
};

std::optional<ArrayType> split_array(std::string_view type) {
  if (type.empty() || type.back() != ']') return std::nullopt;
  const auto open = type.rfind('[');
  if (open == std::string_view::npos || open == 0) throw ParseError("eip712: malformed array type '" + std::string(type) + "'");
  ArrayType array{type.substr(0, open), std::nullopt};
  const auto digits = type.substr(open + 1, type.size() - open - 2);
  if (!digits.empty()) {
    std::size_t length = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (error != std::errc{} || end != digits.data() + digits.size()) {
      throw ParseError("eip712: malformed array length in '" + std::string(type) + "'");
    }
    array.length = length;
  }
  return array;
}

std::string_view base_type(std::string_view type) {
  while (const auto array = split_array(type)) type = array->element;
  return type;
}

// Parses the N of uintN / intN / bytesN: digits without leading zeros, as ethers requires.
std::optional<unsigned> width_suffix(std::string_view type, std::string_view prefix) {
  if (!type.starts_with(prefix)) return std::nullopt;
  const auto digits = type.substr(prefix.size());
  if (digits.empty() || digits[0] == '0') return std::nullopt;
  unsigned width = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), width);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return width;
}

struct IntegerType {
  bool is_signed;
  unsigned bits;
};

std::optional<IntegerType> integer_type(std::string_view type) {
  const bool is_signed = !type.starts_with("u");
  const auto bits = width_suffix(type, is_signed ? "int" : "uint");
  if (!bits || *bits % 8 != 0 || *bits > 256) return std::nullopt;
  return IntegerType{is_signed, *bits};
}

std::optional<unsigned> fixed_bytes_width(std::string_view type) {
  const auto width = width_suffix(type, "bytes");
  if (!width || *width > 32) return std::nullopt;
  return width;
}

bool is_atomic(std::string_view type) {
  return type == "address" || type == "bool" || type == "string" || type == "bytes" || integer_type(type) ||
         fixed_bytes_width(type);
}

const std::vector<Field>& fields_of(const Types& types, std::string_view type_name) {
  const auto found = types.find(type_name);
  if (found == types.end()) throw ParseError("eip712: unknown struct type '" + std::string(type_name) + "'");
  return found->second;
}

// Collects `type_name` and every struct it references, detecting unknown types on the way.
void collect_dependencies(const Types& types, std::string_view type_name, std::set<std::string, std::less<>>& found) {
  if (found.contains(type_name)) return;
  found.emplace(type_name);
  for (const auto& field : fields_of(types, type_name)) {
    const auto base = base_type(field.type);
    if (types.contains(base)) {
      collect_dependencies(types, base, found);
    } else if (!is_atomic(base)) {
      throw ParseError("eip712: unknown type '" + field.type + "' of field '" + field.name + "' in '" +
                       std::string(type_name) + "'");
    }
  }
}

std::string encode_one_type(const Types& types, std::string_view type_name) {
  std::string out(type_name);
  out += '(';
  bool first = true;
  for (const auto& field : fields_of(types, type_name)) {
    if (!first) out += ',';
    first = false;
    out += field.type + ' ' + field.name;
  }
  out += ')';
  return out;
}

// ---- values -------------------------------------------------------------------------------------

[[noreturn]] void bad_value(std::string_view type, const std::string& why) {
  throw ParseError("eip712: invalid " + std::string(type) + " value: " + why);
}

const std::string& expect_string(const Json& value, std::string_view type) {
  if (!value.is_string()) bad_value(type, "expected a string, got " + std::string(value.type_name()));
  return value.get_ref<const std::string&>();
}

struct SignedMagnitude {
  bool negative = false;
  eth::Uint256 magnitude;
};

SignedMagnitude parse_integer(const Json& value, std::string_view type) {
  if (value.is_number_unsigned()) return {false, eth::Uint256(value.get<std::uint64_t>())};
  if (value.is_number_integer()) {
    const auto number = value.get<std::int64_t>();
    // The magnitude of INT64_MIN does not fit int64: negate in unsigned arithmetic.
    return {number < 0, eth::Uint256(number < 0 ? 0 - static_cast<std::uint64_t>(number) : static_cast<std::uint64_t>(number))};
  }
  if (value.is_number_float()) bad_value(type, "not an integer (large numbers must be strings)");
  std::string_view text = expect_string(value, type);
  SignedMagnitude result;
  if (text.starts_with('-')) {
    result.negative = true;
    text.remove_prefix(1);
  }
  try {
    result.magnitude = eth::Uint256::parse(text);
  } catch (const ParseError& error) {
    bad_value(type, error.what());
  }
  return result;
}

bool is_power_of_two(const eth::Uint256& value) {
  unsigned ones = 0;
  for (const auto limb : value.limbs()) ones += static_cast<unsigned>(std::popcount(limb));
  return ones == 1;
}

Word twos_complement(const eth::Uint256& magnitude) {
  auto word = magnitude.to_be_bytes();
  for (auto& byte : word) byte = static_cast<std::uint8_t>(~byte);
  for (std::size_t i = word.size(); i-- > 0;) {  // + 1 with carry
    if (++word[i] != 0) break;
  }
  return word;
}

Word encode_integer(const Json& value, std::string_view type, IntegerType spec) {
  const auto [negative, magnitude] = parse_integer(value, type);
  const auto bits = magnitude.bit_length();
  if (!spec.is_signed) {
    if (negative && !magnitude.is_zero()) bad_value(type, "negative");
    if (bits > spec.bits) bad_value(type, "out of range");
    return magnitude.to_be_bytes();
  }
  // intN holds -2^(N-1) .. 2^(N-1)-1.
  const bool fits = bits < spec.bits || (negative && bits == spec.bits && is_power_of_two(magnitude));
  if (!fits) bad_value(type, "out of range");
  return negative && !magnitude.is_zero() ? twos_complement(magnitude) : magnitude.to_be_bytes();
}

Word encode_address(const Json& value, std::string_view type) {
  try {
    const auto address = eth::Address::from_hex(expect_string(value, type));
    Word word{};
    std::copy(address.bytes().begin(), address.bytes().end(), word.begin() + 12);
    return word;
  } catch (const ParseError& error) {
    bad_value(type, error.what());
  }
}

Word encode_fixed_bytes(const Json& value, std::string_view type, unsigned width) {
  Bytes bytes;
  try {
    bytes = from_hex(expect_string(value, type));
  } catch (const ParseError& error) {
    bad_value(type, error.what());
  }
  if (bytes.size() != width) bad_value(type, std::to_string(bytes.size()) + " bytes, expected " + std::to_string(width));
  Word word{};  // bytesN is left-aligned, zero-padded on the right
  std::copy(bytes.begin(), bytes.end(), word.begin());
  return word;
}

Word encode_atomic(const Json& value, std::string_view type) {
  if (value.is_null()) bad_value(type, "missing");
  if (type == "bool") {
    if (!value.is_boolean()) bad_value(type, "expected true or false");
    Word word{};
    word[31] = value.get<bool>() ? 1 : 0;
    return word;
  }
  if (type == "address") return encode_address(value, type);
  if (type == "string") return keccak256(as_bytes(expect_string(value, type)));
  if (type == "bytes") {
    try {
      return keccak256(from_hex(expect_string(value, type)));
    } catch (const ParseError& error) {
      bad_value(type, error.what());
    }
  }
  if (const auto spec = integer_type(type)) return encode_integer(value, type, *spec);
  if (const auto width = fixed_bytes_width(type)) return encode_fixed_bytes(value, type, *width);
  throw ParseError("eip712: unknown type '" + std::string(type) + "'");
}

Word encode_field(const Types& types, std::string_view type, const Json& value);

// keccak256 of the concatenated encodings of the elements.
Word encode_array(const Types& types, std::string_view type, const ArrayType& array, const Json& value) {
  if (!value.is_array()) bad_value(type, "expected an array, got " + std::string(value.type_name()));
  if (array.length && value.size() != *array.length) {
    bad_value(type, std::to_string(value.size()) + " elements, expected " + std::to_string(*array.length));
  }
  Keccak256 hasher;
  for (const auto& element : value) hasher.update(encode_field(types, array.element, element));
  return hasher.finalize();
}

Word encode_field(const Types& types, std::string_view type, const Json& value) {
  if (const auto array = split_array(type)) return encode_array(types, type, *array, value);
  if (types.contains(type)) {
    if (!value.is_object()) bad_value(type, "expected an object, got " + std::string(value.type_name()));
    return hash_struct(types, type, value);
  }
  return encode_atomic(value, type);
}

// ---- domain -------------------------------------------------------------------------------------

// The standard domain fields and their types, in canonical order.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kDomainFields{{
    {"name", "string"}, {"version", "string"}, {"chainId", "uint256"}, {"verifyingContract", "address"}, {"salt", "bytes32"}}};

std::vector<Field> domain_fields_from_keys(const Json& domain) {
  for (const auto& item : domain.items()) {
    const auto& key = item.key();
    const bool known = std::any_of(kDomainFields.begin(), kDomainFields.end(), [&](const auto& f) { return f.first == key; });
    if (!known) throw ParseError("eip712: unknown domain field '" + key + "'");
  }
  std::vector<Field> fields;
  for (const auto& [name, type] : kDomainFields) {
    if (domain.contains(name)) fields.push_back({std::string(name), std::string(type)});
  }
  return fields;
}

Types parse_types(const Json& json) {
  if (!json.is_object()) throw ParseError("eip712: 'types' must be an object");
  Types types;
  for (const auto& [name, fields] : json.items()) {
    if (!fields.is_array()) throw ParseError("eip712: type '" + name + "' must be an array of {name, type}");
    auto& out = types[name];
    for (const auto& field : fields) {
      if (!field.is_object() || !field.contains("name") || !field.contains("type") || !field["name"].is_string() ||
          !field["type"].is_string()) {
        throw ParseError("eip712: every field of '" + name + "' needs a string 'name' and 'type'");
      }
      out.push_back({field["name"].get<std::string>(), field["type"].get<std::string>()});
    }
  }
  return types;
}

const Json& require(const Json& json, const char* key) {
  if (!json.is_object() || !json.contains(key)) throw ParseError(std::string("eip712: typed data has no '") + key + "'");
  return json[key];
}

}  // namespace

std::vector<Field> Domain::type_fields() const { return domain_fields_from_keys(to_json()); }

Json Domain::to_json() const {
  Json json = Json::object();
  if (name) json["name"] = *name;
  if (version) json["version"] = *version;
  if (chain_id) json["chainId"] = chain_id->to_dec();
  if (verifying_contract) json["verifyingContract"] = verifying_contract->lower_hex();
  if (salt) json["salt"] = to_hex(*salt);
  return json;
}

std::string encode_type(const Types& types, std::string_view type_name) {
  std::set<std::string, std::less<>> dependencies;
  collect_dependencies(types, type_name, dependencies);
  dependencies.erase(dependencies.find(type_name));
  auto out = encode_one_type(types, type_name);
  for (const auto& dependency : dependencies) out += encode_one_type(types, dependency);  // std::set is sorted
  return out;
}

Hash256 type_hash(const Types& types, std::string_view type_name) { return keccak256(as_bytes(encode_type(types, type_name))); }

Bytes encode_data(const Types& types, std::string_view type_name, const Json& value) {
  if (!value.is_object()) bad_value(type_name, "expected an object, got " + std::string(value.type_name()));
  const auto& fields = fields_of(types, type_name);
  Bytes out;
  out.reserve(32 * (fields.size() + 1));
  append(out, type_hash(types, type_name));
  for (const auto& field : fields) {
    const auto member = value.find(field.name);
    if (member == value.end()) {
      throw ParseError("eip712: '" + std::string(type_name) + "' value has no field '" + field.name + "'");
    }
    append(out, encode_field(types, field.type, *member));
  }
  return out;
}

Hash256 hash_struct(const Types& types, std::string_view type_name, const Json& value) {
  return keccak256(encode_data(types, type_name, value));
}

Hash256 signing_digest(const Hash256& domain_separator, const Hash256& struct_hash) {
  FixedBytes<66> preimage{};
  preimage[0] = 0x19;
  preimage[1] = 0x01;
  std::copy(domain_separator.begin(), domain_separator.end(), preimage.begin() + 2);
  std::copy(struct_hash.begin(), struct_hash.end(), preimage.begin() + 34);
  return keccak256(preimage);
}

TypedData::TypedData(Types types, std::string primary_type, Json domain, Json message)
    : types_(std::move(types)), primary_type_(std::move(primary_type)), domain_(std::move(domain)), message_(std::move(message)) {
  if (!domain_.is_object()) throw ParseError("eip712: 'domain' must be an object");
  if (!types_.contains(kDomainType)) types_.emplace(kDomainType, domain_fields_from_keys(domain_));
  if (primary_type_ == kDomainType) throw ParseError("eip712: primaryType cannot be EIP712Domain");
  encode_type(types_, primary_type_);  // fails early on unknown types
}

TypedData::TypedData(Types types, std::string primary_type, const Domain& domain, Json message)
    : TypedData(std::move(types), std::move(primary_type), domain.to_json(), std::move(message)) {}

TypedData TypedData::from_json(const Json& typed_data) {
  const auto& primary = require(typed_data, "primaryType");
  if (!primary.is_string()) throw ParseError("eip712: 'primaryType' must be a string");
  return TypedData(parse_types(require(typed_data, "types")), primary.get<std::string>(), require(typed_data, "domain"),
                   require(typed_data, "message"));
}

TypedData TypedData::parse(std::string_view json_text) {
  const auto json = Json::parse(json_text, nullptr, false);
  if (json.is_discarded()) throw ParseError("eip712: typed data is not valid JSON");
  return from_json(json);
}

Hash256 TypedData::domain_separator() const { return hash_struct(types_, kDomainType, domain_); }
Hash256 TypedData::struct_hash() const { return hash_struct(types_, primary_type_, message_); }
Hash256 TypedData::digest() const { return signing_digest(domain_separator(), struct_hash()); }

}  // namespace zg::crypto::eip712
