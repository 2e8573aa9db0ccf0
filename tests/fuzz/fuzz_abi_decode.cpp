// Fuzz target: arbitrary bytes as the return data of getService and getAccount, as the tuple
// (bytes,string[],uint256), and as revert data. Malformed input must end in zg::Error (the decoder
// throws ParseError); anything else - a crash, a sanitizer report, another exception - is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/error.hpp"
#include "eth/abi.hpp"
#include "eth/revert.hpp"

namespace {

using zg::eth::AbiType;
using zg::eth::Function;

const Function& get_service() {
  static const Function function = Function::parse(
      "function getService(address provider) view returns ((address provider, string serviceType, string url, "
      "uint256 inputPrice, uint256 outputPrice, uint256 updatedAt, string model, string verifiability, "
      "string additionalInfo, address teeSignerAddress, bool teeSignerAcknowledged) service)");
  return function;
}

const Function& get_account() {
  static const Function function = Function::parse(
      "function getAccount(address user, address provider) view returns ((address user, address provider, uint256 nonce, "
      "uint256 balance, uint256 pendingRefund, (uint256 index, uint256 amount, uint256 createdAt, bool processed)[] refunds, "
      "string additionalInfo, bool acknowledged, uint256 validRefundsLength, uint256 generation, uint256 revokedBitmap))");
  return function;
}

const AbiType& mixed_tuple() {
  static const AbiType type = AbiType::parse("(bytes,string[],uint256)");
  return type;
}

template <typename Action>
void expect_only_zg_errors(Action action) {
  try {
    action();
  } catch (const zg::Error&) {
    // Rejected with a readable error: the expected outcome for malformed input.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const zg::ByteSpan input(data, size);
  expect_only_zg_errors([&] {
    const auto service = get_service().decode_output(input);
    (void)service["service"]["serviceType"].as_string();
    // Whatever decodes must survive our own encoder and decoder unchanged. (The bytes may differ:
    // valid input can use non-canonical offsets.)
    if (get_service().decode_output(get_service().encode_output(service.as_list())) != service) std::abort();
  });
  expect_only_zg_errors([&] { (void)get_account().decode_output(input)[0]["refunds"].size(); });
  expect_only_zg_errors([&] {
    const auto values = zg::eth::abi_decode(mixed_tuple(), input);
    if (zg::eth::abi_decode(mixed_tuple(), zg::eth::abi_encode(mixed_tuple(), values)) != values) std::abort();
  });
  expect_only_zg_errors([&] { (void)zg::eth::describe_revert(input); });
  return 0;
}
