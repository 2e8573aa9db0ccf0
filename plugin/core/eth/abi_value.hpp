#pragma once
// A Solidity ABI value: what the encoder takes and the decoder returns.
//   uintN / intN  -> Uint256 (intN as 256-bit two's complement; see from_int / as_int64)
//   bool          -> bool
//   address       -> Address
//   bytes, bytesN -> Bytes
//   string        -> std::string (raw bytes: the decoder does not check UTF-8; escape before printing)
//   T[], T[k], tuples -> List
// Decoded tuples remember their component names, so a struct field can be read by name:
//   service["serviceType"].as_string()
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::eth {

class AbiValue {
 public:
  using List = std::vector<AbiValue>;
  using Names = std::shared_ptr<const std::vector<std::string>>;

  AbiValue() = default;  // uint 0
  AbiValue(const Uint256& value) : storage_(value) {}  // NOLINT: implicit on purpose, as for all kinds
  // Only a real bool becomes a bool (an int literal must not silently turn into one).
  template <typename T>
    requires std::same_as<T, bool>
  AbiValue(T value) : storage_(value) {}  // NOLINT
  // Non-negative integers; negative ones need from_int so that two's complement is explicit.
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  AbiValue(T value) : storage_(Uint256(checked_unsigned(value))) {}  // NOLINT
  AbiValue(const Address& value) : storage_(value) {}                 // NOLINT
  AbiValue(Bytes value) : storage_(std::move(value)) {}               // NOLINT
  template <std::size_t N>
  AbiValue(const FixedBytes<N>& value) : storage_(Bytes(value.begin(), value.end())) {}  // NOLINT
  AbiValue(std::string value) : storage_(std::move(value)) {}         // NOLINT
  AbiValue(const char* value) : storage_(std::string(value)) {}       // NOLINT
  AbiValue(List values, Names names = nullptr) : storage_(std::move(values)), names_(std::move(names)) {}  // NOLINT

  // A signed value for intN: stored as its 256-bit two's complement.
  static AbiValue from_int(std::int64_t value);

  bool is_uint() const noexcept { return std::holds_alternative<Uint256>(storage_); }
  bool is_bool() const noexcept { return std::holds_alternative<bool>(storage_); }
  bool is_address() const noexcept { return std::holds_alternative<Address>(storage_); }
  bool is_bytes() const noexcept { return std::holds_alternative<Bytes>(storage_); }
  bool is_string() const noexcept { return std::holds_alternative<std::string>(storage_); }
  bool is_list() const noexcept { return std::holds_alternative<List>(storage_); }

  // Typed access; the wrong kind throws zg::Error naming both kinds.
  const Uint256& as_uint() const;
  std::uint64_t as_u64() const;    // Error when above 2^64 - 1
  std::int64_t as_int64() const;   // reads the two's complement of an intN; Error when out of range
  bool as_bool() const;
  const Address& as_address() const;
  const Bytes& as_bytes() const;
  const std::string& as_string() const;
  const List& as_list() const;

  // Elements of arrays and tuples by position, and tuple fields by component name.
  std::size_t size() const;
  const AbiValue& operator[](std::size_t index) const;
  const AbiValue& operator[](std::string_view field_name) const;
  bool has_field(std::string_view field_name) const noexcept;
  const Names& field_names() const noexcept { return names_; }

  friend bool operator==(const AbiValue& a, const AbiValue& b) noexcept { return a.storage_ == b.storage_; }

  const char* kind_name() const noexcept;

 private:
  template <typename T>
  static std::uint64_t checked_unsigned(T value) {
    if constexpr (std::is_signed_v<T>) {
      if (value < 0) throw_negative();
    }
    return static_cast<std::uint64_t>(value);
  }
  [[noreturn]] static void throw_negative();
  template <typename T>
  const T& get(const char* wanted) const;

  std::variant<Uint256, bool, Address, Bytes, std::string, List> storage_;
  Names names_;  // component names when this is a decoded (or explicitly named) tuple
};

}  // namespace zg::eth
