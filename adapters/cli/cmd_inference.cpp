// `zg inference token|chat|verify|acknowledge`: the customer side of one inference call
// (protocol-inference.md §2 steps 3-8): the Authorization header, a chat with a provider (streamed
// to stdout as it arrives), verification of the TEE signature, the fee, and the user-level
// acknowledgement of a provider after checking its TEE quote.
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <thread>
#include <utility>

#include "broker/auto_funding.hpp"
#include "broker/provider_client.hpp"
#include "broker/quote.hpp"
#include "broker/session_cache.hpp"
#include "broker/session_renewal.hpp"
#include "broker/session_token.hpp"
#include "broker/usage_accounting.hpp"
#include "broker/verifier.hpp"
#include "command.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "contracts/inference_serving.hpp"
#include "contracts/ledger_manager.hpp"
#include "ledger_view.hpp"

namespace zg::cli {
namespace {

std::int64_t integer_option(const Args& args, const std::string& name, std::int64_t fallback, std::int64_t min,
                            std::int64_t max) {
  const auto v = args.value(name);
  if (!v) return fallback;
  std::int64_t n = 0;
  try {
    std::size_t used = 0;
    n = std::stoll(*v, &used);
    if (used != v->size()) throw std::invalid_argument(*v);
  } catch (const std::exception&) {
    throw UsageError("--" + name + ": '" + *v + "' is not a whole number");
  }
  if (n < min || n > max) {
    throw UsageError("--" + name + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int inference_token(Context& ctx, const Args& args) {
  const auto provider = args.required("provider");
  eth::Address::from_hex(provider);  // reject a malformed address; the token keeps the caller's spelling
  const auto timestamp = integer_option(args, "timestamp-ms", now_ms(), 0, INT64_MAX / 2);
  const auto nonce = args.value("nonce").value_or(broker::generate_nonce(timestamp));
  if (nonce.find('|') != std::string::npos || nonce.find('"') != std::string::npos) {
    throw UsageError("--nonce must not contain '|' or '\"'");
  }
  const auto generation = static_cast<std::uint64_t>(integer_option(args, "generation", 0, 0, INT64_MAX));
  const auto token_id = static_cast<std::uint8_t>(integer_option(args, "token-id", broker::kEphemeralTokenId, 0, 255));

  const auto key = ctx.wallet_key();
  const auto user = eth::Address::from_public_key(key.public_key()).checksummed();
  auto token = token_id == broker::kEphemeralTokenId
                   ? broker::ephemeral_token(user, provider, timestamp, nonce, generation)
                   : broker::api_key_token(user, provider, timestamp, nonce, generation, token_id);
  if (auto expires = args.value("expires-at-ms")) token.expires_at_ms = integer_option(args, "expires-at-ms", 0, 0, INT64_MAX);
  const auto signed_token = broker::sign_session_token(token, key);
  ctx.emit({{"rawMessage", signed_token.raw_json},
            {"signature", signed_token.signature_hex},
            {"apiKey", signed_token.api_key()},
            {"authorization", signed_token.authorization_header()}},
           signed_token.authorization_header());
  return 0;
}

// Exit status when the answer arrived but its signature check failed (errors exit 1, usage 2).
constexpr int kVerificationFailedExit = 3;

eth::Address provider_option(const Args& args) { return eth::Address::from_hex(args.required("provider")); }

contracts::InferenceService load_service(const contracts::InferenceServing& serving, const eth::Address& provider) {
  auto service = serving.get_service(provider);
  if (!service) {
    throw UsageError("provider " + provider.checksummed() + " has no service registered in InferenceServing " +
                     serving.address().checksummed() + " (check the address and --network)");
  }
  return std::move(*service);
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string chat_request_json(const Args& args, const contracts::InferenceService& service, bool stream) {
  if (args.positionals().size() != 1) throw UsageError("give the prompt as one argument, e.g. zg inference chat --provider ADDR \"Hello\"");
  nlohmann::json request = {{"model", args.value("model").value_or(service.model)},
                            {"messages", {{{"role", "user"}, {"content", args.positionals()[0]}}}},
                            {"stream", stream}};
  if (stream) request["stream_options"] = {{"include_usage", true}};
  if (args.value("max-tokens")) request["max_tokens"] = integer_option(args, "max-tokens", 0, 1, 1'000'000);
  return request.dump();
}

nlohmann::json verification_json(const broker::VerificationReport& report) {
  nlohmann::json j = {{"verdict", broker::to_string(report.verdict)}, {"reason", report.reason}};
  if (!report.expected_signer.empty()) j["expectedSigner"] = report.expected_signer;
  if (report.signature) j["signedText"] = report.signature->text;
  return j;
}

int exit_status_of(const broker::VerificationReport& report) {
  return report.verdict == broker::Verdict::failed ? kVerificationFailedExit : 0;
}

std::uint64_t generation_of(const std::optional<contracts::InferenceAccount>& account) {
  if (!account) return 0;  // no sub-account yet: the SDK signs generation 0
  if (!account->generation.fits_u64()) throw ParseError("Account.generation does not fit 64 bits");
  return account->generation.low_u64();
}

// The token's generation from the chain. `already_read`: an account this command has just read,
// used for the first token instead of a second identical chain read; a renewal reads the chain.
broker::GenerationReader generation_from(const contracts::InferenceServing& serving,
                                         std::optional<std::optional<contracts::InferenceAccount>> already_read = {}) {
  return [&serving, already_read](const eth::Address& user, const eth::Address& provider) mutable -> std::uint64_t {
    if (already_read) return generation_of(*std::exchange(already_read, std::nullopt));
    return generation_of(serving.get_account(user, provider));
  };
}

// ---------------------------------------------------------------------------------------------
// Auto-funding on the request path (§10, the SDK's rule): before a chat, the sub-account is topped
// up when balance - pendingRefund < unsettledFee + 2 x 1 0G. A one-shot CLI has no background
// funder, so it decides from one chain read (the sub-account) and one provider call (its unsettled
// fee); when that state says the balance is fine, no transaction is sent.

struct AutoFunding {
  std::string action = "none";  // "none", "transferred", "skipped" (needed but not possible), "off"
  std::string text;             // for the user; empty when there is nothing to say
  std::optional<eth::Uint256> amount;
  std::optional<std::string> transaction_hash;
  nlohmann::json facts = nlohmann::json::object();  // balance, pendingRefund, unsettledFee, required

  nlohmann::json to_json() const {
    nlohmann::json j = {{"action", action}, {"reason", text}};
    j.update(facts);
    if (amount) j["amount"] = amount->to_dec();
    if (transaction_hash) j["transactionHash"] = *transaction_hash;
    return j;
  }
};

struct ChatParties {
  Context& ctx;
  ChainConnection& chain;
  const contracts::InferenceServing& serving;
  const eth::Address& provider;
  const eth::Address& user;
  broker::ProviderClient& client;
  broker::SessionCache& sessions;
};

// The provider's own count of what it has not settled; nullopt when it does not answer.
std::optional<eth::Uint256> provider_unsettled_fee(const ChatParties& p) {
  try {
    return p.client.unsettled_fee(p.user, p.sessions.authorization_header(p.provider)).fee;
  } catch (const Error&) {
    return std::nullopt;
  }
}

AutoFunding auto_fund_if_needed(const ChatParties& p, const std::optional<contracts::InferenceAccount>& account) {
  AutoFunding outcome;
  if (!account) {
    outcome.action = "skipped";
    outcome.text = "no sub-account with " + p.provider.checksummed() +
                   " yet; auto-funding only tops up an existing one (create it with `zg ledger transfer --provider " +
                   p.provider.checksummed() + " --amount 1`)";
    return outcome;
  }
  const auto reported = provider_unsettled_fee(p);
  // A fresh CLI process has counted no fees of its own: without the provider's number, 0 is all we know.
  const eth::Uint256 unsettled = reported.value_or(eth::Uint256{});
  const broker::FundingPolicy policy;
  const auto required = unsettled + policy.min_locked_balance * eth::Uint256(policy.reserve_multiple);
  outcome.facts = {{"balance", account->balance.to_dec()},
                   {"pendingRefund", account->pending_refund.to_dec()},
                   {"unsettledFee", reported ? nlohmann::json(unsettled.to_dec()) : nlohmann::json(nullptr)},
                   {"required", required.to_dec()}};
  const auto top_up = broker::top_up_needed(account->balance, account->pending_refund, unsettled, policy);
  if (!top_up) return outcome;

  const std::string why = "your sub-account has " + eth::format_amount(account->balance) + " 0G (pending refund " +
                          eth::format_amount(account->pending_refund) + " 0G), below unsettled fees " +
                          (reported ? eth::format_amount(unsettled) + " 0G" : "(unknown: the provider did not say; counted as 0)") +
                          " + 2 x 1 0G reserve = " + eth::format_amount(required) + " 0G";
  const contracts::LedgerManager ledger(*p.chain.rpc, p.ctx.network().ledger);
  const auto main_account = ledger.get_ledger(p.user);
  const eth::Uint256 available = main_account ? main_account->available_balance : eth::Uint256{};
  outcome.amount = *top_up;
  if (available < *top_up) {
    outcome.action = "skipped";
    outcome.text = why + "; a top-up of " + eth::format_amount(*top_up) + " 0G is needed but your ledger has only " +
                   eth::format_amount(available) + " 0G available (add funds with `zg ledger deposit`)";
    return outcome;
  }
  eth::TxSender sender(*p.chain.rpc, p.ctx.wallet_key(), p.chain.chain_id);
  const auto receipt = ledger.transfer_fund(sender, p.provider, ledger.service_name(p.serving.address()), *top_up);
  outcome.action = "transferred";
  outcome.transaction_hash = to_hex(receipt.transaction_hash);
  outcome.text = why + ": transferred " + eth::format_amount(*top_up) + " 0G from your ledger (transaction " +
                 *outcome.transaction_hash + ")";
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// When the provider refuses, the chain may already say otherwise: the broker reads sub-accounts
// through a cache (zg-provider-sim: --account-refresh-ms, 3 s by default), so new funding, an
// acknowledgement or a revokeAllTokens reach it late. Such a refusal is waited out briefly.

// The amount in "insufficient balance: your locked balance is X 0G, ..." (6 decimals), if present.
std::optional<eth::Uint256> locked_balance_in(const std::string& message) {
  static const std::regex pattern(R"(your locked balance is ([0-9]+(?:\.[0-9]+)?) 0G)");
  std::smatch match;
  if (!std::regex_search(message, match, pattern)) return std::nullopt;
  try {
    return eth::parse_amount(match[1].str());
  } catch (const Error&) {
    return std::nullopt;
  }
}

// Why the provider's refusal is out of date with the chain, or nullopt when the chain agrees with it.
std::optional<std::string> provider_behind_chain(const broker::ProviderError& error,
                                                 const std::optional<contracts::InferenceAccount>& account) {
  const auto& message = error.provider_message();
  if (message.find("future generation") != std::string::npos) {
    return "your tokens were revoked on chain (Account.generation went up) and the provider still has the old generation";
  }
  if (!account) return std::nullopt;
  if (message.find("account not exist") != std::string::npos) {
    return "the chain has your sub-account (" + eth::format_amount(account->balance) +
           " 0G) but the provider has not seen it yet";
  }
  if (message.find("user not acknowledge") != std::string::npos && account->acknowledged) {
    return "the chain says you acknowledged the provider but the provider has not seen it yet";
  }
  if (const auto counted = locked_balance_in(message)) {
    const auto available = account->balance > account->pending_refund ? account->balance - account->pending_refund : eth::Uint256{};
    const eth::Uint256 rounding{1'000'000'000'000};  // the provider prints 6 decimals
    if (available > *counted + rounding) {
      return "the chain shows " + eth::format_amount(available) + " 0G available in your sub-account but the provider still counts " +
             eth::format_amount(*counted) + " 0G";
    }
  }
  return std::nullopt;
}

// What the user can do about a refusal the chain agrees with.
std::string refusal_hint(const broker::ProviderError& error, const eth::Address& provider) {
  const auto& message = error.provider_message();
  const std::string address = provider.checksummed();
  if (message.find("account not exist") != std::string::npos) {
    return "fund a sub-account with this provider first: `zg ledger transfer --provider " + address + " --amount 1`";
  }
  if (message.find("insufficient balance") != std::string::npos) {
    return "top up the sub-account: `zg ledger transfer --provider " + address +
           " --amount 1` (or let `zg inference chat` do it: leave out --no-auto-fund)";
  }
  if (message.find("user not acknowledge") != std::string::npos) {
    return "acknowledge the provider: `zg inference acknowledge --provider " + address + "`";
  }
  return "";
}

broker::ChatResponse ask_provider(const ChatParties& p, const std::string& request, bool stream, bool print_deltas) {
  const auto once = [&](const std::string& authorization) {
    if (!stream) return p.client.chat(request, authorization);
    return p.client.chat_stream(request, authorization, [&](std::string_view delta) {
      if (print_deltas) std::cout << delta << std::flush;
    });
  };
  return broker::with_session_renewal(p.sessions, p.provider, once, [&](const broker::ProviderError& error) {
    p.ctx.progress("the provider refused the session token (" + error.provider_message() +
                   "): signing a new one with the generation on chain and retrying once");
  });
}

broker::ChatResponse chat_waiting_for_provider(const ChatParties& p, const std::string& request, bool stream,
                                               bool print_deltas, std::chrono::seconds patience) {
  const auto give_up_at = std::chrono::steady_clock::now() + patience;
  while (true) {
    try {
      return ask_provider(p, request, stream, print_deltas);
    } catch (const broker::ProviderError& error) {
      const auto behind = provider_behind_chain(error, p.serving.get_account(p.user, p.provider));
      if (!behind) {
        const auto hint = refusal_hint(error, p.provider);
        if (hint.empty()) throw;
        throw Error(std::string(error.what()) + "\n" + hint);
      }
      if (std::chrono::steady_clock::now() >= give_up_at) {
        throw Error(std::string(error.what()) + "\n" + *behind +
                    ": providers read accounts through a cache and see chain changes only after a while "
                    "(seconds to minutes); retry in a few seconds");
      }
      p.ctx.progress("the provider is behind the chain (" + *behind + "); it caches accounts for a few seconds: retrying in 1 s ...");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

int inference_chat(Context& ctx, const Args& args) {
  const auto provider = provider_option(args);
  const bool stream = !args.flag("no-stream");
  const auto patience = std::chrono::seconds(integer_option(args, "provider-wait", 10, 0, 600));
  auto chain = connect(ctx);
  const contracts::InferenceServing serving(*chain.rpc, ctx.network().inference);
  const auto service = load_service(serving, provider);
  const auto request = chat_request_json(args, service, stream);
  const auto key = ctx.wallet_key();
  const auto user = eth::Address::from_public_key(key.public_key());
  // One read of the sub-account serves the first token's generation and the auto-funding decision.
  const auto account = serving.get_account(user, provider);
  broker::SessionCache sessions(key, generation_from(serving, account));
  broker::ProviderClient client(service.url);
  const ChatParties parties{ctx, chain, serving, provider, user, client, sessions};

  AutoFunding funding;
  if (args.flag("no-auto-fund")) {
    funding.action = "off";
  } else {
    funding = auto_fund_if_needed(parties, account);
    if (funding.amount) ctx.progress("auto-funding: " + funding.text);  // a top-up was needed
  }

  const bool print_deltas = !ctx.json_output;
  const auto answer = chat_waiting_for_provider(parties, request, stream, print_deltas, patience);
  if (print_deltas && !stream) std::cout << answer.content;
  if (print_deltas) std::cout << "\n" << std::flush;

  const auto report = broker::verify_chat(client, service, answer.chat_id().value_or(""), as_bytes(answer.body));
  broker::UsageAccounting accounting;
  std::optional<eth::Uint256> fee;
  if (answer.usage) fee = accounting.record(provider, *answer.usage, service.input_price, service.output_price);

  if (ctx.json_output) {
    nlohmann::json j = {{"content", answer.content}, {"chatId", answer.chat_id().value_or("")},
                        {"verification", verification_json(report)}, {"usage", nullptr}, {"fee", nullptr},
                        {"autoFunding", funding.to_json()}};
    if (answer.usage) j["usage"] = {{"prompt_tokens", answer.usage->prompt_tokens}, {"completion_tokens", answer.usage->completion_tokens}};
    if (fee) j["fee"] = {{"neuron", fee->to_dec()}, {"0G", eth::format_amount(*fee)}};
    ctx.emit(j, "");
  } else {
    ctx.progress("verification: " + std::string(broker::to_string(report.verdict)) + " (" + report.reason + ")");
    ctx.progress("chat id: " + answer.chat_id().value_or("(none)"));
    if (answer.usage) {
      ctx.progress("usage: " + std::to_string(answer.usage->prompt_tokens) + " prompt + " +
                   std::to_string(answer.usage->completion_tokens) + " completion tokens; fee " +
                   eth::format_amount(*fee) + " 0G");
    } else {
      ctx.progress("usage: not reported by the provider");
    }
  }
  return exit_status_of(report);
}

std::string verification_text(const broker::VerificationReport& report) {
  return std::string(broker::to_string(report.verdict)) + ": " + report.reason;
}

int inference_verify(Context& ctx, const Args& args) {
  std::optional<std::string> received;
  if (const auto file = args.value("response-file")) received = read_file_bytes(*file);
  const auto bytes = received ? std::optional<ByteSpan>(as_bytes(*received)) : std::nullopt;

  broker::VerificationReport report;
  if (args.value("text") || args.value("signature") || args.value("signer")) {
    report = broker::verify_signed_text(args.required("text"), args.required("signature"),
                                        eth::Address::from_hex(args.required("signer")).checksummed(), bytes);
  } else {
    const auto provider = provider_option(args);
    auto chain = connect(ctx);
    const contracts::InferenceServing serving(*chain.rpc, ctx.network().inference);
    const auto service = load_service(serving, provider);
    broker::ProviderClient client(service.url);
    report = broker::verify_chat(client, service, args.required("chat-id"), bytes);
  }
  ctx.emit(verification_json(report), verification_text(report));
  return exit_status_of(report);
}

// What to do about the user-level acknowledgement once the quote checks passed.
struct AcknowledgeOutcome {
  std::string action;  // "none", "sent", "fund-first"
  std::string text;
  std::optional<eth::Receipt> receipt;
};

AcknowledgeOutcome acknowledge_if_needed(Context& ctx, eth::RpcClient& rpc, std::uint64_t chain_id,
                                         const contracts::InferenceServing& serving, const eth::Address& provider) {
  const auto key = ctx.wallet_key();
  const auto user = eth::Address::from_public_key(key.public_key());
  const auto account = serving.get_account(user, provider);
  if (!account) {
    return {"fund-first", "you have no sub-account with " + provider.checksummed() + " yet: fund it with `zg ledger transfer --provider " +
                              provider.checksummed() + " --amount 1` (that acknowledges too)", std::nullopt};
  }
  if (account->acknowledged) return {"none", "already acknowledged; nothing sent", std::nullopt};
  eth::TxSender sender(rpc, key, chain_id);
  ctx.progress("sending acknowledgeTEESigner(" + provider.checksummed() + ", true) ...");
  auto receipt = serving.acknowledge_tee_signer(sender, provider, true);
  return {"sent", "acknowledged in transaction " + to_hex(receipt.transaction_hash), receipt};
}

int inference_acknowledge(Context& ctx, const Args& args) {
  const auto provider = provider_option(args);
  auto chain = connect(ctx);
  const contracts::InferenceServing serving(*chain.rpc, ctx.network().inference);
  const auto service = load_service(serving, provider);
  broker::ProviderClient client(service.url);
  const auto check = broker::check_quote(broker::parse_quote(client.quote()), service.tee_signer_address);
  if (!check.acceptable()) throw Error("refusing to acknowledge " + provider.checksummed() + ": " + check.summary());
  if (!service.tee_signer_acknowledged) {
    ctx.progress("warning: the contract owner has not acknowledged this provider's TEE signer; requests will be refused until then");
  }
  const auto outcome = acknowledge_if_needed(ctx, *chain.rpc, chain.chain_id, serving, provider);
  nlohmann::json j = {{"provider", provider.checksummed()},
                      {"teeSigner", service.tee_signer_address.checksummed()},
                      {"quote", {{"signerMatches", check.signer_matches}, {"attestedSigner", check.attested_signer},
                                 {"composeHash", check.compose_hash == broker::ComposeHashCheck::matches ? "matches" : "not present"}}},
                      {"action", outcome.action}};
  if (outcome.receipt) j["transactionHash"] = to_hex(outcome.receipt->transaction_hash);
  ctx.emit(j, check.summary() + "\n" + outcome.text);
  return 0;
}

}  // namespace

void add_inference_commands(std::vector<Command>& commands) {
  commands.push_back(
      {"inference token", "print the provider Authorization header (offline)",
       "Builds and signs a session token exactly as SDK 0.9.0 does and prints the value of the\n"
       "`Authorization` header a 0G provider expects (\"Bearer app-sk-...\"). Nothing is sent; use it\n"
       "for interoperability checks or with curl. Token id 255 (default) is an ephemeral 24 h token;\n"
       "0..254 make a persistent API key (expiresAt 0 unless --expires-at-ms).\n\n"
       "example: ZG_PRIVATE_KEY=0x... zg inference token --provider 0x7099...79C8 \\\n"
       "           --timestamp-ms 1700000000000 --nonce 1700000000000-abcdefghijk000000 --generation 0",
       {{"provider", "ADDR", "the provider address (kept exactly as given, like the SDK)"},
        {"timestamp-ms", "T", "token timestamp in ms since the epoch (default: now)"},
        {"nonce", "N", "token nonce (default: random, in the SDK's format)"},
        {"generation", "G", "Account.generation from the chain (default 0)"},
        {"token-id", "I", "255 = ephemeral (default), 0..254 = persistent API key"},
        {"expires-at-ms", "E", "explicit expiresAt in ms (default: timestamp + 24 h, or 0 for API keys)"}},
       inference_token});
  commands.push_back(
      {"inference chat", "ask a provider, verify the answer, show usage and fee",
       "Sends the prompt to the provider's OpenAI-compatible proxy with a signed session token and\n"
       "streams the answer to stdout as it arrives (--no-stream waits for the whole answer). Then it\n"
       "fetches the TEE signature for the chat id and prints to stderr the verdict (verified,\n"
       "signature-only, failed, not verifiable), the chat id, the token usage and the fee in 0G.\n"
       "With --json, stdout gets one JSON object {content, chatId, verification, usage, fee, autoFunding}.\n"
       "Exit status 3 when the signature check failed.\n\n"
       "Auto-funding (as the SDK): before asking, the provider sub-account is topped up from your ledger\n"
       "when balance - pending refund < the provider's unsettled fees + 2 x 1 0G (by that deficit, at\n"
       "least 1 0G), and stderr says so. When the balance is fine no transaction is sent. A new\n"
       "sub-account is never created this way: use `zg ledger transfer` (at least 1 0G).\n"
       "Providers see chain changes (funding, acknowledgement, revoked tokens) through a cache: when a\n"
       "refusal contradicts the chain, the request is retried every second for up to --provider-wait s.\n"
       "A token refused as revoked (generation expired) is renewed from the chain and sent once more.\n\n"
       "example: zg inference chat --provider 0x7099...79C8 --max-tokens 64 \"What is 0G?\"",
       {{"provider", "ADDR", "the provider's address"},
        {"model", "M", "model id (default: the service's on-chain model)"},
        {"no-stream", "", "wait for the whole answer instead of streaming"},
        {"max-tokens", "N", "max_tokens for the answer"},
        {"no-auto-fund", "", "never transfer to the sub-account before asking"},
        {"provider-wait", "S", "seconds to wait for a provider that lags the chain (default 10, 0: no wait)"}},
       inference_chat});
  commands.push_back(
      {"inference verify", "verify a provider's TEE signature for a past answer",
       "Online: fetches the signature of --chat-id from the provider (it keeps it about 20 minutes)\n"
       "and checks it against the signer the contract names. Without --response-file the best\n"
       "verdict is signature-only, since the answer's bytes are not at hand.\n"
       "Offline: --text, --signature and --signer check a signed text with no network at all.\n"
       "Exit status 3 when the signature check failed.\n\n"
       "example: zg inference verify --provider 0x7099...79C8 --chat-id 6f1c3e2a-... --response-file answer.json\n"
       "example: zg inference verify --text \"<req>:<resp>\" --signature 0x... --signer 0x3C44...93BC",
       {{"provider", "ADDR", "the provider that answered"},
        {"chat-id", "ID", "the ZG-Res-Key header or completion id of the answer"},
        {"response-file", "FILE", "the exact response bytes (body or SSE stream) to compare with the signed hash"},
        {"text", "T", "offline: the signed text"},
        {"signature", "S", "offline: the signature (0x + 130 hex digits)"},
        {"signer", "ADDR", "offline: the expected signer"}},
       inference_verify});
  commands.push_back(
      {"inference acknowledge", "check a provider's TEE quote, then acknowledge it",
       "Fetches GET /v1/quote, checks that it attests the contract's teeSignerAddress and (for\n"
       "dstack) that sha256(app_compose) equals the compose-hash event, and refuses otherwise.\n"
       "Then: without a sub-account it tells you to fund one (`zg ledger transfer`, which also\n"
       "acknowledges); with an unacknowledged sub-account it sends acknowledgeTEESigner(provider,\n"
       "true); when already acknowledged it sends nothing.\n\n"
       "example: zg inference acknowledge --provider 0x7099...79C8 --key-file ~/.zg/key",
       {{"provider", "ADDR", "the provider to acknowledge"}},
       inference_acknowledge});
}

}  // namespace zg::cli
