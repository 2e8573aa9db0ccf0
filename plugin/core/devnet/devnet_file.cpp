#include "devnet/devnet_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace zg::devnet {
namespace {

using nlohmann::json;

eth::Address address_field(const json& object, const char* key) {
  if (!object.contains(key) || !object.at(key).is_string()) {
    throw ParseError(std::string("devnet file: '") + key + "' is missing or not a string");
  }
  return eth::Address::from_hex(object.at(key).get<std::string>());
}

template <typename T>
T field(const json& object, const char* key) {
  if (!object.contains(key)) throw ParseError(std::string("devnet file: '") + key + "' is missing");
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    throw ParseError(std::string("devnet file: '") + key + "' has the wrong type");
  }
}

json contracts_json(const DevnetContracts& c) {
  return {{"ledger", c.ledger.checksummed()},           {"inference", c.inference.checksummed()},
          {"finetune", c.finetune.checksummed()},       {"ledgerImpl", c.ledger_impl.checksummed()},
          {"inferenceImpl", c.inference_impl.checksummed()}, {"finetuneImpl", c.finetune_impl.checksummed()},
          {"ledgerBeacon", c.ledger_beacon.checksummed()}, {"inferenceBeacon", c.inference_beacon.checksummed()},
          {"finetuneBeacon", c.finetune_beacon.checksummed()}, {"flow", c.flow.checksummed()},
          {"market", c.market.checksummed()}};
}

DevnetContracts contracts_from(const json& j) {
  DevnetContracts c;
  c.ledger = address_field(j, "ledger");
  c.inference = address_field(j, "inference");
  c.finetune = address_field(j, "finetune");
  c.ledger_impl = address_field(j, "ledgerImpl");
  c.inference_impl = address_field(j, "inferenceImpl");
  c.finetune_impl = address_field(j, "finetuneImpl");
  c.ledger_beacon = address_field(j, "ledgerBeacon");
  c.inference_beacon = address_field(j, "inferenceBeacon");
  c.finetune_beacon = address_field(j, "finetuneBeacon");
  if (j.contains("flow")) c.flow = address_field(j, "flow");
  if (j.contains("market")) c.market = address_field(j, "market");
  return c;
}

}  // namespace

const DevAccount& DevnetState::account(const std::string& role) const {
  for (const auto& a : accounts) {
    if (a.role == role) return a;
  }
  throw UsageError("the devnet has no '" + role + "' account");
}

DevnetState DevnetState::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("no devnet at " + path.string() + ": start one with `zg devnet up`");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw ParseError("devnet file " + path.string() + " is not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw ParseError("devnet file " + path.string() + " is not a JSON object");
  DevnetState s;
  s.rpc_url = field<std::string>(j, "rpcUrl");
  s.chain_id = field<std::uint64_t>(j, "chainId");
  s.anvil_pid = field<int>(j, "anvilPid");
  s.anvil_log = field<std::string>(j, "anvilLog");
  s.lock_time_seconds = field<std::uint64_t>(j, "lockTimeSeconds");
  s.penalty_percentage = field<std::uint64_t>(j, "penaltyPercentage");
  s.contracts = contracts_from(field<json>(j, "contracts"));
  if (j.contains("provider")) {
    const auto& p = j.at("provider");
    s.provider_pid = field<int>(p, "pid");
    s.provider_url = field<std::string>(p, "url");
  }
  if (j.contains("storage")) {
    const auto& st = j.at("storage");
    s.storage_pid = field<int>(st, "pid");
    s.storage_url = field<std::string>(st, "url");
  }
  if (j.contains("finetuneProvider")) {
    const auto& f = j.at("finetuneProvider");
    s.finetune_provider_pid = field<int>(f, "pid");
    s.finetune_provider_url = field<std::string>(f, "url");
  }
  if (j.contains("embeddingProvider")) {
    const auto& e = j.at("embeddingProvider");
    s.embedding_provider_pid = field<int>(e, "pid");
    s.embedding_provider_url = field<std::string>(e, "url");
  }
  for (const auto& a : field<json>(j, "accounts")) {
    s.accounts.push_back({field<std::string>(a, "role"), address_field(a, "address"), field<std::string>(a, "privateKey")});
  }
  return s;
}

void DevnetState::save(const std::filesystem::path& path) const {
  json accounts_json = json::array();
  for (const auto& a : accounts) {
    accounts_json.push_back({{"role", a.role}, {"address", a.address.checksummed()}, {"privateKey", a.private_key}});
  }
  json j = {{"rpcUrl", rpc_url},
                  {"chainId", chain_id},
                  {"anvilPid", anvil_pid},
                  {"anvilLog", anvil_log},
                  {"lockTimeSeconds", lock_time_seconds},
                  {"penaltyPercentage", penalty_percentage},
                  {"contracts", contracts_json(contracts)},
                  {"accounts", accounts_json}};
  if (!provider_url.empty()) j["provider"] = {{"pid", provider_pid}, {"url", provider_url}};
  if (!storage_url.empty()) j["storage"] = {{"pid", storage_pid}, {"url", storage_url}};
  if (!finetune_provider_url.empty()) {
    j["finetuneProvider"] = {{"pid", finetune_provider_pid}, {"url", finetune_provider_url}};
  }
  if (!embedding_provider_url.empty()) {
    j["embeddingProvider"] = {{"pid", embedding_provider_pid}, {"url", embedding_provider_url}};
  }
  write_file_atomically(path, j.dump(2) + "\n", 0600);
}

}  // namespace zg::devnet
