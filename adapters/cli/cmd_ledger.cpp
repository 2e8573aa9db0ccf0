// `zg ledger add|deposit|show|transfer|retrieve|refund`: the user's main account in LedgerManager
// and the provider sub-accounts it funds.
#include <algorithm>
#include <sstream>

#include "command.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "ledger_view.hpp"

namespace zg::cli {
namespace {

eth::Uint256 amount_option(const Args& args) { return eth::parse_amount(args.required("amount")); }

eth::Uint256 positive_amount(const Args& args) {
  const auto amount = amount_option(args);
  if (amount.is_zero()) throw UsageError("--amount must be greater than 0");
  return amount;
}

contracts::Ledger require_ledger(const contracts::LedgerManager& ledger_manager, const eth::Address& user) {
  auto ledger = ledger_manager.get_ledger(user);
  if (!ledger) {
    throw UsageError("no ledger for " + user.checksummed() + ": create one with `zg ledger add --amount 3` (at least 3 0G)");
  }
  return *ledger;
}

// The inference sub-accounts of `user`, in getLedgerProviders order.
struct SubAccounts {
  std::vector<contracts::InferenceAccount> accounts;
  std::uint64_t lock_time = 0;
  std::uint64_t now = 0;
};

SubAccounts inference_sub_accounts(Context& ctx, eth::RpcClient& rpc, const contracts::LedgerManager& ledger_manager,
                                   const eth::Address& user, const std::vector<eth::Address>& only = {}) {
  SubAccounts out;
  if (ctx.network().inference.is_zero()) return out;
  const contracts::InferenceServing serving(rpc, ctx.network().inference);
  const auto providers = only.empty()
                             ? ledger_manager.get_ledger_providers(user, ledger_manager.service_name(serving.address()))
                             : only;
  for (const auto& p : providers) {
    if (auto account = serving.get_account(user, p)) out.accounts.push_back(std::move(*account));
  }
  out.lock_time = serving.lock_time();
  out.now = chain_time(rpc);
  return out;
}

nlohmann::json sub_accounts_json(const SubAccounts& subs) {
  auto list = nlohmann::json::array();
  for (const auto& a : subs.accounts) list.push_back(sub_account_json(a, subs.lock_time, subs.now));
  return list;
}

std::string sub_accounts_text(const SubAccounts& subs) {
  if (subs.accounts.empty()) return "  no inference provider sub-accounts\n";
  std::string text = "inference provider sub-accounts (refund lock time " + std::to_string(subs.lock_time / 60) + " min):\n";
  for (const auto& a : subs.accounts) text += sub_account_text(a, subs.lock_time, subs.now);
  return text;
}

// What `retrieve` leaves locked, per provider, and when the next call can collect it.
std::string locked_summary(const SubAccounts& subs) {
  std::string text = "provider sub-accounts after retrieveFund:\n";
  bool any_locked = false;
  for (const auto& a : subs.accounts) {
    text += "  " + a.provider.checksummed() + ": balance " + eth::format_amount(a.balance) + " 0G\n";
    for (const auto& r : a.live_refunds()) {
      if (r.processed) continue;
      const auto unlock = (r.created_at.fits_u64() ? r.created_at.low_u64() : 0) + subs.lock_time;
      any_locked = any_locked || unlock > subs.now;
      text += "    " + eth::format_amount(r.amount) + " 0G " + (unlock > subs.now ? "locked until " : "unlocked since ") +
              utc_time(unlock) + " (" + relative_time(unlock, subs.now) + ")\n";
    }
  }
  if (any_locked) text += "run `zg ledger retrieve` again after the unlock time to move it to your ledger\n";
  return text;
}

int ledger_show(Context& ctx, const Args& args) {
  auto chain = connect(ctx);
  const eth::Address user = user_address(ctx, args);
  const contracts::LedgerManager ledger_manager(*chain.rpc, ctx.network().ledger);
  const auto ledger = ledger_manager.get_ledger(user);
  auto j = ledger_json(user, ledger);
  auto text = ledger_text(user, ledger);
  if (ledger) {
    const auto subs = inference_sub_accounts(ctx, *chain.rpc, ledger_manager, user);
    j["inferenceAccounts"] = sub_accounts_json(subs);
    text += sub_accounts_text(subs);
  }
  ctx.emit(j, text);
  return 0;
}

int ledger_transfer(Context& ctx, const Args& args) {
  const auto provider = provider_option(args.required("provider"));
  const auto amount = positive_amount(args);
  auto chain = connect(ctx);
  const contracts::LedgerManager ledger_manager(*chain.rpc, ctx.network().ledger);
  const auto service = serving_choice(ctx, ledger_manager, args);
  if (service.kind == "inference" && !contracts::InferenceServing(*chain.rpc, service.contract).get_service(provider)) {
    // The contract would accept it, but no one could ever bill against it: money parked for nothing.
    throw UsageError(provider.checksummed() + " has no inference service registered; see `zg inference list-services`");
  }
  const auto key = ctx.wallet_key();
  eth::TxSender sender(*chain.rpc, key, chain.chain_id);
  const auto ledger = require_ledger(ledger_manager, sender.address());
  if (amount > ledger.available_balance) {
    throw UsageError("your ledger has " + eth::format_amount(ledger.available_balance) + " 0G available, less than " +
                     eth::format_amount(amount) + " 0G: add funds with `zg ledger deposit`");
  }
  const auto existing = ledger_manager.get_ledger_providers(sender.address(), service.service_name);
  const bool is_new = std::find(existing.begin(), existing.end(), provider) == existing.end();
  const auto minimum = ledger_manager.min_transfer_amount();
  if (is_new && amount < minimum) {
    throw UsageError("a new " + service.kind + " sub-account with " + provider.checksummed() + " needs at least " +
                     eth::format_amount(minimum) + " 0G (asked for " + eth::format_amount(amount) + " 0G)");
  }
  ctx.progress("transferring " + eth::format_amount(amount) + " 0G to " + provider.checksummed() + " (" +
               service.service_name + (is_new ? ", new sub-account" : "") + ") ...");
  const auto receipt = ledger_manager.transfer_fund(sender, provider, service.service_name, amount);
  const auto after = ledger_manager.get_ledger(sender.address());
  nlohmann::json j{{"transactionHash", to_hex(receipt.transaction_hash)},
                   {"blockNumber", receipt.block_number},
                   {"service", service.service_name},
                   {"provider", provider.checksummed()},
                   {"amount", amount.to_dec()},
                   {"newSubAccount", is_new},
                   {"ledger", ledger_json(sender.address(), after)}};
  std::string text = "transferred " + eth::format_amount(amount) + " 0G to " + provider.checksummed() + " (" +
                     service.service_name + "), transaction " + to_hex(receipt.transaction_hash) + "\n" +
                     ledger_text(sender.address(), after);
  if (service.kind == "inference") {
    const auto subs = inference_sub_accounts(ctx, *chain.rpc, ledger_manager, sender.address(), {provider});
    if (!subs.accounts.empty()) {
      j["account"] = sub_account_json(subs.accounts[0], subs.lock_time, subs.now);
      text += sub_accounts_text(subs);
    }
  }
  ctx.emit(j, text);
  return 0;
}

// --provider A[,B...] or --all (every provider the ledger has a sub-account with).
std::vector<eth::Address> retrieve_targets(const Args& args, const contracts::LedgerManager& ledger_manager,
                                           const eth::Address& user, const std::string& service_name) {
  const auto listed = args.value("provider");
  if (listed.has_value() == args.flag("all")) throw UsageError("pass either --provider ADDR[,ADDR...] or --all");
  if (!listed) {
    auto all = ledger_manager.get_ledger_providers(user, service_name);
    if (all.empty()) throw UsageError("you have no " + service_name + " sub-accounts: nothing to retrieve");
    return all;
  }
  std::vector<eth::Address> providers;
  std::stringstream list(*listed);
  for (std::string item; std::getline(list, item, ',');) providers.push_back(provider_option(item));
  return providers;
}

int ledger_retrieve(Context& ctx, const Args& args) {
  auto chain = connect(ctx);
  const contracts::LedgerManager ledger_manager(*chain.rpc, ctx.network().ledger);
  const auto service = serving_choice(ctx, ledger_manager, args);
  const auto key = ctx.wallet_key();
  eth::TxSender sender(*chain.rpc, key, chain.chain_id);
  const auto before = require_ledger(ledger_manager, sender.address());
  const auto providers = retrieve_targets(args, ledger_manager, sender.address(), service.service_name);

  // The contract takes at most 20 providers per call (MAX_PROVIDERS_PER_BATCH).
  constexpr std::size_t kBatch = 20;
  auto hashes = nlohmann::json::array();
  for (std::size_t i = 0; i < providers.size(); i += kBatch) {
    const std::vector<eth::Address> batch(providers.begin() + static_cast<std::ptrdiff_t>(i),
                                          providers.begin() + static_cast<std::ptrdiff_t>(std::min(i + kBatch, providers.size())));
    ctx.progress("retrieveFund for " + std::to_string(batch.size()) + " provider(s) (" + service.service_name + ") ...");
    hashes.push_back(to_hex(ledger_manager.retrieve_fund(sender, batch, service.service_name).transaction_hash));
  }
  const auto after = require_ledger(ledger_manager, sender.address());
  const auto returned = after.available_balance - before.available_balance;
  nlohmann::json j{{"transactions", hashes},
                   {"service", service.service_name},
                   {"returnedToLedger", returned.to_dec()},
                   {"returnedToLedger0G", eth::format_amount(returned)},
                   {"ledger", ledger_json(sender.address(), after)}};
  std::string text = eth::format_amount(returned) + " 0G of matured refunds returned to your ledger\n" +
                     ledger_text(sender.address(), after);
  if (service.kind == "inference") {
    const auto subs = inference_sub_accounts(ctx, *chain.rpc, ledger_manager, sender.address(), providers);
    j["accounts"] = sub_accounts_json(subs);
    text += locked_summary(subs);
  } else {
    text += "refund requested from " + std::to_string(providers.size()) + " " + service.kind +
            " provider(s); run `zg ledger retrieve --service " + service.kind + "` again after the lock time to collect\n";
  }
  ctx.emit(j, text);
  return 0;
}

int ledger_refund(Context& ctx, const Args& args) {
  const auto amount = positive_amount(args);
  auto chain = connect(ctx);
  const contracts::LedgerManager ledger_manager(*chain.rpc, ctx.network().ledger);
  const auto key = ctx.wallet_key();
  eth::TxSender sender(*chain.rpc, key, chain.chain_id);
  const auto ledger = require_ledger(ledger_manager, sender.address());
  if (amount > ledger.available_balance) {
    throw UsageError("only " + eth::format_amount(ledger.available_balance) +
                     " 0G of your ledger is available (funds in provider sub-accounts come back with "
                     "`zg ledger retrieve`); asked for " + eth::format_amount(amount) + " 0G");
  }
  const auto left = ledger.available_balance - amount;
  const auto minimum = ledger_manager.min_account_balance();
  if (!left.is_zero() && left < minimum) {
    throw UsageError("a refund of " + eth::format_amount(amount) + " 0G would leave " + eth::format_amount(left) +
                     " 0G in your ledger; it must keep 0 or at least " + eth::format_amount(minimum) +
                     " 0G: refund " + eth::format_amount(ledger.available_balance) + " 0G (all) or at most " +
                     eth::format_amount(ledger.available_balance > minimum ? ledger.available_balance - minimum : eth::Uint256(0)) + " 0G");
  }
  ctx.progress("refunding " + eth::format_amount(amount) + " 0G to " + sender.address().checksummed() + " ...");
  const auto receipt = ledger_manager.refund(sender, amount);
  const auto after = ledger_manager.get_ledger(sender.address());
  auto j = ledger_json(sender.address(), after);
  j["transactionHash"] = to_hex(receipt.transaction_hash);
  j["refunded"] = amount.to_dec();
  ctx.emit(j, "refunded " + eth::format_amount(amount) + " 0G to your wallet, transaction " +
                  to_hex(receipt.transaction_hash) + "\n" + ledger_text(sender.address(), after));
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
  commands.push_back({"ledger show", "show a ledger and its inference provider sub-accounts",
                      "Reads LedgerManager.getLedger for the wallet (or --address, which needs no key), then\n"
                      "every inference provider sub-account (getLedgerProviders + getAccount): balance, pending\n"
                      "refund, each live refund with the time it unlocks (createdAt + lockTime), acknowledged.\n\n"
                      "example: zg ledger show --address 0xf39F...2266 --json",
                      {{"address", "ADDR", "whose ledger to show (default: the wallet's)"}}, ledger_show});
  commands.push_back({"ledger transfer", "move funds from your ledger to a provider sub-account",
                      "Calls LedgerManager.transferFund. A new sub-account needs at least 1 0G (checked before\n"
                      "sending); the first transfer also acknowledges the provider. Topping up an account with a\n"
                      "pending refund cancels that refund first (no ledger funds move for that part).\n\n"
                      "example: zg ledger transfer --provider 0x7099...79C8 --amount 2",
                      {{"provider", "ADDR", "the provider address"},
                       {"amount", "0G", "amount in 0G (exact decimal)"},
                       {"service", "KIND", "inference (default) or fine-tuning"}},
                      ledger_transfer});
  commands.push_back({"ledger retrieve", "take funds back from provider sub-accounts (two steps: request, then collect)",
                      "Calls LedgerManager.retrieveFund: matured refunds go back to your ledger, and whatever is\n"
                      "left in each sub-account is requested for refund; it stays locked for the contract's\n"
                      "lockTime. Run it again after the unlock time shown to collect.\n\n"
                      "example: zg ledger retrieve --all\n"
                      "         zg ledger retrieve --provider 0x7099...79C8,0x3C44...93BC",
                      {{"provider", "ADDR[,ADDR]", "providers to retrieve from (comma-separated)"},
                       {"all", "", "every provider you have a sub-account with"},
                       {"service", "KIND", "inference (default) or fine-tuning"}},
                      ledger_retrieve});
  commands.push_back({"ledger refund", "send available ledger funds back to your wallet",
                      "Calls LedgerManager.refund. Only the available balance can be refunded, and the ledger\n"
                      "must keep 0 or at least 3 0G (checked before sending).\n\n"
                      "example: zg ledger refund --amount 2",
                      {{"amount", "0G", "amount in 0G"}}, ledger_refund});
}

}  // namespace zg::cli
