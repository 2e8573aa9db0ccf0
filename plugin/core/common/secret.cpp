#include "common/secret.hpp"

namespace zg {

void secure_wipe(void* data, std::size_t size) noexcept {
  volatile auto* bytes = static_cast<volatile std::uint8_t*>(data);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = 0;
}

}  // namespace zg
