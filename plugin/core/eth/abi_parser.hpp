#pragma once
// Internal: the recursive-descent reader of human-readable ABI signatures, shared by the type
// parser (abi_type.cpp) and the function/event/error parser (abi.cpp). Not a public API.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "eth/abi_type.hpp"

namespace zg::eth::detail {

class SignatureReader {
 public:
  explicit SignatureReader(std::string_view text) noexcept : text_(text) {}

  // A word: letters, digits, '_' and '$'. Empty when the next token is punctuation or the end.
  std::string_view peek_word();
  std::string_view read_word(std::string_view what);  // ParseError naming `what` when there is none
  bool accept(char punctuation);                       // consumes it when it is next
  void expect(char punctuation);
  bool at_end();

  AbiType read_type(unsigned depth = 0);
  // "(...)" after the opening parenthesis has been consumed; reads through the closing one.
  std::vector<AbiParam> read_params_after_open(bool allow_indexed, unsigned depth = 0);

  [[noreturn]] void fail(const std::string& why) const;

 private:
  void skip_space() noexcept;
  AbiType read_elementary(std::string_view word) const;
  AbiType read_array_suffixes(AbiType type, unsigned depth);
  AbiParam read_param(bool allow_indexed, unsigned depth);

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace zg::eth::detail
