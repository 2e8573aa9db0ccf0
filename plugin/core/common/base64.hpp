#pragma once
// Base64 with the standard alphabet (RFC 4648 §4) and '=' padding: session tokens, storage RPCs.
// Decoding is strict: a length that is not a multiple of 4, characters outside the alphabet
// (whitespace included), misplaced or excess padding, and non-zero unused trailing bits are all
// ParseErrors, so every byte string has exactly one accepted encoding.
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace zg {

std::string base64_encode(ByteSpan bytes);
Bytes base64_decode(std::string_view text);

}  // namespace zg
