#pragma once
// What a client request asks for, read without disturbing its bytes: the "model" member of the
// OpenAI body ("0g/<model>" or "0g/<0xprovider>/<model>") and where it sits, so the body sent to the
// provider can be the client's body with only that value replaced.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "eth/address.hpp"

namespace zg::gateway {

struct ModelRef {
  std::optional<eth::Address> provider;  // pinned by "0g/<0xprovider>/<model>"
  std::string model;                     // may be empty for "0g/<0xprovider>": that provider's model
};

// Parses "0g/<model>", "0g/<0xprovider>/<model>" or "0g/<0xprovider>". Model names may themselves
// contain '/', so only a first segment that is a whole 0x address pins a provider. Throws
// UsageError for anything else.
ModelRef parse_model_ref(std::string_view model);

// The top-level "model" member of a JSON object body.
struct ModelMember {
  std::string value;          // decoded
  std::size_t begin = 0;      // byte offset of the opening quote of the value
  std::size_t end = 0;        // one past the closing quote
};

// Checks that `body` is one JSON object and finds its top-level "model" string. Throws UsageError
// (not JSON, not an object, no "model", "model" not a string, "model" given twice).
ModelMember find_model_member(std::string_view body);

// `body` with the value at `member` replaced by the JSON string `model`; every other byte unchanged.
std::string replace_model(std::string_view body, const ModelMember& member, std::string_view model);

}  // namespace zg::gateway
