// The safetensors header parser of zg-finetune-sim (the adapter it ships, and what clients check):
// any bytes give a parsed header or a ParseError, never a crash or another exception.
#include <cstddef>
#include <cstdint>

#include "common/error.hpp"
#include "lora_adapter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto parsed = zg::finetune_sim::parse_safetensors(zg::ByteSpan(data, size));
    for (const auto& tensor : parsed.tensors) {
      if (tensor.end < tensor.begin || tensor.end > parsed.data_size) __builtin_trap();
    }
  } catch (const zg::ParseError&) {
  }
  return 0;
}
