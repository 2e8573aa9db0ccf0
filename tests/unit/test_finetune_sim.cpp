// zg-finetune-sim's chain-free pieces: the broker's trainingParams rules and texts, the task state
// machine and queue counts, the request signatures against the SDK vectors, the settlement digest
// recomputed by hand, the trained adapter (safetensors header, PEFT config, ZIP layout) and the
// sealed model decrypted by the customer-side model_cipher.
#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "common/hex.hpp"
#include "crypto/ecies.hpp"
#include "crypto/eip191.hpp"
#include "crypto/keccak.hpp"
#include "finetune/model_cipher.hpp"
#include "finetune_chain.hpp"
#include "finetune_config.hpp"
#include "finetune_server.hpp"
#include "lora_adapter.hpp"
#include "model_catalog.hpp"
#include "model_delivery.hpp"
#include "request_auth.hpp"
#include "task_store.hpp"
#include "training_params.hpp"
#include "vectors.hpp"

namespace {

using namespace zg;
using namespace zg::finetune_sim;
using nlohmann::json;

constexpr const char* kValidParams =
    R"({"neftune_noise_alpha":5,"num_train_epochs":1,"per_device_train_batch_size":2,"learning_rate":0.0002,"max_steps":3})";

std::string params_with(const std::string& key, const std::string& raw_value) {
  json params = json::parse(kValidParams);
  params.erase(key);
  std::string text = params.dump();
  text.pop_back();  // "}"
  return text + ",\"" + key + "\":" + raw_value + "}";
}

std::string error_of(const std::string& params) { return training_params_error(params).value_or("(valid)"); }

// ---- trainingParams (broker ctrl/task.go validateTrainingParams) ----------------------------------

TEST(FinetuneSimParams, TheDocumentedExampleIsValid) {
  const auto params = parse_training_params(kValidParams);
  EXPECT_EQ(params.num_train_epochs, 1);
  EXPECT_EQ(params.per_device_train_batch_size, 2);
  EXPECT_DOUBLE_EQ(params.learning_rate, 0.0002);
  EXPECT_EQ(params.max_steps, 3);
  EXPECT_FALSE(training_params_error(params_with("max_steps", "-1")));
  EXPECT_FALSE(training_params_error(params_with("num_train_epochs", "3.0")));  // Go sees float64 3
}

TEST(FinetuneSimParams, KeysAreExactlyTheFive) {
  EXPECT_EQ(error_of(params_with("fp16", "true")),
            "training config contains forbidden parameter 'fp16'. Please use only the standard configuration "
            "template. See documentation: "
            "https://docs.0g.ai/developer-hub/building-on-0g/compute-network/fine-tuning#prepare-configuration-file");
  EXPECT_EQ(error_of(params_with("lora_r", "8")).substr(0, 55), "training config contains forbidden parameter 'lora_r'. ");
  EXPECT_EQ(error_of(params_with("epochs", "1")),
            "training config contains unexpected parameter 'epochs'. Only these parameters are allowed: "
            "neftune_noise_alpha, num_train_epochs, per_device_train_batch_size, learning_rate, max_steps");
  json missing = json::parse(kValidParams);
  missing.erase("max_steps");
  EXPECT_EQ(error_of(missing.dump()), "training config missing required parameter 'max_steps'");
  EXPECT_EQ(error_of("null"), "training config missing required parameter 'neftune_noise_alpha'");
  EXPECT_EQ(error_of("{\"a\":").substr(0, 37), "invalid training params JSON format: ");
  EXPECT_EQ(error_of("[1]"),
            "invalid training params JSON format: json: cannot unmarshal array into Go value of type "
            "map[string]interface {}");
}

TEST(FinetuneSimParams, ValueRangesAndTypesUseTheBrokerTexts) {
  EXPECT_EQ(error_of(params_with("neftune_noise_alpha", "\"5\"")), "neftune_noise_alpha must be a number");
  EXPECT_EQ(error_of(params_with("neftune_noise_alpha", "10.5")), "neftune_noise_alpha must be between 0 and 10");
  EXPECT_EQ(error_of(params_with("num_train_epochs", "0")), "num_train_epochs must be a positive integer");
  EXPECT_EQ(error_of(params_with("num_train_epochs", "1.5")), "num_train_epochs must be a positive integer");
  EXPECT_EQ(error_of(params_with("num_train_epochs", "11")),
            "num_train_epochs should not exceed 10 for fine-tuning (typical: 1-3)");
  EXPECT_EQ(error_of(params_with("per_device_train_batch_size", "5")),
            "per_device_train_batch_size must be an integer between 1 and 4");
  EXPECT_EQ(error_of(params_with("per_device_train_batch_size", "true")),
            "per_device_train_batch_size must be a number");
  EXPECT_EQ(error_of(params_with("learning_rate", "2e-4")),
            "learning_rate must use decimal notation (e.g., 0.0002), not scientific notation (e.g., 2e-4)");
  EXPECT_EQ(error_of(params_with("learning_rate", "0.0002E0")),
            "learning_rate must use decimal notation (e.g., 0.0002), not scientific notation (e.g., 2e-4)");
  // The broker checks the raw text first, so even `true` is "scientific notation".
  EXPECT_EQ(error_of(params_with("learning_rate", "true")),
            "learning_rate must use decimal notation (e.g., 0.0002), not scientific notation (e.g., 2e-4)");
  EXPECT_EQ(error_of(params_with("learning_rate", "\"0.0002\"")), "learning_rate must be a number");
  EXPECT_EQ(error_of(params_with("learning_rate", "0.01")),
            "learning_rate must be between 0.00001 and 0.001 (typical: 0.0002)");
  EXPECT_EQ(error_of(params_with("max_steps", "0")), "max_steps must be -1 (to use epochs) or a positive integer");
  EXPECT_EQ(error_of(params_with("max_steps", "-2")), "max_steps must be -1 (to use epochs) or a positive integer");
  EXPECT_EQ(error_of(params_with("max_steps", "null")), "max_steps must be a number");
}

// ---- task state machine -------------------------------------------------------------------------

TEST(FinetuneSimTasks, StatesFollowTheBrokerOrder) {
  EXPECT_EQ(state_name(TaskState::init), "Init");
  EXPECT_EQ(state_name(TaskState::user_acknowledged), "UserAcknowledged");
  EXPECT_TRUE(can_move(TaskState::init, TaskState::setting_up));
  EXPECT_TRUE(can_move(TaskState::delivering, TaskState::delivered));
  EXPECT_FALSE(can_move(TaskState::init, TaskState::training));      // no skipping
  EXPECT_FALSE(can_move(TaskState::delivered, TaskState::trained));  // no going back
  EXPECT_TRUE(can_move(TaskState::delivered, TaskState::finished));  // the penalty settlement
  EXPECT_TRUE(can_move(TaskState::training, TaskState::failed));
  EXPECT_FALSE(can_move(TaskState::finished, TaskState::failed));
  EXPECT_FALSE(can_move(TaskState::failed, TaskState::init));
  EXPECT_TRUE(is_cancellable(TaskState::set_up));
  EXPECT_FALSE(is_cancellable(TaskState::training));
  EXPECT_TRUE(is_pending(TaskState::training));
  EXPECT_FALSE(is_pending(TaskState::trained));
}

TEST(FinetuneSimTasks, StoreCountsListsAndCancels) {
  const auto user = eth::Address::from_hex("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  TaskStore store;
  Task first;
  first.id = new_task_id();
  first.user_address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
  store.add(first);
  Task second = first;
  second.id = new_task_id();
  second.user_address = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";  // another spelling, same user
  store.add(second);
  EXPECT_EQ(store.pending_count(), 2u);
  EXPECT_EQ(store.unfinished_count(user), 2u);
  EXPECT_EQ(store.list(user, false).front().id, second.id);  // newest first
  EXPECT_EQ(store.list(user, true).front().id, first.id);

  store.transition(first.id, TaskState::setting_up, "setting up");
  EXPECT_THROW(store.transition(first.id, TaskState::trained), StateError);
  bool cancelled = false;
  EXPECT_EQ(store.cancel(first.id, cancelled), TaskState::setting_up);
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(store.get(first.id)->state, TaskState::failed);
  EXPECT_NE(store.get(first.id)->log.find("setting up\n"), std::string::npos);
  EXPECT_THROW(store.transition(first.id, TaskState::set_up), StateError);  // the runner notices the cancel

  for (const auto to : {TaskState::setting_up, TaskState::set_up, TaskState::training}) store.transition(second.id, to);
  EXPECT_EQ(store.cancel(second.id, cancelled), TaskState::training);
  EXPECT_FALSE(cancelled);
  EXPECT_EQ(store.unfinished_count(user), 1u);
  EXPECT_FALSE(store.cancel("00000000-0000-4000-8000-000000000000", cancelled));

  const json shown = store.get(second.id)->to_json();
  EXPECT_EQ(shown["progress"], "Training");
  EXPECT_EQ(shown["deliverIndex"], 0);
  EXPECT_EQ(shown["createdAt"].get<std::string>().size(), 20u);  // RFC 3339, UTC
}

TEST(FinetuneSimTasks, UuidTextToBytes) {
  EXPECT_EQ(to_hex(uuid_bytes("3f2504e0-4f89-41d3-9a0c-0305e82c3301")), "0x3f2504e04f8941d39a0c0305e82c3301");
  EXPECT_THROW(uuid_bytes("3f2504e04f8941d39a0c0305e82c3301"), ParseError);
  EXPECT_THROW(uuid_bytes("3f2504e0-4f89-41d3-9a0c-0305e82c330g"), ParseError);
  const std::string id = new_task_id();
  EXPECT_EQ(id[14], '4');
  EXPECT_NO_THROW(uuid_bytes(id));
}

// ---- request signatures against ../shared/vectors -------------------------------------------------

TEST(FinetuneSimAuth, SignaturesOfTheSdkVectorsVerify) {
  const auto vectors = zg::test::load_vectors("finetune-crypto-vectors.json");
  const auto& s = vectors["signatures"];
  const auto user = eth::Address::from_hex(s["createTask"]["userAddress"].get<std::string>());

  const auto& create = s["createTask"];
  const Hash256 hash = create_task_hash(user, eth::Uint256::from_dec(create["nonce"].get<std::string>()),
                                        create["datasetHash"].get<std::string>());
  EXPECT_EQ(to_hex(hash), create["keccak256"]);
  const auto key = recover_personal_key(hash, create["signature"].get<std::string>());
  EXPECT_EQ(to_hex(crypto::uncompressed(key)), create["brokerRecoveredPublicKey"]);

  const auto& cancel = s["cancelTask"];
  EXPECT_EQ(to_hex(cancel_hash(cancel["taskId"].get<std::string>())), cancel["keccak256"]);
  EXPECT_NO_THROW(require_personal_signer(cancel_hash(cancel["taskId"].get<std::string>()),
                                          cancel["signature"].get<std::string>(), user));

  const auto& lora = s["downloadLoRA"];
  const Hash256 lora_hash = download_hash(lora["taskId"].get<std::string>(), lora["timestamp"].get<std::int64_t>());
  EXPECT_EQ(to_hex(lora_hash), lora["keccak256"]);
  EXPECT_NO_THROW(require_personal_signer(lora_hash, lora["signature"].get<std::string>(), user));

  const auto& upload = s["uploadDataset"];
  const Hash256 upload_digest = upload_hash(upload["userAddress"].get<std::string>(), upload["timestamp"].get<std::int64_t>());
  EXPECT_EQ(to_hex(upload_digest), upload["keccak256"]);
  EXPECT_NO_THROW(require_personal_signer(upload_digest, upload["signature"].get<std::string>(), user));
  // The same signature over the lowercase spelling is someone else's: the URL spelling is signed.
  const Hash256 lowercase = upload_hash(user.lower_hex(), upload["timestamp"].get<std::int64_t>());
  try {
    require_personal_signer(lowercase, upload["signature"].get<std::string>(), user);
    FAIL() << "a signature over another spelling verified";
  } catch (const AuthError& error) {
    EXPECT_EQ(std::string(error.what()).substr(0, 88),
              "signature verification failed: expected 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, got ");
  }
}

TEST(FinetuneSimAuth, SignatureEncodingAndTimeWindow) {
  const Hash256 hash = cancel_hash("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
  EXPECT_THROW(recover_personal_key(hash, "abcd"), AuthError);
  try {
    recover_personal_key(hash, "0x" + std::string(128, '1'));
    FAIL();
  } catch (const AuthError& error) {
    EXPECT_STREQ(error.what(), "invalid signature length 64, expected 65");
  }
  // v = 0/1 is accepted as well as 27/28 (the newest broker).
  const auto key = crypto::PrivateKey::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  const auto raw = crypto::personal_sign(key, hash).to_hex(0);
  EXPECT_NO_THROW(require_personal_signer(hash, raw, eth::Address::from_public_key(key.public_key())));

  EXPECT_NO_THROW(check_timestamp_window(1000, 1000 + 300));
  EXPECT_NO_THROW(check_timestamp_window(1060, 1000));
  try {
    check_timestamp_window(1000, 1301);
    FAIL();
  } catch (const AuthError& error) {
    EXPECT_STREQ(error.what(), "timestamp is too old: 301 seconds ago (max 300 seconds)");
  }
  try {
    check_timestamp_window(1061, 1000);
    FAIL();
  } catch (const AuthError& error) {
    EXPECT_STREQ(error.what(), "timestamp is too far in the future: 61 seconds ahead");
  }
}

// ---- settlement (FineTuningVerifier.sol) ---------------------------------------------------------

Hash256 word_of(const eth::Uint256& value) { return value.to_be_bytes(); }

TEST(FinetuneSimSettlement, DigestIsTheVerifierEip712Hash) {
  VerifierMessage m;
  m.id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
  m.encrypted_secret = from_hex("0x0102030405");
  m.model_root_hash = from_hex("0x" + std::string(64, 'a'));
  m.nonce = eth::Uint256::from_dec("17000000000000040");
  m.task_fee = eth::Uint256::from_dec("10000000000000123");
  m.user = eth::Address::from_hex("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  const auto contract = eth::Address::from_hex("0x5FbDB2315678afecb367f032d93F642f64180aa3");

  // By hand, as the contract computes it with abi.encode.
  const auto k = [](std::string_view text) { return crypto::keccak256(as_bytes(text)); };
  Bytes domain;
  for (const Hash256& word : {k("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                              k("0G Fine-Tuning Serving"), k("1"), word_of(eth::Uint256{31337})}) {
    append(domain, word);
  }
  append(domain, Bytes(12, 0));
  append(domain, contract.bytes());
  Bytes message;
  for (const Hash256& word :
       {k("VerifierMessage(string id,bytes encryptedSecret,bytes modelRootHash,uint256 nonce,uint256 taskFee,address "
          "user)"),
        k(m.id), crypto::keccak256(m.encrypted_secret), crypto::keccak256(m.model_root_hash), word_of(m.nonce),
        word_of(m.task_fee)}) {
    append(message, word);
  }
  append(message, Bytes(12, 0));
  append(message, m.user.bytes());
  Bytes digest_input{0x19, 0x01};
  append(digest_input, crypto::keccak256(domain));
  append(digest_input, crypto::keccak256(message));
  EXPECT_EQ(settlement_digest(m, 31337, contract), crypto::keccak256(digest_input));

  // Signed by the TEE key with v = 27/28, recoverable to the TEE signer.
  const auto tee = crypto::PrivateKey::from_hex("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
  const Bytes signature = sign_settlement(m, 31337, contract, tee);
  ASSERT_EQ(signature.size(), 65u);
  EXPECT_TRUE(signature[64] == 27 || signature[64] == 28);
  const auto signer = crypto::recover(settlement_digest(m, 31337, contract), crypto::Signature::from_rsv(signature));
  EXPECT_EQ(eth::Address::from_public_key(signer).checksummed(), "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
  // The penalty path signs an empty secret: a different digest.
  VerifierMessage penalty = m;
  penalty.encrypted_secret.clear();
  EXPECT_NE(settlement_digest(penalty, 31337, contract), settlement_digest(m, 31337, contract));
}

// ---- models and fees --------------------------------------------------------------------------------

TEST(FinetuneSimModels, PredefinedByExactTextCustomByHash) {
  const std::vector<CustomModel> custom{{"mine", "0x" + std::string(64, 'a'), ""}};
  const auto qwen = choose_model("0xb4f76a886b8655c92bb021922d60b5e4d9271a5c9da98b6cb10937a06c2c75a7", custom);
  EXPECT_EQ(qwen.type, ModelType::predefined);
  EXPECT_EQ(qwen.name, "Qwen2.5-0.5B-Instruct");
  // SCRIPT_MAP is keyed by the text: another letter case is not the same predefined model.
  try {
    choose_model("0xB4F76A886B8655C92BB021922D60B5E4D9271A5C9DA98B6CB10937A06C2C75A7", custom);
    FAIL();
  } catch (const ParseError& error) {
    EXPECT_STREQ(error.what(), "unsupported model: not found in predefined models");
  }
  EXPECT_EQ(choose_model("0x" + std::string(64, 'A'), custom).type, ModelType::customized);
  EXPECT_EQ(choose_model("0x2e6f9620c35bdcb2b753cc7aa34e78077a8ed133e36fa36008fd6bdfd29af3a5", {}).price_coefficient, 8u);

  const std::string dataset = "0123456789";  // 10 bytes -> 3 tokens
  EXPECT_EQ(count_tokens(as_bytes(dataset)), 3u);
  EXPECT_EQ(count_tokens({}), 1u);
  // 3 tokens x 1e9 x 2 epochs x 1 + 0.01 0G storage fee.
  EXPECT_EQ(task_fee(3, eth::Uint256{1'000'000'000}, 2, qwen).to_dec(), "10000006000000000");
}

// ---- the trained adapter ---------------------------------------------------------------------------

Hash256 seed() { return crypto::keccak256(as_bytes("unit test dataset")); }

TEST(FinetuneSimAdapter, SafetensorsHeaderDescribesTheTinyLora) {
  const auto files = train_tiny_lora(seed());
  const auto parsed = parse_safetensors(files.safetensors);
  EXPECT_EQ(parsed.format, "pt");
  EXPECT_EQ(parsed.header_size % 8, 0u);
  ASSERT_EQ(parsed.tensors.size(), 4u);
  EXPECT_EQ(parsed.tensors[0].name, "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
  EXPECT_EQ(parsed.tensors[0].shape, (std::vector<std::uint64_t>{4, 64}));
  EXPECT_EQ(parsed.tensors[1].name, "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
  EXPECT_EQ(parsed.tensors[1].shape, (std::vector<std::uint64_t>{64, 4}));
  EXPECT_EQ(parsed.tensors[3].name, "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight");
  for (const auto& tensor : parsed.tensors) EXPECT_EQ(tensor.dtype, "F32");
  EXPECT_EQ(parsed.data_size, 4u * 256u * 4u);

  const json config = json::parse(files.config_json);
  EXPECT_EQ(config["peft_type"], "LORA");
  EXPECT_EQ(config["r"], 4);
  EXPECT_EQ(config["lora_alpha"], 8);
  EXPECT_EQ(config["target_modules"], json({"q_proj", "v_proj"}));
  EXPECT_EQ(config["task_type"], "CAUSAL_LM");

  // Same seed, same bytes; another seed, other weights.
  EXPECT_EQ(train_tiny_lora(seed()).safetensors, files.safetensors);
  EXPECT_NE(train_tiny_lora(crypto::keccak256(as_bytes("other"))).safetensors, files.safetensors);
}

TEST(FinetuneSimAdapter, SafetensorsParserRefusesBadHeaders) {
  const auto good = train_tiny_lora(seed()).safetensors;
  EXPECT_THROW(parse_safetensors(Bytes(good.begin(), good.begin() + 7)), ParseError);
  Bytes overrun = good;
  overrun[0] = 0xff;
  overrun[1] = 0xff;
  EXPECT_THROW(parse_safetensors(overrun), ParseError);
  Bytes truncated(good.begin(), good.end() - 4);  // the last tensor ends past the data
  EXPECT_THROW(parse_safetensors(truncated), ParseError);
  const auto with_header = [](const std::string& header) {
    // Sized once: growing an 8-byte vector trips GCC 12's -Warray-bounds false positive at -O3.
    Bytes file(8 + header.size(), 0);
    file[0] = static_cast<std::uint8_t>(header.size());
    std::copy(header.begin(), header.end(), file.begin() + 8);
    return file;
  };
  EXPECT_NO_THROW(parse_safetensors(with_header(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})")));
  EXPECT_THROW(parse_safetensors(with_header(R"({"t":{"dtype":"Q9","shape":[0],"data_offsets":[0,0]}})")), ParseError);
  EXPECT_THROW(parse_safetensors(with_header(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,0]}})")), ParseError);
  EXPECT_THROW(parse_safetensors(with_header(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})")), ParseError);
  EXPECT_THROW(parse_safetensors(with_header(R"([1,2])")), ParseError);
}

std::map<std::string, Bytes> unzip(const Bytes& archive_bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(archive_bytes.data(), archive_bytes.size(), 0, &error);
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
  std::map<std::string, Bytes> entries;
  if (archive == nullptr) {
    zip_source_free(source);
    return entries;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t stat;
    zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &stat);
    Bytes content(stat.size);
    zip_file_t* file = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    if (file != nullptr && stat.size > 0) zip_fread(file, content.data(), stat.size);
    if (file != nullptr) zip_fclose(file);
    entries[stat.name] = content;
  }
  zip_discard(archive);
  return entries;
}

TEST(FinetuneSimAdapter, ZipHoldsTheOutputModelDirectory) {
  const auto files = train_tiny_lora(seed());
  const Bytes archive = zip_output_model(files);
  EXPECT_EQ(archive, zip_output_model(files));  // fixed timestamps: reproducible
  const auto entries = unzip(archive);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(entries.count("output_model/"));
  EXPECT_EQ(entries.at("output_model/adapter_model.safetensors"), files.safetensors);
  const Bytes config = entries.at("output_model/adapter_config.json");
  EXPECT_EQ(std::string(config.begin(), config.end()), files.config_json);
}

// ---- sealing: the provider half of §6 against the customer half ---------------------------------------

TEST(FinetuneSimSealing, CustomerDecryptsWhatTheProviderSealed) {
  const auto user = crypto::PrivateKey::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  const auto tee = crypto::PrivateKey::from_hex("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
  const auto tee_signer = eth::Address::from_public_key(tee.public_key());
  const Bytes plaintext = zip_output_model(train_tiny_lora(seed()));
  const auto dir = std::filesystem::temp_directory_path() / ("zg-ftsim-unit-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "model_encrypted.data";

  std::vector<std::string> log;
  const auto sealed = seal_model(plaintext, user.public_key(), tee, file, {}, [&](const std::string& l) { log.push_back(l); });
  std::ifstream in(file, std::ios::binary);
  const Bytes encrypted((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(encrypted.size(), finetune::kHeaderSize + plaintext.size() + finetune::kTagSize);
  EXPECT_FALSE(sealed.stored_on_0g);
  const Hash256 keccak = crypto::keccak256(encrypted);
  EXPECT_EQ(sealed.model_root_hash, Bytes(keccak.begin(), keccak.end()));
  ASSERT_EQ(sealed.encrypted_secret.size(), 129u);

  EXPECT_EQ(finetune::recover_tag_signer(encrypted), tee_signer);
  const auto key = crypto::ecies::decrypt_key(user, sealed.encrypted_secret);
  EXPECT_EQ(finetune::decrypt_model(encrypted, key, tee_signer), plaintext);
  const auto out = dir / "model.zip";
  finetune::decrypt_model_file(file, key, out, tee_signer);
  std::ifstream decrypted(out, std::ios::binary);
  EXPECT_EQ(Bytes((std::istreambuf_iterator<char>(decrypted)), std::istreambuf_iterator<char>()), plaintext);

  // Each sealing takes a fresh key and IV.
  const auto again = seal_model(plaintext, user.public_key(), tee, dir / "again.data", {}, [](const std::string&) {});
  EXPECT_NE(again.model_root_hash, sealed.model_root_hash);

  // A tag key that is not the TEE signer is what the client must catch before acknowledging.
  const auto other = crypto::PrivateKey::from_hex("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
  seal_model(plaintext, user.public_key(), other, dir / "wrong.data", {}, [](const std::string&) {});
  EXPECT_THROW(finetune::verify_tag_signature(dir / "wrong.data", tee_signer), crypto::AuthenticationError);

  // An upload that fails falls back to keccak256 and says so.
  const auto fallback = seal_model(plaintext, user.public_key(), tee, dir / "fallback.data",
                                   [](const std::filesystem::path&) -> std::string { throw IoError("no storage node"); },
                                   [&](const std::string& l) { log.push_back(l); });
  EXPECT_FALSE(fallback.stored_on_0g);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.back().find("no storage node"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// ---- dataset upload check and command line -----------------------------------------------------------

TEST(FinetuneSimDataset, JsonlCheckIsTheBrokers) {
  EXPECT_FALSE(jsonl_error("{\"text\":\"a\"}\n\n  \r\n{\"instruction\":\"b\",\"input\":\"\",\"output\":\"c\"}\n"));
  EXPECT_FALSE(jsonl_error(""));  // the broker's loop accepts an empty file
  EXPECT_FALSE(jsonl_error("null\n"));
  const auto bad = jsonl_error("{\"text\":\"a\"}\n{broken\n");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->substr(0, 28), "line 2 is not valid JSON: [j");
  EXPECT_EQ(*jsonl_error("[1]"),
            "line 1 is not valid JSON: json: cannot unmarshal array into Go value of type map[string]interface {}");
}

TEST(FinetuneSimConfig, FlagsAndTheirErrors) {
  const std::vector<std::string_view> args{"--rpc", "http://127.0.0.1:8545", "--finetune-contract",
                                           "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--force-penalty",
                                           "--step-delay-ms", "200", "--ack-timeout-s", "60"};
  const auto config = parse_finetune_args(args);
  EXPECT_TRUE(config.misbehaviour.force_penalty);
  EXPECT_EQ(config.misbehaviour.step_delay.count(), 200);
  EXPECT_EQ(config.ack_timeout_seconds, 60u);
  EXPECT_EQ(config.custom_models.size(), 1u);
  const std::vector<std::string_view> both{"--rpc", "x", "--finetune-contract", "0x5FbDB2315678afecb367f032d93F642f64180aa3",
                                           "--force-penalty", "--skip-penalty"};
  EXPECT_THROW(parse_finetune_args(both), UsageError);
  const std::vector<std::string_view> storage{"--rpc", "x", "--finetune-contract",
                                              "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--storage-url", "http://x"};
  EXPECT_THROW(parse_finetune_args(storage), UsageError);
  const std::vector<std::string_view> bad{"--rpc", "x", "--finetune-contract", "0x5FbDB2315678afecb367f032d93F642f64180aa3",
                                          "--step-delay-ms", "-1"};
  EXPECT_THROW(parse_finetune_args(bad), UsageError);
}

}  // namespace
