// The user's fine-tuning signatures (§9) byte-identical to the SDK 0.9.0 vectors, the create-task
// body, the task JSON the broker returns, the acknowledgement deadline and the predefined models.
#include <gtest/gtest.h>

#include <cctype>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/eip191.hpp"
#include "crypto/keccak.hpp"
#include "finetune/models.hpp"
#include "finetune/request_signing.hpp"
#include "finetune/task.hpp"
#include "vectors.hpp"

namespace zg::finetune {
namespace {

class FinetuneSigning : public ::testing::Test {
 protected:
  void SetUp() override { v_ = test::load_vectors("finetune-crypto-vectors.json"); }
  crypto::PrivateKey user() const { return crypto::PrivateKey::from_hex(v_["keys"]["userPrivateKey"].get<std::string>()); }
  const nlohmann::json& sig(const char* name) const { return v_["signatures"][name]; }
  nlohmann::json v_;
};

TEST_F(FinetuneSigning, CreateTaskPreimageDigestAndSignature) {
  const auto& s = sig("createTask");
  const auto address = eth::Address::from_hex(s["userAddress"].get<std::string>());
  const auto nonce = eth::Uint256::from_dec(s["nonce"].get<std::string>());
  const auto dataset = s["datasetHash"].get<std::string>();
  EXPECT_EQ(to_hex(create_task_preimage(address, nonce, dataset)), s["packedPreimage"].get<std::string>());
  EXPECT_EQ(to_hex(create_task_hash(address, nonce, dataset)), s["keccak256"].get<std::string>());
  EXPECT_EQ(sign_create_task(user(), nonce, dataset), s["signature"].get<std::string>());
  // The broker recovers the public key the model secret is later encrypted to.
  const auto pub = crypto::recover(crypto::eip191_hash_of_hash(create_task_hash(address, nonce, dataset)),
                                   crypto::Signature::from_hex(s["signature"].get<std::string>()));
  EXPECT_EQ(to_hex(crypto::uncompressed(pub)), s["brokerRecoveredPublicKey"].get<std::string>());
  // The hash covers the dataset hash as TEXT: another letter case is another signature.
  std::string upper = dataset;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper[1] = 'x';
  EXPECT_NE(sign_create_task(user(), nonce, upper), s["signature"].get<std::string>());
}

TEST_F(FinetuneSigning, CreateTaskBodyMatchesTheSdkRequest) {
  const auto& s = sig("createTask");
  const auto& expected = s["requestBody"];
  CreateTaskRequest request;
  request.user_address = expected["userAddress"];
  request.dataset_hash = expected["datasetHash"];
  request.training_params = expected["trainingParams"];
  request.pretrained_model_hash = expected["preTrainedModelHash"];
  request.nonce = eth::Uint256::from_dec(expected["nonce"].get<std::string>());
  request.signature = sign_create_task(user(), request.nonce, request.dataset_hash);
  EXPECT_EQ(nlohmann::json::parse(create_task_body(request)), expected);
  EXPECT_EQ(request.pretrained_model_hash, std::string(find_predefined_model("Qwen2.5-0.5B-Instruct")->hash));
}

TEST_F(FinetuneSigning, CancelLoraAndDatasetSignatures) {
  const auto& cancel = sig("cancelTask");
  const auto uuid = parse_task_uuid(cancel["taskId"].get<std::string>());
  EXPECT_EQ(to_hex(uuid), cancel["uuidBytes"].get<std::string>());
  EXPECT_EQ(format_task_uuid(uuid), cancel["taskId"].get<std::string>());
  EXPECT_EQ(to_hex(cancel_task_hash(uuid)), cancel["keccak256"].get<std::string>());
  EXPECT_EQ(sign_cancel_task(user(), uuid), cancel["signature"].get<std::string>());

  const auto& lora = sig("downloadLoRA");
  const auto ts = lora["timestamp"].get<std::int64_t>();
  EXPECT_EQ(lora_download_message(parse_task_uuid(lora["taskId"].get<std::string>()), ts), lora["message"].get<std::string>());
  EXPECT_EQ(sign_lora_download(user(), parse_task_uuid(lora["taskId"].get<std::string>()), ts), lora["signature"].get<std::string>());

  const auto& dataset = sig("uploadDataset");
  const auto address = dataset["userAddress"].get<std::string>();
  EXPECT_EQ(dataset_upload_message(address, dataset["timestamp"].get<std::int64_t>()), dataset["message"].get<std::string>());
  EXPECT_EQ(sign_dataset_upload(user(), address, dataset["timestamp"].get<std::int64_t>()),
            dataset["signature"].get<std::string>());
  EXPECT_EQ(recover_hash_personal_signer(crypto::keccak256(as_bytes(dataset["message"].get<std::string>())),
                                         dataset["signature"].get<std::string>()),
            eth::Address::from_hex(address));
}

TEST(FinetuneTask, UuidAndNonce) {
  EXPECT_THROW(parse_task_uuid("3f2504e0-4f89-41d3-9a0c-0305e82c330"), ParseError);
  EXPECT_THROW(parse_task_uuid("3f2504e0-4f89-41d3-9a0c-0305e82c330g"), ParseError);
  EXPECT_THROW(parse_task_uuid("3f2504e04f89-41d3-9a0c-0305e82c3301-"), ParseError);
  EXPECT_EQ(format_task_uuid(parse_task_uuid("3F2504E0-4F89-41D3-9A0C-0305E82C3301")), "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
  EXPECT_EQ(task_nonce(1700000000000ULL).to_dec(), "17000000000000040");  // the vector's nonce
}

TEST(FinetuneTask, ParsesTheBrokersTaskJson) {
  const auto task = parse_task(R"({"id":"3f2504e0-4f89-41d3-9a0c-0305e82c3301","createdAt":"2026-01-02T03:04:05Z",
    "userAddress":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","preTrainedModelHash":"0xb4f7","datasetHash":"0xcf44",
    "trainingParams":"{}","fee":"12345000000000000","nonce":"17000000000000040","signature":"0x00",
    "progress":"Delivered","deliverIndex":0,"deliverTime":1700000100,"modelType":0,"wait":false})");
  EXPECT_EQ(task.state, TaskState::delivered);
  EXPECT_TRUE(has_deliverable(task.state));
  EXPECT_FALSE(is_cancellable(task.state));
  EXPECT_EQ(task.deliver_time, 1700000100u);
  EXPECT_EQ(task.fee_amount()->to_dec(), "12345000000000000");
  EXPECT_EQ(task_json(task)["fee0G"], "0.012345");
  const auto list = parse_task_list(R"([{"id":"a","progress":"Init","deliverTime":0},{"id":"b","progress":"Weird"}])");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].state, TaskState::init);
  EXPECT_FALSE(list[0].deliver_time.has_value());
  EXPECT_EQ(list[1].state, TaskState::unknown);
  EXPECT_EQ(parse_task_list("null").size(), 0u);
  EXPECT_THROW(parse_task(R"({"progress":"Init"})"), ParseError);
  EXPECT_THROW(parse_task(R"({"id":5})"), ParseError);
  EXPECT_THROW(parse_task(R"({"id":"x","fee":1.5})"), ParseError);
  EXPECT_THROW(parse_task("<html>"), ParseError);
  EXPECT_THROW(parse_task_list(R"({"id":"x"})"), ParseError);
  for (const auto* name : {"Init", "SettingUp", "SetUp", "Training", "Trained", "Delivering", "Delivered",
                           "UserAcknowledged", "Finished", "Failed"}) {
    EXPECT_STREQ(task_state_name(parse_task_state(name)), name);
  }
}

TEST(FinetuneTask, AcknowledgementDeadlineIsMinOfSixHoursAndHalfTheLockTime) {
  EXPECT_EQ(acknowledgement_window(3600), 1800u);       // devnet: lockTime 1 h -> 30 min
  EXPECT_EQ(acknowledgement_window(86400), 21600u);     // lockTime 1 d -> 6 h
  EXPECT_EQ(acknowledgement_deadline(1000, 3600), 2800u);
}

TEST(FinetuneTask, PredefinedModelsByNameOrHash) {
  EXPECT_EQ(find_predefined_model("Qwen3-32B")->hash, "0x2e6f9620c35bdcb2b753cc7aa34e78077a8ed133e36fa36008fd6bdfd29af3a5");
  EXPECT_EQ(find_predefined_model("0xB4F76A886B8655C92BB021922D60B5E4D9271A5C9DA98B6CB10937A06C2C75A7")->name,
            "Qwen2.5-0.5B-Instruct");
  EXPECT_FALSE(find_predefined_model("qwen3-32b").has_value());  // names are exact
  EXPECT_EQ(predefined_models().size(), 2u);
}

}  // namespace
}  // namespace zg::finetune
