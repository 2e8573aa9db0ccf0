#include "broker/session_renewal.hpp"

namespace zg::broker {

bool is_expired_generation(const ProviderError& error) {
  const bool auth_status = error.status() == 400 || error.status() == 401;
  return auth_status && error.provider_message().find("generation expired") != std::string::npos;
}

}  // namespace zg::broker
