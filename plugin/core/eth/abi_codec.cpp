#include "eth/abi_codec.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "common/error.hpp"
#include "common/hex.hpp"

namespace zg::eth {
namespace {

constexpr std::size_t kWord = 32;

// The members of a tuple, or the `count` elements of an array, seen as one sequence of types.
struct Sequence {
  const std::vector<AbiParam>* components = nullptr;
  const AbiType* repeated = nullptr;
  std::size_t count = 0;

  static Sequence of_tuple(const AbiType& tuple) { return {&tuple.components(), nullptr, tuple.components().size()}; }
  static Sequence of_elements(const AbiType& element, std::size_t count) { return {nullptr, &element, count}; }

  const AbiType& type(std::size_t i) const { return components ? (*components)[i].type : *repeated; }
  std::string_view name(std::size_t i) const { return components ? std::string_view((*components)[i].name) : std::string_view(); }
  bool is_array() const noexcept { return repeated != nullptr; }
};

// Where a value sits inside the whole, rendered only when an error is reported:
// "service.url", "refunds[2].processed", "field 3".
struct FieldPath {
  const FieldPath* parent = nullptr;
  std::size_t index = 0;
  std::string_view name;
  bool is_element = false;

  // Built with append only: GCC 12 at -O3 reports a false -Wrestrict for "literal" + std::string.
  std::string render() const {
    std::string out;
    if (parent != nullptr) {
      out = parent->render();
      out.append(is_element ? "[" : ".");
    } else if (is_element) {
      out.append("element ");
    }
    if (is_element || name.empty()) {
      if (!is_element) out.append("field ");
      out.append(std::to_string(index));
      if (is_element && parent != nullptr) out.append("]");
    } else {
      out.append(name);
    }
    return out;
  }
};

FieldPath child_path(const FieldPath* parent, const Sequence& sequence, std::size_t i) {
  return {parent, i, sequence.name(i), sequence.is_array()};
}

std::string describe(const FieldPath& path, const AbiType& type) { return path.render() + " (" + type.canonical() + ")"; }

// Two's complement value fits intN: bits N-1 .. 255 are all equal (all zero or all one).
bool fits_signed(const Uint256& value, unsigned bits) {
  if (bits == 256) return true;
  const auto& limbs = value.limbs();
  const bool negative = (limbs[3] >> 63) != 0;
  for (unsigned bit = bits - 1; bit < 256; ++bit) {
    const bool set = ((limbs[bit / 64] >> (bit % 64)) & 1U) != 0;
    if (set != negative) return false;
  }
  return true;
}

bool all_zero(ByteSpan bytes) { return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; }); }

std::size_t padded_size(std::size_t size) { return (size + kWord - 1) / kWord * kWord; }

// ---- encoding ----

void append_word(Bytes& out, const Uint256& value) { append(out, value.to_be_bytes()); }

void append_padded(Bytes& out, ByteSpan data) {
  append(out, data);
  out.resize(out.size() + padded_size(data.size()) - data.size(), 0);
}

[[noreturn]] void encode_failure(const FieldPath& path, const AbiType& type, const std::string& why) {
  throw UsageError("ABI encode: " + describe(path, type) + " " + why);
}

template <typename Getter>
decltype(auto) expect_kind(const FieldPath& path, const AbiType& type, const AbiValue& value, Getter getter) {
  try {
    return getter(value);
  } catch (const UsageError&) {
    throw;
  } catch (const Error&) {
    encode_failure(path, type, std::string("cannot take a value of kind ") + value.kind_name());
  }
}

Bytes encode_value(const AbiType& type, const AbiValue& value, const FieldPath& path);

Bytes encode_sequence(const Sequence& sequence, const AbiValue::List& values, const FieldPath* parent) {
  std::size_t head_size = 0;
  for (std::size_t i = 0; i < sequence.count; ++i) head_size += sequence.type(i).head_size();
  Bytes head;
  Bytes tail;
  head.reserve(head_size);
  for (std::size_t i = 0; i < sequence.count; ++i) {
    const auto path = child_path(parent, sequence, i);
    const auto& type = sequence.type(i);
    auto encoded = encode_value(type, values[i], path);
    if (type.is_dynamic()) {
      append_word(head, Uint256(static_cast<std::uint64_t>(head_size + tail.size())));
      append(tail, encoded);
    } else {
      append(head, encoded);
    }
  }
  append(head, tail);
  return head;
}

const AbiValue::List& expect_list(const FieldPath& path, const AbiType& type, const AbiValue& value, std::size_t count) {
  const auto& list = expect_kind(path, type, value, [](const AbiValue& v) -> const AbiValue::List& { return v.as_list(); });
  if (count != list.size()) {
    encode_failure(path, type, "needs " + std::to_string(count) + " values, got " + std::to_string(list.size()));
  }
  return list;
}

Bytes encode_number(const AbiType& type, const AbiValue& value, const FieldPath& path) {
  const auto& number = expect_kind(path, type, value, [](const AbiValue& v) -> const Uint256& { return v.as_uint(); });
  if (type.kind() == AbiKind::kUint && number.bit_length() > type.bits()) {
    encode_failure(path, type, "value " + number.to_dec() + " does not fit " + std::to_string(type.bits()) + " bits");
  }
  if (type.kind() == AbiKind::kInt && !fits_signed(number, type.bits())) {
    encode_failure(path, type, "value " + number.to_hex() + " (two's complement) does not fit " + std::to_string(type.bits()) + " bits");
  }
  Bytes out;
  append_word(out, number);
  return out;
}

Bytes encode_value(const AbiType& type, const AbiValue& value, const FieldPath& path) {
  Bytes out;
  switch (type.kind()) {
    case AbiKind::kUint:
    case AbiKind::kInt: return encode_number(type, value, path);
    case AbiKind::kAddress: {
      const auto& address = expect_kind(path, type, value, [](const AbiValue& v) -> const Address& { return v.as_address(); });
      out.resize(kWord - 20, 0);
      append(out, address.bytes());
      return out;
    }
    case AbiKind::kBool:
      append_word(out, Uint256(expect_kind(path, type, value, [](const AbiValue& v) { return v.as_bool(); }) ? 1 : 0));
      return out;
    case AbiKind::kFixedBytes: {
      const auto& bytes = expect_kind(path, type, value, [](const AbiValue& v) -> const Bytes& { return v.as_bytes(); });
      if (bytes.size() != type.length()) encode_failure(path, type, "needs exactly " + std::to_string(type.length()) + " bytes, got " + std::to_string(bytes.size()));
      append_padded(out, bytes);
      return out;
    }
    case AbiKind::kBytes: {
      const auto& bytes = expect_kind(path, type, value, [](const AbiValue& v) -> const Bytes& { return v.as_bytes(); });
      append_word(out, Uint256(static_cast<std::uint64_t>(bytes.size())));
      append_padded(out, bytes);
      return out;
    }
    case AbiKind::kString: {
      const auto& text = expect_kind(path, type, value, [](const AbiValue& v) -> const std::string& { return v.as_string(); });
      append_word(out, Uint256(static_cast<std::uint64_t>(text.size())));
      append_padded(out, as_bytes(text));
      return out;
    }
    case AbiKind::kArray: {
      const auto& list = expect_kind(path, type, value, [](const AbiValue& v) -> const AbiValue::List& { return v.as_list(); });
      append_word(out, Uint256(static_cast<std::uint64_t>(list.size())));
      append(out, encode_sequence(Sequence::of_elements(type.element(), list.size()), list, &path));
      return out;
    }
    case AbiKind::kFixedArray:
      return encode_sequence(Sequence::of_elements(type.element(), type.length()),
                             expect_list(path, type, value, type.length()), &path);
    case AbiKind::kTuple:
      return encode_sequence(Sequence::of_tuple(type), expect_list(path, type, value, type.components().size()), &path);
  }
  return out;
}

// ---- decoding ----

class Decoder {
 public:
  explicit Decoder(ByteSpan data) : data_(data), budget_(kAbiMaxInflation * data.size() + 4096) {}

  AbiValue decode_top(const AbiType& tuple) {
    return decode_sequence(Sequence::of_tuple(tuple), 0, nullptr, tuple.component_names());
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw ParseError("ABI: " + why); }

  // Each decoded value costs at least one word, so aliasing offsets and zero-size types cannot make
  // the output grow far beyond the input.
  void charge(std::size_t bytes) {
    if (bytes > budget_) {
      fail("the data makes the decoder read more than " + std::to_string(kAbiMaxInflation) + " times its " +
           std::to_string(data_.size()) + " bytes (offsets that alias each other?)");
    }
    budget_ -= bytes;
  }

  ByteSpan word_at(std::size_t pos, const FieldPath& path, const AbiType& type) const {
    if (pos > data_.size() || data_.size() - pos < kWord) {
      fail(describe(path, type) + " needs 32 bytes at byte " + std::to_string(pos) + " but the data ends at byte " +
           std::to_string(data_.size()));
    }
    return data_.subspan(pos, kWord);
  }

  // A length, count or offset word. Values above 64 bits saturate: they fail every bounds check
  // below, which then report the real number from `word`.
  struct SizeWord {
    std::size_t value;
    std::string hex;
  };
  SizeWord size_word_at(std::size_t pos, const FieldPath& path, const AbiType& type) const {
    const auto word = Uint256::from_be_bytes(word_at(pos, path, type));
    const auto value = word.fits_u64() && word.low_u64() <= SIZE_MAX ? static_cast<std::size_t>(word.low_u64()) : SIZE_MAX;
    return {value, word.to_hex()};
  }

  AbiValue decode_sequence(const Sequence& sequence, std::size_t base, const FieldPath* parent, AbiValue::Names names) {
    AbiValue::List values;
    values.reserve(sequence.count);  // bounded: tuples by their type, arrays by the remaining data
    std::size_t head = base;
    for (std::size_t i = 0; i < sequence.count; ++i) {
      const auto path = child_path(parent, sequence, i);
      const auto& type = sequence.type(i);
      charge(kWord);
      if (type.is_dynamic()) {
        const auto offset = size_word_at(head, path, type);
        if (offset.value >= data_.size() - base) {  // a dynamic value needs at least one word there
          fail("offset " + offset.hex + " of " + path.render() + " points past the end of " +
               std::to_string(data_.size() - base) + " bytes of data");
        }
        values.push_back(decode_value(type, base + offset.value, path));
      } else {
        values.push_back(decode_value(type, head, path));
      }
      head += type.head_size();
    }
    return AbiValue(std::move(values), std::move(names));
  }

  AbiValue decode_value(const AbiType& type, std::size_t pos, const FieldPath& path) {
    switch (type.kind()) {
      case AbiKind::kUint:
      case AbiKind::kInt: return decode_number(type, pos, path);
      case AbiKind::kAddress: return decode_address(type, pos, path);
      case AbiKind::kBool: return decode_bool(type, pos, path);
      case AbiKind::kFixedBytes: return decode_fixed_bytes(type, pos, path);
      case AbiKind::kBytes: return AbiValue(decode_dynamic_bytes(type, pos, path));
      case AbiKind::kString: {
        const auto bytes = decode_dynamic_bytes(type, pos, path);
        return AbiValue(std::string(bytes.begin(), bytes.end()));
      }
      case AbiKind::kArray: return decode_array(type, pos, path);
      case AbiKind::kFixedArray:
        return decode_sequence(Sequence::of_elements(type.element(), type.length()), pos, &path, nullptr);
      case AbiKind::kTuple: return decode_sequence(Sequence::of_tuple(type), pos, &path, type.component_names());
    }
    fail("unknown type");
  }

  AbiValue decode_number(const AbiType& type, std::size_t pos, const FieldPath& path) const {
    const auto value = Uint256::from_be_bytes(word_at(pos, path, type));
    const bool fits = type.kind() == AbiKind::kUint ? value.bit_length() <= type.bits() : fits_signed(value, type.bits());
    if (!fits) fail(describe(path, type) + " at byte " + std::to_string(pos) + " holds " + value.to_hex() + ", which is out of range");
    return AbiValue(value);
  }

  AbiValue decode_address(const AbiType& type, std::size_t pos, const FieldPath& path) const {
    const auto word = word_at(pos, path, type);
    if (!all_zero(word.first(kWord - 20))) {
      fail(describe(path, type) + " at byte " + std::to_string(pos) + " has non-zero padding: " + to_hex(word));
    }
    FixedBytes<20> bytes{};
    std::copy(word.begin() + (kWord - 20), word.end(), bytes.begin());
    return AbiValue(Address(bytes));
  }

  AbiValue decode_bool(const AbiType& type, std::size_t pos, const FieldPath& path) const {
    const auto word = word_at(pos, path, type);
    if (!all_zero(word.first(kWord - 1)) || word[kWord - 1] > 1) {
      fail(describe(path, type) + " at byte " + std::to_string(pos) + " is " + to_hex(word) + ", not 0 or 1");
    }
    return AbiValue(word[kWord - 1] == 1);
  }

  AbiValue decode_fixed_bytes(const AbiType& type, std::size_t pos, const FieldPath& path) const {
    const auto word = word_at(pos, path, type);
    if (!all_zero(word.subspan(type.length()))) {
      fail(describe(path, type) + " at byte " + std::to_string(pos) + " has non-zero padding: " + to_hex(word));
    }
    return AbiValue(Bytes(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(type.length())));
  }

  Bytes decode_dynamic_bytes(const AbiType& type, std::size_t pos, const FieldPath& path) {
    const auto length_word = size_word_at(pos, path, type);
    const std::size_t start = pos + kWord;  // word_at succeeded, so start <= size
    const std::size_t left = data_.size() - start;
    const std::size_t length = length_word.value;
    if (length > left || padded_size(length) > left) {
      fail("length " + length_word.hex + " of " + describe(path, type) + " at byte " + std::to_string(pos) +
           " runs past the end of the data (" + std::to_string(left) + " bytes left)");
    }
    const std::size_t padded = padded_size(length);
    charge(padded);
    const auto content = data_.subspan(start, length);
    if (!all_zero(data_.subspan(start + length, padded - length))) {
      fail(describe(path, type) + " has non-zero padding after its " + std::to_string(length) + " bytes");
    }
    return Bytes(content.begin(), content.end());
  }

  AbiValue decode_array(const AbiType& type, std::size_t pos, const FieldPath& path) {
    const auto count_word = size_word_at(pos, path, type);
    const std::size_t count = count_word.value;
    const std::size_t start = pos + kWord;
    // Every element needs at least a word in the data (its value or its offset).
    const std::size_t per_element = std::max(type.element().head_size(), kWord);
    if (count > (data_.size() - start) / per_element) {
      fail("element count " + count_word.hex + " of " + describe(path, type) + " at byte " + std::to_string(pos) +
           " needs at least " + std::to_string(per_element) + " bytes per element, but only " +
           std::to_string(data_.size() - start) + " bytes follow");
    }
    return decode_sequence(Sequence::of_elements(type.element(), count), start, &path, nullptr);
  }

  ByteSpan data_;
  std::size_t budget_;
};

// ---- formatting ----

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;  // printable ASCII and UTF-8 bytes pass through
    }
  }
  return out + "\"";
}

std::string format_signed(const Uint256& value) {
  if ((value.limbs()[3] >> 63) == 0) return value.to_dec();
  const Uint256 max = Uint256::from_limbs({~0ULL, ~0ULL, ~0ULL, ~0ULL});
  std::string out = "-";  // append, not "-" + string: see FieldPath::render
  out.append(((max - value) + Uint256(1)).to_dec());  // magnitude of the two's complement
  return out;
}

std::string format_sequence(const Sequence& sequence, const AbiValue& value, const char* open, const char* close) {
  std::string out = open;
  const auto& list = value.as_list();
  for (std::size_t i = 0; i < list.size() && i < sequence.count; ++i) {
    if (i != 0) out += ", ";
    if (!sequence.name(i).empty()) out += std::string(sequence.name(i)) + "=";
    out += abi_format(sequence.type(i), list[i]);
  }
  return out + close;
}

}  // namespace

Bytes abi_encode(const AbiType& tuple_type, const AbiValue& values) {
  const auto sequence = Sequence::of_tuple(tuple_type);
  const auto& list = values.as_list();
  if (list.size() != sequence.count) {
    // encode_call({list}) copies the list instead of nesting it: say so when that is the likely cause.
    const bool unwrapped_struct = sequence.count == 1 && sequence.type(0).kind() == AbiKind::kTuple;
    throw UsageError("ABI encode: " + tuple_type.canonical() + " needs " + std::to_string(sequence.count) +
                     " values, got " + std::to_string(list.size()) +
                     (unwrapped_struct ? " (pass a struct argument as AbiValue(list), not as a bare List)" : ""));
  }
  return encode_sequence(sequence, list, nullptr);
}

AbiValue abi_decode(const AbiType& tuple_type, ByteSpan data) { return Decoder(data).decode_top(tuple_type); }

std::string abi_format(const AbiType& type, const AbiValue& value) {
  switch (type.kind()) {
    case AbiKind::kUint: return value.as_uint().to_dec();
    case AbiKind::kInt: return format_signed(value.as_uint());
    case AbiKind::kAddress: return value.as_address().checksummed();
    case AbiKind::kBool: return value.as_bool() ? "true" : "false";
    case AbiKind::kFixedBytes:
    case AbiKind::kBytes: return to_hex(value.as_bytes());
    case AbiKind::kString: return quote(value.as_string());
    case AbiKind::kArray:
      return format_sequence(Sequence::of_elements(type.element(), value.as_list().size()), value, "[", "]");
    case AbiKind::kFixedArray: return format_sequence(Sequence::of_elements(type.element(), type.length()), value, "[", "]");
    case AbiKind::kTuple: return format_sequence(Sequence::of_tuple(type), value, "(", ")");
  }
  return {};
}

}  // namespace zg::eth
