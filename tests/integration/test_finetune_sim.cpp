// zg-finetune-sim on a real devnet, driven the way a client drives a live fine-tuning broker: it
// registers itself (100 0G stake) and the owner acknowledges its TEE signer; a funded user uploads a
// dataset (signed), creates a task (signed per §9), follows it Init -> ... -> Delivered with a real
// addDeliverable, downloads the encrypted model from /lora, checks the tag signature, acknowledges on
// chain, and the provider settles with settleFees (EIP-712 by the TEE key) releasing the secret: the
// decrypted model equals what the simulator trained, byte for byte, and the sub-account moves by the
// fee. Then: cancel, the upstream refusals, and the penalty path (no acknowledgement within the
// timeout of chain time: settled without a secret at fee x penalty%, and the contract refuses every
// later deliverable for that user).
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/base64.hpp"
#include "common/hex.hpp"
#include "common/process.hpp"
#include "contracts/contract.hpp"
#include "contracts/ledger_manager.hpp"
#include "crypto/ecies.hpp"
#include "crypto/eip191.hpp"
#include "crypto/eip712.hpp"
#include "crypto/keccak.hpp"
#include "cli_runner.hpp"
#include "devnet/devnet.hpp"
#include "devnet/finetune_provider_process.hpp"
#include "eth/uint256.hpp"
#include "finetune/model_cipher.hpp"
#include "storage/merkle.hpp"
#include "storage/storage_client.hpp"

namespace {

using namespace zg;
using nlohmann::json;

constexpr const char* kQwenHash = "0xb4f76a886b8655c92bb021922d60b5e4d9271a5c9da98b6cb10937a06c2c75a7";
constexpr const char* kParams =
    R"({"neftune_noise_alpha":5,"num_train_epochs":1,"per_device_train_batch_size":2,"learning_rate":0.0002,"max_steps":3})";
constexpr const char* kStrangerKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";  // anvil #5
constexpr std::uint64_t kAckTimeout = 600;


std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The SDK's nonce: Date.now() * 10000 + 40.
eth::Uint256 fresh_nonce() {
  static std::int64_t last = 0;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  if (ms <= last) ms = last + 1;
  last = ms;
  return eth::Uint256{static_cast<std::uint64_t>(ms)} * eth::Uint256{10000} + eth::Uint256{40};
}

std::string personal_sign_hash(const crypto::PrivateKey& key, const Hash256& hash) {
  return crypto::personal_sign(key, hash).to_hex();
}


// settleFees as an eth_call from the provider: what the deployed bytecode says to a settlement signed
// under `scheme`, without changing any state. Returns "" when it would succeed, else the revert.
std::string try_settlement(const devnet::DevnetState& state, const std::string& scheme, const std::string& id,
                           const Bytes& root, const std::string& nonce, const std::string& fee, const eth::Address& user) {
  using crypto::eip712::Field;
  const auto tee = crypto::PrivateKey::from_hex(state.account("tee-signer").private_key);
  std::vector<Field> fields{Field{"id", "string"}, Field{"encryptedSecret", "bytes"}, Field{"modelRootHash", "bytes"},
                            Field{"nonce", "uint256"}, Field{"taskFee", "uint256"}, Field{"user", "address"}};
  crypto::eip712::Domain domain;
  domain.name = "0G Fine-Tuning Serving";
  domain.version = "1";
  domain.chain_id = eth::Uint256(state.chain_id);
  domain.verifying_contract = state.contracts.finetune;
  json message{{"id", id}, {"encryptedSecret", "0x"}, {"modelRootHash", to_hex(root)}, {"nonce", nonce},
               {"taskFee", fee}, {"user", user.checksummed()}};
  Hash256 digest{};
  if (scheme == "eip712") {
    digest = crypto::eip712::TypedData({{"VerifierMessage", fields}}, "VerifierMessage", domain, message).digest();
  } else if (scheme == "eip712-without-id") {  // the VerifierMessage before the id was signed
    fields.erase(fields.begin());
    message.erase("id");
    digest = crypto::eip712::TypedData({{"VerifierMessage", fields}}, "VerifierMessage", domain, message).digest();
  } else if (scheme == "eip712-inference-domain") {
    domain.name = "0G Inference Serving";
    digest = crypto::eip712::TypedData({{"VerifierMessage", fields}}, "VerifierMessage", domain, message).digest();
  } else {  // the 2025 broker: personal_sign(keccak(secret || root || nonce || signer || fee || user))
    Bytes packed = root;
    append(packed, eth::Uint256::from_dec(nonce).to_be_bytes());
    append(packed, eth::Address::from_public_key(tee.public_key()).bytes());
    append(packed, eth::Uint256::from_dec(fee).to_be_bytes());
    append(packed, user.bytes());
    digest = crypto::eip191_hash_of_hash(crypto::keccak256(packed));
  }
  const auto rsv = tee.sign_hash(digest).to_rsv(27);
  eth::RpcClient rpc(state.rpc_url);
  const contracts::Contract serving(rpc, state.contracts.finetune, "FineTuningServing");
  const auto settle = eth::Function::parse(
      "function settleFees((string id, bytes encryptedSecret, bytes modelRootHash, uint256 nonce, bytes signature, "
      "uint256 taskFee, address user) verifierInput)");
  try {
    serving.call(settle,
                 {eth::AbiValue(eth::AbiValue::List{id, Bytes{}, root, eth::Uint256::from_dec(nonce),
                                                    Bytes(rsv.begin(), rsv.end()), eth::Uint256::from_dec(fee), user})},
                 state.account("finetune-provider").address);
    return "";
  } catch (const contracts::ContractRevert& revert) {
    return revert.what();
  }
}

class FinetuneSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("zg-finetune-sim-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    devnet::DevnetOptions options;
    options.state_file = dir_ / "devnet.json";
    devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
    start_simulator();
    fund_user();
  }
  static void TearDownTestSuite() {
    if (simulator_) simulator_->stop(std::chrono::seconds(5));
    simulator_.reset();
    devnet_.reset();
    std::filesystem::remove_all(dir_);
  }

  static const devnet::DevnetState& state() { return devnet_->state(); }
  static crypto::PrivateKey user_key() { return crypto::PrivateKey::from_hex(state().account("user").private_key); }
  static eth::Address user() { return state().account("user").address; }
  static eth::Address provider() { return state().account("finetune-provider").address; }
  static eth::Address tee_signer() { return state().account("tee-signer").address; }

  static void start_simulator() {
    zg::test::write_private_file(dir_ / "provider.key", state().account("finetune-provider").private_key);
    zg::test::write_private_file(dir_ / "tee.key", state().account("tee-signer").private_key);
    zg::test::write_private_file(dir_ / "owner.key", state().account("owner").private_key);
    log_ = dir_ / "finetune-sim.log";
    ProcessOptions options;
    options.argv = {devnet::finetune_simulator_binary().string(), "--rpc", state().rpc_url, "--finetune-contract",
                    state().contracts.finetune.checksummed(), "--provider-key-file", (dir_ / "provider.key").string(),
                    "--tee-key-file", (dir_ / "tee.key").string(), "--owner-key-file", (dir_ / "owner.key").string(),
                    "--register", "--data-dir", (dir_ / "data").string(), "--plaintext-dir",
                    (dir_ / "plaintext").string(), "--settle-interval-ms", "200", "--ack-timeout-s",
                    std::to_string(kAckTimeout), "--step-delay-ms", "150"};
    if (!state().storage_url.empty()) {  // the devnet's 0G Storage: models are uploaded with a real Flow.submit
      options.argv.insert(options.argv.end(), {"--storage-url", state().storage_url, "--flow-contract",
                                               state().contracts.flow.checksummed()});
    }
    options.output_file = log_;
    simulator_ = std::make_unique<ChildProcess>(ChildProcess::spawn(options));
    const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
    std::smatch match;
    const bool up = wait_until(
        [&] {
          const std::string text = read_file(log_);
          if (!std::regex_search(text, match, listening)) return false;
          port_ = std::stoi(match[1]);
          return true;
        },
        std::chrono::seconds(60));
    ASSERT_TRUE(up) << "the simulator did not start:\n" << read_file(log_);
  }

  static void fund_user() {
    eth::RpcClient rpc(state().rpc_url);
    eth::TxSender sender(rpc, user_key(), state().chain_id);
    const contracts::LedgerManager ledger(rpc, state().contracts.ledger);
    ledger.add_ledger(sender, eth::parse_amount("5"));
    ledger.transfer_fund(sender, provider(), ledger.service_name(state().contracts.finetune), eth::parse_amount("2"));
  }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }
  static std::string user_path() { return "/v1/user/" + user().checksummed(); }

  // getAccount(user, provider): nonce, balance, deliverables.
  static eth::AbiValue account() {
    eth::RpcClient rpc(state().rpc_url);
    const contracts::Contract serving(rpc, state().contracts.finetune, "FineTuningServing");
    return serving.call(
        eth::Function::parse(
            "function getAccount(address user, address provider) view returns ((address user, address provider, "
            "uint256 nonce, uint256 balance, uint256 pendingRefund, (uint256 index, uint256 amount, uint256 createdAt, "
            "bool _deprecated_processed)[] refunds, string additionalInfo, (string id, bytes modelRootHash, bytes "
            "encryptedSecret, bool acknowledged, uint248 timestamp, bool settled)[] deliverables, uint256 "
            "validRefundsLength, uint256 deliverablesHead, uint256 deliverablesCount, bool acknowledged))"),
        {user(), provider()})[0];
  }
  static eth::AbiValue deliverable(const std::string& id) {
    const auto details = account();  // kept alive: the loop walks references into it
    for (const auto& d : details["deliverables"].as_list()) {
      if (d["id"].as_string() == id) return d;
    }
    ADD_FAILURE() << "no deliverable " << id;
    return {};
  }

  static std::string upload_dataset(const std::string& content) {
    const std::int64_t ts = now_s();
    const std::string address = user().checksummed();
    const auto hash = crypto::keccak256(as_bytes(address + std::to_string(ts)));
    httplib::MultipartFormDataItems items{{"file", content, "train.jsonl", "application/octet-stream"},
                                          {"signature", personal_sign_hash(user_key(), hash), "", ""},
                                          {"timestamp", std::to_string(ts), "", ""}};
    auto res = client().Post(user_path() + "/dataset", items);
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body)["datasetHash"].get<std::string>();
  }

  static json task_body(const std::string& dataset_hash, const eth::Uint256& nonce, const std::string& params = kParams,
                        const std::string& model = kQwenHash) {
    const eth::Address address = user();  // one object: begin() and end() of the same bytes
    Bytes preimage(address.bytes().begin(), address.bytes().end());
    append(preimage, nonce.to_be_bytes());
    append(preimage, as_bytes(dataset_hash));
    return {{"userAddress", user().checksummed()},
            {"preTrainedModelHash", model},
            {"datasetHash", dataset_hash},
            {"trainingParams", params},
            {"fee", "0"},
            {"nonce", nonce.to_dec()},
            {"signature", personal_sign_hash(user_key(), crypto::keccak256(preimage))}};
  }

  static httplib::Result post_json(const std::string& path, const json& body) {
    return client().Post(path, body.dump(), "application/json");
  }

  static json get_task(const std::string& id) {
    auto res = client().Get(user_path() + "/task/" + id);
    EXPECT_TRUE(res);
    return json::parse(res->body);
  }

  static std::string wait_for_progress(const std::string& id, const std::vector<std::string>& wanted) {
    std::string progress;
    wait_until(
        [&] {
          progress = get_task(id)["progress"].get<std::string>();
          return std::find(wanted.begin(), wanted.end(), progress) != wanted.end();
        },
        std::chrono::seconds(30));
    return progress;
  }

  static std::string create_task(const std::string& dataset_hash) {
    auto res = post_json(user_path() + "/task", task_body(dataset_hash, fresh_nonce()));
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 201) << res->body;
    return json::parse(res->body)["id"].get<std::string>();
  }

  static httplib::Result download_lora(const std::string& id, std::int64_t ts, const crypto::PrivateKey& signer) {
    const auto uuid = from_hex(std::regex_replace(id, std::regex("-"), ""));
    const auto hash = crypto::keccak256(as_bytes(to_hex(uuid, false) + std::to_string(ts)));
    return post_json(user_path() + "/task/" + id + "/lora",
                     {{"signature", personal_sign_hash(signer, hash)}, {"timestamp", ts}});
  }

  static void acknowledge(const std::string& id) {
    eth::RpcClient rpc(state().rpc_url);
    eth::TxSender sender(rpc, user_key(), state().chain_id);
    const contracts::Contract serving(rpc, state().contracts.finetune, "FineTuningServing");
    serving.transact(sender, eth::Function::parse("function acknowledgeDeliverable(address provider, string id)"),
                     {provider(), id});
  }

  static inline std::filesystem::path dir_;
  static inline std::filesystem::path log_;
  static inline std::unique_ptr<devnet::Devnet> devnet_;
  static inline std::unique_ptr<ChildProcess> simulator_;
  static inline int port_ = 0;
  static inline std::string dataset_hash_;
};

TEST_F(FinetuneSimTest, RegistersItselfAndAttestsItsTeeSigner) {
  eth::RpcClient rpc(state().rpc_url);
  const contracts::Contract serving(rpc, state().contracts.finetune, "FineTuningServing");
  const auto service = serving.call(
      eth::Function::parse(
          "function getService(address provider) view returns ((address provider, string url, (uint256 cpuCount, "
          "uint256 nodeMemory, uint256 gpuCount, uint256 nodeStorage, string gpuType) quota, uint256 pricePerToken, "
          "bool occupied, string[] models, address teeSignerAddress, bool teeSignerAcknowledged) service)"),
      {provider()})[0];
  EXPECT_EQ(service["url"].as_string(), "http://127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(service["teeSignerAddress"].as_address(), tee_signer());
  EXPECT_TRUE(service["teeSignerAcknowledged"].as_bool());
  EXPECT_EQ(service["models"][0].as_string(), "zg-tiny-llama");

  auto quote = client().Get("/v1/quote");
  ASSERT_TRUE(quote);
  const auto report = base64_decode(json::parse(quote->body)["report_data"].get<std::string>());
  EXPECT_EQ(std::string(report.begin(), report.begin() + 42), tee_signer().checksummed());
  auto models = client().Get("/v1/model");
  ASSERT_TRUE(models);
  EXPECT_EQ(json::parse(models->body)[0]["name"], "zg-tiny-llama");
  auto pending = client().Get("/v1/task/pending");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->body, "0");
}

TEST_F(FinetuneSimTest, RefusesWhatTheBrokerRefuses) {
  const std::string content = "{\"text\":\"hello world\"}\n{\"text\":\"fine tuning on 0G\"}\n";
  dataset_hash_ = upload_dataset(content);
  EXPECT_EQ(dataset_hash_, to_hex(crypto::keccak256(as_bytes(content))));

  // Dataset route: stale timestamp, someone else's signature, not JSONL.
  const auto stale = now_s() - 400;
  httplib::MultipartFormDataItems old_items{
      {"file", content, "train.jsonl", ""},
      {"signature", personal_sign_hash(user_key(), crypto::keccak256(as_bytes(user().checksummed() + std::to_string(stale)))), "", ""},
      {"timestamp", std::to_string(stale), "", ""}};
  auto res = client().Post(user_path() + "/dataset", old_items);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(res->body)["error"].get<std::string>().substr(0, 20), "timestamp is too old");
  const auto ts = now_s();
  const auto stranger = crypto::PrivateKey::from_hex(kStrangerKey);
  httplib::MultipartFormDataItems forged{
      {"file", content, "train.jsonl", ""},
      {"signature", personal_sign_hash(stranger, crypto::keccak256(as_bytes(user().checksummed() + std::to_string(ts)))), "", ""},
      {"timestamp", std::to_string(ts), "", ""}};
  res = client().Post(user_path() + "/dataset", forged);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(res->body)["error"].get<std::string>().substr(0, 30), "signature verification failed:");
  httplib::MultipartFormDataItems not_jsonl{
      {"file", "{\"text\":1}\nnot json\n", "train.jsonl", ""},
      {"signature", personal_sign_hash(user_key(), crypto::keccak256(as_bytes(user().checksummed() + std::to_string(ts)))), "", ""},
      {"timestamp", std::to_string(ts), "", ""}};
  res = client().Post(user_path() + "/dataset", not_jsonl);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"].get<std::string>().substr(0, 47), "invalid JSONL format: line 2 is not valid JSON:");

  // Task route: the §8 rules, the model list, a required field, a user with no sub-account.
  res = post_json(user_path() + "/task",
                  task_body(dataset_hash_, fresh_nonce(), R"({"neftune_noise_alpha":5,"num_train_epochs":1,"per_device_train_batch_size":2,"learning_rate":2e-4,"max_steps":3})"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"],
            "learning_rate must use decimal notation (e.g., 0.0002), not scientific notation (e.g., 2e-4)");
  res = post_json(user_path() + "/task", task_body(dataset_hash_, fresh_nonce(), kParams, "0x" + std::string(64, '1')));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"], "unsupported model: not found in predefined models");
  json no_nonce = task_body(dataset_hash_, fresh_nonce());
  no_nonce.erase("nonce");
  res = post_json(user_path() + "/task", no_nonce);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"], "Key: 'Task.Nonce' Error:Field validation for 'Nonce' failed on the 'required' tag");
  const auto stranger_address = eth::Address::from_public_key(stranger.public_key()).checksummed();
  json body = task_body(dataset_hash_, fresh_nonce());
  body["userAddress"] = stranger_address;
  res = post_json("/v1/user/" + stranger_address + "/task", body);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"].get<std::string>().substr(0, 45), "get account in contract: AccountNotExists(use");

  // Unknown task ids.
  res = client().Get(user_path() + "/task/00000000-0000-4000-8000-000000000000");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body)["error"], "task 00000000-0000-4000-8000-000000000000 not found");
}

TEST_F(FinetuneSimTest, TrainsDeliversAndSettlesWithTheSecret) {
  ASSERT_FALSE(dataset_hash_.empty());
  const auto before = account();
  const std::string id = create_task(dataset_hash_);
  // One unfinished task per user.
  auto second = post_json(user_path() + "/task", task_body(dataset_hash_, fresh_nonce()));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 400);
  EXPECT_EQ(json::parse(second->body)["error"], "cannot create a new task while there is an unfinished task");

  // Not downloadable before delivery.
  auto early = download_lora(id, now_s(), user_key());
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 409);
  EXPECT_EQ(json::parse(early->body)["error"], "task is not ready for download. Please wait for 'Delivered' status");

  ASSERT_EQ(wait_for_progress(id, {"Delivered", "Failed"}), "Delivered") << get_task(id).dump() << "\n"
                                                                         << read_file(log_);
  const json task = get_task(id);
  const eth::Uint256 fee = eth::Uint256::from_dec(task["fee"].get<std::string>());
  EXPECT_GT(fee, eth::Uint256{0});
  EXPECT_GT(task["deliverTime"].get<std::int64_t>(), 0);
  auto log = client().Get(user_path() + "/task/" + id + "/log");
  ASSERT_TRUE(log);
  EXPECT_NE(log->body.find("Delivered: modelRootHash 0x"), std::string::npos) << log->body;

  // The deliverable is on chain, not yet acknowledged, without a secret.
  const auto delivered = deliverable(id);
  EXPECT_FALSE(delivered["acknowledged"].as_bool());
  EXPECT_TRUE(delivered["encryptedSecret"].as_bytes().empty());

  // /lora: the signature and the time window, then the file; modelRootHash is its 0G Storage root
  // (the same bytes are downloadable from the storage node, proofs checked) or, on a devnet without
  // storage, its keccak256; its tags are signed by the TEE signer.
  auto forged = download_lora(id, now_s(), crypto::PrivateKey::from_hex(kStrangerKey));
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  auto stale = download_lora(id, now_s() - 301, user_key());
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 401);
  auto lora = download_lora(id, now_s(), user_key());
  ASSERT_TRUE(lora);
  ASSERT_EQ(lora->status, 200) << lora->body;
  EXPECT_EQ(lora->get_header_value("Content-Disposition"), "attachment; filename=lora_encrypted_" + id + ".data");
  const Bytes encrypted(lora->body.begin(), lora->body.end());
  if (state().storage_url.empty()) {
    const Hash256 keccak = crypto::keccak256(encrypted);
    EXPECT_EQ(delivered["modelRootHash"].as_bytes(), Bytes(keccak.begin(), keccak.end()));
  } else {
    const Hash256 root = storage::FileMerkleTree::from_bytes(encrypted).root();
    EXPECT_EQ(delivered["modelRootHash"].as_bytes(), Bytes(root.begin(), root.end())) << log->body;
    eth::RpcClient rpc(state().rpc_url);
    storage::StorageClient storage(state().storage_url, rpc, state().contracts.flow);
    EXPECT_EQ(storage.download_bytes(to_hex(root)), encrypted);
  }
  EXPECT_NO_THROW(finetune::verify_tag_signature(encrypted, tee_signer()));

  acknowledge(id);
  ASSERT_EQ(wait_for_progress(id, {"Finished", "Failed"}), "Finished") << read_file(log_);
  const auto settled = deliverable(id);
  EXPECT_TRUE(settled["settled"].as_bool());
  ASSERT_EQ(settled["encryptedSecret"].as_bytes().size(), 129u);

  // The released secret decrypts the file to exactly what the simulator trained.
  const auto key = crypto::ecies::decrypt_key(user_key(), settled["encryptedSecret"].as_bytes());
  const Bytes plaintext = finetune::decrypt_model(encrypted, key, tee_signer());
  const std::string trained = read_file(dir_ / "plaintext" / (id + ".zip"));
  ASSERT_FALSE(trained.empty());
  EXPECT_EQ(std::string(plaintext.begin(), plaintext.end()), trained);

  // The sub-account paid exactly the fee; the account nonce is the task's.
  const auto after = account();
  EXPECT_EQ(before["balance"].as_uint() - after["balance"].as_uint(), fee);
  EXPECT_EQ(after["nonce"].as_uint(), eth::Uint256::from_dec(task["nonce"].get<std::string>()));
}

TEST_F(FinetuneSimTest, TrainsOnADatasetFromZeroGStorage) {
  if (state().storage_url.empty()) GTEST_SKIP() << "this devnet runs no 0G Storage node";
  // The user uploads with a real Flow.submit; datasetHash is the storage root, which the provider
  // downloads (proofs checked) at setup.
  const std::string content = "{\"instruction\":\"greet\",\"input\":\"\",\"output\":\"hello\"}\n";
  eth::RpcClient rpc(state().rpc_url);
  eth::TxSender sender(rpc, user_key(), state().chain_id);
  storage::StorageClient storage(state().storage_url, rpc, state().contracts.flow);
  const auto uploaded = storage.upload_bytes(as_bytes(content), sender);
  const std::string id = create_task(uploaded.root);
  ASSERT_EQ(wait_for_progress(id, {"Delivered", "Failed"}), "Delivered") << read_file(log_);
  acknowledge(id);
  ASSERT_EQ(wait_for_progress(id, {"Finished", "Failed"}), "Finished") << read_file(log_);
  EXPECT_EQ(deliverable(id)["encryptedSecret"].as_bytes().size(), 129u);
}

TEST_F(FinetuneSimTest, CancelNeedsTheUsersSignatureAndAnEarlyState) {
  const std::string id = create_task(dataset_hash_);
  const auto uuid = from_hex(std::regex_replace(id, std::regex("-"), ""));
  const Hash256 hash = crypto::keccak256(uuid);
  auto forged = post_json(user_path() + "/task/" + id + "/cancel",
                          {{"signature", personal_sign_hash(crypto::PrivateKey::from_hex(kStrangerKey), hash)}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  auto cancelled = post_json(user_path() + "/task/" + id + "/cancel", {{"signature", personal_sign_hash(user_key(), hash)}});
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 200) << cancelled->body;
  EXPECT_EQ(cancelled->body, "task " + id + " cancelled");
  EXPECT_EQ(get_task(id)["progress"], "Failed");
  auto again = post_json(user_path() + "/task/" + id + "/cancel", {{"signature", personal_sign_hash(user_key(), hash)}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(json::parse(again->body)["error"], "task cannot be cancelled in its current state (Failed)");
}

TEST_F(FinetuneSimTest, UnacknowledgedDeliverableIsSettledWithThePenaltyAndNoSecret) {
  const auto before = account();
  const std::string id = create_task(dataset_hash_);
  ASSERT_EQ(wait_for_progress(id, {"Delivered", "Failed"}), "Delivered") << read_file(log_);
  const eth::Uint256 fee = eth::Uint256::from_dec(get_task(id)["fee"].get<std::string>());

  // Within the acknowledgement window nothing is settled.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(get_task(id)["progress"], "Delivered");
  EXPECT_FALSE(deliverable(id)["settled"].as_bool());

  // What the SDK 0.9.0 FineTuningServing bytecode verifies, asked without sending anything: only
  // EIP-712 over VerifierMessage *with* the id, in the "0G Fine-Tuning Serving" v1 domain.
  const json shown = get_task(id);
  const Bytes root = deliverable(id)["modelRootHash"].as_bytes();
  const auto attempt = [&](const std::string& scheme) {
    return try_settlement(state(), scheme, id, root, shown["nonce"].get<std::string>(), shown["fee"].get<std::string>(),
                          user());
  };
  EXPECT_EQ(attempt("eip712"), "");
  const std::string refused = "InvalidVerifierInput(reason=\"TEE settlement validation failed\")";
  EXPECT_NE(attempt("eip712-without-id").find(refused), std::string::npos) << attempt("eip712-without-id");
  EXPECT_NE(attempt("eip712-inference-domain").find(refused), std::string::npos);
  EXPECT_NE(attempt("eip191-packed").find(refused), std::string::npos);

  // min(600 s, lockTime/2) of chain time later the provider settles without the secret.
  eth::RpcClient rpc(state().rpc_url);
  rpc.evm_increase_time(kAckTimeout + 1);
  rpc.evm_mine();
  ASSERT_EQ(wait_for_progress(id, {"Finished", "Failed"}), "Finished") << read_file(log_);
  const auto settled = deliverable(id);
  EXPECT_TRUE(settled["settled"].as_bool());
  EXPECT_FALSE(settled["acknowledged"].as_bool());
  EXPECT_TRUE(settled["encryptedSecret"].as_bytes().empty());
  const auto after = account();
  EXPECT_EQ(before["balance"].as_uint() - after["balance"].as_uint(),
            fee * eth::Uint256{state().penalty_percentage} / eth::Uint256{100});

  // The deployed contract never accepts another deliverable for this user and provider.
  const std::string next = create_task(dataset_hash_);
  ASSERT_EQ(wait_for_progress(next, {"Delivered", "Failed"}), "Failed");
  auto log = client().Get(user_path() + "/task/" + next + "/log");
  ASSERT_TRUE(log);
  EXPECT_NE(log->body.find("PreviousDeliverableNotAcknowledged"), std::string::npos) << log->body;
}

}  // namespace

namespace {

// `Devnet::up` with start_finetune_provider: the simulator runs under the devnet, registered at the
// URL recorded in the state file, and `down` stops it by its PID.
TEST(FinetuneSimDevnetTest, DevnetStartsRecordsAndStopsTheFinetuneProvider) {
  const auto dir = std::filesystem::temp_directory_path() / ("zg-finetune-devnet-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  devnet::DevnetOptions options;
  options.state_file = dir / "devnet.json";
  options.start_finetune_provider = true;
  options.finetune_provider_arguments = {"--ack-timeout-s", "60"};
  auto net = devnet::Devnet::up(options);
  const auto saved = devnet::DevnetState::load(options.state_file);
  EXPECT_GT(saved.finetune_provider_pid, 0);
  ASSERT_FALSE(saved.finetune_provider_url.empty());
  EXPECT_EQ(saved.finetune_provider_url, net.state().finetune_provider_url);

  httplib::Client http(saved.finetune_provider_url);
  auto pending = http.Get("/v1/task/pending");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->body, "0");
  eth::RpcClient rpc(saved.rpc_url);
  const contracts::Contract serving(rpc, saved.contracts.finetune, "FineTuningServing");
  const auto service = serving.call(
      eth::Function::parse(
          "function getService(address provider) view returns ((address provider, string url, (uint256 cpuCount, "
          "uint256 nodeMemory, uint256 gpuCount, uint256 nodeStorage, string gpuType) quota, uint256 pricePerToken, "
          "bool occupied, string[] models, address teeSignerAddress, bool teeSignerAcknowledged) service)"),
      {saved.account("finetune-provider").address})[0];
  EXPECT_EQ(service["url"].as_string(), saved.finetune_provider_url);
  EXPECT_TRUE(service["teeSignerAcknowledged"].as_bool());

  const int pid = saved.finetune_provider_pid;
  net.down();
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid) + "/cmdline") &&
               read_file("/proc/" + std::to_string(pid) + "/cmdline").find("zg-finetune-sim") != std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

// The fault flags clients are tested against: tags signed by a key that is not the TEE signer, a
// flipped byte in what /lora serves (so neither keccak nor the storage root matches), and a
// provider that settles with the penalty as soon as it delivered.
TEST(FinetuneSimFaultsTest, WrongTagKeyFlippedByteAndForcedPenalty) {
  const auto dir = std::filesystem::temp_directory_path() / ("zg-finetune-faults-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  devnet::DevnetOptions options;
  options.state_file = dir / "devnet.json";
  options.start_storage = false;  // modelRootHash = keccak256 of the encrypted model
  options.start_finetune_provider = true;
  options.finetune_provider_arguments = {"--sign-tags-with-wrong-key", "--flip-model-byte", "--force-penalty",
                                         "--settle-interval-ms", "200"};
  auto net = devnet::Devnet::up(options);
  const auto& state = net.state();
  const auto user_key = crypto::PrivateKey::from_hex(state.account("user").private_key);
  const auto user = state.account("user").address;
  const auto provider = state.account("finetune-provider").address;
  eth::RpcClient rpc(state.rpc_url);
  eth::TxSender sender(rpc, user_key, state.chain_id);
  const contracts::LedgerManager ledger(rpc, state.contracts.ledger);
  ledger.add_ledger(sender, eth::parse_amount("3"));
  ledger.transfer_fund(sender, provider, ledger.service_name(state.contracts.finetune), eth::parse_amount("1"));

  httplib::Client http(state.finetune_provider_url);
  const std::string path = "/v1/user/" + user.checksummed();
  const std::string content = "{\"text\":\"faults\"}\n";
  const auto ts = now_s();
  httplib::MultipartFormDataItems items{
      {"file", content, "d.jsonl", ""},
      {"signature", personal_sign_hash(user_key, crypto::keccak256(as_bytes(user.checksummed() + std::to_string(ts)))), "", ""},
      {"timestamp", std::to_string(ts), "", ""}};
  auto uploaded = http.Post(path + "/dataset", items);
  ASSERT_TRUE(uploaded);
  ASSERT_EQ(uploaded->status, 200) << uploaded->body;
  const std::string dataset = json::parse(uploaded->body)["datasetHash"];
  const eth::Uint256 nonce = fresh_nonce();
  Bytes preimage(user.bytes().begin(), user.bytes().end());
  append(preimage, nonce.to_be_bytes());
  append(preimage, as_bytes(dataset));
  const json body{{"userAddress", user.checksummed()}, {"preTrainedModelHash", kQwenHash}, {"datasetHash", dataset},
                  {"trainingParams", kParams}, {"fee", "0"}, {"nonce", nonce.to_dec()},
                  {"signature", personal_sign_hash(user_key, crypto::keccak256(preimage))}};
  auto created = http.Post(path + "/task", body.dump(), "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string id = json::parse(created->body)["id"];

  std::string progress;
  wait_until(
      [&] {
        auto res = http.Get(path + "/task/" + id);
        progress = res ? json::parse(res->body)["progress"].get<std::string>() : "";
        return progress == "Finished" || progress == "Failed";
      },
      std::chrono::seconds(30));
  ASSERT_EQ(progress, "Finished");  // settled without waiting for an acknowledgement

  const auto now = now_s();
  const auto uuid = from_hex(std::regex_replace(id, std::regex("-"), ""));
  const auto lora_hash = crypto::keccak256(as_bytes(to_hex(uuid, false) + std::to_string(now)));
  auto lora = http.Post(path + "/task/" + id + "/lora",
                        json{{"signature", personal_sign_hash(user_key, lora_hash)}, {"timestamp", now}}.dump(),
                        "application/json");
  ASSERT_TRUE(lora);
  ASSERT_EQ(lora->status, 200);
  const Bytes served(lora->body.begin(), lora->body.end());
  const contracts::Contract serving(rpc, state.contracts.finetune, "FineTuningServing");
  const auto deliverable = serving.call(
      eth::Function::parse("function getDeliverable(address user, address provider, string id) view returns ((string "
                           "id, bytes modelRootHash, bytes encryptedSecret, bool acknowledged, uint248 timestamp, bool "
                           "settled))"),
      {user, provider, id})[0];
  const Hash256 keccak = crypto::keccak256(served);
  EXPECT_NE(deliverable["modelRootHash"].as_bytes(), Bytes(keccak.begin(), keccak.end()));  // the flipped byte
  EXPECT_NE(finetune::recover_tag_signer(served), state.account("tee-signer").address);  // the wrong tag key
  EXPECT_THROW(finetune::verify_tag_signature(served, state.account("tee-signer").address), crypto::AuthenticationError);
  EXPECT_TRUE(deliverable["settled"].as_bool());
  EXPECT_FALSE(deliverable["acknowledged"].as_bool());
  EXPECT_TRUE(deliverable["encryptedSecret"].as_bytes().empty());
  net.down();
  std::filesystem::remove_all(dir);
}

}  // namespace
