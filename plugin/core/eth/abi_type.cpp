#include "eth/abi_type.hpp"

#include <algorithm>
#include <charconv>

#include "common/error.hpp"
#include "eth/abi_parser.hpp"

namespace zg::eth {
namespace {

bool is_word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

// Parses the decimal suffix of "uint64" / "bytes32"; nullopt-like -1 when it is not a plain number.
long parse_suffix(std::string_view digits) noexcept {
  if (digits.empty() || digits.size() > 6 || digits.front() == '0') return -1;
  long value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return (error == std::errc{} && end == digits.data() + digits.size()) ? value : -1;
}

// Solidity words that may sit between a type and a name; they do not change the ABI.
bool is_data_location(std::string_view word) noexcept {
  return word == "memory" || word == "calldata" || word == "storage" || word == "payable";
}

}  // namespace

// ---- AbiType ----

AbiType AbiType::uint(unsigned bits) {
  if (bits == 0 || bits > 256 || bits % 8 != 0) throw ParseError("ABI type: uint" + std::to_string(bits) + " is not a valid size");
  AbiType type(AbiKind::kUint);
  type.bits_ = bits;
  return type;
}

AbiType AbiType::int_(unsigned bits) {
  if (bits == 0 || bits > 256 || bits % 8 != 0) throw ParseError("ABI type: int" + std::to_string(bits) + " is not a valid size");
  AbiType type(AbiKind::kInt);
  type.bits_ = bits;
  return type;
}

AbiType AbiType::address() { return AbiType(AbiKind::kAddress); }
AbiType AbiType::boolean() { return AbiType(AbiKind::kBool); }

AbiType AbiType::fixed_bytes(std::size_t size) {
  if (size == 0 || size > 32) throw ParseError("ABI type: bytes" + std::to_string(size) + " is not a valid size");
  AbiType type(AbiKind::kFixedBytes);
  type.length_ = size;
  return type;
}

AbiType AbiType::bytes() {
  AbiType type(AbiKind::kBytes);
  type.dynamic_ = true;
  return type;
}

AbiType AbiType::string() {
  AbiType type(AbiKind::kString);
  type.dynamic_ = true;
  return type;
}

AbiType AbiType::array(AbiType element) {
  AbiType type(AbiKind::kArray);
  type.element_ = std::make_shared<const AbiType>(std::move(element));
  type.finish();
  return type;
}

AbiType AbiType::fixed_array(AbiType element, std::size_t length) {
  if (length == 0 || length > kMaxFixedArrayLength) {
    throw ParseError("ABI type: fixed array length " + std::to_string(length) + " is outside 1.." +
                     std::to_string(kMaxFixedArrayLength));
  }
  AbiType type(AbiKind::kFixedArray);
  type.length_ = length;
  type.element_ = std::make_shared<const AbiType>(std::move(element));
  type.finish();
  return type;
}

AbiType AbiType::tuple(std::vector<AbiParam> components) {
  AbiType type(AbiKind::kTuple);
  std::vector<std::string> names;
  names.reserve(components.size());
  for (const auto& component : components) names.push_back(component.name);
  type.names_ = std::make_shared<const std::vector<std::string>>(std::move(names));
  type.components_ = std::make_shared<const std::vector<AbiParam>>(std::move(components));
  type.finish();
  return type;
}

void AbiType::finish() {
  std::size_t static_size = 0;
  unsigned child_depth = 0;
  if (kind_ == AbiKind::kTuple) {
    dynamic_ = std::any_of(components_->begin(), components_->end(), [](const AbiParam& p) { return p.type.is_dynamic(); });
    for (const auto& component : *components_) {
      static_size += component.type.head_size();  // each is at most kMaxHeadSize: no overflow per step
      child_depth = std::max(child_depth, component.type.depth());
      if (static_size > kMaxHeadSize) break;
    }
  } else {
    dynamic_ = kind_ == AbiKind::kArray || element_->is_dynamic();
    child_depth = element_->depth();
    // Both factors are bounded (65536 and 1 MiB), so the product fits 64 bits.
    if (kind_ == AbiKind::kFixedArray) static_size = length_ * element_->head_size();
  }
  depth_ = child_depth + 1;
  if (depth_ > kMaxDepth) throw ParseError("ABI type: nested more than " + std::to_string(kMaxDepth) + " levels deep");
  if (!dynamic_ && static_size > kMaxHeadSize) {
    throw ParseError("ABI type: a static type of more than " + std::to_string(kMaxHeadSize) + " bytes is not supported");
  }
  head_size_ = dynamic_ ? 32 : static_size;
}

const AbiType& AbiType::element() const {
  if (!element_) throw Error("ABI type " + canonical() + " is not an array");
  return *element_;
}

const std::vector<AbiParam>& AbiType::components() const {
  if (!components_) throw Error("ABI type " + canonical() + " is not a tuple");
  return *components_;
}

std::string AbiType::canonical() const {
  switch (kind_) {
    case AbiKind::kUint: return "uint" + std::to_string(bits_);
    case AbiKind::kInt: return "int" + std::to_string(bits_);
    case AbiKind::kAddress: return "address";
    case AbiKind::kBool: return "bool";
    case AbiKind::kFixedBytes: return "bytes" + std::to_string(length_);
    case AbiKind::kBytes: return "bytes";
    case AbiKind::kString: return "string";
    case AbiKind::kArray: return element_->canonical() + "[]";
    case AbiKind::kFixedArray: return element_->canonical() + "[" + std::to_string(length_) + "]";
    case AbiKind::kTuple: {
      std::string out = "(";
      for (std::size_t i = 0; i < components_->size(); ++i) {
        if (i != 0) out += ',';
        out += (*components_)[i].type.canonical();
      }
      return out + ")";
    }
  }
  return {};
}

AbiType AbiType::parse(std::string_view text) {
  detail::SignatureReader reader(text);
  AbiType type = reader.read_type();
  if (!reader.at_end()) reader.fail("unexpected text after the type");
  return type;
}

std::vector<AbiParam> parse_abi_params(std::string_view text, bool allow_indexed) {
  detail::SignatureReader reader(text);
  reader.expect('(');
  auto params = reader.read_params_after_open(allow_indexed);
  if (!reader.at_end()) reader.fail("unexpected text after the parameter list");
  return params;
}

// ---- SignatureReader ----

namespace detail {

void SignatureReader::skip_space() noexcept {
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) ++pos_;
}

std::string_view SignatureReader::peek_word() {
  skip_space();
  std::size_t end = pos_;
  while (end < text_.size() && is_word_char(text_[end])) ++end;
  return text_.substr(pos_, end - pos_);
}

std::string_view SignatureReader::read_word(std::string_view what) {
  const auto word = peek_word();
  if (word.empty()) fail("expected " + std::string(what));
  pos_ += word.size();
  return word;
}

bool SignatureReader::accept(char punctuation) {
  skip_space();
  if (pos_ < text_.size() && text_[pos_] == punctuation) {
    ++pos_;
    return true;
  }
  return false;
}

void SignatureReader::expect(char punctuation) {
  if (!accept(punctuation)) fail(std::string("expected '") + punctuation + "'");
}

bool SignatureReader::at_end() {
  skip_space();
  return pos_ == text_.size();
}

void SignatureReader::fail(const std::string& why) const {
  const auto shown = text_.size() > 120 ? std::string(text_.substr(0, 117)) + "..." : std::string(text_);
  throw ParseError("ABI signature: " + why + " at position " + std::to_string(pos_) + " of \"" + shown + "\"");
}

AbiType SignatureReader::read_type(unsigned depth) {
  if (depth >= AbiType::kMaxDepth) fail("types nested more than " + std::to_string(AbiType::kMaxDepth) + " levels deep");
  if (peek_word() == "tuple") {
    read_word("tuple");
    expect('(');
    return read_array_suffixes(AbiType::tuple(read_params_after_open(false, depth + 1)), depth);
  }
  if (accept('(')) return read_array_suffixes(AbiType::tuple(read_params_after_open(false, depth + 1)), depth);
  const auto word = read_word("a type");
  return read_array_suffixes(read_elementary(word), depth);
}

AbiType SignatureReader::read_elementary(std::string_view word) const {
  const auto sized = [&](std::string_view prefix) -> long {
    if (word.substr(0, prefix.size()) != prefix) return -2;  // not this family
    return word.size() == prefix.size() ? 0 : parse_suffix(word.substr(prefix.size()));
  };
  try {
    if (word == "address") return AbiType::address();
    if (word == "bool") return AbiType::boolean();
    if (word == "string") return AbiType::string();
    if (word == "bytes") return AbiType::bytes();
    if (word == "uint") return AbiType::uint(256);
    if (word == "int") return AbiType::int_(256);
    if (const long bits = sized("uint"); bits > 0) return AbiType::uint(static_cast<unsigned>(bits));
    if (const long bits = sized("int"); bits > 0) return AbiType::int_(static_cast<unsigned>(bits));
    if (const long size = sized("bytes"); size > 0) return AbiType::fixed_bytes(static_cast<std::size_t>(size));
  } catch (const ParseError& error) {
    fail(error.what());
  }
  fail("unknown ABI type '" + std::string(word) + "'");
}

AbiType SignatureReader::read_array_suffixes(AbiType type, unsigned depth) {
  while (accept('[')) {
    if (++depth >= AbiType::kMaxDepth) fail("types nested more than " + std::to_string(AbiType::kMaxDepth) + " levels deep");
    if (accept(']')) {
      type = AbiType::array(std::move(type));
      continue;
    }
    const auto digits = read_word("an array length");
    const long length = parse_suffix(digits);
    if (length <= 0 || static_cast<std::size_t>(length) > AbiType::kMaxFixedArrayLength) {
      fail("array length '" + std::string(digits) + "' is not a number in 1.." + std::to_string(AbiType::kMaxFixedArrayLength));
    }
    expect(']');
    try {
      type = AbiType::fixed_array(std::move(type), static_cast<std::size_t>(length));
    } catch (const ParseError& error) {
      fail(error.what());
    }
  }
  return type;
}

AbiParam SignatureReader::read_param(bool allow_indexed, unsigned depth) {
  AbiParam param{"", read_type(depth), false};
  for (auto word = peek_word(); !word.empty(); word = peek_word()) {
    if (!param.name.empty()) fail("unexpected word '" + std::string(word) + "' after the name '" + param.name + "'");
    read_word("a name");
    if (word == "indexed") {
      if (!allow_indexed) fail("'indexed' is only allowed for event parameters");
      param.indexed = true;
    } else if (!is_data_location(word)) {
      if (word.front() >= '0' && word.front() <= '9') fail("a name cannot start with a digit");
      param.name = word;
    }
  }
  return param;
}

std::vector<AbiParam> SignatureReader::read_params_after_open(bool allow_indexed, unsigned depth) {
  if (depth >= AbiType::kMaxDepth) fail("types nested more than " + std::to_string(AbiType::kMaxDepth) + " levels deep");
  std::vector<AbiParam> params;
  if (accept(')')) return params;
  do {
    params.push_back(read_param(allow_indexed, depth));
  } while (accept(','));
  expect(')');
  return params;
}

}  // namespace detail
}  // namespace zg::eth
