// The 0G encrypted model file: the SDK vectors (model-300B byte for byte, and the two-chunk
// 64 MiB + 1000 B file whose IV carries ...08ffffff -> ...09000000), every kind of damage a
// customer can receive, and the promise that a failed decryption leaves no output file behind.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/keccak.hpp"
#include "crypto/sha256.hpp"
#include "finetune/model_cipher.hpp"
#include "vectors.hpp"

namespace zg::finetune {
namespace {

namespace fs = std::filesystem;
using crypto::AuthenticationError;

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& path, ByteSpan bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Flushes a file and drops it from the page cache, so that the next read comes from the disk (the
// decryptor's O_DIRECT read path for a cold input).
void evict_from_page_cache(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

class ModelCipher : public ::testing::Test {
 protected:
  void SetUp() override {
    vectors_ = test::load_vectors("finetune-crypto-vectors.json");
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("zg-model-cipher-" + std::to_string(::getpid()) + "-" + test->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ModelKey key() const { return ModelKey(fixed_from_hex<32>(vectors_["encryptedSecret"]["aesKey"].get<std::string>())); }
  crypto::PrivateKey tee() const { return crypto::PrivateKey::from_hex(vectors_["keys"]["teeSignerPrivateKey"].get<std::string>()); }
  crypto::PrivateKey user() const { return crypto::PrivateKey::from_hex(vectors_["keys"]["userPrivateKey"].get<std::string>()); }
  eth::Address tee_address() const { return eth::Address::from_hex(vectors_["keys"]["teeSignerAddress"].get<std::string>()); }
  const nlohmann::json& model(std::size_t index) const { return vectors_["modelFiles"][index]; }

  // Only the encrypted input is left in the directory: no output, no ".partial".
  void expect_no_output(const fs::path& out) const {
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out.string() + ".partial"));
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++entries;
    EXPECT_EQ(entries, 1u);
  }

  // Writes `file`, decrypts it to disk, and returns the error message ("" on success).
  std::string decrypt_error(ByteSpan file, const ModelKey& key, std::size_t chunk_size, const fs::path& out) const {
    const auto in = dir_ / "model.enc";
    write_file(in, file);
    try {
      decrypt_model_file(in, key, out, tee_address(), chunk_size);
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  }

  nlohmann::json vectors_;
  fs::path dir_;
};

TEST_F(ModelCipher, Model300BEncryptsByteIdentically) {
  const auto& v = model(0);
  const auto plaintext = from_hex(v["plaintext"].get<std::string>());
  const auto iv = fixed_from_hex<12>(v["iv"].get<std::string>());
  const auto encrypted = encrypt_model(plaintext, key(), tee(), iv);
  EXPECT_EQ(encrypted.size(), v["encryptedFileSize"].get<std::size_t>());
  EXPECT_EQ(to_hex(encrypted), v["encryptedFile"].get<std::string>());
  EXPECT_EQ(to_hex(crypto::keccak256(encrypted)), v["keccak256OfEncryptedFile"].get<std::string>());

  write_file(dir_ / "model.zip", plaintext);
  encrypt_model_file(dir_ / "model.zip", key(), tee(), dir_ / "model.enc", iv);
  EXPECT_EQ(read_file(dir_ / "model.enc"), encrypted);
}

TEST_F(ModelCipher, Model300BVerifiesWithoutKeyAndDecrypts) {
  const auto& v = model(0);
  const auto file = from_hex(v["encryptedFile"].get<std::string>());
  const auto in = dir_ / "model.enc";
  write_file(in, file);

  EXPECT_EQ(recover_tag_signer(in), tee_address());
  EXPECT_NO_THROW(verify_tag_signature(in, tee_address()));
  EXPECT_NO_THROW(verify_tag_signature(file, tee_address()));

  decrypt_model_file(in, key(), dir_ / "model.zip", tee_address());
  EXPECT_EQ(to_hex(read_file(dir_ / "model.zip")), v["plaintext"].get<std::string>());
  EXPECT_FALSE(fs::exists(dir_ / "model.zip.partial"));
  EXPECT_EQ(to_hex(decrypt_model(file, key(), tee_address())), v["plaintext"].get<std::string>());
}

TEST_F(ModelCipher, ChunkNoncesCountBigEndianWithCarry) {
  const auto& two_chunks = model(1);
  const auto iv = fixed_from_hex<12>(two_chunks["iv"].get<std::string>());
  EXPECT_EQ(to_hex(chunk_nonce(iv, 0)), two_chunks["perChunkNonces"][0].get<std::string>());
  EXPECT_EQ(to_hex(chunk_nonce(iv, 1)), two_chunks["perChunkNonces"][1].get<std::string>());

  EXPECT_EQ(to_hex(chunk_nonce(fixed_from_hex<12>("0x0000000000000000000000ff"), 0x101)), "0x000000000000000000000200");
  EXPECT_EQ(to_hex(chunk_nonce(fixed_from_hex<12>("0xffffffffffffffffffffffff"), 1)), "0x000000000000000000000000");
  EXPECT_EQ(to_hex(chunk_nonce(fixed_from_hex<12>("0x000000010000000000000001"), ~std::uint64_t{0})),
            "0x000000020000000000000000");
}

// 64 MiB + 1000 B with the real 64 MiB chunk size: streamed through files, as a customer would.
TEST_F(ModelCipher, TwoChunkVectorEncryptsAndDecryptsByteIdentically) {
  const auto& v = model(1);
  const auto size = v["plaintext"]["size"].get<std::size_t>();
  const auto plain_path = dir_ / "model.zip";
  {
    Bytes plaintext(size);
    for (std::size_t i = 0; i < size; ++i) plaintext[i] = static_cast<std::uint8_t>(i % 251 + 1);
    ASSERT_EQ(to_hex(crypto::sha256(plaintext)), v["plaintext"]["sha256"].get<std::string>());
    write_file(plain_path, plaintext);
  }
  const auto enc_path = dir_ / "model.enc";
  encrypt_model_file(plain_path, key(), tee(), enc_path, fixed_from_hex<12>(v["iv"].get<std::string>()));

  const auto encrypted = read_file(enc_path);
  ASSERT_EQ(encrypted.size(), v["encryptedFileSize"].get<std::size_t>());
  EXPECT_EQ(to_hex(crypto::sha256(encrypted)), v["encryptedFile"]["sha256"].get<std::string>());
  EXPECT_EQ(to_hex(crypto::keccak256(encrypted)), v["keccak256OfEncryptedFile"].get<std::string>());
  EXPECT_EQ(to_hex(ByteSpan(encrypted).first(65)), v["tagSig"].get<std::string>());
  const ChunkLayout layout(encrypted.size(), kDefaultChunkSize);
  ASSERT_EQ(layout.chunk_count(), 2u);
  for (std::uint64_t i = 0; i < 2; ++i) {
    EXPECT_EQ(to_hex(ByteSpan(encrypted).subspan(layout.tag_offset(i), 16)), v["gcmTags"][i].get<std::string>());
  }

  const auto out_path = dir_ / "decrypted.zip";
  decrypt_model_file(enc_path, key(), out_path, tee_address());
  EXPECT_EQ(to_hex(crypto::sha256(read_file(out_path))), v["plaintext"]["sha256"].get<std::string>());
}

TEST_F(ModelCipher, RoundTripsAtChunkBoundariesThroughFilesAndMemory) {
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{16}, std::size_t{17}, std::size_t{100}}) {
    for (const std::size_t size : {std::size_t{1}, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * chunk + 5}) {
      if (size == 0) continue;
      SCOPED_TRACE("chunk " + std::to_string(chunk) + ", size " + std::to_string(size));
      Bytes plaintext(size);
      for (std::size_t i = 0; i < size; ++i) plaintext[i] = static_cast<std::uint8_t>(i * 7 + chunk);
      const Iv iv = fixed_from_hex<12>("0x0102030405060708090afffe");
      const auto encrypted = encrypt_model(plaintext, key(), tee(), iv, chunk);
      const auto layout = ChunkLayout::for_plaintext(size, chunk);
      EXPECT_EQ(encrypted.size(), layout.file_size());
      EXPECT_EQ(layout.chunk_count(), (size + chunk - 1) / chunk);
      EXPECT_EQ(decrypt_model(encrypted, key(), tee_address(), chunk), plaintext);

      write_file(dir_ / "plain", plaintext);
      encrypt_model_file(dir_ / "plain", key(), tee(), dir_ / "enc", iv, chunk);
      EXPECT_EQ(read_file(dir_ / "enc"), encrypted);
      decrypt_model_file(dir_ / "enc", key(), dir_ / "dec", tee_address(), chunk);
      EXPECT_EQ(read_file(dir_ / "dec"), plaintext);
    }
  }
}

TEST_F(ModelCipher, EmptyPlaintextIsAHeaderSignedOverNoTags) {
  const Iv iv{};
  const auto encrypted = encrypt_model({}, key(), tee(), iv);
  ASSERT_EQ(encrypted.size(), kHeaderSize);
  const auto empty_digest = crypto::keccak256({});
  const auto signature = crypto::Signature::from_rsv(ByteSpan(encrypted).first(65));
  EXPECT_EQ(eth::Address::from_public_key(crypto::recover(empty_digest, signature)), tee_address());
  EXPECT_LE(encrypted[64], 1);  // v in {0, 1}, as go-ethereum writes it

  write_file(dir_ / "model.enc", encrypted);
  decrypt_model_file(dir_ / "model.enc", key(), dir_ / "model.zip", tee_address());
  EXPECT_TRUE(fs::exists(dir_ / "model.zip"));
  EXPECT_EQ(fs::file_size(dir_ / "model.zip"), 0u);
}

// A three-and-a-bit chunk file to damage: chunk 100 B, plaintext 350 B.
class DamagedModel : public ModelCipher {
 protected:
  static constexpr std::size_t kChunk = 100;
  void SetUp() override {
    ModelCipher::SetUp();
    plaintext_.resize(350);
    for (std::size_t i = 0; i < plaintext_.size(); ++i) plaintext_[i] = static_cast<std::uint8_t>(i);
    file_ = encrypt_model(plaintext_, key(), tee(), fixed_from_hex<12>("0xa0a1a2a3a4a5a6a7a8a9aaab"), kChunk);
    layout_ = std::make_unique<ChunkLayout>(file_.size(), kChunk);
    out_ = dir_ / "model.zip";
  }
  std::string failure(ByteSpan file, const ModelKey& key) { return decrypt_error(file, key, kChunk, out_); }

  Bytes plaintext_;
  Bytes file_;
  std::unique_ptr<ChunkLayout> layout_;
  fs::path out_;
};

TEST_F(DamagedModel, IntactFileDecrypts) {
  ASSERT_EQ(layout_->chunk_count(), 4u);
  EXPECT_EQ(failure(file_, key()), "");
  EXPECT_EQ(read_file(out_), plaintext_);
}

TEST_F(DamagedModel, FlippedCiphertextByteFailsThatChunkAfterTheSignatureCheckPasses) {
  auto damaged = file_;
  damaged[layout_->chunk_offset(2) + 50] ^= 0x01;
  EXPECT_NO_THROW(verify_tag_signature(damaged, tee_address(), kChunk));  // the tags are intact
  EXPECT_EQ(failure(damaged, key()), "chunk 2: authentication tag mismatch (wrong key or corrupted file)");
  expect_no_output(out_);
  EXPECT_THROW(decrypt_model(damaged, key(), tee_address(), kChunk), AuthenticationError);
}

TEST_F(DamagedModel, FlippedTagBreaksTheSignatureBeforeAnyDecryption) {
  auto damaged = file_;
  damaged[layout_->tag_offset(3) + 15] ^= 0x80;
  EXPECT_THROW(verify_tag_signature(damaged, tee_address(), kChunk), AuthenticationError);
  const auto message = failure(damaged, key());
  EXPECT_NE(message.find("not by the provider's TEE signer " + tee_address().checksummed()), std::string::npos) << message;
  expect_no_output(out_);
}

TEST_F(DamagedModel, SignedByAnotherKeyIsRejected) {
  const auto forged = encrypt_model(plaintext_, key(), user(), fixed_from_hex<12>("0xa0a1a2a3a4a5a6a7a8a9aaab"), kChunk);
  const auto user_address = eth::Address::from_public_key(user().public_key());
  EXPECT_EQ(recover_tag_signer(forged, kChunk), user_address);
  const auto message = failure(forged, key());
  EXPECT_NE(message.find("signed by " + user_address.checksummed()), std::string::npos) << message;
  expect_no_output(out_);
}

TEST_F(DamagedModel, WrongKeyFailsTheFirstChunk) {
  auto wrong = key();
  wrong.mutable_view()[0] ^= 0x01;
  EXPECT_EQ(failure(file_, wrong), "chunk 0: authentication tag mismatch (wrong key or corrupted file)");
  expect_no_output(out_);
}

TEST_F(DamagedModel, FlippedIvFailsTheFirstChunk) {
  auto damaged = file_;
  damaged[kTagSignatureSize + 11] ^= 0x01;
  EXPECT_EQ(failure(damaged, key()), "chunk 0: authentication tag mismatch (wrong key or corrupted file)");
  expect_no_output(out_);
}

TEST_F(DamagedModel, DamagedTagSignatureIsRejected) {
  for (const std::size_t position : {std::size_t{0}, std::size_t{40}, std::size_t{64}}) {
    auto damaged = file_;
    damaged[position] ^= 0x02;  // v = 2 is not a recovery id at all
    EXPECT_NE(failure(damaged, key()), "") << position;
    expect_no_output(out_);
  }
}

TEST_F(DamagedModel, TruncatedFilesAreRejected) {
  // Shorter than the header.
  EXPECT_NE(failure(ByteSpan(file_).first(76), key()).find("shorter than its 77-byte header"), std::string::npos);
  expect_no_output(out_);
  // A last chunk that holds only part of its tag.
  const auto last_chunk = layout_->chunk_offset(3);
  EXPECT_NE(failure(ByteSpan(file_).first(last_chunk + 10), key()).find("truncated"), std::string::npos);
  expect_no_output(out_);
  // Cut inside the last chunk's ciphertext: its tag now lies elsewhere, so the signature fails.
  EXPECT_NE(failure(ByteSpan(file_).first(file_.size() - 5), key()).find("not by the provider's TEE signer"), std::string::npos);
  expect_no_output(out_);
  // Whole chunks dropped: the remaining tags are a valid layout, but not what was signed.
  EXPECT_NE(failure(ByteSpan(file_).first(last_chunk), key()).find("not by the provider's TEE signer"), std::string::npos);
  expect_no_output(out_);
  // An extra byte appended.
  auto longer = file_;
  longer.push_back(0);
  EXPECT_NE(failure(longer, key()), "");
  expect_no_output(out_);
}

TEST_F(DamagedModel, FailureAlsoRemovesALeftoverPartialFile) {
  write_file(out_.string() + ".partial", as_bytes("left over from a crash"));
  auto damaged = file_;
  damaged[layout_->chunk_offset(1)] ^= 0x01;
  EXPECT_NE(failure(damaged, key()), "");
  expect_no_output(out_);
}

TEST_F(DamagedModel, UnwritableDestinationIsAnIoErrorAndLeavesNothing) {
  write_file(dir_ / "model.enc", file_);
  EXPECT_THROW(decrypt_model_file(dir_ / "model.enc", key(), dir_ / "missing-dir" / "model.zip", tee_address(), kChunk), IoError);
  EXPECT_THROW(decrypt_model_file(dir_ / "absent.enc", key(), out_, tee_address(), kChunk), IoError);
  expect_no_output(out_);
}

// Several chunks fail: whatever the thread timing, the message names the lowest one, and the
// output never appears (the workers run chunks 1 and 3 at the same time here).
TEST_F(DamagedModel, SeveralFailingChunksReportTheLowestWhateverTheThreads) {
  auto damaged = file_;
  damaged[layout_->chunk_offset(3) + 10] ^= 0x01;
  damaged[layout_->chunk_offset(1) + 10] ^= 0x01;
  write_file(dir_ / "model.enc", damaged);
  for (const unsigned threads : {1u, 2u, 4u}) {
    for (int round = 0; round < 20; ++round) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", round " + std::to_string(round));
      if (round % 2 == 1) evict_from_page_cache(dir_ / "model.enc");
      try {
        decrypt_model_file(dir_ / "model.enc", key(), out_, tee_address(), kChunk, Durability::synced, DecryptTuning{threads, 2});
        ADD_FAILURE() << "a damaged file decrypted";
      } catch (const AuthenticationError& error) {
        EXPECT_STREQ(error.what(), "chunk 1: authentication tag mismatch (wrong key or corrupted file)");
      }
      expect_no_output(out_);
    }
  }
}

// Page-sized chunks put every full piece on the O_DIRECT path of a synced output and the odd tail
// on the buffered one; scratch outputs are all buffered. All must give the same bytes, with any
// number of decryption workers and background writers, from a cached or a cold input.
TEST_F(ModelCipher, DirectAndBufferedWritesGiveTheSamePlaintextWithAnyWorkerCount) {
  constexpr std::size_t kChunk = 8192;
  Bytes plaintext(5 * kChunk + 1234);
  for (std::size_t i = 0; i < plaintext.size(); ++i) plaintext[i] = static_cast<std::uint8_t>(i * 31 + 7);
  write_file(dir_ / "model.enc", encrypt_model(plaintext, key(), tee(), fixed_from_hex<12>("0x0102030405060708090affff"), kChunk));
  for (const auto durability : {Durability::synced, Durability::scratch}) {
    for (const unsigned threads : {0u, 1u, 2u, 3u, 8u}) {
      for (const unsigned writers : {0u, 1u, 2u, 5u}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + ", writers " + std::to_string(writers) +
                     (durability == Durability::synced ? ", synced" : ", scratch"));
        const auto out = dir_ / "model.zip";
        if (writers % 2 == 1) evict_from_page_cache(dir_ / "model.enc");  // cold input, read around the cache
        decrypt_model_file(dir_ / "model.enc", key(), out, tee_address(), kChunk, durability, DecryptTuning{threads, writers});
        EXPECT_EQ(read_file(out), plaintext);
        EXPECT_FALSE(fs::exists(out.string() + ".partial"));
        fs::remove(out);
      }
    }
  }
}

// A wrong key fails every chunk of a many-chunk file at once in all workers: still chunk 0.
TEST_F(ModelCipher, WrongKeyOnManyChunksNamesChunkZero) {
  constexpr std::size_t kChunk = 4096;
  const Bytes plaintext(16 * kChunk, 0x5a);
  write_file(dir_ / "model.enc", encrypt_model(plaintext, key(), tee(), Iv{}, kChunk));
  auto wrong = key();
  wrong.mutable_view()[31] ^= 0x80;
  for (int round = 0; round < 20; ++round) {
    try {
      decrypt_model_file(dir_ / "model.enc", wrong, dir_ / "model.zip", tee_address(), kChunk, Durability::synced, DecryptTuning{2, 2});
      ADD_FAILURE() << "decrypted with a wrong key";
    } catch (const AuthenticationError& error) {
      EXPECT_STREQ(error.what(), "chunk 0: authentication tag mismatch (wrong key or corrupted file)");
    }
    expect_no_output(dir_ / "model.zip");
  }
}

TEST(ChunkLayoutTest, GeometryOfTheRealChunkSize) {
  const ChunkLayout layout(77 + (kDefaultChunkSize + 16) + 1016, kDefaultChunkSize);
  EXPECT_EQ(layout.chunk_count(), 2u);
  EXPECT_EQ(layout.chunk_offset(1), 77u + 67108880u);
  EXPECT_EQ(layout.ciphertext_size(0), kDefaultChunkSize);
  EXPECT_EQ(layout.ciphertext_size(1), 1000u);
  EXPECT_EQ(ChunkLayout(77, kDefaultChunkSize).chunk_count(), 0u);
  EXPECT_THROW(ChunkLayout(77 + 16, kDefaultChunkSize), ParseError);  // a tag with no ciphertext
  EXPECT_THROW(ChunkLayout(100, 0), UsageError);
}

}  // namespace
}  // namespace zg::finetune
