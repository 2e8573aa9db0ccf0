// `zg ft ...`: the customer side of 0G fine-tuning (protocol-finetune.md §3 steps 1-13): the
// fine-tuning sub-account, providers, the TEE-signer acknowledgement, the dataset, the task and
// its progress, the delivered model (checked BEFORE it is acknowledged) and its decryption.
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "broker/quote.hpp"
#include "cli_events.hpp"
#include "command.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "common/text.hpp"
#include "contracts/finetune_serving.hpp"
#include "crypto/aes_gcm.hpp"
#include "crypto/keccak.hpp"
#include "devnet/devnet_file.hpp"
#include "finetune/model_delivery.hpp"
#include "finetune/model_root.hpp"
#include "finetune/models.hpp"
#include "finetune/provider_api.hpp"
#include "finetune/request_signing.hpp"
#include "finetune/task.hpp"
#include "finetune/training_params.hpp"
#include "ledger_view.hpp"
#include "storage/storage_client.hpp"

namespace zg::cli {
namespace {

namespace fs = std::filesystem;
using finetune::TaskState;

// Exit status when a downloaded model failed its checks (errors exit 1, usage 2), as for inference.
constexpr int kVerificationFailedExit = 3;

std::uint64_t now_seconds() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::int64_t seconds_option(const Args& args, const std::string& name, std::int64_t fallback, std::int64_t max) {
  const auto v = args.value(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const auto n = std::stoll(*v, &used);
    if (used != v->size() || n < 0 || n > max) throw std::invalid_argument(*v);
    return n;
  } catch (const std::exception&) {
    throw UsageError("--" + name + " must be a whole number from 0 to " + std::to_string(max));
  }
}

std::string read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + what + " " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// ---- chain and provider ---------------------------------------------------------------------------

// Everything on-chain a fine-tuning command needs; the RPC client outlives the contract objects.
struct FtChain {
  ChainConnection chain;
  contracts::FinetuneServing serving;
  contracts::LedgerManager ledger;

  explicit FtChain(Context& ctx)
      : chain(connect(ctx)), serving(*chain.rpc, finetune_contract(ctx)), ledger(*chain.rpc, ctx.network().ledger) {}

  static eth::Address finetune_contract(Context& ctx) {
    if (ctx.network().finetune.is_zero()) throw UsageError("no FineTuningServing address: pass --finetune-contract or --network");
    return ctx.network().finetune;
  }

  contracts::FinetuneService service(const eth::Address& provider) const {
    auto s = serving.get_service(provider);
    if (!s) {
      throw UsageError("provider " + provider.checksummed() + " has no fine-tuning service registered in FineTuningServing " +
                       serving.address().checksummed() + " (see `zg ft list-services`)");
    }
    return std::move(*s);
  }
};

eth::Address provider_of(const Args& args) { return provider_option(args.required("provider")); }

// The user's address as it goes into broker URLs and signed texts (EIP-55, as the SDK's wallet).
std::string url_user(const crypto::PrivateKey& key) { return eth::Address::from_public_key(key.public_key()).checksummed(); }

// The task named by --task, else the newest one the provider has for this user.
finetune::Task select_task(finetune::ProviderApi& api, const std::string& user, const Args& args) {
  if (const auto id = args.value("task")) return api.get_task(user, *id);
  const auto tasks = api.list_tasks(user, true);
  if (tasks.empty()) throw UsageError("the provider has no task for " + user + " (create one with `zg ft create-task`)");
  return tasks.front();
}

// ---- deadline -------------------------------------------------------------------------------------

// Delivered tasks: when the provider settles with a penalty and never releases the key.
struct Deadline {
  std::uint64_t at = 0;
  std::uint64_t window = 0;
};

std::optional<Deadline> acknowledgement_deadline(const finetune::Task& task, const std::optional<contracts::Deliverable>& d,
                                                 std::uint64_t lock_time) {
  std::optional<std::uint64_t> delivered = task.deliver_time;
  if (!delivered && d && d->timestamp.fits_u64()) delivered = d->timestamp.low_u64();
  if (!delivered) return std::nullopt;
  return Deadline{finetune::acknowledgement_deadline(*delivered, lock_time), finetune::acknowledgement_window(lock_time)};
}

std::string deadline_text(const Deadline& deadline, std::uint64_t now) {
  if (deadline.at <= now) {
    return "the acknowledgement deadline " + utc_time(deadline.at) +
           " has passed: the provider settles with a penalty and never releases the key";
  }
  return "acknowledge before " + utc_time(deadline.at) + " (" + relative_time(deadline.at, now) +
         "; min(6 h, lockTime/2) = " + std::to_string(deadline.window / 60) +
         " min after delivery), or the provider keeps the key and charges a penalty: `zg ft acknowledge-model`";
}

// ---- progress on stderr ---------------------------------------------------------------------------

class ProgressLine {
 public:
  ProgressLine(Context& ctx, std::string label) : ctx_(ctx), label_(std::move(label)), tty_(::isatty(STDERR_FILENO) != 0) {}
  ~ProgressLine() {
    if (tty_ && printed_) std::cerr << "\n";
  }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void operator()(std::uint64_t done, std::uint64_t total) {
    const int percent = total == 0 ? -1 : static_cast<int>(done * 100 / total);
    const int step = tty_ ? percent : (percent < 0 ? -1 : percent / 25 * 25);
    if (step == last_ && done != total) return;
    last_ = step;
    std::ostringstream line;
    line << label_ << ": " << done / 1024 << " KiB";
    if (total != 0) line << " of " << total / 1024 << " KiB (" << percent << "%)";
    if (tty_) {
      std::cerr << "\r" << line.str() << std::flush;
      printed_ = true;
    } else {
      ctx_.progress(line.str());
    }
  }
  storage::Progress callback() {
    return [this](std::uint64_t done, std::uint64_t total) { (*this)(done, total); };
  }

 private:
  Context& ctx_;
  std::string label_;
  bool tty_;
  bool printed_ = false;
  int last_ = -2;
};

// ---- storage --------------------------------------------------------------------------------------

struct StorageEndpoint {
  std::string url;
  eth::Address flow;
};

// --storage-url/--flow-contract, else the devnet's storage simulator, else the network's indexer.
StorageEndpoint storage_endpoint(Context& ctx, const Args& args) {
  StorageEndpoint endpoint;
  if (const auto url = args.value("storage-url")) endpoint.url = *url;
  if (const auto flow = args.value("flow-contract")) endpoint.flow = eth::Address::from_hex(*flow);
  if (ctx.network().name == "local" && (endpoint.url.empty() || endpoint.flow.is_zero())) {
    const auto state = devnet::DevnetState::load(ctx.network_selection.devnet_file.value_or(config::default_devnet_file()));
    if (endpoint.url.empty()) endpoint.url = state.storage_url;
    if (endpoint.flow.is_zero()) endpoint.flow = state.contracts.flow;
  }
  if (endpoint.url.empty()) endpoint.url = ctx.network().storage_indexer;
  if (endpoint.url.empty()) throw UsageError("no 0G Storage endpoint: pass --storage-url (the devnet has none running)");
  return endpoint;
}

// ---- account and services -------------------------------------------------------------------------

nlohmann::json deliverable_json(const contracts::Deliverable& d) {
  return {{"id", d.id},
          {"modelRootHash", to_hex(d.model_root_hash)},
          {"hasSecret", d.has_secret()},
          {"acknowledged", d.acknowledged},
          {"settled", d.settled},
          {"timestamp", d.timestamp.to_dec()}};
}

nlohmann::json account_json(const contracts::FinetuneAccount& a, std::uint64_t lock_time, std::uint64_t now) {
  auto refunds = nlohmann::json::array();
  for (const auto& r : a.live_refunds()) {
    const auto unlock = (r.created_at.fits_u64() ? r.created_at.low_u64() : 0) + lock_time;
    refunds.push_back({{"amount", r.amount.to_dec()}, {"amount0G", eth::format_amount(r.amount)}, {"unlocksAt", unlock},
                       {"unlocksAtUtc", utc_time(unlock)}, {"unlocked", unlock <= now}});
  }
  auto deliverables = nlohmann::json::array();
  for (const auto& d : a.deliverables) deliverables.push_back(deliverable_json(d));
  return {{"provider", a.provider.checksummed()},  {"balance", a.balance.to_dec()},
          {"balance0G", eth::format_amount(a.balance)}, {"pendingRefund", a.pending_refund.to_dec()},
          {"pendingRefund0G", eth::format_amount(a.pending_refund)}, {"nonce", a.nonce.to_dec()},
          {"acknowledged", a.acknowledged}, {"refunds", refunds}, {"deliverables", deliverables}};
}

std::string account_text(const contracts::FinetuneAccount& a, std::uint64_t lock_time, std::uint64_t now) {
  std::ostringstream out;
  out << "  provider " << a.provider.checksummed() << "\n"
      << "    balance          " << eth::format_amount(a.balance) << " 0G\n"
      << "    pending refund   " << eth::format_amount(a.pending_refund) << " 0G\n"
      << "    acknowledged     " << (a.acknowledged ? "yes" : "no") << "\n"
      << "    settled nonce    " << a.nonce.to_dec() << "\n";
  for (const auto& r : a.live_refunds()) {
    const auto unlock = (r.created_at.fits_u64() ? r.created_at.low_u64() : 0) + lock_time;
    out << "    refund           " << eth::format_amount(r.amount) << " 0G, " << (unlock <= now ? "unlocked since " : "locked until ")
        << utc_time(unlock) << " (" << relative_time(unlock, now) << ")\n";
  }
  for (const auto& d : a.deliverables) {
    out << "    deliverable      " << d.id << ": " << (d.acknowledged ? "acknowledged" : "NOT acknowledged") << ", "
        << (d.settled ? (d.has_secret() ? "settled, key released" : "settled WITHOUT key (penalty)") : "not settled") << "\n";
    if (!d.acknowledged && !d.settled && d.timestamp.fits_u64()) {
      const Deadline deadline{finetune::acknowledgement_deadline(d.timestamp.low_u64(), lock_time),
                              finetune::acknowledgement_window(lock_time)};
      out << "                     " << deadline_text(deadline, now) << "\n";
    }
  }
  return out.str();
}

int ft_account(Context& ctx, const Args& args) {
  FtChain ft(ctx);
  const auto user = user_address(ctx, args);
  const auto service_name = ft.ledger.service_name(ft.serving.address());
  const auto ledger = ft.ledger.get_ledger(user);
  nlohmann::json j{{"ledger", ledger_json(user, ledger)}, {"service", service_name}};
  std::string text = ledger_text(user, ledger) + "fine-tuning service name (from LedgerManager): " + service_name + "\n";
  const auto providers = args.value("provider") ? std::vector<eth::Address>{provider_of(args)}
                                                : (ledger ? ft.ledger.get_ledger_providers(user, service_name)
                                                          : std::vector<eth::Address>{});
  const auto lock_time = ft.serving.lock_time();
  const auto now = chain_time(*ft.chain.rpc);
  auto accounts = nlohmann::json::array();
  for (const auto& p : providers) {
    if (const auto account = ft.serving.get_account(user, p)) {
      accounts.push_back(account_json(*account, lock_time, now));
      text += account_text(*account, lock_time, now);
    } else {
      text += "  provider " + p.checksummed() + ": no fine-tuning sub-account (fund one with `zg ft transfer`)\n";
    }
  }
  if (providers.empty()) text += "  no fine-tuning provider sub-accounts\n";
  j["accounts"] = accounts;
  j["lockTime"] = lock_time;
  ctx.emit(j, text);
  return 0;
}

int ft_transfer(Context& ctx, const Args& args) {
  const auto provider = provider_of(args);
  const auto amount = eth::parse_amount(args.required("amount"));
  if (amount.is_zero()) throw UsageError("--amount must be greater than 0");
  FtChain ft(ctx);
  ft.service(provider);  // a sub-account with no service behind it could never be billed or used
  const auto service_name = ft.ledger.service_name(ft.serving.address());
  const auto key = ctx.wallet_key();
  eth::TxSender sender(*ft.chain.rpc, key, ft.chain.chain_id);
  const auto ledger = ft.ledger.get_ledger(sender.address());
  if (!ledger) throw UsageError("no ledger for " + sender.address().checksummed() + ": create one with `zg ledger add --amount 3`");
  if (amount > ledger->available_balance) {
    throw UsageError("your ledger has " + eth::format_amount(ledger->available_balance) + " 0G available, less than " +
                     eth::format_amount(amount) + " 0G: add funds with `zg ledger deposit`");
  }
  const bool is_new = !ft.serving.account_exists(sender.address(), provider);
  const auto minimum = ft.ledger.min_transfer_amount();
  if (is_new && amount < minimum) {
    throw UsageError("a new fine-tuning sub-account with " + provider.checksummed() + " needs at least " +
                     eth::format_amount(minimum) + " 0G (asked for " + eth::format_amount(amount) + " 0G)");
  }
  ctx.progress("transferring " + eth::format_amount(amount) + " 0G to " + provider.checksummed() + " (" + service_name +
               (is_new ? ", new sub-account" : "") + ") ...");
  const auto receipt = ft.ledger.transfer_fund(sender, provider, service_name, amount);
  const auto account = ft.serving.get_account(sender.address(), provider);
  const auto lock_time = ft.serving.lock_time();
  const auto now = chain_time(*ft.chain.rpc);
  nlohmann::json j{{"transactionHash", to_hex(receipt.transaction_hash)}, {"service", service_name},
                   {"provider", provider.checksummed()}, {"amount", amount.to_dec()}, {"newSubAccount", is_new},
                   {"ledger", ledger_json(sender.address(), ft.ledger.get_ledger(sender.address()))}};
  std::string text = "transferred " + eth::format_amount(amount) + " 0G to " + provider.checksummed() + " (" + service_name +
                     "), transaction " + to_hex(receipt.transaction_hash) + "\n";
  if (account) {
    j["account"] = account_json(*account, lock_time, now);
    text += account_text(*account, lock_time, now);
  }
  ctx.emit(j, text);
  return 0;
}

std::string quota_text(const contracts::FinetuneQuota& q) {
  return q.cpu_count.to_dec() + " CPU, " + q.node_memory.to_dec() + " GB RAM, " + q.gpu_count.to_dec() + "x " +
         (q.gpu_type.empty() ? "GPU" : q.gpu_type) + ", " + q.node_storage.to_dec() + " GB disk";
}

nlohmann::json service_json(const contracts::FinetuneService& s) {
  return {{"provider", s.provider.checksummed()},
          {"url", s.url},
          {"quota", {{"cpuCount", s.quota.cpu_count.to_dec()}, {"nodeMemory", s.quota.node_memory.to_dec()},
                     {"gpuCount", s.quota.gpu_count.to_dec()}, {"nodeStorage", s.quota.node_storage.to_dec()},
                     {"gpuType", s.quota.gpu_type}}},
          {"pricePerToken", s.price_per_token.to_dec()},
          {"pricePerToken0G", eth::format_amount(s.price_per_token)},
          {"occupied", s.occupied},
          {"models", s.models},
          {"teeSignerAddress", s.tee_signer_address.checksummed()},
          {"teeSignerAcknowledged", s.tee_signer_acknowledged}};
}

int ft_list_services(Context& ctx, const Args& args) {
  FtChain ft(ctx);
  const auto all = ft.serving.get_all_services();
  auto list = nlohmann::json::array();
  std::ostringstream text;
  std::size_t hidden = 0;
  for (const auto& s : all) {
    // As the SDK's listService: an owner-unacknowledged TEE signer makes a service unusable.
    if (!s.tee_signer_acknowledged && !args.flag("all")) {
      ++hidden;
      continue;
    }
    list.push_back(service_json(s));
    std::string models;
    for (const auto& m : s.models) models += (models.empty() ? "" : ", ") + m;
    text << s.provider.checksummed() << "  " << s.url << "\n"
         << "  quota      " << quota_text(s.quota) << "\n"
         << "  price      " << eth::format_amount(s.price_per_token) << " 0G per token (on chain; the provider prices tasks itself)\n"
         << "  occupied   " << (s.occupied ? "yes" : "no") << "\n"
         << "  models     " << (models.empty() ? "predefined only" : models) << "\n"
         << "  TEE signer " << s.tee_signer_address.checksummed() << (s.tee_signer_acknowledged ? "" : " (NOT acknowledged by the owner)")
         << "\n";
  }
  if (list.empty()) text << "no fine-tuning services\n";
  if (hidden > 0) text << hidden << " service(s) hidden: their TEE signer is not acknowledged by the contract owner (--all shows them)\n";
  ctx.emit({{"services", list}, {"total", all.size()}, {"hidden", hidden}}, text.str());
  return 0;
}

int ft_models(Context& ctx, const Args& args) {
  auto list = nlohmann::json::array();
  std::string text = "predefined models (the SDK's list):\n";
  for (const auto& m : finetune::predefined_models()) {
    list.push_back({{"name", m.name}, {"hash", m.hash}, {"kind", "predefined"}, {"networks", m.networks}});
    text += "  " + std::string(m.name) + "  " + std::string(m.hash) + "  (" + std::string(m.networks) + ")\n";
  }
  if (args.value("provider")) {
    FtChain ft(ctx);
    finetune::ProviderApi api(ft.service(provider_of(args)).url);
    const auto custom = api.models();
    text += "customized models of " + args.required("provider") + ":\n";
    for (const auto& m : custom) {
      list.push_back({{"name", m.name}, {"hash", m.hash}, {"kind", "customized"}, {"description", m.description}});
      text += "  " + m.name + "  " + m.hash + (m.description.empty() ? "" : "  " + m.description) + "\n";
    }
    if (custom.empty()) text += "  none\n";
  }
  ctx.emit({{"models", list}}, text);
  return 0;
}

// ---- step 6: acknowledge the provider's TEE signer --------------------------------------------------

int ft_acknowledge(Context& ctx, const Args& args) {
  const auto provider = provider_of(args);
  FtChain ft(ctx);
  const auto service = ft.service(provider);
  finetune::ProviderApi api(service.url);
  const auto check = broker::check_quote(broker::parse_quote(api.quote()), service.tee_signer_address);
  if (!check.acceptable()) throw Error("refusing to acknowledge " + provider.checksummed() + ": " + check.summary());
  if (!service.tee_signer_acknowledged) {
    ctx.progress("warning: the contract owner has not acknowledged this provider's TEE signer; the provider refuses tasks until then");
  }
  const auto key = ctx.wallet_key();
  const auto user = eth::Address::from_public_key(key.public_key());
  const auto account = ft.serving.get_account(user, provider);
  std::string action = "none";
  std::string text;
  std::optional<eth::Receipt> receipt;
  if (!account) {
    // The SDK would call transferFund(provider, 0) here, which always throws: fund first instead.
    action = "fund-first";
    text = "you have no fine-tuning sub-account with " + provider.checksummed() + " yet: fund it with `zg ft transfer --provider " +
           provider.checksummed() + " --amount 1` (that acknowledges too)";
  } else if (account->acknowledged) {
    text = "already acknowledged; nothing sent";
  } else {
    eth::TxSender sender(*ft.chain.rpc, key, ft.chain.chain_id);
    ctx.progress("sending acknowledgeTEESigner(" + provider.checksummed() + ", true) ...");
    receipt = ft.serving.acknowledge_tee_signer(sender, provider, true);
    action = "sent";
    text = "acknowledged in transaction " + to_hex(receipt->transaction_hash);
  }
  nlohmann::json j = {{"provider", provider.checksummed()}, {"teeSigner", service.tee_signer_address.checksummed()},
                      {"quote", {{"signerMatches", check.signer_matches}, {"attestedSigner", check.attested_signer}}},
                      {"action", action}};
  if (receipt) j["transactionHash"] = to_hex(receipt->transaction_hash);
  ctx.emit(j, check.summary() + "\n" + text);
  return 0;
}

// ---- step 7: the dataset ----------------------------------------------------------------------------

int ft_upload(Context& ctx, const Args& args) {
  const auto file = fs::path(args.required("file"));
  if (!fs::is_regular_file(file)) throw UsageError(file.string() + " is not a readable file");
  const auto to = args.value("to").value_or("storage");
  const auto key = ctx.wallet_key();
  std::string hash;
  nlohmann::json j{{"file", file.string()}, {"to", to}};
  if (to == "tee") {
    FtChain ft(ctx);
    finetune::ProviderApi api(ft.service(provider_of(args)).url);
    const auto user = url_user(key);
    const auto ts = static_cast<std::int64_t>(now_seconds());
    ctx.progress("uploading " + file.string() + " to the provider's TEE (" + api.display_url() + ") ...");
    hash = api.upload_dataset(user, file, finetune::sign_dataset_upload(key, user, ts), ts);
    // The TEE names the dataset by keccak256 of its bytes: check it is the file we sent.
    const auto bytes = read_text_file(file.string(), "dataset");
    const auto local = to_hex(crypto::keccak256(as_bytes(bytes)));
    if (ascii_lower(hash) != local) {
      throw Error("the provider answered datasetHash " + hash + " but the file's keccak256 is " + local);
    }
  } else if (to == "storage") {
    auto chain = connect(ctx);
    const auto endpoint = storage_endpoint(ctx, args);
    storage::StorageClient client(endpoint.url, *chain.rpc, endpoint.flow);
    eth::TxSender sender(*chain.rpc, key, chain.chain_id);
    ProgressLine progress(ctx, "upload");
    const auto result = client.upload_file(file, sender, progress.callback());
    hash = result.root;
    j["transactionHash"] = result.tx_hash;
    j["fee"] = result.fee.to_dec();
    j["alreadyStored"] = result.already_stored;
  } else {
    throw UsageError("--to must be 'storage' or 'tee', not '" + to + "'");
  }
  j["datasetHash"] = hash;
  ctx.emit(j, "dataset hash: " + hash + "\nuse it with `zg ft create-task --dataset " + hash + " ...`");
  return 0;
}

// ---- step 8: create the task ------------------------------------------------------------------------

std::string check_dataset_hash(const std::string& text) {
  if (text.size() != 66 || text.rfind("0x", 0) != 0 || text.find_first_not_of("0123456789abcdefABCDEF", 2) != std::string::npos) {
    throw UsageError("--dataset must be a dataset hash, 0x + 64 hex digits (from `zg ft upload`), not '" + text + "'");
  }
  return text;
}

// A predefined model by name or hash, else one of the provider's customized models.
std::string resolve_model_hash(finetune::ProviderApi& api, const std::string& model, std::string& kind) {
  if (const auto predefined = finetune::find_predefined_model(model)) {
    kind = "predefined " + std::string(predefined->name);
    return std::string(predefined->hash);
  }
  try {
    const auto custom = api.model(model);
    kind = "customized " + custom.name;
    return custom.hash;
  } catch (const broker::ProviderError& e) {
    std::string names;
    for (const auto& m : finetune::predefined_models()) names += (names.empty() ? "" : ", ") + std::string(m.name);
    throw UsageError("unknown model '" + model + "': not predefined (" + names + ") and the provider says: " +
                     e.provider_message() + " (see `zg ft models --provider ...`)");
  }
}

int ft_create_task(Context& ctx, const Args& args) {
  // Everything local first: a bad config is refused before anything is signed or sent.
  const auto config = read_text_file(args.required("config"), "training config");
  try {
    finetune::validate_training_params(config);
  } catch (const finetune::TrainingParamsError& e) {
    throw UsageError(args.required("config") + ": the provider would refuse this training config: " + e.what());
  }
  const auto dataset = check_dataset_hash(args.required("dataset"));
  const auto model = args.required("model");
  const auto provider = provider_of(args);

  FtChain ft(ctx);
  const auto service = ft.service(provider);
  if (!service.tee_signer_acknowledged) {
    throw UsageError("provider " + provider.checksummed() + ": service TEE signer has not been acknowledged by 0G team");
  }
  const auto key = ctx.wallet_key();
  const auto user = eth::Address::from_public_key(key.public_key());
  const auto account = ft.serving.get_account(user, provider);
  if (!account) {
    throw UsageError("no fine-tuning sub-account with " + provider.checksummed() + ": fund one first with `zg ft transfer --provider " +
                     provider.checksummed() + " --amount 1`");
  }
  if (!account->acknowledged) {
    throw UsageError("you have not acknowledged this provider's TEE signer: run `zg ft acknowledge --provider " +
                     provider.checksummed() + "` first");
  }
  finetune::ProviderApi api(service.url);
  std::string kind;
  const auto model_hash = resolve_model_hash(api, model, kind);

  const auto pending = api.pending_task_count();
  if (pending > 0 && !args.flag("queue")) {
    throw UsageError("the provider has " + std::to_string(pending) +
                     " task(s) in progress and refuses new ones unless they may wait: pass --queue to wait in line");
  }
  auto nonce = finetune::task_nonce(now_ms());
  if (nonce <= account->nonce) nonce = account->nonce + eth::Uint256(1);  // must exceed the last settled nonce
  finetune::CreateTaskRequest request;
  request.user_address = user.checksummed();
  request.pretrained_model_hash = model_hash;
  request.dataset_hash = dataset;
  request.training_params = config;
  request.nonce = nonce;
  request.signature = finetune::sign_create_task(key, nonce, dataset);
  request.wait = pending > 0;
  ctx.progress("creating a task with " + provider.checksummed() + ": model " + kind + " (" + model_hash + "), dataset " + dataset +
               ", nonce " + nonce.to_dec() + (request.wait ? ", queued behind " + std::to_string(pending) + " task(s)" : ""));
  const auto id = api.create_task(user.checksummed(), finetune::create_task_body(request));
  ctx.emit({{"taskId", id}, {"provider", provider.checksummed()}, {"preTrainedModelHash", model_hash},
            {"datasetHash", dataset}, {"nonce", nonce.to_dec()}, {"balance0G", eth::format_amount(account->balance)}},
           "task " + id + " created\nfollow it with `zg ft wait --provider " + provider.checksummed() + " --task " + id +
               " --acknowledge`; the fee is charged at settlement from your sub-account (" +
               eth::format_amount(account->available()) + " 0G available)");
  return 0;
}

// ---- step 9: progress --------------------------------------------------------------------------------

struct TaskView {
  nlohmann::json json;
  std::string text;
};

TaskView describe_task(const FtChain& ft, const finetune::Task& task, const eth::Address& user, const eth::Address& provider) {
  TaskView view{finetune::task_json(task), ""};
  std::ostringstream out;
  out << "task " << task.id << "\n"
      << "  state      " << (task.progress.empty() ? "(none)" : task.progress) << "\n"
      << "  fee        " << (task.fee_amount() ? eth::format_amount(*task.fee_amount()) + " 0G" : task.fee) << "\n"
      << "  created    " << task.created_at << "\n"
      << "  updated    " << task.updated_at << "\n";
  if (task.deliver_time) out << "  delivered  " << utc_time(*task.deliver_time) << "\n";
  if (finetune::has_deliverable(task.state)) {
    const auto deliverable = ft.serving.get_deliverable(user, provider, task.id);
    if (deliverable) {
      view.json["deliverable"] = deliverable_json(*deliverable);
      out << "  deliverable " << (deliverable->acknowledged ? "acknowledged" : "NOT acknowledged")
          << (deliverable->has_secret() ? ", key released" : (deliverable->settled ? ", settled without key (penalty)" : ""))
          << "\n";
      if (!deliverable->acknowledged && !deliverable->settled) {
        if (const auto deadline = acknowledgement_deadline(task, deliverable, ft.serving.lock_time())) {
          const auto now = chain_time(*ft.chain.rpc);
          view.json["acknowledgeBefore"] = deadline->at;
          view.json["acknowledgeBeforeUtc"] = utc_time(deadline->at);
          out << "  " << deadline_text(*deadline, now) << "\n";
        }
      }
    }
  }
  view.text = out.str();
  return view;
}

int ft_task(Context& ctx, const Args& args) {
  const auto provider = provider_of(args);
  FtChain ft(ctx);
  finetune::ProviderApi api(ft.service(provider).url);
  const auto user = user_address(ctx, args);
  const auto task = select_task(api, user.checksummed(), args);
  const auto view = describe_task(ft, task, user, provider);
  ctx.emit(view.json, view.text);
  return 0;
}

int ft_log(Context& ctx, const Args& args) {
  const auto provider = provider_of(args);
  FtChain ft(ctx);
  finetune::ProviderApi api(ft.service(provider).url);
  const auto user = user_address(ctx, args).checksummed();
  const auto task = select_task(api, user, args);
  const auto log = api.task_log(user, task.id);
  ctx.emit({{"taskId", task.id}, {"log", log}}, log);
  return 0;
}

int ft_cancel(Context& ctx, const Args& args) {
  const auto provider = provider_of(args);
  FtChain ft(ctx);
  finetune::ProviderApi api(ft.service(provider).url);
  const auto key = ctx.wallet_key();
  const auto user = url_user(key);
  const auto task = select_task(api, user, args);
  if (!finetune::is_cancellable(task.state)) {
    throw UsageError("task " + task.id + " is " + task.progress + ": the provider cancels only tasks in Init, SettingUp or SetUp");
  }
  const auto answer = api.cancel_task(user, task.id, finetune::sign_cancel_task(key, finetune::parse_task_uuid(task.id)));
  ctx.emit({{"taskId", task.id}, {"answer", answer}}, answer);
  return 0;
}

// ---- step 10: download, check, acknowledge -------------------------------------------------------

fs::path model_file_path(const Args& args, const std::string& task_id) {
  return fs::path(args.value("model-file").value_or(task_id + ".model.enc"));
}

// Downloads the deliverable's encrypted model (0G Storage, the TEE, or storage then the TEE).
std::string download_model(Context& ctx, const Args& args, FtChain& ft, finetune::ProviderApi& api, const crypto::PrivateKey& key,
                           const contracts::Deliverable& deliverable, const fs::path& out) {
  const auto from = args.value("from").value_or("auto");
  if (from != "auto" && from != "storage" && from != "tee") throw UsageError("--from must be auto, storage or tee");
  if (from != "tee") {
    try {
      const auto roots = finetune::parse_model_root_hash(deliverable.model_root_hash);
      const auto endpoint = storage_endpoint(ctx, args);
      storage::StorageClient client(endpoint.url, *ft.chain.rpc, endpoint.flow);
      ProgressLine progress(ctx, "download from 0G Storage");
      client.download_file(to_hex(roots.roots.front()), out, progress.callback());
      return "0G Storage";
    } catch (const Error& e) {
      if (from == "storage") throw;
      ctx.progress(std::string("0G Storage download failed (") + e.what() + "); trying the provider's TEE");
    }
  }
  const auto ts = static_cast<std::int64_t>(now_seconds());
  const auto uuid = finetune::parse_task_uuid(deliverable.id);
  ProgressLine progress(ctx, "download from the provider");
  api.download_lora(url_user(key), deliverable.id, finetune::sign_lora_download(key, uuid, ts), ts, out,
                    [&progress](std::uint64_t done, std::uint64_t total) { progress(done, total); });
  return "provider TEE";
}

struct AcknowledgeResult {
  int exit_code = 0;
  nlohmann::json json;
  std::string text;
};

// Step 10 for one task. Nothing is sent unless the root and the tag signature both check out.
AcknowledgeResult acknowledge_model(Context& ctx, const Args& args, FtChain& ft, const eth::Address& provider,
                                    const std::string& task_id) {
  const auto service = ft.service(provider);
  const auto key = ctx.wallet_key();
  const auto user = eth::Address::from_public_key(key.public_key());
  const auto deliverable = ft.serving.get_deliverable(user, provider, task_id);
  if (!deliverable) throw UsageError("no deliverable for task " + task_id + " on chain yet (wait for the Delivered state)");
  AcknowledgeResult result;
  result.json = {{"taskId", task_id}, {"provider", provider.checksummed()}, {"deliverable", deliverable_json(*deliverable)}};
  if (deliverable->acknowledged) {
    result.json["action"] = "none";
    result.text = "task " + task_id + " is already acknowledged; nothing sent";
    return result;
  }
  if (deliverable->settled) {
    throw Error("task " + task_id + " was settled without your acknowledgement (penalty): the contract refuses to acknowledge "
                "it now and the provider never releases its key");
  }
  finetune::ProviderApi api(service.url);
  const auto file = model_file_path(args, task_id);
  std::string source;
  try {
    source = download_model(ctx, args, ft, api, key, *deliverable, file);
  } catch (const storage::IntegrityError& e) {
    // A node served bytes that do not match the root: refused like a failed check (nothing on disk).
    result.exit_code = kVerificationFailedExit;
    result.json["action"] = "refused";
    result.json["error"] = e.what();
    result.text = "REFUSED: the model of task " + task_id + " from 0G Storage failed verification; nothing was acknowledged.\n" +
                  e.what();
    return result;
  }
  const auto check = finetune::check_deliverable_file(file, deliverable->model_root_hash, service.tee_signer_address);
  result.json["modelFile"] = file.string();
  result.json["source"] = source;
  result.json["check"] = {{"rootMatches", check.root.matches}, {"root", check.root.explanation},
                          {"signatureOk", check.signature_ok}, {"signature", check.signature_explanation},
                          {"storageRoot", to_hex(check.file.storage_root)}, {"keccak256", to_hex(check.file.keccak)}};
  if (!check.passed()) {
    result.exit_code = kVerificationFailedExit;
    result.json["action"] = "refused";
    result.text = "REFUSED: the model of task " + task_id + " from " + source + " failed its checks; nothing was acknowledged.\n" +
                  check.summary() + "\nThe file is left at " + file.string() + " for inspection.";
    return result;
  }
  eth::TxSender sender(*ft.chain.rpc, key, ft.chain.chain_id);
  ctx.progress("checks passed (" + std::string(finetune::root_form_name(check.root.form)) + ", TEE tag signature); sending acknowledgeDeliverable ...");
  const auto receipt = ft.serving.acknowledge_deliverable(sender, provider, task_id);
  result.json["action"] = "acknowledged";
  result.json["transactionHash"] = to_hex(receipt.transaction_hash);
  raise_event(hooks::EventKind::model_acknowledged,
              {{"provider", provider.checksummed()}, {"task_id", task_id}, {"root_hash", to_hex(deliverable->model_root_hash)},
               {"tx_hash", to_hex(receipt.transaction_hash)}, {"model_file", file.string()}, {"source", source}});
  result.text = check.summary() + "\nacknowledged task " + task_id + " in transaction " + to_hex(receipt.transaction_hash) +
                "\nthe encrypted model is at " + file.string() + "; once the provider settles, run `zg ft decrypt --provider " +
                provider.checksummed() + " --task " + task_id + " --in " + file.string() + " --out DIR`";
  return result;
}

int ft_acknowledge_model(Context& ctx, const Args& args) {
  const auto provider = provider_of(args);
  FtChain ft(ctx);
  auto task_id = args.value("task");
  if (!task_id) {
    finetune::ProviderApi api(ft.service(provider).url);
    task_id = select_task(api, url_user(ctx.wallet_key()), args).id;
  }
  const auto result = acknowledge_model(ctx, args, ft, provider, *task_id);
  if (result.exit_code != 0 && !ctx.json_output) {
    std::cerr << result.text << "\n";
    return result.exit_code;
  }
  ctx.emit(result.json, result.text);
  return result.exit_code;
}

int ft_wait(Context& ctx, const Args& args) {
  const auto provider = provider_of(args);
  const auto interval = std::chrono::milliseconds(seconds_option(args, "interval-ms", 1000, 600000));
  const auto timeout = seconds_option(args, "timeout", 3600, 7 * 86400);
  const auto until_text = args.value("until").value_or("Delivered");
  const auto until = finetune::parse_task_state(until_text);
  if (until == TaskState::unknown || until == TaskState::failed) throw UsageError("--until must be a task state such as Delivered or Finished");
  FtChain ft(ctx);
  finetune::ProviderApi api(ft.service(provider).url);
  const auto user = user_address(ctx, args);
  const auto started = std::chrono::steady_clock::now();
  auto task = select_task(api, user.checksummed(), args);
  std::string last_state;
  bool acknowledged = false;
  while (true) {
    if (task.progress != last_state) {
      last_state = task.progress;
      ctx.progress("task " + task.id + ": " + task.progress +
                   (task.fee_amount() && !task.fee_amount()->is_zero() ? " (fee " + eth::format_amount(*task.fee_amount()) + " 0G)" : ""));
      if (task.state == TaskState::delivered) {
        const auto deliverable = ft.serving.get_deliverable(user, provider, task.id);
        if (const auto deadline = acknowledgement_deadline(task, deliverable, ft.serving.lock_time())) {
          ctx.progress("  " + deadline_text(*deadline, chain_time(*ft.chain.rpc)));
        }
      }
    }
    if (task.state == TaskState::failed) {
      const auto log = api.task_log(user.checksummed(), task.id);
      std::cerr << "task " << task.id << " FAILED; the provider's log:\n" << log << "\n";
      ctx.emit(finetune::task_json(task), "");
      return 1;
    }
    if (args.flag("acknowledge") && !acknowledged && finetune::has_deliverable(task.state)) {
      const auto result = acknowledge_model(ctx, args, ft, provider, task.id);
      if (result.exit_code != 0) {
        std::cerr << "\n*** NOT ACKNOWLEDGED ***\n" << result.text << "\n";
        if (ctx.json_output) ctx.emit(result.json, "");
        return result.exit_code;
      }
      ctx.progress(result.text);
      acknowledged = true;
    }
    const bool reached = task.state == until || (static_cast<int>(task.state) >= static_cast<int>(until) &&
                                                 task.state != TaskState::unknown);
    if (reached && (!args.flag("acknowledge") || acknowledged)) break;
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(timeout)) {
      throw Error("task " + task.id + " is still " + task.progress + " after " + std::to_string(timeout) + " s");
    }
    std::this_thread::sleep_for(interval);
    task = api.get_task(user.checksummed(), task.id);
  }
  const auto view = describe_task(ft, task, user, provider);
  ctx.emit(view.json, view.text);
  return 0;
}

// ---- step 11: decrypt ----------------------------------------------------------------------------------

// Polls the deliverable until settlement released the key; refuses a penalty settlement.
Bytes wait_for_secret(Context& ctx, FtChain& ft, const eth::Address& user, const eth::Address& provider, const std::string& task_id,
                      std::int64_t timeout, std::chrono::milliseconds interval) {
  const auto started = std::chrono::steady_clock::now();
  bool announced = false;
  while (true) {
    const auto d = ft.serving.get_deliverable(user, provider, task_id);
    if (!d) throw UsageError("no deliverable for task " + task_id + " on chain");
    if (d->has_secret()) return d->encrypted_secret;
    if (d->settled) {
      throw Error("task " + task_id + " was settled with the penalty (not acknowledged in time): the provider never releases "
                  "its key, so the model cannot be decrypted");
    }
    if (!d->acknowledged) {
      throw UsageError("task " + task_id + " is not acknowledged yet; the key is released only after `zg ft acknowledge-model`");
    }
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(timeout)) {
      throw Error("the provider has not released the key of task " + task_id + " after " + std::to_string(timeout) +
                  " s (it settles periodically); try again later");
    }
    if (!announced) ctx.progress("waiting for the provider to settle and release the key ...");
    announced = true;
    std::this_thread::sleep_for(interval);
  }
}

int ft_decrypt(Context& ctx, const Args& args) {
  const auto out_dir = args.value("out");
  const auto out_raw = args.value("out-raw");
  if (out_dir.has_value() == out_raw.has_value()) throw UsageError("pass exactly one of --out DIR or --out-raw FILE");
  Bytes secret;
  eth::Address signer;
  fs::path in;
  std::string task_id;
  const auto key = ctx.wallet_key();
  if (const auto hex = args.value("encrypted-secret")) {
    // Offline: everything is given, nothing is read from the chain or a provider.
    secret = from_hex(*hex);
    signer = eth::Address::from_hex(args.required("tee-signer"));
    in = args.required("in");
  } else {
    const auto provider = provider_of(args);
    FtChain ft(ctx);
    const auto service = ft.service(provider);
    signer = service.tee_signer_address;
    const auto user = eth::Address::from_public_key(key.public_key());
    if (const auto id = args.value("task")) {
      task_id = *id;
    } else {
      finetune::ProviderApi api(service.url);
      task_id = select_task(api, user.checksummed(), args).id;
    }
    in = args.value("in").value_or(task_id + ".model.enc");
    secret = wait_for_secret(ctx, ft, user, provider, task_id, seconds_option(args, "timeout", 600, 7 * 86400),
                             std::chrono::milliseconds(seconds_option(args, "interval-ms", 2000, 600000)));
  }
  if (!fs::is_regular_file(in)) throw UsageError("the encrypted model " + in.string() + " is missing (see `zg ft acknowledge-model`)");
  const auto model_key = finetune::decrypt_model_key(key, secret);
  ctx.progress("decrypting " + in.string() + " ...");
  const auto result = out_dir ? finetune::decrypt_model_to_directory(in, model_key, signer, *out_dir)
                              : finetune::decrypt_model_to_raw_file(in, model_key, signer, *out_raw);
  auto files = nlohmann::json::array();
  std::string text = "decrypted " + std::to_string(result.plaintext_size) + " bytes; tags and TEE signature (" +
                     signer.checksummed() + ") verified\n";
  for (const auto& f : result.files) {
    if (f.directory) continue;
    files.push_back({{"name", f.name}, {"size", f.size}});
    text += "  " + (fs::path(*out_dir) / f.name).string() + "  (" + std::to_string(f.size) + " bytes)\n";
  }
  if (out_raw) text += "  " + *out_raw + "\n";
  // The output is in its final place now (the decrypt renames it there only when complete).
  nlohmann::json decrypted = {{"path", fs::absolute(out_dir ? *out_dir : *out_raw).string()},
                              {"format", out_dir ? "directory" : "raw"}, {"bytes", result.plaintext_size}};
  if (!task_id.empty()) decrypted["task_id"] = task_id;  // offline mode knows no task
  raise_event(hooks::EventKind::model_decrypted, decrypted);
  ctx.emit({{"taskId", task_id}, {"plaintextSize", result.plaintext_size}, {"files", files},
            {"out", out_dir ? *out_dir : *out_raw}}, text);
  return 0;
}

}  // namespace

void add_finetune_commands(std::vector<Command>& commands) {
  const OptionSpec provider{"provider", "ADDR", "the fine-tuning provider's address"};
  const OptionSpec task{"task", "ID", "the task id (default: your newest task with this provider)"};
  const OptionSpec storage_url{"storage-url", "URL", "0G Storage indexer/node JSON-RPC (default: the devnet's, or the network's)"};
  const OptionSpec flow{"flow-contract", "ADDR", "the 0G Storage Flow contract (default: the devnet's)"};
  const OptionSpec model_file{"model-file", "FILE", "where the encrypted model is kept (default: <task-id>.model.enc)"};
  const OptionSpec from{"from", "SOURCE", "auto (0G Storage, then the provider), storage or tee"};
  const OptionSpec interval{"interval-ms", "MS", "polling interval"};

  commands.push_back({"ft account", "show your ledger and fine-tuning sub-accounts (balances, refunds, deliverables)",
                      "Reads the ledger, the fine-tuning service name LedgerManager files sub-accounts under, and each\n"
                      "FineTuningServing sub-account: balance, pending refunds with unlock times, the settled nonce,\n"
                      "and every deliverable with its acknowledgement deadline.\n\nexample: zg ft account",
                      {provider, {"address", "ADDR", "whose accounts to show (no key needed)"}}, ft_account});
  commands.push_back({"ft transfer", "fund a fine-tuning provider sub-account from your ledger (also acknowledges it)",
                      "LedgerManager.transferFund under the fine-tuning service name read from the chain. A new\n"
                      "sub-account needs at least 1 0G. Take funds back with `zg ledger retrieve --service fine-tuning`.\n\n"
                      "example: zg ft transfer --provider 0x90F7...b906 --amount 2",
                      {provider, {"amount", "0G", "amount in 0G (exact decimal)"}}, ft_transfer});
  commands.push_back({"ft list-services", "list fine-tuning providers: quota, price, occupancy, models",
                      "FineTuningServing.getAllServices; services whose TEE signer the owner has not acknowledged\n"
                      "are hidden unless --all.",
                      {{"all", "", "also show services with an unacknowledged TEE signer"}}, ft_list_services});
  commands.push_back({"ft models", "list the predefined models and a provider's customized ones",
                      "The SDK's predefined models (by name and 0G Storage root) and, with --provider, GET /v1/model.",
                      {provider}, ft_models});
  commands.push_back({"ft acknowledge", "check a provider's TEE quote, then acknowledge its signer",
                      "GET /v1/quote must attest the contract's teeSignerAddress; then acknowledgeTEESigner is sent\n"
                      "only when the sub-account exists and is not acknowledged yet (funding acknowledges too).",
                      {provider}, ft_acknowledge});
  commands.push_back({"ft upload", "upload a dataset to 0G Storage or to the provider's TEE; prints the dataset hash",
                      "--to storage (default): Flow.submit with the fee, then every segment with its proof; the\n"
                      "hash is the 0G Storage root. --to tee: POST /v1/user/{addr}/dataset (signed, .jsonl/.json,\n"
                      "<= 100 MB); the hash is keccak256 of the file, checked against the provider's answer.\n\n"
                      "example: zg ft upload --file train.jsonl --to tee --provider 0x90F7...b906",
                      {{"file", "FILE", "the dataset (.jsonl)"}, {"to", "WHERE", "storage (default) or tee"}, provider, storage_url, flow},
                      ft_upload});
  commands.push_back({"ft create-task", "create a fine-tuning task (config checked locally first)",
                      "Checks --config with the provider's exact rules before anything is sent, resolves --model\n"
                      "(a predefined name or hash, else the provider's customized model), checks the sub-account\n"
                      "and acknowledgements, asks the provider for its pending tasks, signs\n"
                      "(user, nonce, datasetHash) and POSTs the task.\n\n"
                      "example: zg ft create-task --provider 0x90F7...b906 --model Qwen2.5-0.5B-Instruct \\\n"
                      "           --dataset 0xcf44... --config params.json",
                      {provider, {"model", "NAME", "model name or hash"}, {"dataset", "HASH", "dataset hash from `zg ft upload`"},
                       {"config", "FILE", "training params JSON (exactly the five documented keys)"},
                       {"queue", "", "wait in line when the provider is busy"}},
                      ft_create_task});
  commands.push_back({"ft task", "show a task: state, fee, times, and the acknowledgement deadline once delivered", "",
                      {provider, task, {"address", "ADDR", "whose task (no key needed)"}}, ft_task});
  commands.push_back({"ft log", "print a task's training log", "", {provider, task, {"address", "ADDR", "whose task"}}, ft_log});
  commands.push_back({"ft cancel", "cancel a task that has not started training (Init, SettingUp, SetUp)", "", {provider, task},
                      ft_cancel});
  commands.push_back({"ft wait", "follow a task's states; with --acknowledge, check and acknowledge the model on delivery",
                      "Polls the task and prints each new state on stderr, the deadline once delivered. Stops at\n"
                      "--until (default Delivered); exit 1 when the task fails (its log is printed). With\n"
                      "--acknowledge it runs `zg ft acknowledge-model` as soon as the deliverable is on chain and\n"
                      "refuses loudly (exit 3, nothing sent) when the checks fail.",
                      {provider, task, {"until", "STATE", "Delivered (default), Finished, ..."},
                       {"acknowledge", "", "check and acknowledge the model on delivery"}, {"timeout", "SECONDS", "give up after (default 3600)"},
                       interval, model_file, from, storage_url, flow, {"address", "ADDR", "whose task"}},
                      ft_wait});
  commands.push_back({"ft acknowledge-model", "download the delivered model, check it, then acknowledge it",
                      "Reads the deliverable, downloads the encrypted model (0G Storage with segment proofs, or the\n"
                      "provider's /lora), recomputes its 0G Storage root and keccak256 and compares them with\n"
                      "modelRootHash (raw root, raw keccak, or the older text form), verifies the TEE signature of\n"
                      "the chunk tags (no key needed), and only then sends acknowledgeDeliverable. A failed check\n"
                      "sends nothing and exits 3.",
                      {provider, task, model_file, from, storage_url, flow}, ft_acknowledge_model});
  commands.push_back({"ft decrypt", "decrypt the acknowledged model into a directory (or one raw file)",
                      "Waits for the settled secret, ECIES-decrypts it with your key, verifies the tag signature,\n"
                      "decrypts chunk by chunk and unzips into --out DIR (created only when complete), or writes\n"
                      "the decrypted bytes to --out-raw FILE. Offline: --encrypted-secret HEX --in FILE --tee-signer\n"
                      "ADDR (the key still comes from --key-file / ZG_PRIVATE_KEY).\n\n"
                      "example: zg ft decrypt --provider 0x90F7...b906 --task 3f25... --in 3f25....model.enc --out adapter/",
                      {provider, task, {"in", "FILE", "the encrypted model (default <task-id>.model.enc)"},
                       {"out", "DIR", "new directory for the adapter files"}, {"out-raw", "FILE", "write the decrypted ZIP instead"},
                       {"encrypted-secret", "HEX", "offline: Deliverable.encryptedSecret"}, {"tee-signer", "ADDR", "offline: the TEE signer"},
                       {"timeout", "SECONDS", "how long to wait for the key (default 600)"}, interval},
                      ft_decrypt});
}

}  // namespace zg::cli
