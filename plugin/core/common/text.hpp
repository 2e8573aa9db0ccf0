#pragma once
// Small text helpers for messages built from untrusted input.
#include <cstddef>
#include <string>
#include <string_view>

namespace zg {

// At most `max_bytes` of `text` with every non-printable byte replaced by `replacement`, and
// "..." when cut: safe to put a provider's or node's reply into an error message.
std::string printable_excerpt(std::string_view text, std::size_t max_bytes, char replacement = ' ');

// ASCII lower case (addresses and header names compare case-insensitively).
std::string ascii_lower(std::string_view text);

}  // namespace zg
