#include "ledger_view.hpp"

#include <ctime>
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

namespace zg::cli {

eth::Address user_address(Context& ctx, const Args& args) {
  if (const auto a = args.value("address")) {
    try {
      return eth::Address::from_hex(*a);
    } catch (const Error& e) {
      throw UsageError("--address: " + std::string(e.what()));
    }
  }
  return eth::Address::from_public_key(ctx.wallet_key().public_key());
}

eth::Address provider_option(const std::string& text) {
  try {
    return eth::Address::from_hex(text);
  } catch (const Error& e) {
    throw UsageError("--provider '" + text + "' is not an address: " + e.what());
  }
}

ServingChoice serving_choice(Context& ctx, const contracts::LedgerManager& ledger, const Args& args) {
  const auto kind = args.value("service").value_or("inference");
  eth::Address contract;
  if (kind == "inference") {
    contract = ctx.network().inference;
  } else if (kind == "fine-tuning") {
    contract = ctx.network().finetune;
  } else {
    throw UsageError("--service must be 'inference' or 'fine-tuning', not '" + kind + "'");
  }
  if (contract.is_zero()) throw UsageError("no " + kind + " contract address for this network: pass --" +
                                           (kind == "inference" ? "inference" : "finetune") + "-contract");
  return {kind, contract, ledger.service_name(contract)};
}

std::string utc_time(std::uint64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string relative_time(std::uint64_t at, std::uint64_t now) {
  if (at <= now) return "now";
  const auto minutes = (at - now + 59) / 60;  // round up: "in 0 min" would read as unlocked
  return "in " + std::to_string(minutes) + " min";
}

std::uint64_t chain_time(eth::RpcClient& rpc) {
  const auto block = rpc.get_block_by_number(eth::BlockTag::latest());
  if (!block) throw Error("the node returned no latest block");
  return block->timestamp;
}

namespace {

std::uint64_t unlock_time(const contracts::Refund& r, std::uint64_t lock_time) {
  return (r.created_at.fits_u64() ? r.created_at.low_u64() : 0) + lock_time;
}

}  // namespace

nlohmann::json sub_account_json(const contracts::InferenceAccount& a, std::uint64_t lock_time, std::uint64_t now) {
  auto refunds = nlohmann::json::array();
  for (const auto& r : a.live_refunds()) {
    if (r.processed) continue;
    const auto unlock = unlock_time(r, lock_time);
    refunds.push_back({{"index", r.index.to_dec()},
                       {"amount", r.amount.to_dec()},
                       {"amount0G", eth::format_amount(r.amount)},
                       {"createdAt", r.created_at.to_dec()},
                       {"unlocksAt", unlock},
                       {"unlocksAtUtc", utc_time(unlock)},
                       {"unlocked", unlock <= now}});
  }
  return {{"provider", a.provider.checksummed()},
          {"balance", a.balance.to_dec()},
          {"balance0G", eth::format_amount(a.balance)},
          {"pendingRefund", a.pending_refund.to_dec()},
          {"pendingRefund0G", eth::format_amount(a.pending_refund)},
          {"acknowledged", a.acknowledged},
          {"nonce", a.nonce.to_dec()},
          {"generation", a.generation.to_dec()},
          {"revokedBitmap", a.revoked_bitmap.to_hex()},
          {"refunds", refunds}};
}

std::string sub_account_text(const contracts::InferenceAccount& a, std::uint64_t lock_time, std::uint64_t now) {
  std::ostringstream out;
  out << "  provider " << a.provider.checksummed() << "\n"
      << "    balance          " << eth::format_amount(a.balance) << " 0G\n"
      << "    pending refund   " << eth::format_amount(a.pending_refund) << " 0G\n"
      << "    acknowledged     " << (a.acknowledged ? "yes" : "no") << "\n";
  for (const auto& r : a.live_refunds()) {
    if (r.processed) continue;
    const auto unlock = unlock_time(r, lock_time);
    out << "    refund #" << r.index.to_dec() << "        " << eth::format_amount(r.amount) << " 0G, "
        << (unlock <= now ? "unlocked since " : "locked until ") << utc_time(unlock) << " ("
        << relative_time(unlock, now) << ")\n";
  }
  return out.str();
}

}  // namespace zg::cli
