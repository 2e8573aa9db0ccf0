#pragma once
// The ABI encoding (head/tail, 32-byte words) of values of an AbiType.
//
// Both functions work on a tuple type and treat its components as a parameter list: that is the
// shape of call arguments, return data, event data and error data. Encoding
// `AbiType::parse("(uint256,string)")` with {7, "x"} gives what Solidity's abi.encode(7, "x") gives.
//
// The decoder reads untrusted bytes (RPC replies) and is strict: every offset, length and count is
// checked against the data before use, bools must be 0 or 1, addresses, uintN, intN and bytesN
// must be canonically padded, and bytes/string must have zero padding. Offsets that make
// the decoder read the same bytes over and over are cut off by a read budget (kMaxInflation).
// Each failure is a ParseError naming the field and the byte position. Trailing bytes are allowed.
#include <string>

#include "common/bytes.hpp"
#include "eth/abi_type.hpp"
#include "eth/abi_value.hpp"

namespace zg::eth {

// The decoder gives up once it has read this many times the size of its input.
inline constexpr std::size_t kAbiMaxInflation = 16;

// `tuple_type` must be a tuple; `values` must be a List with one value per component.
// Wrong value kinds, out-of-range numbers and wrong counts throw UsageError naming the field.
Bytes abi_encode(const AbiType& tuple_type, const AbiValue& values);
// Decodes into a List whose field names are the tuple's component names.
AbiValue abi_decode(const AbiType& tuple_type, ByteSpan data);

// A value rendered for people: uint and int in decimal, checksummed addresses, 0x-hex bytes,
// quoted strings (non-printable bytes escaped), arrays as [a, b], tuples as (name=a, b).
std::string abi_format(const AbiType& type, const AbiValue& value);

}  // namespace zg::eth
