// `zg inference list-services`, `zg inference api-key ...`: on-chain inference commands
// (being written for the inference milestone).
#include "command.hpp"

namespace zg::cli {

void add_service_commands(std::vector<Command>&) {}

}  // namespace zg::cli
