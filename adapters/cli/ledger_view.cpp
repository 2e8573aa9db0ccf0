#include "ledger_view.hpp"

#include <sstream>

#include "common/error.hpp"
#include "common/hex.hpp"

namespace zg::cli {

ChainConnection connect(Context& ctx) {
  const auto& net = ctx.network();
  if (net.rpc_url.empty()) throw UsageError("no RPC endpoint: pass --rpc URL or --network");
  ChainConnection c;
  c.rpc = std::make_unique<eth::RpcClient>(net.rpc_url);
  c.chain_id = c.rpc->chain_id();
  if (net.chain_id != 0 && net.chain_id != c.chain_id) {
    throw UsageError("the RPC at " + c.rpc->display_url() + " serves chain " + std::to_string(c.chain_id) + ", but network '" +
                     net.name + "' is chain " + std::to_string(net.chain_id));
  }
  if (net.ledger.is_zero()) throw UsageError("no LedgerManager address: pass --ledger-contract or --network");
  return c;
}

nlohmann::json ledger_json(const eth::Address& user, const std::optional<contracts::Ledger>& ledger) {
  if (!ledger) return {{"user", user.checksummed()}, {"exists", false}};
  return {{"user", user.checksummed()},
          {"exists", true},
          {"availableBalance", ledger->available_balance.to_dec()},
          {"totalBalance", ledger->total_balance.to_dec()},
          {"availableBalance0G", eth::format_amount(ledger->available_balance)},
          {"totalBalance0G", eth::format_amount(ledger->total_balance)},
          {"additionalInfo", ledger->additional_info}};
}

std::string ledger_text(const eth::Address& user, const std::optional<contracts::Ledger>& ledger) {
  std::ostringstream out;
  out << "ledger of " << user.checksummed() << "\n";
  if (!ledger) {
    out << "  no ledger yet: create one with `zg ledger add --amount 3` (at least 3 0G)\n";
    return out.str();
  }
  out << "  available   " << eth::format_amount(ledger->available_balance) << " 0G\n"
      << "  total       " << eth::format_amount(ledger->total_balance) << " 0G (available + provider sub-accounts)\n";
  return out.str();
}

nlohmann::json run_ledger_demo(Context& ctx, eth::RpcClient& rpc, const devnet::DevnetState& state,
                               const crypto::PrivateKey& user_key) {
  const contracts::LedgerManager ledger_manager(rpc, state.contracts.ledger);
  eth::TxSender user(rpc, user_key, state.chain_id);

  const auto inference = ledger_manager.get_service_info(state.contracts.inference);
  const auto finetune = ledger_manager.get_service_info(state.contracts.finetune);
  ctx.progress("services registered: " + inference.full_name + " at " + inference.service_contract.checksummed() + ", " +
               finetune.full_name + " at " + finetune.service_contract.checksummed());

  ctx.progress("ledger: trying addLedger with 1 0G (below the 3 0G minimum) ...");
  std::string refused;
  try {
    ledger_manager.add_ledger(user, eth::parse_amount("1"));
    throw Error("addLedger with 1 0G was accepted; the contract should refuse it");
  } catch (const contracts::ContractRevert& e) {
    refused = e.what();
    ctx.progress("ledger: refused as expected: " + refused);
  }

  ctx.progress("ledger: addLedger with 3 0G ...");
  const auto receipt = ledger_manager.add_ledger(user, eth::parse_amount("3"));
  ctx.progress("ledger: created in block " + std::to_string(receipt.block_number) + " (tx " +
               to_hex(receipt.transaction_hash) + ")");
  const auto ledger = ledger_manager.get_ledger(user.address());
  ctx.progress(ledger_text(user.address(), ledger));
  return {{"services", {inference.full_name, finetune.full_name}},
          {"refusedSmallLedger", refused},
          {"ledgerTx", to_hex(receipt.transaction_hash)},
          {"ledger", ledger_json(user.address(), ledger)}};
}

}  // namespace zg::cli
