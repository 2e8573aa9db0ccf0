#include "eth/abi_value.hpp"

#include <limits>

#include "common/error.hpp"

namespace zg::eth {
namespace {

constexpr std::uint64_t kAllOnes = ~std::uint64_t{0};

}  // namespace

AbiValue AbiValue::from_int(std::int64_t value) {
  if (value >= 0) return AbiValue(Uint256(static_cast<std::uint64_t>(value)));
  // Sign-extend: the low limb is the 64-bit two's complement, the upper limbs are all ones.
  return AbiValue(Uint256::from_limbs({static_cast<std::uint64_t>(value), kAllOnes, kAllOnes, kAllOnes}));
}

void AbiValue::throw_negative() {
  throw UsageError("ABI value: a negative integer needs AbiValue::from_int (two's complement for intN)");
}

const char* AbiValue::kind_name() const noexcept {
  switch (storage_.index()) {
    case 0: return "uint";
    case 1: return "bool";
    case 2: return "address";
    case 3: return "bytes";
    case 4: return "string";
    default: return "list";
  }
}

template <typename T>
const T& AbiValue::get(const char* wanted) const {
  if (const auto* value = std::get_if<T>(&storage_)) return *value;
  throw Error(std::string("ABI value: expected ") + wanted + ", but it holds " + kind_name());
}

const Uint256& AbiValue::as_uint() const { return get<Uint256>("uint"); }
bool AbiValue::as_bool() const { return get<bool>("bool"); }
const Address& AbiValue::as_address() const { return get<Address>("address"); }
const Bytes& AbiValue::as_bytes() const { return get<Bytes>("bytes"); }
const std::string& AbiValue::as_string() const { return get<std::string>("string"); }
const AbiValue::List& AbiValue::as_list() const { return get<List>("list"); }

std::uint64_t AbiValue::as_u64() const {
  const auto& value = as_uint();
  if (!value.fits_u64()) throw Error("ABI value: " + value.to_dec() + " does not fit 64 bits");
  return value.low_u64();
}

std::int64_t AbiValue::as_int64() const {
  const auto& limbs = as_uint().limbs();
  const bool negative = limbs[3] == kAllOnes && limbs[2] == kAllOnes && limbs[1] == kAllOnes && (limbs[0] >> 63) != 0;
  const bool positive = limbs[3] == 0 && limbs[2] == 0 && limbs[1] == 0 && (limbs[0] >> 63) == 0;
  if (!negative && !positive) throw Error("ABI value: " + as_uint().to_hex() + " is not a signed 64-bit integer");
  return static_cast<std::int64_t>(limbs[0]);  // two's complement conversion, defined since C++20
}

std::size_t AbiValue::size() const { return as_list().size(); }

const AbiValue& AbiValue::operator[](std::size_t index) const {
  const auto& values = as_list();
  if (index >= values.size()) {
    throw Error("ABI value: index " + std::to_string(index) + " is out of range for " + std::to_string(values.size()) +
                " elements");
  }
  return values[index];
}

bool AbiValue::has_field(std::string_view field_name) const noexcept {
  if (!is_list() || !names_) return false;
  for (const auto& name : *names_) {
    if (name == field_name) return true;
  }
  return false;
}

const AbiValue& AbiValue::operator[](std::string_view field_name) const {
  const auto& values = as_list();
  if (names_) {
    for (std::size_t i = 0; i < names_->size() && i < values.size(); ++i) {
      if ((*names_)[i] == field_name) return values[i];
    }
  }
  std::string known;
  if (names_) {
    for (const auto& name : *names_) known += (known.empty() ? "" : ", ") + (name.empty() ? std::string("<unnamed>") : name);
  }
  throw Error("ABI value: no field named '" + std::string(field_name) + "'" +
              (known.empty() ? std::string(" (the tuple has no field names)") : " (fields: " + known + ")"));
}

}  // namespace zg::eth
