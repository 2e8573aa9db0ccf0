// `zg ledger add|deposit|show`: the user's main account in LedgerManager.
#include "command.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "ledger_view.hpp"

namespace zg::cli {
namespace {

eth::Uint256 amount_option(const Args& args) { return eth::parse_amount(args.required("amount")); }

int ledger_show(Context& ctx, const Args& args) {
  auto chain = connect(ctx);
  const eth::Address user = args.value("address") ? eth::Address::from_hex(*args.value("address"))
                                                  : eth::Address::from_public_key(ctx.wallet_key().public_key());
  const contracts::LedgerManager ledger_manager(*chain.rpc, ctx.network().ledger);
  const auto ledger = ledger_manager.get_ledger(user);
  ctx.emit(ledger_json(user, ledger), ledger_text(user, ledger));
  return 0;
}

// add and deposit differ only in the contract call and the local minimum check.
int ledger_fund(Context& ctx, const Args& args, bool create) {
  const auto amount = amount_option(args);
  auto chain = connect(ctx);
  const contracts::LedgerManager ledger_manager(*chain.rpc, ctx.network().ledger);
  const auto key = ctx.wallet_key();
  eth::TxSender sender(*chain.rpc, key, chain.chain_id);
  const auto existing = ledger_manager.get_ledger(sender.address());
  if (amount.is_zero()) throw UsageError("--amount must be greater than 0");
  if (create && existing) throw UsageError("a ledger already exists for " + sender.address().checksummed() + "; add funds with `zg ledger deposit`");
  const auto minimum = ledger_manager.min_account_balance();
  if (!existing && amount < minimum) {
    throw UsageError("a new ledger needs at least " + eth::format_amount(minimum) + " 0G (asked for " +
                     eth::format_amount(amount) + " 0G)");
  }
  ctx.progress(std::string(create ? "creating a ledger with " : "depositing ") + eth::format_amount(amount) + " 0G ...");
  const auto receipt = create ? ledger_manager.add_ledger(sender, amount, args.value("info").value_or(""))
                              : ledger_manager.deposit_fund(sender, amount);
  const auto ledger = ledger_manager.get_ledger(sender.address());
  auto j = ledger_json(sender.address(), ledger);
  j["transactionHash"] = to_hex(receipt.transaction_hash);
  j["blockNumber"] = receipt.block_number;
  ctx.emit(j, "transaction " + to_hex(receipt.transaction_hash) + " (block " + std::to_string(receipt.block_number) +
                  ")\n" + ledger_text(sender.address(), ledger));
  return 0;
}

}  // namespace

void add_ledger_commands(std::vector<Command>& commands) {
  commands.push_back({"ledger add", "create your ledger (main account) with an initial deposit",
                      "Calls LedgerManager.addLedger with --amount 0G (at least 3 0G, the contract's minimum).\n\n"
                      "example: zg ledger add --amount 3 --key-file ~/.zg/key",
                      {{"amount", "0G", "deposit in 0G, e.g. 3 or 3.5 (exact decimal, 18 places)"},
                       {"info", "TEXT", "additionalInfo stored with the ledger (default empty, as the SDK)"}},
                      [](Context& ctx, const Args& args) { return ledger_fund(ctx, args, true); }});
  commands.push_back({"ledger deposit", "add funds to your ledger (creates it when missing)",
                      "Calls LedgerManager.depositFund with --amount 0G. Creating a ledger this way also needs\n"
                      "at least 3 0G.",
                      {{"amount", "0G", "amount in 0G"}},
                      [](Context& ctx, const Args& args) { return ledger_fund(ctx, args, false); }});
  commands.push_back({"ledger show", "show a ledger's balances",
                      "Reads LedgerManager.getLedger for the wallet (or --address, which needs no key).",
                      {{"address", "ADDR", "whose ledger to show (default: the wallet's)"}}, ledger_show});
}

}  // namespace zg::cli
