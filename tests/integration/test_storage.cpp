// 0G Storage on the devnet: our StorageClient against zg-storage-sim and the real Flow + market
// contracts from @0gfoundation/0g-ts-sdk. A multi-segment upload is a real Flow.submit paying
// exactly sectors x pricePerSector; the download is verified segment by segment; a corrupted
// segment is refused and nothing is written; the simulator refuses segments with a wrong proof;
// and `zg storage upload/download` do the same for a user.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "cli_runner.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "contracts/flow_contract.hpp"
#include "crypto/ecies.hpp"
#include "devnet/devnet.hpp"
#include "finetune/model_cipher.hpp"
#include "storage/segment_wire.hpp"
#include "storage/storage_client.hpp"
#include "vectors.hpp"

namespace {

using namespace zg;
using nlohmann::json;

// The vector "3MiB+12345": 13 segments, 12337 chunks padded to 13312, pattern (i % 251) + 1.
constexpr std::size_t kVectorSize = 3158073;
constexpr const char* kVectorRoot = "0xebe9cce81420f388147d2f9b8c862450c86774a7953542940291ce9defbe6bb6";
constexpr std::uint64_t kVectorSectors = 13312;

Bytes pattern_bytes(std::size_t size, std::uint8_t shift = 0) {
  Bytes data(size);
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>((i + shift) % 251 + 1);
  return data;
}

void write_bytes(const std::filesystem::path& path, ByteSpan data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

Bytes read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class StorageDevnet : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("zg-storage-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    devnet::DevnetOptions options;
    options.state_file = dir_ / "devnet.json";
    devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
    rpc_ = std::make_unique<eth::RpcClient>(state().rpc_url);
    user_ = std::make_unique<eth::TxSender>(*rpc_, key("user"), state().chain_id);
    file_ = dir_ / "vector-3MiB+12345.bin";
    write_bytes(file_, pattern_bytes(kVectorSize));
  }
  static void TearDownTestSuite() {
    user_.reset();
    rpc_.reset();
    devnet_.reset();  // stops zg-storage-sim and anvil
    std::filesystem::remove_all(dir_);
  }

  static const devnet::DevnetState& state() { return devnet_->state(); }
  static crypto::PrivateKey key(const std::string& role) {
    return crypto::PrivateKey::from_hex(state().account(role).private_key);
  }
  static storage::StorageClient client() { return storage::StorageClient(state().storage_url, *rpc_, state().contracts.flow); }
  static json storage_rpc(const std::string& method, json params) {
    eth::RpcClient node(state().storage_url);
    return node.request(method, std::move(params));
  }
  static eth::Address reward_address() {
    const contracts::Contract market(*rpc_, state().contracts.market, "market");
    return market.call(eth::Function::parse("function reward() view returns (address)"), {})[0].as_address();
  }

  static inline std::filesystem::path dir_;
  static inline std::filesystem::path file_;
  static inline std::unique_ptr<devnet::Devnet> devnet_;
  static inline std::unique_ptr<eth::RpcClient> rpc_;
  static inline std::unique_ptr<eth::TxSender> user_;
  static inline std::string root_;
};

TEST_F(StorageDevnet, UploadIsARealFlowSubmitPayingTheSdkFee) {
  const contracts::FlowContract flow(*rpc_, state().contracts.flow);
  const eth::Uint256 price = flow.price_per_sector();
  ASSERT_EQ(price, eth::Uint256(1'000'000'000));
  const auto reward = reward_address();
  const auto reward_before = rpc_->get_balance(reward);
  const auto user_before = rpc_->get_balance(user_->address());

  std::vector<std::pair<std::uint64_t, std::uint64_t>> progress;
  const auto result = client().upload_file(file_, *user_, [&](std::uint64_t done, std::uint64_t total) {
    progress.emplace_back(done, total);
  });
  root_ = result.root;
  EXPECT_EQ(result.root, kVectorRoot);  // = ../shared/vectors/storage-merkle-vectors.json
  EXPECT_EQ(result.size, kVectorSize);
  EXPECT_FALSE(result.already_stored);
  EXPECT_EQ(result.fee, price * kVectorSectors);

  // The transaction is on chain: to the Flow contract, carrying exactly the fee, with a Submit log
  // for this root from this user.
  const auto tx_hash = fixed_from_hex<32>(result.tx_hash, "tx hash");
  const auto receipt = rpc_->get_transaction_receipt(tx_hash);
  ASSERT_TRUE(receipt.has_value());
  EXPECT_TRUE(receipt->succeeded);
  EXPECT_EQ(receipt->to, state().contracts.flow);
  const auto tx = rpc_->request("eth_getTransactionByHash", json::array({result.tx_hash}));
  EXPECT_EQ(eth::Uint256::from_hex(tx.at("value").get<std::string>()), result.fee);
  EXPECT_EQ(tx.at("input").get<std::string>().substr(0, 10), "0xbc8c11f8");
  const auto events = flow.submissions_in(*receipt);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(to_hex(events[0].submission.root()), kVectorRoot);
  EXPECT_EQ(events[0].submission.length, kVectorSize);
  EXPECT_EQ(events[0].sender, user_->address());

  // The fee left the user (besides gas) and reached the market's reward contract.
  EXPECT_EQ(rpc_->get_balance(reward) - reward_before, result.fee);
  EXPECT_EQ(user_before - rpc_->get_balance(user_->address()),
            result.fee + *receipt->effective_gas_price * receipt->gas_used);

  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), std::make_pair(std::uint64_t{kVectorSize}, std::uint64_t{kVectorSize}));
  for (std::size_t i = 1; i < progress.size(); ++i) EXPECT_LE(progress[i - 1].first, progress[i].first);

  const auto info = storage::file_info_from_json(storage_rpc("zgs_getFileInfo", json::array({root_, true})));
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->finalized);
  EXPECT_EQ(info->uploaded_segments, 13u);
}

TEST_F(StorageDevnet, DownloadVerifiesEverySegmentAndReturnsTheSameBytes) {
  ASSERT_FALSE(root_.empty()) << "needs the upload of the first case";
  const auto out = dir_ / "downloaded.bin";
  std::uint64_t last_done = 0;
  client().download_file(root_, out, [&](std::uint64_t done, std::uint64_t) { last_done = done; });
  EXPECT_EQ(read_bytes(out), pattern_bytes(kVectorSize));
  EXPECT_EQ(last_done, kVectorSize);
  EXPECT_FALSE(std::filesystem::exists(out.string() + ".partial"));
  EXPECT_EQ(client().download_bytes(root_), pattern_bytes(kVectorSize));
}

TEST_F(StorageDevnet, AStoredFileIsNotPaidForTwice) {
  ASSERT_FALSE(root_.empty());
  const auto nonce_before = rpc_->get_transaction_count(user_->address(), eth::BlockTag::latest());
  const auto result = client().upload_file(file_, *user_);
  EXPECT_TRUE(result.already_stored);
  EXPECT_TRUE(result.tx_hash.empty());
  EXPECT_EQ(result.root, kVectorRoot);
  EXPECT_EQ(rpc_->get_transaction_count(user_->address(), eth::BlockTag::latest()), nonce_before);
}

TEST_F(StorageDevnet, CorruptedSegmentIsRefusedAndNothingIsWritten) {
  ASSERT_FALSE(root_.empty());
  ASSERT_EQ(storage_rpc("admin_corruptSegment", json::array({root_, 7})), true);
  const auto fresh = dir_ / "never-written.bin";
  try {
    client().download_file(root_, fresh);
    ADD_FAILURE() << "a corrupted segment was accepted";
  } catch (const storage::IntegrityError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("segment 7 of " + root_), std::string::npos) << message;
    EXPECT_NE(message.find("does not match the root"), std::string::npos) << message;
  }
  EXPECT_FALSE(std::filesystem::exists(fresh));
  EXPECT_FALSE(std::filesystem::exists(fresh.string() + ".partial"));

  // An existing file at the output path is left as it was.
  const auto existing = dir_ / "existing.bin";
  write_bytes(existing, as_bytes("previous content"));
  EXPECT_THROW(client().download_file(root_, existing), storage::IntegrityError);
  EXPECT_EQ(read_bytes(existing), Bytes(as_bytes("previous content").begin(), as_bytes("previous content").end()));
  EXPECT_THROW((void)client().download_bytes(root_), storage::IntegrityError);

  ASSERT_EQ(storage_rpc("admin_clearCorruption", json::array()), true);
  client().download_file(root_, existing);
  EXPECT_EQ(read_bytes(existing), pattern_bytes(kVectorSize));
}

TEST_F(StorageDevnet, SimulatorRefusesSegmentsWithoutAValidProof) {
  // A 5-segment file submitted on chain by hand, so that segments can be sent in any shape.
  const Bytes data = pattern_bytes(4 * storage::kSegmentSize + 1, 7);
  const auto tree = storage::FileMerkleTree::from_bytes(data);
  const std::string root = to_hex(tree.root());
  const contracts::FlowContract flow(*rpc_, state().contracts.flow);
  const auto submission = contracts::submission_for(tree, user_->address());
  const auto receipt = flow.submit(*user_, submission, flow.fee(submission));
  const auto seq = flow.submissions_in(receipt).at(0).submission_index;

  auto segment = [&](std::uint64_t index) {
    const auto size = static_cast<std::size_t>(storage::wire_segment_size(tree.layout(), index));
    const auto offset = static_cast<std::size_t>(index * storage::kSegmentSize);
    storage::SegmentWithProof s;
    s.root = tree.root();
    s.data.assign(size, 0);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset), std::min(size, data.size() - offset), s.data.begin());
    s.index = index;
    s.proof = tree.segment_proof(index);
    s.file_size = data.size();
    return s;
  };
  auto expect_refused = [&](const storage::SegmentWithProof& s, const std::string& why) {
    try {
      storage_rpc("zgs_uploadSegmentsByTxSeq", json::array({json::array({storage::to_json(s)}), seq}));
      ADD_FAILURE() << "accepted: " << why;
    } catch (const eth::RpcError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };

  auto wrong_proof = segment(0);
  wrong_proof.proof = tree.segment_proof(1);  // a valid proof, of another segment
  expect_refused(wrong_proof, "invalid proof for segment 0");
  auto tampered_lemma = segment(3);
  tampered_lemma.proof.lemma[1][0] ^= 0x01;
  expect_refused(tampered_lemma, "invalid proof for segment 3");
  auto tampered_data = segment(2);
  tampered_data.data[100] ^= 0x01;
  expect_refused(tampered_data, "invalid proof for segment 2: merkle proof content mismatch");
  auto short_data = segment(1);
  short_data.data.resize(short_data.data.size() - 256);
  expect_refused(short_data, "segment 1 has 261888 bytes, expected 262144");
  auto wrong_size = segment(4);
  wrong_size.file_size += 1;
  expect_refused(wrong_size, "does not match the submitted length");
  auto out_of_range = segment(4);
  out_of_range.index = 5;
  expect_refused(out_of_range, "out of bound");

  // Nothing was stored; a root that was never submitted is not accepted at all.
  const auto info = storage::file_info_from_json(storage_rpc("zgs_getFileInfo", json::array({root, true})));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->uploaded_segments, 0u);
  EXPECT_FALSE(info->finalized);
  const auto unsubmitted = storage::FileMerkleTree::from_bytes(pattern_bytes(1000, 99));
  storage::SegmentWithProof orphan{unsubmitted.root(), pattern_bytes(1024, 99), 0, unsubmitted.segment_proof(0), 1000};
  try {
    storage_rpc("zgs_uploadSegment", json::array({storage::to_json(orphan)}));
    ADD_FAILURE() << "accepted a segment of a file that is not on chain";
  } catch (const eth::RpcError& e) {
    EXPECT_NE(std::string(e.what()).find("not in the log"), std::string::npos) << e.what();
  }

  // The honest segments complete the file.
  for (std::uint64_t i = 0; i < 5; ++i) {
    storage_rpc("zgs_uploadSegmentsByTxSeq", json::array({json::array({storage::to_json(segment(i))}), seq}));
  }
  EXPECT_EQ(client().download_bytes(root), data);
}

TEST_F(StorageDevnet, FlowRefusesLessThanTheFee) {
  const auto tree = storage::FileMerkleTree::from_bytes(pattern_bytes(5000, 3));
  const contracts::FlowContract flow(*rpc_, state().contracts.flow);
  const auto submission = contracts::submission_for(tree, user_->address());
  const auto fee = flow.fee(submission);
  try {
    flow.submit(*user_, submission, fee - 1);
    ADD_FAILURE() << "Flow accepted less than the fee";
  } catch (const contracts::ContractRevert& e) {
    EXPECT_EQ(e.error_name(), "NotEnoughFee") << e.what();
  }
  user_->resync_nonce();
}

TEST_F(StorageDevnet, CliUploadsAndDownloadsWithProgressOnStderr) {
  const auto key_file = dir_ / "user.key";
  std::ofstream(key_file) << state().account("user").private_key << "\n";
  std::filesystem::permissions(key_file, std::filesystem::perms(0600));
  const std::vector<std::string> env = {"ZG_DEVNET_FILE=" + devnet_->state_file().string()};
  const auto file = dir_ / "cli-input.bin";
  const Bytes data = pattern_bytes(2 * storage::kSegmentSize + 777, 42);
  write_bytes(file, data);

  const auto up = test::run_zg({"storage", "upload", file.string(), "--key-file", key_file.string()}, env);
  ASSERT_EQ(up.exit_code, 0) << up.err;
  const std::string root = to_hex(storage::FileMerkleTree::from_bytes(data).root());
  EXPECT_NE(up.out.find("root " + root), std::string::npos) << up.out;
  EXPECT_NE(up.out.find("tx   0x"), std::string::npos) << up.out;
  EXPECT_NE(up.err.find("upload: "), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("(100%)"), std::string::npos) << up.err;

  const auto out = dir_ / "cli-output.bin";
  const auto down = test::run_zg({"storage", "download", root, "--out", out.string(), "--json"}, env);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(down.json()["size"], data.size());
  EXPECT_EQ(read_bytes(out), data);

  storage_rpc("admin_corruptSegment", json::array({root, 1}));
  const auto refused_out = dir_ / "cli-refused.bin";
  const auto refused = test::run_zg({"storage", "download", root, "--out", refused_out.string()}, env);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("segment 1 of " + root), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(refused_out));
  storage_rpc("admin_clearCorruption", json::array());
}

// A settled model fetched again: `download_decrypted` / `zg storage download --decrypt-secret`
// decrypt verified segments as they arrive and write only the plaintext, renamed into place after
// every proof, tag and the TEE signature checked; a corrupted segment or a wrong signer leaves nothing.
TEST_F(StorageDevnet, EncryptedModelIsDecryptedWhileItDownloads) {
  const Bytes plaintext = pattern_bytes(3 * storage::kSegmentSize + 1234, 5);
  const auto model_key = finetune::ModelKey(fixed_from_hex<32>("0x" + std::string(62, '1') + "2f"));
  const auto tee = key("tee-signer");
  const auto tee_address = eth::Address::from_public_key(tee.public_key());
  const auto encrypted = finetune::encrypt_model(plaintext, model_key, tee, fixed_from_hex<12>("0x00000000000000000000ffff"));
  const auto root = client().upload_bytes(encrypted, *user_).root;

  const auto out = dir_ / "model.zip";
  std::uint64_t last_done = 0;
  const auto size = client().download_decrypted(root, model_key, tee_address, out,
                                                [&](std::uint64_t done, std::uint64_t) { last_done = done; });
  EXPECT_EQ(size, plaintext.size());
  EXPECT_EQ(read_bytes(out), plaintext);
  EXPECT_EQ(last_done, encrypted.size());
  EXPECT_FALSE(std::filesystem::exists(out.string() + ".partial"));

  // The CLI, with the secret as the chain would hold it (ECIES to the user's key).
  const auto key_file = dir_ / "decrypt-user.key";
  std::ofstream(key_file) << state().account("user").private_key << "\n";
  std::filesystem::permissions(key_file, std::filesystem::perms(0600));
  const auto secret = crypto::ecies::encrypt(key("user").public_key(), model_key.view());
  const std::vector<std::string> env = {"ZG_DEVNET_FILE=" + devnet_->state_file().string()};
  const auto cli_out = dir_ / "cli-model.zip";
  const auto cli = test::run_zg({"storage", "download", root, "--out", cli_out.string(), "--decrypt-secret", to_hex(secret),
                                 "--tee-signer", tee_address.checksummed(), "--key-file", key_file.string()},
                                env);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("downloaded and decrypted " + std::to_string(plaintext.size()) + " bytes"), std::string::npos) << cli.out;
  EXPECT_EQ(read_bytes(cli_out), plaintext);

  // Tags signed by someone else: refused after the last tag, nothing at the output.
  const auto refused = dir_ / "refused-model.zip";
  try {
    (void)client().download_decrypted(root, model_key, user_->address(), refused);
    ADD_FAILURE() << "a model signed by another TEE was accepted";
  } catch (const crypto::AuthenticationError& e) {
    EXPECT_NE(std::string(e.what()).find("not by the provider's TEE signer"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(refused));
  EXPECT_FALSE(std::filesystem::exists(refused.string() + ".partial"));

  // A corrupted segment: refused by its proof before any of its bytes is decrypted.
  ASSERT_EQ(storage_rpc("admin_corruptSegment", json::array({root, 2})), true);
  try {
    (void)client().download_decrypted(root, model_key, tee_address, refused);
    ADD_FAILURE() << "a corrupted segment was accepted";
  } catch (const storage::IntegrityError& e) {
    EXPECT_NE(std::string(e.what()).find("segment 2 of " + root), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(refused));
  EXPECT_FALSE(std::filesystem::exists(refused.string() + ".partial"));
  storage_rpc("admin_clearCorruption", json::array());
}

}  // namespace
