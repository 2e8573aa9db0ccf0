// zg-provider-sim: a 0G inference provider with the upstream Go broker's rules, for the devnet and
// tests. Prints "listening on 127.0.0.1:<port>" once it serves (after --register, if asked);
// SIGTERM/SIGINT stop it after a last settlement round.
#include <vector>

#include "account_cache.hpp"
#include "common/error.hpp"
#include "provider_config.hpp"
#include "provider_server.hpp"
#include "settlement.hpp"
#include "simulator_main.hpp"

namespace {

using namespace zg;
using namespace zg::provider;

using sim::load_key;

const sim::LogLine logger("zg-provider-sim");
void log_line(const std::string& line) { logger(line); }

// A fixed key that is not the TEE signer: --sign-with-wrong-key.
crypto::PrivateKey wrong_key() { return sim::not_the_tee_key("zg-provider-sim: not the TEE signer"); }

void register_service(const ProviderConfig& config, contracts::InferenceServing& inference, eth::TxSender& provider,
                      const eth::Address& tee_signer, int port, eth::RpcClient& rpc, std::uint64_t chain_id) {
  contracts::ServiceParams params;
  params.service_type = config.service_type;
  params.url = "http://127.0.0.1:" + std::to_string(port);
  params.model = config.model;
  params.input_price = config.input_price;
  params.output_price = config.output_price;
  params.tee_signer_address = tee_signer;
  // The stake is paid once; an update of an existing service sends none.
  const bool exists = inference.get_service(provider.address()).has_value();
  inference.add_or_update_service(provider, params, exists ? eth::Uint256{} : inference.min_provider_stake());
  log_line("registered " + provider.address().checksummed() + " at " + params.url);
  if (config.owner_key_file) {
    eth::TxSender owner(rpc, load_key(config.owner_key_file, "ZG_OWNER_KEY"), chain_id);
    inference.acknowledge_tee_signer_by_owner(owner, provider.address());
    log_line("the contract owner acknowledged TEE signer " + tee_signer.checksummed());
  }
}

int run(const ProviderConfig& config) {
  const auto provider_key = load_key(config.provider_key_file, "ZG_PROVIDER_KEY");
  const auto tee_key = load_key(config.tee_key_file, "ZG_TEE_KEY");
  const auto response_key = config.misbehaviour.sign_with_wrong_key ? wrong_key() : tee_key;
  const auto tee_signer = eth::Address::from_public_key(tee_key.public_key());

  eth::RpcClient rpc(config.rpc_url);
  const std::uint64_t chain_id = rpc.chain_id();
  contracts::InferenceServing inference(rpc, *config.inference_contract);
  eth::TxSender provider_sender(rpc, provider_key, chain_id);
  const eth::Address provider = provider_sender.address();

  AccountCache accounts([&](const eth::Address& user) { return inference.get_account(user, provider); },
                        [&] { return inference.get_service(provider); }, config.account_refresh);
  FeeLedger fees;
  RateLimiter limiter(config.misbehaviour.rate_limit_rpm);
  RequestGate gate({provider, config.input_price, config.minimum_locked_balance}, accounts, fees, limiter);
  SignatureCache signatures;
  // --quote-wrong-signer: the quote attests the key --sign-with-wrong-key signs with, not the registered one.
  const auto attested = config.misbehaviour.quote_wrong_signer ? eth::Address::from_public_key(wrong_key().public_key())
                                                               : tee_signer;
  ProviderServer server({config, provider, response_key, attested, gate, fees, signatures, log_line});
  const int port = server.bind();
  if (config.register_service) register_service(config, inference, provider_sender, tee_signer, port, rpc, chain_id);

  Settler settler({rpc, inference, provider_sender, tee_key, chain_id}, fees, accounts, log_line);
  settler.start(config.settle_interval);

  log_line("provider " + provider.checksummed() + ", TEE signer " + tee_signer.checksummed() + ", " +
           config.service_type + " model " + config.model);
  const bool served = sim::serve_until_signal(port, [&] { return server.listen(); }, [&] { server.stop(); });
  settler.stop();
  settler.settle_all();  // what was served is billed before the provider goes away
  log_line("stopped");
  return served ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return zg::sim::simulator_main("zg-provider-sim", argc, argv, zg::provider::provider_usage,
                                 [](std::span<const std::string_view> args) {
                                   return run(zg::provider::parse_provider_args(args));
                                 });
}
