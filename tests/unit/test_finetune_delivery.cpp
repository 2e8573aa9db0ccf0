// From the released secret to adapter files on disk: the SDK's ECIES vector opens with the user's
// key, the vector model file decrypts to its plaintext, an encrypted ZIP lands as a directory only
// when every check passed, hostile archives are refused before anything is written, and the
// modelRootHash check accepts exactly the three forms the brokers write.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iterator>
#include <set>

#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/aes_gcm.hpp"
#include "crypto/keccak.hpp"
#include "finetune/model_delivery.hpp"
#include "finetune/model_root.hpp"
#include "vectors.hpp"

namespace zg::finetune {
namespace {

namespace fs = std::filesystem;

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string read_text(const fs::path& path) {
  const auto bytes = read_file(path);
  return std::string(bytes.begin(), bytes.end());
}

void write_file(const fs::path& path, ByteSpan bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

struct ZipMember {
  std::string name;
  std::string content;
  bool symlink = false;
  bool stored = false;  // no compression: the content appears as is in the archive
};

// Builds a ZIP with libzip exactly as given (libzip does not judge names: that is our job).
Bytes make_zip(const fs::path& scratch, const std::vector<ZipMember>& members) {
  int error = 0;
  zip_t* archive = zip_open(scratch.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) throw std::runtime_error("zip_open failed");
  for (const auto& m : members) {
    zip_source_t* source = zip_source_buffer(archive, m.content.data(), m.content.size(), 0);
    const auto index = zip_file_add(archive, m.name.c_str(), source, ZIP_FL_ENC_RAW | ZIP_FL_OVERWRITE);
    if (index < 0) throw std::runtime_error("zip_file_add failed");
    if (m.stored) zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
    if (m.symlink) {
      zip_file_set_external_attributes(archive, static_cast<zip_uint64_t>(index), 0, ZIP_OPSYS_UNIX,
                                       static_cast<zip_uint32_t>(0120777) << 16);
    }
  }
  if (zip_close(archive) != 0) throw std::runtime_error("zip_close failed");
  auto bytes = read_file(scratch);
  fs::remove(scratch);
  return bytes;
}

class FinetuneDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    v_ = test::load_vectors("finetune-crypto-vectors.json");
    dir_ = fs::temp_directory_path() /
           ("zg-ft-delivery-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  crypto::PrivateKey user() const { return crypto::PrivateKey::from_hex(v_["keys"]["userPrivateKey"].get<std::string>()); }
  crypto::PrivateKey tee() const { return crypto::PrivateKey::from_hex(v_["keys"]["teeSignerPrivateKey"].get<std::string>()); }
  eth::Address tee_address() const { return eth::Address::from_hex(v_["keys"]["teeSignerAddress"].get<std::string>()); }
  ModelKey key() const { return ModelKey(fixed_from_hex<32>(v_["encryptedSecret"]["aesKey"].get<std::string>())); }

  // An encrypted model file of `plaintext` (the provider's side), written to the test dir.
  fs::path encrypted(ByteSpan plaintext, const crypto::PrivateKey& signer, std::size_t chunk_size = kDefaultChunkSize) {
    const auto path = dir_ / "model.enc";
    write_file(path, encrypt_model(plaintext, key(), signer, Iv{1, 2, 3}, chunk_size));
    return path;
  }

  // Only the listed names are in the test dir: no output, no staging left behind.
  void expect_dir_holds(const std::set<std::string>& names) const {
    std::set<std::string> actual;
    for (const auto& e : fs::directory_iterator(dir_)) actual.insert(e.path().filename().string());
    EXPECT_EQ(actual, names);
  }

  std::vector<ZipMember> adapter() const {
    return {{"output_model/", ""},
            {"output_model/adapter_config.json", R"({"r":4,"lora_alpha":8,"target_modules":["q_proj","v_proj"]})"},
            {"output_model/adapter_model.safetensors", std::string(5000, '\x42') + "weights"}};
  }

  nlohmann::json v_;
  fs::path dir_;
};

TEST_F(FinetuneDelivery, SdkEncryptedSecretOpensWithTheUserKeyOnly) {
  const auto secret = from_hex(v_["encryptedSecret"]["encryptedSecret"].get<std::string>());
  const auto opened = decrypt_model_key(user(), secret);
  EXPECT_EQ(to_hex(opened.view()), v_["encryptedSecret"]["aesKey"].get<std::string>());
  try {
    decrypt_model_key(tee(), secret);
    FAIL() << "a wrong key opened the secret";
  } catch (const crypto::AuthenticationError& e) {
    EXPECT_NE(std::string(e.what()).find("does not open with this key"), std::string::npos) << e.what();
  }
  EXPECT_THROW(decrypt_model_key(user(), Bytes{}), ParseError);  // penalty-settled: "0x"
}

TEST_F(FinetuneDelivery, VectorModelFileDecryptsToItsPlaintext) {
  const auto& m = v_["modelFiles"][0];
  const auto in = dir_ / "model-300B.enc";
  write_file(in, from_hex(m["encryptedFile"].get<std::string>()));
  const auto secret = decrypt_model_key(user(), from_hex(v_["encryptedSecret"]["encryptedSecret"].get<std::string>()));
  const auto out = dir_ / "plain.bin";
  const auto result = decrypt_model_to_raw_file(in, secret, tee_address(), out);
  EXPECT_EQ(result.plaintext_size, 300u);
  EXPECT_EQ(to_hex(read_file(out)), m["plaintext"].get<std::string>());
  // The vector's two on-chain forms of modelRootHash both match the file.
  const auto roots = compute_file_roots(in);
  EXPECT_EQ(to_hex(roots.keccak), m["keccak256OfEncryptedFile"].get<std::string>());
  EXPECT_EQ(to_hex(roots.storage_root), m["storageRootOfEncryptedFile"].get<std::string>());
  // Existing outputs are never overwritten.
  EXPECT_THROW(decrypt_model_to_raw_file(in, secret, tee_address(), out), UsageError);
}

TEST_F(FinetuneDelivery, EncryptedZipBecomesTheAdapterDirectory) {
  const auto zip = make_zip(dir_ / "scratch.zip", adapter());
  // A small chunk size gives several chunks (the format allows any; the broker uses 64 MiB).
  ASSERT_GT(zip.size(), 300u);
  const auto in = encrypted(zip, tee(), 100);
  const auto out = dir_ / "adapter";
  const auto result = decrypt_model_to_directory(in, key(), tee_address(), out, 100);
  EXPECT_EQ(result.plaintext_size, zip.size());
  ASSERT_EQ(result.files.size(), 3u);
  EXPECT_EQ(result.files[2].name, "output_model/adapter_model.safetensors");
  EXPECT_EQ(result.files[2].size, 5007u);
  EXPECT_EQ(read_text(out / "output_model/adapter_config.json"), adapter()[1].content);
  EXPECT_EQ(read_text(out / "output_model/adapter_model.safetensors"), adapter()[2].content);
  expect_dir_holds({"model.enc", "adapter"});
  EXPECT_THROW(decrypt_model_to_directory(in, key(), tee_address(), out, 100), UsageError);  // exists
}

TEST_F(FinetuneDelivery, WrongKeyWrongSignerOrTamperingLeaveNothing) {
  const auto zip = make_zip(dir_ / "scratch.zip", adapter());
  const auto out = dir_ / "adapter";
  auto in = encrypted(zip, tee(), 100);

  ModelKey wrong = key();
  wrong.mutable_view()[0] ^= 1;
  EXPECT_THROW(decrypt_model_to_directory(in, wrong, tee_address(), out, 100), crypto::AuthenticationError);
  expect_dir_holds({"model.enc"});

  // Signed by another key: refused before the key is used.
  in = encrypted(zip, user(), 100);
  try {
    decrypt_model_to_directory(in, key(), tee_address(), out, 100);
    FAIL() << "accepted a file signed by the wrong key";
  } catch (const crypto::AuthenticationError& e) {
    EXPECT_NE(std::string(e.what()).find("not by the provider's TEE signer"), std::string::npos) << e.what();
  }
  expect_dir_holds({"model.enc"});

  // One flipped ciphertext byte: the tag of that chunk fails.
  in = encrypted(zip, tee(), 100);
  auto bytes = read_file(in);
  ASSERT_GT(bytes.size(), kHeaderSize + 300);
  bytes[kHeaderSize + 150] ^= 0x01;  // chunk 1's ciphertext
  write_file(in, bytes);
  EXPECT_THROW(decrypt_model_to_directory(in, key(), tee_address(), out, 100), crypto::AuthenticationError);
  expect_dir_holds({"model.enc"});
}

TEST_F(FinetuneDelivery, HostileArchivesAreRefusedBeforeAnythingIsWritten) {
  const std::vector<std::pair<std::vector<ZipMember>, std::string>> cases = {
      {{{"ok.txt", "a"}, {"../escape.txt", "evil"}}, "path traversal"},
      {{{"output_model/../../escape.txt", "evil"}}, "path traversal"},
      {{{"/etc/passwd-zg", "evil"}}, "absolute path"},
      {{{"output_model\\..\\x", "evil"}}, "backslash"},
      {{{"C:/x", "evil"}}, "drive letter"},
      {{{"a//b", "evil"}}, "empty path component"},
      {{{"link", "/etc", true}}, "symbolic link"},
      {{{"a", "file"}, {"a/b", "under a file"}}, "both a file and a directory"},
  };
  for (const auto& [members, reason] : cases) {
    const auto zip = make_zip(dir_ / "scratch.zip", members);
    const auto in = encrypted(zip, tee());
    try {
      decrypt_model_to_directory(in, key(), tee_address(), dir_ / "adapter");
      ADD_FAILURE() << "extracted an archive with " << reason;
    } catch (const ArchiveError& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
    expect_dir_holds({"model.enc"});
    EXPECT_FALSE(fs::exists(dir_.parent_path() / "escape.txt"));
  }
  EXPECT_THROW(inspect_model_archive(as_bytes("not a zip at all")), ArchiveError);
}

TEST_F(FinetuneDelivery, ArchiveEntryWithABadCrcIsRefused) {
  const std::string content = "adapter weights that will be damaged inside the archive";
  auto zip = make_zip(dir_ / "scratch.zip", {{"output_model/adapter_model.safetensors", content, false, true}});
  const auto at = std::search(zip.begin(), zip.end(), content.begin(), content.end());
  ASSERT_NE(at, zip.end());
  *(at + 3) ^= 0x20;  // same size, different bytes: only the CRC can tell
  const auto target = dir_ / "target";
  fs::create_directory(target);
  try {
    extract_model_archive(zip, target);
    FAIL() << "extracted an entry whose CRC does not match";
  } catch (const ArchiveError& e) {
    EXPECT_NE(std::string(e.what()).find("is corrupted"), std::string::npos) << e.what();
  }
}

TEST_F(FinetuneDelivery, KilledMidDecryptLeavesNoOutputAndTheNextRunCleansUp) {
  // 48 MiB in 1 MiB chunks: long enough to be killed half way.
  Bytes big(48u << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  const auto zip = make_zip(dir_ / "scratch.zip", {{"output_model/adapter_model.safetensors",
                                                    std::string(big.begin(), big.end())}});
  big.clear();
  const auto in = encrypted(zip, tee(), 1u << 20);
  const auto out = dir_ / "adapter";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      decrypt_model_to_directory(in, key(), tee_address(), out, 1u << 20);
    } catch (...) {
    }
    ::_exit(0);
  }
  // Kill it as soon as its staging directory exists.
  const auto staging = dir_ / (".adapter.zg-partial-" + std::to_string(child));
  for (int i = 0; i < 2000 && !fs::exists(staging); ++i) ::usleep(1000);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_FALSE(fs::exists(out));
  // The next run removes the dead process's staging directory and completes.
  decrypt_model_to_directory(in, key(), tee_address(), out, 1u << 20);
  EXPECT_EQ(fs::file_size(out / "output_model/adapter_model.safetensors"), 48u << 20);
  expect_dir_holds({"model.enc", "adapter"});
}

TEST_F(FinetuneDelivery, ModelRootHashInItsThreeForms) {
  const auto& m = v_["modelFiles"][0];
  const auto in = dir_ / "model-300B.enc";
  write_file(in, from_hex(m["encryptedFile"].get<std::string>()));
  const auto storage_root = from_hex(m["storageRootOfEncryptedFile"].get<std::string>());
  const auto keccak = from_hex(m["keccak256OfEncryptedFile"].get<std::string>());

  auto check = check_deliverable_file(in, storage_root, tee_address());
  EXPECT_TRUE(check.passed()) << check.summary();
  EXPECT_EQ(check.root.form, RootForm::storage_root);
  check = check_deliverable_file(in, keccak, tee_address());
  EXPECT_TRUE(check.passed()) << check.summary();
  EXPECT_EQ(check.root.form, RootForm::keccak256);
  const std::string text = m["storageRootOfEncryptedFile"].get<std::string>();
  check = check_deliverable_file(in, as_bytes(text), tee_address());
  EXPECT_TRUE(check.passed()) << check.summary();
  EXPECT_TRUE(check.root.legacy_text);

  // A flipped byte: both roots change, the signature still verifies (tags untouched), refused.
  auto bytes = read_file(in);
  bytes[kHeaderSize + 10] ^= 0x80;
  write_file(in, bytes);
  check = check_deliverable_file(in, storage_root, tee_address());
  EXPECT_FALSE(check.passed());
  EXPECT_FALSE(check.root.matches);
  EXPECT_TRUE(check.signature_ok);
  EXPECT_NE(check.root.explanation.find("does not match the deliverable"), std::string::npos) << check.root.explanation;

  // Wrong signer: root fine, signature refused.
  write_file(in, from_hex(m["encryptedFile"].get<std::string>()));
  check = check_deliverable_file(in, keccak, eth::Address::from_hex("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
  EXPECT_TRUE(check.root.matches);
  EXPECT_FALSE(check.signature_ok);
  EXPECT_FALSE(check.passed());

  EXPECT_THROW(parse_model_root_hash(as_bytes("0x1234")), ParseError);
  EXPECT_THROW(parse_model_root_hash(Bytes{}), ParseError);
  EXPECT_EQ(parse_model_root_hash(as_bytes(text + "," + text)).roots.size(), 2u);
  EXPECT_FALSE(match_model_root(compute_file_roots(in), parse_model_root_hash(as_bytes(text + "," + text))).matches);
}

}  // namespace
}  // namespace zg::finetune
