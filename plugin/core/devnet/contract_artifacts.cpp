#include "devnet/contract_artifacts.hpp"

#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "devnet/npm_tools.hpp"

namespace zg::devnet {
namespace {

constexpr const char* kComputeSdk = "@0gfoundation/0g-compute-ts-sdk";
constexpr const char* kStorageSdk = "@0gfoundation/0g-ts-sdk";
constexpr const char* kOpenZeppelin = "@openzeppelin/contracts";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string factory_path(ServingContract which) {
  switch (which) {
    case ServingContract::ledger_manager:
      return "lib.commonjs/ledger/contract/typechain/factories/LedgerManager__factory.js";
    case ServingContract::inference_serving:
      return "lib.commonjs/inference/contract/typechain/factories/InferenceServing__factory.js";
    case ServingContract::fine_tuning_serving:
      return "lib.commonjs/fine-tuning/contract/typechain/factories/FineTuningServing__factory.js";
  }
  throw Error("unknown serving contract");
}

}  // namespace

Bytes extract_typechain_bytecode(const std::string& source, const std::string& origin) {
  const auto marker = source.find("_bytecode =");
  if (marker == std::string::npos) throw ParseError(origin + ": no `_bytecode =` literal found");
  const auto open = source.find_first_of("'\"", marker);
  if (open == std::string::npos) throw ParseError(origin + ": `_bytecode` is not a string literal");
  const auto close = source.find(source[open], open + 1);
  if (close == std::string::npos) throw ParseError(origin + ": unterminated `_bytecode` literal");
  auto code = from_hex(std::string_view(source).substr(open + 1, close - open - 1));
  if (code.empty()) throw ParseError(origin + ": empty bytecode");
  return code;
}

Bytes serving_contract_bytecode(ServingContract which) {
  const auto path = npm_file(kComputeSdk, factory_path(which));
  return extract_typechain_bytecode(read_text(path), path.string());
}

Bytes storage_contract_bytecode(StorageContract which) {
  const char* factory = which == StorageContract::flow ? "lib.commonjs/contracts/flow/factories/FixedPriceFlow__factory.js"
                                                       : "lib.commonjs/contracts/market/factories/FixedPrice__factory.js";
  const auto path = npm_file(kStorageSdk, factory);
  return extract_typechain_bytecode(read_text(path), path.string());
}

Bytes openzeppelin_bytecode(const std::string& contract_name) {
  const auto path = npm_file(kOpenZeppelin, "build/contracts/" + contract_name + ".json");
  nlohmann::json artifact;
  try {
    artifact = nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    throw ParseError(path.string() + ": not valid JSON: " + e.what());
  }
  if (!artifact.is_object() || !artifact.contains("bytecode") || !artifact["bytecode"].is_string()) {
    throw ParseError(path.string() + ": no \"bytecode\" string");
  }
  auto code = from_hex(artifact["bytecode"].get<std::string>());
  if (code.empty()) throw ParseError(path.string() + ": empty bytecode (an interface, not a contract?)");
  return code;
}

}  // namespace zg::devnet
