#include <iostream>

#include "command.hpp"

namespace zg::cli {

void add_model_commands(std::vector<Command>& commands);  // cmd_model.cpp

const config::Network& Context::network() {
  if (!network_) network_ = config::resolve(network_selection);
  return *network_;
}

void Context::emit(const nlohmann::json& result, const std::string& human) const {
  if (json_output) {
    std::cout << result.dump(2) << "\n";
  } else {
    std::cout << human;
    if (!human.empty() && human.back() != '\n') std::cout << "\n";
  }
  std::cout.flush();
}

void Context::progress(const std::string& line) const { std::cerr << line << "\n"; }

std::vector<Command> all_commands() {
  std::vector<Command> commands;
  add_devnet_commands(commands);
  add_network_commands(commands);
  add_ledger_commands(commands);
  add_service_commands(commands);
  add_inference_commands(commands);
  add_storage_commands(commands);
  add_finetune_commands(commands);
  add_model_commands(commands);
  return commands;
}

}  // namespace zg::cli
