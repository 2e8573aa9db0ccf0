#pragma once
// Contract ABI: functions, events and custom errors parsed from their human-readable form, as
// ethers prints them ("function getService(address provider) view returns ((address provider,
// string serviceType, ...) service)"), with selectors, calldata encoding and result decoding.
//
// Usage:
//   const auto get_service = Function::parse("function getService(address provider) view returns "
//                                             "((address provider, string serviceType, ...) service)");
//   Bytes calldata = get_service.encode_call({provider_address});     // selector + arguments
//   AbiValue result = get_service.decode_output(eth_call_reply);       // ParseError on bad data
//   std::string type = result["service"]["serviceType"].as_string();   // or result[0][1]
#include <span>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "eth/abi_codec.hpp"
#include "eth/abi_type.hpp"
#include "eth/abi_value.hpp"

namespace zg::eth {

using Selector = FixedBytes<4>;

enum class StateMutability { kNonpayable, kPayable, kView, kPure };

class Function {
 public:
  // Accepts "function name(params) [view|pure|payable|nonpayable|external|public]* [returns (params)]";
  // the leading "function" is optional, parameter names are optional. Throws ParseError.
  static Function parse(std::string_view human_readable);

  const std::string& name() const noexcept { return name_; }
  std::string signature() const;  // canonical: "getService(address)"
  const Selector& selector() const noexcept { return selector_; }
  const AbiType& inputs() const noexcept { return inputs_; }    // a tuple of the parameters
  const AbiType& outputs() const noexcept { return outputs_; }  // a tuple of the return values
  StateMutability mutability() const noexcept { return mutability_; }

  // UsageError on wrong values. A struct argument is one value: encode_call({AbiValue(fields)}) -
  // a bare encode_call({fields}) would copy the List instead of nesting it.
  Bytes encode_call(const AbiValue::List& arguments) const;
  AbiValue decode_output(ByteSpan return_data) const;        // named List of the return values
  // The other direction, for simulators and tests: decode calldata (selector checked), encode results.
  AbiValue decode_call(ByteSpan calldata) const;
  Bytes encode_output(const AbiValue::List& results) const;

 private:
  Function(std::string name, AbiType inputs, AbiType outputs, StateMutability mutability);

  std::string name_;
  AbiType inputs_;
  AbiType outputs_;
  StateMutability mutability_;
  Selector selector_{};
};

class Event {
 public:
  // "event Name(type [indexed] [name], ...) [anonymous]"; the leading "event" is optional.
  static Event parse(std::string_view human_readable);

  const std::string& name() const noexcept { return name_; }
  std::string signature() const;  // "BalanceUpdated(address,address,uint256,uint256)"
  const Hash256& topic0() const noexcept { return topic0_; }
  bool anonymous() const noexcept { return anonymous_; }
  const AbiType& inputs() const noexcept { return inputs_; }  // every parameter, indexed ones too

  // A log's topics and data -> a List of all parameters in declaration order, named. Indexed
  // parameters of dynamic type (string, bytes, arrays, tuples) are only a keccak hash in the
  // topic: they decode to those 32 bytes. ParseError when topic0 or the topic count is wrong.
  AbiValue decode_log(std::span<const Hash256> topics, ByteSpan data) const;

 private:
  Event(std::string name, AbiType inputs, bool anonymous);

  std::string name_;
  AbiType inputs_;
  bool anonymous_;
  Hash256 topic0_{};
};

// A Solidity custom error ("error MinimumDepositRequired(uint256 provided, uint256 required)").
class CustomError {
 public:
  static CustomError parse(std::string_view human_readable);  // the leading "error" is optional

  const std::string& name() const noexcept { return name_; }
  std::string signature() const;
  const Selector& selector() const noexcept { return selector_; }
  const AbiType& inputs() const noexcept { return inputs_; }

  Bytes encode(const AbiValue::List& arguments) const;   // selector + arguments, as a revert carries
  AbiValue decode(ByteSpan revert_data) const;           // checks the selector; named List
  // "MinimumDepositRequired(provided=1000000000000000000, required=3000000000000000000)"
  std::string format(const AbiValue& arguments) const;

 private:
  CustomError(std::string name, AbiType inputs);

  std::string name_;
  AbiType inputs_;
  Selector selector_{};
};

// keccak256(signature)[0..4): the function selector / error selector. zg::to_hex prints it.
Selector selector_of(std::string_view canonical_signature);

}  // namespace zg::eth
