#pragma once
// Fixed-size secret storage (private keys, AES keys) that is wiped when it goes away.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace zg {

// Overwrites memory in a way the optimizer may not remove.
void secure_wipe(void* data, std::size_t size) noexcept;

template <std::size_t N>
class Secret {
 public:
  Secret() noexcept = default;
  explicit Secret(std::span<const std::uint8_t, N> bytes) noexcept {
    for (std::size_t i = 0; i < N; ++i) bytes_[i] = bytes[i];
  }
  Secret(const Secret& other) noexcept = default;
  Secret& operator=(const Secret& other) noexcept = default;
  ~Secret() { secure_wipe(bytes_.data(), bytes_.size()); }

  std::span<const std::uint8_t, N> view() const noexcept { return bytes_; }
  std::span<std::uint8_t, N> mutable_view() noexcept { return bytes_; }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  static constexpr std::size_t size() noexcept { return N; }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

}  // namespace zg
