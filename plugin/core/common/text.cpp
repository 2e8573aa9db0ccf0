#include "common/text.hpp"

namespace zg {

std::string printable_excerpt(std::string_view text, std::size_t max_bytes, char replacement) {
  std::string out;
  for (const char c : text.substr(0, max_bytes)) out += (c >= 0x20 && c < 0x7f) ? c : replacement;
  if (text.size() > max_bytes) out += "...";
  return out;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace zg
