#include "eth/abi.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/keccak.hpp"
#include "eth/abi_parser.hpp"

namespace zg::eth {
namespace {

// Reads "[keyword] Name(" and returns Name; the keyword is optional.
std::string read_head(detail::SignatureReader& reader, std::string_view keyword, const char* what) {
  if (reader.peek_word() == keyword) reader.read_word(keyword);
  const auto name = reader.read_word(what);
  if (name.front() >= '0' && name.front() <= '9') reader.fail(std::string(what) + " cannot start with a digit");
  reader.expect('(');
  return std::string(name);
}

Bytes with_selector(const Selector& selector, const Bytes& arguments) {
  Bytes out(selector.begin(), selector.end());
  append(out, arguments);
  return out;
}

ByteSpan after_selector(const Selector& selector, ByteSpan data, const std::string& what) {
  if (data.size() < selector.size() || !std::equal(selector.begin(), selector.end(), data.begin())) {
    throw ParseError("ABI: data does not start with the selector " + zg::to_hex(selector) + " of " + what + " (starts " +
                     zg::to_hex(data.first(std::min<std::size_t>(data.size(), 4))) + ")");
  }
  return data.subspan(selector.size());
}

}  // namespace

Selector selector_of(std::string_view canonical_signature) {
  const auto hash = crypto::keccak256(as_bytes(canonical_signature));
  Selector selector{};
  std::copy_n(hash.begin(), selector.size(), selector.begin());
  return selector;
}

// ---- Function ----

Function::Function(std::string name, AbiType inputs, AbiType outputs, StateMutability mutability)
    : name_(std::move(name)), inputs_(std::move(inputs)), outputs_(std::move(outputs)), mutability_(mutability) {
  selector_ = selector_of(signature());
}

Function Function::parse(std::string_view human_readable) {
  detail::SignatureReader reader(human_readable);
  auto name = read_head(reader, "function", "a function name");
  auto inputs = reader.read_params_after_open(false);
  std::vector<AbiParam> outputs;
  auto mutability = StateMutability::kNonpayable;
  bool has_returns = false;
  while (!reader.at_end()) {
    const auto word = reader.read_word("'returns' or a modifier such as 'view'");
    if (word == "view" || word == "constant") {
      mutability = StateMutability::kView;
    } else if (word == "pure") {
      mutability = StateMutability::kPure;
    } else if (word == "payable") {
      mutability = StateMutability::kPayable;
    } else if (word == "nonpayable" || word == "external" || word == "public") {
      // The default, or visibility: neither changes the ABI.
    } else if (word == "returns" && !has_returns) {
      has_returns = true;
      reader.expect('(');
      outputs = reader.read_params_after_open(false);
    } else {
      reader.fail("unexpected '" + std::string(word) + "'");
    }
  }
  return Function(std::move(name), AbiType::tuple(std::move(inputs)), AbiType::tuple(std::move(outputs)), mutability);
}

std::string Function::signature() const { return name_ + inputs_.canonical(); }

Bytes Function::encode_call(const AbiValue::List& arguments) const {
  try {
    return with_selector(selector_, abi_encode(inputs_, AbiValue(arguments)));
  } catch (const UsageError& error) {
    throw UsageError(std::string(error.what()) + " (calling " + signature() + ")");
  }
}

AbiValue Function::decode_output(ByteSpan return_data) const {
  try {
    return abi_decode(outputs_, return_data);
  } catch (const ParseError& error) {
    throw ParseError(std::string(error.what()) + " (result of " + signature() + ")");
  }
}

AbiValue Function::decode_call(ByteSpan calldata) const {
  return abi_decode(inputs_, after_selector(selector_, calldata, signature()));
}

Bytes Function::encode_output(const AbiValue::List& results) const { return abi_encode(outputs_, AbiValue(results)); }

// ---- Event ----

Event::Event(std::string name, AbiType inputs, bool anonymous)
    : name_(std::move(name)), inputs_(std::move(inputs)), anonymous_(anonymous) {
  topic0_ = crypto::keccak256(as_bytes(signature()));
}

Event Event::parse(std::string_view human_readable) {
  detail::SignatureReader reader(human_readable);
  auto name = read_head(reader, "event", "an event name");
  auto inputs = reader.read_params_after_open(true);
  bool anonymous = false;
  if (reader.peek_word() == "anonymous") {
    reader.read_word("anonymous");
    anonymous = true;
  }
  if (!reader.at_end()) reader.fail("unexpected text after the event");
  const auto indexed = std::count_if(inputs.begin(), inputs.end(), [](const AbiParam& p) { return p.indexed; });
  if (indexed > (anonymous ? 4 : 3)) reader.fail("an event has at most " + std::string(anonymous ? "4" : "3") + " indexed parameters");
  return Event(std::move(name), AbiType::tuple(std::move(inputs)), anonymous);
}

std::string Event::signature() const { return name_ + inputs_.canonical(); }

AbiValue Event::decode_log(std::span<const Hash256> topics, ByteSpan data) const {
  const auto& params = inputs_.components();
  if (!anonymous_) {
    if (topics.empty() || topics.front() != topic0_) {
      throw ParseError("ABI: log is not a " + signature() + " event (topic0 " +
                       (topics.empty() ? std::string("missing") : zg::to_hex(topics.front())) + ")");
    }
    topics = topics.subspan(1);
  }
  std::vector<AbiParam> data_params;
  std::size_t indexed_count = 0;
  for (const auto& param : params) {
    if (param.indexed) {
      ++indexed_count;
    } else {
      data_params.push_back(param);
    }
  }
  if (topics.size() != indexed_count) {
    throw ParseError("ABI: " + signature() + " log has " + std::to_string(topics.size()) + " indexed topics, expected " +
                     std::to_string(indexed_count));
  }
  const auto data_values = abi_decode(AbiType::tuple(std::move(data_params)), data);
  AbiValue::List values;
  std::size_t next_topic = 0;
  std::size_t next_data = 0;
  for (const auto& param : params) {
    if (!param.indexed) {
      values.push_back(data_values[next_data++]);
    } else if (param.type.is_dynamic() || param.type.kind() == AbiKind::kTuple || param.type.kind() == AbiKind::kFixedArray) {
      values.emplace_back(Bytes(topics[next_topic].begin(), topics[next_topic].end()));  // only the hash is logged
      ++next_topic;
    } else {
      values.push_back(abi_decode(AbiType::tuple({param}), topics[next_topic++])[0]);
    }
  }
  return AbiValue(std::move(values), inputs_.component_names());
}

// ---- CustomError ----

CustomError::CustomError(std::string name, AbiType inputs) : name_(std::move(name)), inputs_(std::move(inputs)) {
  selector_ = selector_of(signature());
}

CustomError CustomError::parse(std::string_view human_readable) {
  detail::SignatureReader reader(human_readable);
  auto name = read_head(reader, "error", "an error name");
  auto inputs = reader.read_params_after_open(false);
  if (!reader.at_end()) reader.fail("unexpected text after the error");
  return CustomError(std::move(name), AbiType::tuple(std::move(inputs)));
}

std::string CustomError::signature() const { return name_ + inputs_.canonical(); }

Bytes CustomError::encode(const AbiValue::List& arguments) const {
  return with_selector(selector_, abi_encode(inputs_, AbiValue(arguments)));
}

AbiValue CustomError::decode(ByteSpan revert_data) const {
  return abi_decode(inputs_, after_selector(selector_, revert_data, signature()));
}

std::string CustomError::format(const AbiValue& arguments) const { return name_ + abi_format(inputs_, arguments); }

}  // namespace zg::eth
