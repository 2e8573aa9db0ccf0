#pragma once
// Revert data (from eth_call errors, eth_estimateGas or a failed transaction) -> a sentence a user
// can act on. Knows Error(string), Panic(uint256) and every custom error of the 0G
// InferenceServing, LedgerManager and FineTuningServing contracts (SDK 0.9.0 ABIs).
//
//   describe_revert(data) == "MinimumDepositRequired(provided=1000000000000000000, required=3000000000000000000)"
//
// Revert data is untrusted: decoding never throws on bad bytes, it says they are malformed instead.
#include <span>
#include <string>

#include "common/bytes.hpp"
#include "eth/abi.hpp"

namespace zg::eth {

struct RevertReason {
  enum class Kind {
    kEmpty,         // no data: require(false) without a message, out of gas, a plain revert()
    kErrorString,   // Error(string): arguments[0] is the reason
    kPanic,         // Panic(uint256): arguments[0] is the code
    kCustomError,   // a known custom error: arguments are its decoded, named parameters
    kUnknownError,  // a 4-byte selector nobody here knows
    kMalformed,     // too short for a selector, or a known selector with undecodable arguments
  };
  Kind kind = Kind::kEmpty;
  std::string error_name;  // "Error", "Panic", "AccountNotExists"; empty for kEmpty / kUnknownError / short data
  AbiValue arguments;      // a named List when decoded
  std::string message;     // what to show the user
};

inline constexpr Selector kErrorStringSelector{0x08, 0xc3, 0x79, 0xa0};  // Error(string)
inline constexpr Selector kPanicSelector{0x4e, 0x48, 0x7b, 0x71};        // Panic(uint256)

// `extra_errors` are consulted before the built-in 0G errors.
RevertReason decode_revert(ByteSpan data, std::span<const CustomError> extra_errors = {});
std::string describe_revert(ByteSpan data);

// The built-in registry: every custom error of the three 0G contracts, one entry per selector.
std::span<const CustomError> known_errors();
const CustomError* find_known_error(const Selector& selector) noexcept;
// "arithmetic overflow or underflow" for 0x11; empty for codes Solidity does not define.
std::string panic_description(const Uint256& code);

}  // namespace zg::eth
