#pragma once
// Byte containers used across the core. Buffers are passed as spans; owners are vectors or arrays.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace zg {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;
template <std::size_t N>
using FixedBytes = std::array<std::uint8_t, N>;
using Hash256 = FixedBytes<32>;

inline ByteSpan as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

inline std::string_view as_text(ByteSpan bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

inline void append(Bytes& out, ByteSpan more) { out.insert(out.end(), more.begin(), more.end()); }

}  // namespace zg
