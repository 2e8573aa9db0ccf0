// InferenceServing and the LedgerManager fund flow on a real anvil with the real 0G contracts:
// a provider registers (staked) and the owner acknowledges its TEE signer; users fund provider
// sub-accounts, the provider settles TEE-signed fees (EIP-712), users retrieve and refund their
// funds after the lock time, and revoke API-key tokens. Every amount is checked to the neuron.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "contracts/inference_serving.hpp"
#include "contracts/ledger_manager.hpp"
#include "crypto/keccak.hpp"
#include "devnet/devnet.hpp"

namespace {

using namespace zg;
using eth::parse_amount;

constexpr std::uint64_t kLockTime = 3600;

class InferenceContractsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("zg-inference-contracts-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    devnet::DevnetOptions options;
    options.state_file = dir_ / "devnet.json";
    options.lock_time_seconds = kLockTime;
    devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
    rpc_ = std::make_unique<eth::RpcClient>(devnet_->state().rpc_url);
    register_provider();
  }
  static void TearDownTestSuite() {
    rpc_.reset();
    devnet_.reset();
    std::filesystem::remove_all(dir_);
  }

  static const devnet::DevnetState& state() { return devnet_->state(); }
  static crypto::PrivateKey key(const std::string& role) {
    return crypto::PrivateKey::from_hex(state().account(role).private_key);
  }
  static contracts::InferenceServing serving() { return {*rpc_, state().contracts.inference}; }
  static contracts::LedgerManager ledger() { return {*rpc_, state().contracts.ledger}; }
  static eth::Address provider() { return state().account("provider").address; }
  static eth::Address tee_signer() { return state().account("tee-signer").address; }
  static std::string service_name() { return ledger().service_name(state().contracts.inference); }

  // A wallet of its own per test (derived from the name, funded by anvil), so tests do not share balances.
  static crypto::PrivateKey fresh_key(const std::string& name) {
    const std::string seed = "zg-inference-contracts-" + name;
    const auto secret = crypto::keccak256(ByteSpan(reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size()));
    crypto::PrivateKey k(secret);
    rpc_->anvil_set_balance(eth::Address::from_public_key(k.public_key()), parse_amount("1000"));
    return k;
  }

  static contracts::ServiceParams service_params(const eth::Address& signer) {
    contracts::ServiceParams p;
    p.url = "http://127.0.0.1:1";
    p.model = "test-model";
    p.input_price = eth::Uint256(50'000'000'000ULL);   // 0.05 0G per million tokens
    p.output_price = eth::Uint256(100'000'000'000ULL);  // 0.1 0G per million tokens
    p.additional_info = R"({"ProviderType":"decentralized"})";
    p.tee_signer_address = signer;
    return p;
  }

  static void register_provider() {
    const auto inference = serving();
    eth::TxSender provider_tx(*rpc_, key("provider"), state().chain_id);
    inference.add_or_update_service(provider_tx, service_params(tee_signer()), inference.min_provider_stake());
    eth::TxSender owner_tx(*rpc_, key("owner"), state().chain_id);
    inference.acknowledge_tee_signer_by_owner(owner_tx, provider());
  }

  // A user with a 10 0G ledger and `sub_account` 0G moved to the provider.
  static std::unique_ptr<eth::TxSender> funded_user(const std::string& name, const char* sub_account) {
    auto user = std::make_unique<eth::TxSender>(*rpc_, fresh_key(name), state().chain_id);
    ledger().add_ledger(*user, parse_amount("10"));
    ledger().transfer_fund(*user, provider(), service_name(), parse_amount(sub_account));
    return user;
  }

  contracts::TeeSettlement settlement(const eth::Address& user, const char* fee, std::uint64_t nonce,
                                      const crypto::PrivateKey& signer) const {
    contracts::TeeSettlement s;
    s.user = user;
    s.provider = provider();
    s.total_fee = parse_amount(fee);
    s.requests_hash = crypto::keccak256(ByteSpan(user.bytes().data(), user.bytes().size()));
    s.nonce = nonce;
    contracts::sign_tee_settlement(s, state().chain_id, state().contracts.inference, signer);
    return s;
  }

  std::uint64_t block_time(const eth::Receipt& r) const {
    return rpc_->get_block_by_number(eth::BlockTag::number(r.block_number))->timestamp;
  }

  static inline std::filesystem::path dir_;
  static inline std::unique_ptr<devnet::Devnet> devnet_;
  static inline std::unique_ptr<eth::RpcClient> rpc_;
};

TEST_F(InferenceContractsTest, RegisteredServiceReadsBackAcknowledged) {
  const auto s = serving().get_service(provider());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->provider, provider());
  EXPECT_EQ(s->service_type, "chatbot");
  EXPECT_EQ(s->url, "http://127.0.0.1:1");
  EXPECT_EQ(s->model, "test-model");
  EXPECT_EQ(s->verifiability, "TeeML");
  EXPECT_EQ(s->input_price.to_dec(), "50000000000");
  EXPECT_EQ(s->output_price.to_dec(), "100000000000");
  EXPECT_EQ(s->additional_info, R"({"ProviderType":"decentralized"})");
  EXPECT_EQ(s->tee_signer_address, tee_signer());
  EXPECT_TRUE(s->tee_signer_acknowledged);
  EXPECT_EQ(serving().min_provider_stake(), parse_amount("100"));
  EXPECT_EQ(serving().lock_time(), kLockTime);

  const auto all = serving().get_all_services();
  const auto found = std::find_if(all.begin(), all.end(), [](const auto& x) { return x.provider == provider(); });
  ASSERT_NE(found, all.end());
  EXPECT_EQ(found->model, "test-model");

  EXPECT_FALSE(serving().get_service(state().account("owner").address).has_value());
  EXPECT_EQ(service_name(), "inference-v1.0");
}

TEST_F(InferenceContractsTest, ListingWalksEveryPageOfFifty) {
  const auto before = serving().get_all_services().size();
  // Enough providers that the listing needs at least three getAllServices pages (50 per page).
  constexpr std::size_t kExtra = 101;
  std::vector<eth::Address> added;
  for (std::size_t i = 0; i < kExtra; ++i) {
    eth::TxSender p(*rpc_, fresh_key("paging-" + std::to_string(i)), state().chain_id);
    auto params = service_params(tee_signer());
    params.model = "paging-model-" + std::to_string(i);
    serving().add_or_update_service(p, params, parse_amount("100"));
    added.push_back(p.address());
  }
  const auto all = serving().get_all_services();
  ASSERT_EQ(all.size(), before + kExtra);
  for (std::size_t i = 0; i < kExtra; ++i) {
    const auto n = std::count_if(all.begin(), all.end(), [&](const auto& s) { return s.provider == added[i]; });
    EXPECT_EQ(n, 1) << "provider " << i;
  }
}

TEST_F(InferenceContractsTest, ServiceWithoutEnoughStakeIsRefusedDecoded) {
  eth::TxSender other(*rpc_, fresh_key("understaked"), state().chain_id);
  try {
    serving().add_or_update_service(other, service_params(tee_signer()), parse_amount("99.999999999999999999"));
    FAIL() << "a service staking less than 100 0G was accepted";
  } catch (const contracts::ContractRevert& e) {
    EXPECT_EQ(e.error_name(), "InsufficientStake") << e.what();
    EXPECT_NE(std::string(e.what()).find("required=100000000000000000000"), std::string::npos) << e.what();
  }
}

TEST_F(InferenceContractsTest, TransferCreatesAnAcknowledgedSubAccount) {
  eth::TxSender user(*rpc_, fresh_key("transfer"), state().chain_id);
  ledger().add_ledger(user, parse_amount("10"));
  EXPECT_FALSE(serving().get_account(user.address(), provider()).has_value());
  EXPECT_TRUE(ledger().get_ledger_providers(user.address(), service_name()).empty());

  ledger().transfer_fund(user, provider(), service_name(), parse_amount("2"));
  const auto account = serving().get_account(user.address(), provider());
  ASSERT_TRUE(account.has_value());
  EXPECT_EQ(account->user, user.address());
  EXPECT_EQ(account->provider, provider());
  EXPECT_EQ(account->balance.to_dec(), "2000000000000000000");
  EXPECT_TRUE(account->pending_refund.is_zero());
  EXPECT_TRUE(account->acknowledged);  // the first transfer acknowledges the provider
  EXPECT_TRUE(account->nonce.is_zero());
  EXPECT_TRUE(account->generation.is_zero());
  EXPECT_TRUE(account->live_refunds().empty());

  const auto l = ledger().get_ledger(user.address());
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->available_balance.to_dec(), "8000000000000000000");
  EXPECT_EQ(l->total_balance.to_dec(), "10000000000000000000");
  EXPECT_EQ(ledger().get_ledger_providers(user.address(), service_name()), std::vector<eth::Address>{provider()});

  // A top-up of an existing sub-account may be small.
  ledger().transfer_fund(user, provider(), service_name(), parse_amount("0.000000000000000001"));
  EXPECT_EQ(serving().get_account(user.address(), provider())->balance.to_dec(), "2000000000000000001");
}

TEST_F(InferenceContractsTest, NewSubAccountBelowTheMinimumIsRefusedDecoded) {
  eth::TxSender user(*rpc_, fresh_key("small-transfer"), state().chain_id);
  ledger().add_ledger(user, parse_amount("10"));
  EXPECT_EQ(ledger().min_transfer_amount(), parse_amount("1"));
  const auto nonce_before = rpc_->get_transaction_count(user.address());
  try {
    ledger().transfer_fund(user, provider(), service_name(), parse_amount("0.999999999999999999"));
    FAIL() << "a new sub-account with less than 1 0G was accepted";
  } catch (const contracts::ContractRevert& e) {
    EXPECT_STREQ(e.what(),
                 "LedgerManager.transferFund reverted: MinimumDepositRequired(provided=999999999999999999, "
                 "required=1000000000000000000)");
  }
  EXPECT_EQ(rpc_->get_transaction_count(user.address()), nonce_before);  // refused before sending
  EXPECT_FALSE(serving().get_account(user.address(), provider()).has_value());
}

TEST_F(InferenceContractsTest, SettlementChargesExactlyTheSignedFee) {
  auto user_tx = funded_user("settle", "2");
  const auto fee = parse_amount("0.123456789012345678");
  const auto provider_wallet_before = rpc_->get_balance(provider());

  eth::TxSender provider_tx(*rpc_, key("provider"), state().chain_id);
  const auto results = serving().settle_fees_with_tee_detailed(
      provider_tx, {settlement(user_tx->address(), "0.123456789012345678", 1, key("tee-signer"))});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, contracts::SettlementStatus::success) << contracts::settlement_status_name(results[0].status);
  EXPECT_EQ(results[0].user, user_tx->address());
  EXPECT_TRUE(results[0].unsettled_amount.is_zero());

  const auto account = serving().get_account(user_tx->address(), provider());
  EXPECT_EQ(account->balance, parse_amount("2") - fee);
  EXPECT_EQ(account->nonce, eth::Uint256(1));
  const auto l = ledger().get_ledger(user_tx->address());
  EXPECT_EQ(l->total_balance, parse_amount("10") - fee);
  EXPECT_EQ(l->available_balance, parse_amount("8"));
  // The provider received the fee (minus its own gas, which we do not know here: it grew).
  EXPECT_GT(rpc_->get_balance(provider()), provider_wallet_before - parse_amount("0.01"));
}

TEST_F(InferenceContractsTest, BadSignatureAndStaleNonceAreRejectedWithoutCharging) {
  auto user_tx = funded_user("settle-bad", "2");
  eth::TxSender provider_tx(*rpc_, key("provider"), state().chain_id);
  using contracts::SettlementStatus;

  // Signed by someone other than the acknowledged TEE signer.
  auto statuses = serving().settle_fees_with_tee(provider_tx, {settlement(user_tx->address(), "0.5", 1, key("user"))});
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0], SettlementStatus::invalid_signature) << contracts::settlement_status_name(statuses[0]);
  EXPECT_EQ(serving().get_account(user_tx->address(), provider())->balance, parse_amount("2"));

  // A signature over different values (fee changed after signing).
  auto tampered = settlement(user_tx->address(), "0.5", 1, key("tee-signer"));
  tampered.total_fee = parse_amount("1.5");
  statuses = serving().settle_fees_with_tee(provider_tx, {tampered});
  EXPECT_EQ(statuses[0], SettlementStatus::invalid_signature);

  // nonce 5 settles; 5 again and 4 are not increasing.
  statuses = serving().settle_fees_with_tee(provider_tx, {settlement(user_tx->address(), "0.25", 5, key("tee-signer"))});
  EXPECT_EQ(statuses[0], SettlementStatus::success);
  const auto batch = std::vector{settlement(user_tx->address(), "0.25", 5, key("tee-signer")),
                                 settlement(user_tx->address(), "0.25", 4, key("tee-signer"))};
  const auto results = serving().settle_fees_with_tee_detailed(provider_tx, batch);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status, SettlementStatus::invalid_nonce);
  EXPECT_EQ(results[1].status, SettlementStatus::invalid_nonce);
  EXPECT_EQ(results[0].unsettled_amount, parse_amount("0.25"));
  EXPECT_EQ(serving().get_account(user_tx->address(), provider())->balance, parse_amount("1.75"));
  EXPECT_EQ(ledger().get_ledger(user_tx->address())->total_balance, parse_amount("9.75"));

  // A settlement naming another provider than the sender.
  auto foreign = settlement(user_tx->address(), "0.25", 7, key("tee-signer"));
  foreign.provider = state().account("owner").address;
  statuses = serving().settle_fees_with_tee(provider_tx, {foreign});
  EXPECT_EQ(statuses[0], SettlementStatus::provider_mismatch) << contracts::settlement_status_name(statuses[0]);

  // More than the balance: what is there is charged, the rest is reported unsettled.
  const auto partial =
      serving().settle_fees_with_tee_detailed(provider_tx, {settlement(user_tx->address(), "2", 6, key("tee-signer"))});
  EXPECT_EQ(partial[0].status, SettlementStatus::partial);
  EXPECT_EQ(partial[0].unsettled_amount, parse_amount("0.25"));
  EXPECT_TRUE(serving().get_account(user_tx->address(), provider())->balance.is_zero());
}

TEST_F(InferenceContractsTest, RetrieveThenRefundReturnsFundsToTheWalletToTheNeuron) {
  auto user_tx = funded_user("refund", "3");
  const auto request = ledger().retrieve_fund(*user_tx, {provider()}, service_name());
  auto account = serving().get_account(user_tx->address(), provider());
  EXPECT_EQ(account->balance, parse_amount("3"));
  EXPECT_EQ(account->pending_refund, parse_amount("3"));
  auto refunds = account->live_refunds();
  ASSERT_EQ(refunds.size(), 1u);
  EXPECT_EQ(refunds[0].amount, parse_amount("3"));
  EXPECT_EQ(refunds[0].created_at, eth::Uint256(block_time(request)));
  EXPECT_FALSE(refunds[0].processed);
  EXPECT_EQ(ledger().get_ledger(user_tx->address())->available_balance, parse_amount("7"));

  // Still locked: a second call moves nothing and opens no new refund (nothing left to request).
  ledger().retrieve_fund(*user_tx, {provider()}, service_name());
  EXPECT_EQ(ledger().get_ledger(user_tx->address())->available_balance, parse_amount("7"));
  EXPECT_EQ(serving().get_account(user_tx->address(), provider())->live_refunds().size(), 1u);

  rpc_->evm_increase_time(kLockTime);
  rpc_->evm_mine();
  ledger().retrieve_fund(*user_tx, {provider()}, service_name());
  account = serving().get_account(user_tx->address(), provider());
  EXPECT_TRUE(account->balance.is_zero());
  EXPECT_TRUE(account->pending_refund.is_zero());
  auto l = ledger().get_ledger(user_tx->address());
  EXPECT_EQ(l->available_balance, parse_amount("10"));
  EXPECT_EQ(l->total_balance, parse_amount("10"));

  // refund must leave 0 or at least 3 0G.
  try {
    ledger().refund(*user_tx, parse_amount("8"));
    FAIL() << "a refund leaving 2 0G was accepted";
  } catch (const contracts::ContractRevert& e) {
    EXPECT_EQ(e.error_name(), "MinimumDepositRequired");
  }
  const auto wallet_before = rpc_->get_balance(user_tx->address());
  const auto receipt = ledger().refund(*user_tx, parse_amount("4.5"));
  const auto gas = *receipt.effective_gas_price * eth::Uint256(receipt.gas_used);
  EXPECT_EQ(rpc_->get_balance(user_tx->address()), wallet_before + parse_amount("4.5") - gas);
  l = ledger().get_ledger(user_tx->address());
  EXPECT_EQ(l->available_balance, parse_amount("5.5"));
  EXPECT_EQ(l->total_balance, parse_amount("5.5"));
}

TEST_F(InferenceContractsTest, TopUpCancelsPendingRefundFirst) {
  auto user_tx = funded_user("cancel", "2");
  ledger().retrieve_fund(*user_tx, {provider()}, service_name());
  ledger().transfer_fund(*user_tx, provider(), service_name(), parse_amount("0.5"));
  const auto account = serving().get_account(user_tx->address(), provider());
  EXPECT_EQ(account->balance, parse_amount("2"));  // no ledger funds moved: the refund shrank instead
  EXPECT_EQ(account->pending_refund, parse_amount("1.5"));
  EXPECT_EQ(ledger().get_ledger(user_tx->address())->available_balance, parse_amount("8"));
}

TEST_F(InferenceContractsTest, RevokingTokensChangesBitmapAndGeneration) {
  auto user_tx = funded_user("tokens", "1");
  const auto inference = serving();
  inference.revoke_token(*user_tx, provider(), 3);
  auto account = inference.get_account(user_tx->address(), provider());
  EXPECT_EQ(account->revoked_bitmap, eth::Uint256(8));
  EXPECT_TRUE(inference.is_token_revoked(user_tx->address(), provider(), 3));
  EXPECT_FALSE(inference.is_token_revoked(user_tx->address(), provider(), 2));
  EXPECT_EQ(contracts::lowest_free_token_id(account->revoked_bitmap), std::optional<std::uint8_t>(0));

  inference.revoke_tokens(*user_tx, provider(), {0, 1, 200});
  account = inference.get_account(user_tx->address(), provider());
  EXPECT_TRUE(contracts::token_id_revoked(account->revoked_bitmap, 200));
  EXPECT_TRUE(inference.is_token_revoked(user_tx->address(), provider(), 200));
  EXPECT_EQ(contracts::lowest_free_token_id(account->revoked_bitmap), std::optional<std::uint8_t>(2));

  inference.revoke_all_tokens(*user_tx, provider());
  account = inference.get_account(user_tx->address(), provider());
  EXPECT_EQ(account->generation, eth::Uint256(1));
  EXPECT_TRUE(account->revoked_bitmap.is_zero());
  EXPECT_FALSE(inference.is_token_revoked(user_tx->address(), provider(), 3));

  // Revoking while funded: un-acknowledging is refused with the balance named.
  try {
    inference.acknowledge_tee_signer(*user_tx, provider(), false);
    FAIL() << "un-acknowledging a funded provider was accepted";
  } catch (const contracts::ContractRevert& e) {
    EXPECT_EQ(e.error_name(), "CannotRevokeWithNonZeroBalance") << e.what();
  }
}

// Values computed with ethers 6 (TypedDataEncoder.hash, Wallet.signTypedData) for the same inputs.
TEST(TeeSettlementDigest, MatchesEthersTypedDataHashAndSignature) {
  contracts::TeeSettlement s;
  s.requests_hash.fill(0xab);
  s.nonce = eth::Uint256(1700000000123ULL);
  s.provider = eth::Address::from_hex("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  s.user = eth::Address::from_hex("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  s.total_fee = eth::Uint256(550000000000ULL);
  const auto contract = eth::Address::from_hex("0xa79F4c8311FF93C06b8CfB403690cc987c93F91E");
  EXPECT_EQ(to_hex(contracts::tee_settlement_digest(16602, contract, s)),
            "0xc9f6dfbaaec78526b394856396529526e7d33edd1a3bfc3b682de664c6d82510");
  contracts::sign_tee_settlement(
      s, 16602, contract, crypto::PrivateKey::from_hex("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"));
  EXPECT_EQ(to_hex(s.signature),
            "0x6288d757e554d1339e01208c18df53f83e20cb027ce030b3a9bfa75ddeb0acc5352bf070593d5a3a018ed4786848653f277517d4c7"
            "e5c356325d03afc5ff72c21b");
  // Another chain is another domain: the same settlement must not verify there.
  EXPECT_NE(contracts::tee_settlement_digest(16661, contract, s), contracts::tee_settlement_digest(16602, contract, s));
}

TEST(TokenIds, LowestFreeIdSkipsRevokedBitsAcrossLimbs) {
  EXPECT_EQ(contracts::lowest_free_token_id(eth::Uint256(0)), std::optional<std::uint8_t>(0));
  const auto low_limb_full = eth::Uint256::from_limbs({~0ULL, 0, 0, 0});
  EXPECT_EQ(contracts::lowest_free_token_id(low_limb_full), std::optional<std::uint8_t>(64));
  // Bits 0..254 set: no API-key id left (255 is the ephemeral id, never handed out).
  const auto all = eth::Uint256::from_limbs({~0ULL, ~0ULL, ~0ULL, ~0ULL >> 1});
  EXPECT_EQ(contracts::lowest_free_token_id(all), std::nullopt);
  EXPECT_TRUE(contracts::token_id_revoked(all, 254));
}

}  // namespace
