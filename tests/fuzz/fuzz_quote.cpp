// Fuzzes the TEE quote parser and both checks on it (attested signer, compose hash). Only
// zg::Error may escape; a crash or any other exception is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "broker/quote.hpp"
#include "common/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    const auto quote = zg::broker::parse_quote(body);
    const auto check = zg::broker::check_quote(quote, zg::eth::Address{});
    (void)check.summary();
  } catch (const zg::Error&) {
  }
  return 0;
}
