// Fuzzes how the gateway reads a client's request body: the top-level "model" member, the 0G model
// reference in it, and the rewrite that replaces only that value. Only zg::Error may escape, and a
// rewrite must keep every byte outside the model value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/error.hpp"
#include "gateway/request_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    const auto member = zg::gateway::find_model_member(body);
    if (member.begin >= member.end || member.end > body.size() || body[member.begin] != '"' || body[member.end - 1] != '"') {
      std::abort();
    }
    const auto rewritten = zg::gateway::replace_model(body, member, "zg-model");
    const auto tail = body.size() - member.end;
    if (rewritten.compare(0, member.begin, body, 0, member.begin) != 0 ||
        rewritten.compare(rewritten.size() - tail, tail, body, member.end, tail) != 0) {
      std::abort();
    }
    (void)zg::gateway::parse_model_ref(member.value);
  } catch (const zg::Error&) {
  }
  return 0;
}
