#pragma once
// Hex encoding. Decoding accepts an optional 0x/0X prefix and either letter case, and rejects odd
// lengths and non-hex characters with a ParseError that names the problem.
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace zg {

std::string to_hex(ByteSpan bytes, bool with_prefix = true);
Bytes from_hex(std::string_view text);

// Decodes exactly N bytes; throws ParseError naming `what` when the length differs.
template <std::size_t N>
FixedBytes<N> fixed_from_hex(std::string_view text, std::string_view what = "value");

// Declared here, defined in hex.cpp for the sizes the core uses (20, 32, 65).
void decode_hex_into(std::string_view text, MutableByteSpan out, std::string_view what);

template <std::size_t N>
FixedBytes<N> fixed_from_hex(std::string_view text, std::string_view what) {
  FixedBytes<N> out{};
  decode_hex_into(text, out, what);
  return out;
}

}  // namespace zg
