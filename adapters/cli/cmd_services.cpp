// `zg inference list-services`, `zg inference api-key create|list|revoke|revoke-all`: provider
// discovery and persistent API keys (protocol-inference.md §2 step 2, §3.4).
#include <algorithm>
#include <chrono>
#include <sstream>

#include "broker/session_token.hpp"
#include "command.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "ledger_view.hpp"

namespace zg::cli {
namespace {

contracts::InferenceServing inference_contract(Context& ctx, eth::RpcClient& rpc) {
  if (ctx.network().inference.is_zero()) {
    throw UsageError("no InferenceServing address: pass --inference-contract or --network");
  }
  return {rpc, ctx.network().inference};
}

// Prices are neuron per token; people compare them per million tokens. Exact: price * 10^6.
std::string per_million_tokens(const eth::Uint256& price_per_token) {
  return eth::format_amount(price_per_token * eth::Uint256(1'000'000));
}

nlohmann::json service_json(const contracts::InferenceService& s) {
  return {{"provider", s.provider.checksummed()},
          {"serviceType", s.service_type},
          {"url", s.url},
          {"model", s.model},
          {"verifiability", s.verifiability},
          {"inputPrice", s.input_price.to_dec()},
          {"outputPrice", s.output_price.to_dec()},
          {"inputPricePerMillion0G", per_million_tokens(s.input_price)},
          {"outputPricePerMillion0G", per_million_tokens(s.output_price)},
          {"updatedAt", s.updated_at.to_dec()},
          {"additionalInfo", s.additional_info},
          {"teeSignerAddress", s.tee_signer_address.checksummed()},
          {"teeSignerAcknowledged", s.tee_signer_acknowledged}};
}

// Columns as wide as their widest cell, two spaces apart, so long values never run together.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::ostringstream out;
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      out << row[c];
      if (c + 1 < row.size()) out << std::string(widths[c] - row[c].size() + 2, ' ');
    }
    out << "\n";
  }
  return out.str();
}

std::string services_table(const std::vector<contracts::InferenceService>& services, std::size_t hidden) {
  std::string text;
  if (services.empty()) {
    text = "no services";
  } else {
    std::vector<std::vector<std::string>> rows{
        {"PROVIDER", "MODEL", "TYPE", "VERIFIABILITY", "INPUT", "OUTPUT", "URL"}};
    for (const auto& s : services) {
      rows.push_back({s.provider.checksummed(), s.model, s.service_type, s.verifiability,
                      per_million_tokens(s.input_price), per_million_tokens(s.output_price), s.url});
    }
    text = table(rows) + "prices in 0G per million tokens";
  }
  if (hidden > 0) {
    text += "; " + std::to_string(hidden) +
            " service(s) hidden: their TEE signer is not acknowledged by the contract owner (--all shows them)";
  }
  return text + "\n";
}

int list_services(Context& ctx, const Args& args) {
  auto chain = connect(ctx);
  const auto all = inference_contract(ctx, *chain.rpc).get_all_services();
  std::vector<contracts::InferenceService> shown;
  for (const auto& s : all) {
    // As the SDK's listService: a signer the owner has not acknowledged is not usable (§2 step 2).
    if (args.flag("all") || s.tee_signer_acknowledged) shown.push_back(s);
  }
  auto list = nlohmann::json::array();
  for (const auto& s : shown) list.push_back(service_json(s));
  ctx.emit({{"services", list}, {"total", all.size()}, {"hidden", all.size() - shown.size()}},
           services_table(shown, all.size() - shown.size()));
  return 0;
}

std::int64_t whole_number(const Args& args, const std::string& name, std::int64_t min, std::int64_t max) {
  const auto text = args.required(name);
  std::int64_t n = 0;
  try {
    std::size_t used = 0;
    n = std::stoll(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    throw UsageError("--" + name + ": '" + text + "' is not a whole number");
  }
  if (n < min || n > max) {
    throw UsageError("--" + name + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

std::uint8_t token_id_option(const Args& args) {
  return static_cast<std::uint8_t>(whole_number(args, "token-id", 0, broker::kEphemeralTokenId - 1));
}

std::vector<int> revoked_ids(const eth::Uint256& bitmap) {
  std::vector<int> ids;
  for (int id = 0; id < broker::kEphemeralTokenId; ++id) {
    if (contracts::token_id_revoked(bitmap, static_cast<std::uint8_t>(id))) ids.push_back(id);
  }
  return ids;
}

std::string join_ids(const std::vector<int>& ids) {
  if (ids.empty()) return "none";
  std::string text;
  for (const auto id : ids) text += (text.empty() ? "" : ", ") + std::to_string(id);
  return text;
}

std::uint64_t generation_of(const std::optional<contracts::InferenceAccount>& account) {
  return account ? account->generation.low_u64() : 0;
}

int api_key_create(Context& ctx, const Args& args) {
  const auto provider_text = args.required("provider");
  const auto provider = provider_option(provider_text);
  auto chain = connect(ctx);
  const auto key = ctx.wallet_key();
  const auto user = eth::Address::from_public_key(key.public_key());
  const auto account = inference_contract(ctx, *chain.rpc).get_account(user, provider);
  const eth::Uint256 bitmap = account ? account->revoked_bitmap : eth::Uint256(0);

  std::uint8_t token_id = 0;
  if (args.value("token-id")) {
    token_id = token_id_option(args);
    if (contracts::token_id_revoked(bitmap, token_id)) {
      throw UsageError("token id " + std::to_string(token_id) + " is revoked for this provider; pick another, or run "
                       "`zg inference api-key revoke-all` (which also invalidates every existing key)");
    }
  } else {
    const auto free = contracts::lowest_free_token_id(bitmap);
    if (!free) throw UsageError("all token ids 0..254 are revoked: run `zg inference api-key revoke-all` to start over");
    token_id = *free;
  }
  std::optional<std::int64_t> lifetime_ms;
  if (args.value("expires-in")) lifetime_ms = whole_number(args, "expires-in", 1, INT64_MAX / 1000 / 2) * 1000;

  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto generation = generation_of(account);
  // The provider keeps the caller's spelling in the token, as the SDK does.
  const auto token = broker::api_key_token(user.checksummed(), provider_text, now_ms, broker::generate_nonce(now_ms),
                                           generation, token_id, lifetime_ms);
  const auto signed_token = broker::sign_session_token(token, key);
  std::string note = "API key " + std::to_string(token_id) + " for provider " + provider.checksummed() +
                     " (generation " + std::to_string(generation) + ", " +
                     (token.expires_at_ms == 0 ? std::string("never expires")
                                               : "expires " + utc_time(static_cast<std::uint64_t>(token.expires_at_ms / 1000))) +
                     ")";
  if (!account) note += "; you have no sub-account with this provider yet: fund one with `zg ledger transfer`";
  ctx.progress(note);
  ctx.emit({{"apiKey", signed_token.api_key()},
            {"tokenId", token_id},
            {"generation", generation},
            {"expiresAt", token.expires_at_ms},
            {"provider", provider.checksummed()},
            {"user", user.checksummed()}},
           signed_token.api_key());
  return 0;
}

int api_key_list(Context& ctx, const Args& args) {
  const auto provider = provider_option(args.required("provider"));
  auto chain = connect(ctx);
  const auto user = user_address(ctx, args);
  const auto account = inference_contract(ctx, *chain.rpc).get_account(user, provider);
  if (!account) {
    ctx.emit({{"user", user.checksummed()}, {"provider", provider.checksummed()}, {"accountExists", false}},
             "no sub-account with " + provider.checksummed() + ": keys created now use generation 0 and id 0\n");
    return 0;
  }
  const auto revoked = revoked_ids(account->revoked_bitmap);
  const auto next = contracts::lowest_free_token_id(account->revoked_bitmap);
  ctx.emit({{"user", user.checksummed()},
            {"provider", provider.checksummed()},
            {"accountExists", true},
            {"generation", account->generation.to_dec()},
            {"revokedBitmap", account->revoked_bitmap.to_hex()},
            {"revokedTokenIds", revoked},
            {"nextFreeTokenId", next ? nlohmann::json(*next) : nlohmann::json(nullptr)}},
           "API keys with " + provider.checksummed() + "\n  generation       " + account->generation.to_dec() +
               " (keys of older generations are revoked)\n  revoked ids      " + join_ids(revoked) +
               "\n  next free id     " + (next ? std::to_string(*next) : std::string("none")) + "\n");
  return 0;
}

int api_key_revoke(Context& ctx, const Args& args, bool all) {
  const auto provider = provider_option(args.required("provider"));
  const auto token_id = all ? std::uint8_t{0} : token_id_option(args);
  auto chain = connect(ctx);
  const auto inference = inference_contract(ctx, *chain.rpc);
  const auto key = ctx.wallet_key();
  eth::TxSender sender(*chain.rpc, key, chain.chain_id);
  if (!inference.get_account(sender.address(), provider)) {
    throw UsageError("no sub-account with " + provider.checksummed() + ": there is nothing to revoke");
  }
  ctx.progress(all ? "revoking every API key and session token for " + provider.checksummed() + " ..."
                   : "revoking API key " + std::to_string(token_id) + " for " + provider.checksummed() + " ...");
  const auto receipt = all ? inference.revoke_all_tokens(sender, provider) : inference.revoke_token(sender, provider, token_id);
  const auto account = inference.get_account(sender.address(), provider);
  const auto revoked = revoked_ids(account->revoked_bitmap);
  ctx.emit({{"transactionHash", to_hex(receipt.transaction_hash)},
            {"provider", provider.checksummed()},
            {"generation", account->generation.to_dec()},
            {"revokedTokenIds", revoked}},
           std::string(all ? "all keys revoked" : "key " + std::to_string(token_id) + " revoked") + ", transaction " +
               to_hex(receipt.transaction_hash) + "\n  generation       " + account->generation.to_dec() +
               "\n  revoked ids      " + join_ids(revoked) +
               "\n  providers read revocations from a cache: allow a few minutes\n");
  return 0;
}

}  // namespace

void add_service_commands(std::vector<Command>& commands) {
  commands.push_back({"inference list-services", "list the inference providers registered on chain",
                      "Reads every page of InferenceServing.getAllServices. Services whose TEE signer the contract\n"
                      "owner has not acknowledged are hidden, as in the SDK; --all shows them. Prices are exact,\n"
                      "in 0G per million tokens.\n\n"
                      "example: zg inference list-services --network testnet",
                      {{"all", "", "include services with an unacknowledged TEE signer"}}, list_services});
  commands.push_back({"inference api-key create", "create a persistent API key (app-sk-...) for a provider",
                      "Signs a session token with a token id 0..254 (default: the lowest id not revoked) and the\n"
                      "sub-account's current generation, and prints the key. Use it with any OpenAI client:\n"
                      "baseURL = <service url>/v1/proxy, apiKey = the printed key. Nothing is sent to the chain.\n\n"
                      "example: zg inference api-key create --provider 0x7099...79C8 --expires-in 86400",
                      {{"provider", "ADDR", "the provider address"},
                       {"token-id", "I", "token id 0..254 (default: lowest free)"},
                       {"expires-in", "SECONDS", "lifetime (default: never expires)"}},
                      api_key_create});
  commands.push_back({"inference api-key list", "show the key generation and the revoked key ids for a provider",
                      "Reads the sub-account's generation and revokedBitmap.\n\n"
                      "example: zg inference api-key list --provider 0x7099...79C8",
                      {{"provider", "ADDR", "the provider address"},
                       {"address", "ADDR", "whose keys (default: the wallet's; needs no key)"}},
                      api_key_list});
  commands.push_back({"inference api-key revoke", "revoke one API key by its token id",
                      "Calls InferenceServing.revokeToken: sets bit I of revokedBitmap.\n\n"
                      "example: zg inference api-key revoke --provider 0x7099...79C8 --token-id 0",
                      {{"provider", "ADDR", "the provider address"}, {"token-id", "I", "token id 0..254"}},
                      [](Context& ctx, const Args& args) { return api_key_revoke(ctx, args, false); }});
  commands.push_back({"inference api-key revoke-all", "revoke every API key and session token for a provider",
                      "Calls InferenceServing.revokeAllTokens: the generation goes up by one (every key signed\n"
                      "for an older generation stops working, ephemeral tokens too) and the bitmap is cleared.\n\n"
                      "example: zg inference api-key revoke-all --provider 0x7099...79C8",
                      {{"provider", "ADDR", "the provider address"}},
                      [](Context& ctx, const Args& args) { return api_key_revoke(ctx, args, true); }});
}

}  // namespace zg::cli
