#include "gateway/request_target.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/text.hpp"

namespace zg::gateway {
namespace {

constexpr std::string_view kPrefix = "0g/";
constexpr std::size_t kAddressChars = 42;  // "0x" + 40 hex digits

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A cursor over a body already known to be valid JSON (json::accept ran first), so the scanner
// only has to find boundaries, never to diagnose.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  std::size_t position() const noexcept { return pos_; }
  char peek() {
    skip_space();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  void expect(char c) {
    if (peek() != c) throw UsageError("request body is not a JSON object");
    ++pos_;
  }
  // A string token starting at the current position; returns its raw text including the quotes.
  std::string_view string_token() {
    skip_space();
    const std::size_t begin = pos_;
    ++pos_;  // opening quote
    while (pos_ < text_.size() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2 : 1;
    ++pos_;  // closing quote
    return text_.substr(begin, pos_ - begin);
  }
  void skip_value() {
    const char c = peek();
    if (c == '"') {
      string_token();
    } else if (c == '{' || c == '[') {
      skip_container();
    } else {
      while (pos_ < text_.size() && !is_space(text_[pos_]) && text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ']') ++pos_;
    }
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }
  void skip_container() {
    int depth = 0;
    do {
      const char c = text_[pos_];
      if (c == '"') {
        string_token();
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      ++pos_;
    } while (depth > 0 && pos_ < text_.size());
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// The decoded text of a raw JSON string token (fast path when it has no escapes).
std::string decode_string(std::string_view token) {
  const std::string_view inner = token.substr(1, token.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return std::string(inner);
  return nlohmann::json::parse(token).get<std::string>();
}

}  // namespace

ModelRef parse_model_ref(std::string_view model) {
  const auto usage = [&] {
    return UsageError("model \"" + printable_excerpt(model, 120, '?') +
                      "\" is not a 0G model: use \"0g/<model>\" or \"0g/<0xprovider>/<model>\"");
  };
  if (model.substr(0, kPrefix.size()) != kPrefix) throw usage();
  const std::string_view rest = model.substr(kPrefix.size());
  if (rest.empty()) throw usage();
  ModelRef ref;
  const bool address_first = rest.size() >= kAddressChars && rest.substr(0, 2) == "0x" &&
                             (rest.size() == kAddressChars || rest[kAddressChars] == '/');
  if (address_first) {
    try {
      ref.provider = eth::Address::from_hex(rest.substr(0, kAddressChars));
    } catch (const Error&) {
      ref.provider.reset();  // not an address after all: a model name that starts with 0x
    }
  }
  if (ref.provider) {
    ref.model = rest.size() > kAddressChars ? std::string(rest.substr(kAddressChars + 1)) : std::string();
    if (rest.size() > kAddressChars && ref.model.empty()) throw usage();
  } else {
    ref.model = std::string(rest);
  }
  return ref;
}

ModelMember find_model_member(std::string_view body) {
  if (!nlohmann::json::accept(body)) throw UsageError("request body is not valid JSON");
  Scanner scan(body);
  scan.expect('{');
  std::optional<ModelMember> found;
  while (scan.peek() != '}') {
    const std::string key = decode_string(scan.string_token());
    scan.expect(':');
    if (key != "model") {
      scan.skip_value();
    } else {
      if (found) throw UsageError("request body gives \"model\" twice");
      if (scan.peek() != '"') throw UsageError("request body: \"model\" must be a string");
      const std::size_t begin = scan.position();
      const auto token = scan.string_token();
      found = ModelMember{decode_string(token), begin, begin + token.size()};
    }
    if (scan.peek() == ',') scan.expect(',');
  }
  if (!found) throw UsageError("request body has no \"model\": name a 0G model, e.g. \"0g/<model>\"");
  return *found;
}

std::string replace_model(std::string_view body, const ModelMember& member, std::string_view model) {
  // The model comes from the chain: invalid UTF-8 in it is replaced, never thrown.
  const std::string quoted = nlohmann::json(model).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(body.size() - (member.end - member.begin) + quoted.size());
  out.append(body.substr(0, member.begin)).append(quoted).append(body.substr(member.end));
  return out;
}

}  // namespace zg::gateway
