#include "finetune/model_cipher.hpp"

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.hpp"
#include "crypto/keccak.hpp"

namespace zg::finetune {
namespace {

using crypto::AesGcm;
using crypto::AuthenticationError;
using crypto::GcmTag;
namespace fs = std::filesystem;

// Ciphertext passes through buffers of this size, so memory stays flat whatever the chunk size.
// A multiple of 16, as every GCM update but a message's last must be.
constexpr std::size_t kIoBlockSize = 1024 * 1024;

std::string errno_text() { return std::generic_category().message(errno); }

// ---- byte sources and sinks: the same algorithms run over files and memory ----------------------

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  // Fills `out` from `offset`; throws IoError when the data is not there.
  virtual void read_exact(std::uint64_t offset, MutableByteSpan out) const = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(ByteSpan data) = 0;
  virtual void write_at(std::uint64_t offset, ByteSpan data) = 0;  // within what was written already
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(ByteSpan bytes) noexcept : bytes_(bytes) {}
  std::uint64_t size() const override { return bytes_.size(); }
  void read_exact(std::uint64_t offset, MutableByteSpan out) const override {
    if (offset > bytes_.size() || out.size() > bytes_.size() - offset) throw IoError("model cipher: read past the end of the input");
    std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
  }

 private:
  ByteSpan bytes_;
};

class MemorySink final : public ByteSink {
 public:
  explicit MemorySink(Bytes& out) noexcept : out_(out) {}
  void write(ByteSpan data) override { append(out_, data); }
  void write_at(std::uint64_t offset, ByteSpan data) override {
    std::copy(data.begin(), data.end(), out_.begin() + static_cast<std::ptrdiff_t>(offset));
  }

 private:
  Bytes& out_;
};

class FileDescriptor {
 public:
  FileDescriptor(const fs::path& path, int flags, std::string_view purpose) : fd_(::open(path.c_str(), flags | O_CLOEXEC, 0666)) {
    if (fd_ < 0) throw IoError("cannot open " + path.string() + " " + std::string(purpose) + ": " + errno_text());
  }
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const noexcept { return fd_; }
  // Closing can report a delayed write error, so an output file is closed explicitly.
  bool close() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

class FileSource final : public ByteSource {
 public:
  explicit FileSource(const fs::path& path) : path_(path), fd_(path, O_RDONLY, "for reading") {
    struct stat info {};
    if (::fstat(fd_.get(), &info) != 0) throw IoError("cannot stat " + path.string() + ": " + errno_text());
    if (!S_ISREG(info.st_mode)) throw IoError(path.string() + " is not a regular file");
    size_ = static_cast<std::uint64_t>(info.st_size);
  }
  std::uint64_t size() const override { return size_; }
  void read_exact(std::uint64_t offset, MutableByteSpan out) const override {
    std::size_t done = 0;
    while (done < out.size()) {
      const auto got = ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw IoError("cannot read " + path_.string() + ": " + errno_text());
      if (got == 0) throw IoError(path_.string() + " ended early: it was changed while being read");
      done += static_cast<std::size_t>(got);
    }
  }

 private:
  fs::path path_;
  FileDescriptor fd_;
  std::uint64_t size_ = 0;
};

// The output file under construction: "<final>.partial" until commit() renames it into place.
// Destroyed without commit (an exception on the way), it removes itself.
class PartialFile final : public ByteSink {
 public:
  explicit PartialFile(fs::path final_path)
      : final_path_(std::move(final_path)),
        partial_path_(final_path_.string() + ".partial"),
        fd_(partial_path_, O_WRONLY | O_CREAT | O_TRUNC, "for writing") {}
  ~PartialFile() override {
    if (!committed_) {
      fd_.close();
      std::error_code ignored;
      fs::remove(partial_path_, ignored);
    }
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  void write(ByteSpan data) override {
    write_at(written_, data);
    written_ += data.size();
  }
  void write_at(std::uint64_t offset, ByteSpan data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      const auto put = ::pwrite(fd_.get(), data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) throw IoError("cannot write " + partial_path_.string() + ": " + errno_text());
      done += static_cast<std::size_t>(put);
    }
  }
  // Makes the content durable before the rename, so a crash never leaves a short file at the final path.
  void commit(Durability durability = Durability::synced) {
    if (durability == Durability::synced && ::fsync(fd_.get()) != 0) {
      throw IoError("cannot flush " + partial_path_.string() + ": " + errno_text());
    }
    if (!fd_.close()) throw IoError("cannot close " + partial_path_.string() + ": " + errno_text());
    std::error_code error;
    fs::rename(partial_path_, final_path_, error);
    if (error) throw IoError("cannot rename " + partial_path_.string() + " to " + final_path_.string() + ": " + error.message());
    committed_ = true;
  }

 private:
  fs::path final_path_;
  fs::path partial_path_;
  FileDescriptor fd_;
  std::uint64_t written_ = 0;
  bool committed_ = false;
};

// ---- the file format ----------------------------------------------------------------------------

void check_chunk_size(std::size_t chunk_size) {
  if (chunk_size == 0) throw UsageError("model cipher: the chunk size must be positive");
}

struct Header {
  FixedBytes<kTagSignatureSize> tag_signature{};
  Iv iv{};
};

Header read_header(const ByteSource& source) {
  FixedBytes<kHeaderSize> raw{};
  source.read_exact(0, raw);
  Header header;
  std::copy_n(raw.begin(), kTagSignatureSize, header.tag_signature.begin());
  std::copy_n(raw.begin() + kTagSignatureSize, kIvSize, header.iv.begin());
  return header;
}

std::vector<GcmTag> read_tags(const ByteSource& source, const ChunkLayout& layout) {
  std::vector<GcmTag> tags(layout.chunk_count());
  for (std::uint64_t i = 0; i < layout.chunk_count(); ++i) source.read_exact(layout.tag_offset(i), tags[i]);
  return tags;
}

Hash256 tags_digest(const std::vector<GcmTag>& tags) {
  crypto::Keccak256 hasher;
  for (const auto& tag : tags) hasher.update(tag);
  return hasher.finalize();
}

eth::Address signer_of(const Header& header, const std::vector<GcmTag>& tags) {
  try {
    const auto signature = crypto::Signature::from_rsv(header.tag_signature);
    return eth::Address::from_public_key(crypto::recover(tags_digest(tags), signature));
  } catch (const ParseError& error) {
    throw ParseError(std::string("encrypted model file: the tag signature is malformed (") + error.what() + ")");
  }
}

eth::Address recover_signer(const ByteSource& source, std::size_t chunk_size) {
  const ChunkLayout layout(source.size(), chunk_size);
  return signer_of(read_header(source), read_tags(source, layout));
}

void require_signer(const eth::Address& actual, const eth::Address& expected) {
  if (actual != expected) {
    throw AuthenticationError("encrypted model file: the chunk tags are signed by " + actual.checksummed() +
                              ", not by the provider's TEE signer " + expected.checksummed() +
                              " (the file was altered or does not come from this provider's TEE)");
  }
}

// Streams one chunk's ciphertext through the cipher in kIoBlockSize pieces.
void run_chunk(AesGcm& cipher, const ByteSource& source, std::uint64_t offset, std::uint64_t size, ByteSink& sink,
               Bytes& in, Bytes& out) {
  for (std::uint64_t done = 0; done < size;) {
    const auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(kIoBlockSize, size - done));
    const auto in_piece = MutableByteSpan(in).first(piece);
    const auto out_piece = MutableByteSpan(out).first(piece);
    source.read_exact(offset + done, in_piece);
    cipher.update(in_piece, out_piece);
    sink.write(out_piece);
    done += piece;
  }
}

void decrypt(const ByteSource& source, const ModelKey& key, const eth::Address& expected_signer, std::size_t chunk_size,
             ByteSink& sink) {
  check_chunk_size(chunk_size);
  const ChunkLayout layout(source.size(), chunk_size);
  const auto header = read_header(source);
  const auto signed_tags = read_tags(source, layout);
  require_signer(signer_of(header, signed_tags), expected_signer);  // before any key is used

  AesGcm cipher(key.view());
  Bytes in(kIoBlockSize);
  Bytes out(kIoBlockSize);
  for (std::uint64_t i = 0; i < layout.chunk_count(); ++i) {
    GcmTag tag{};
    source.read_exact(layout.tag_offset(i), tag);
    // Re-read, not reused: the tag that authenticates the chunk must be the one that was signed.
    if (tag != signed_tags[i]) throw IoError("chunk " + std::to_string(i) + ": the tag changed after the signature check");
    cipher.begin(AesGcm::Direction::decrypt, chunk_nonce(header.iv, i));
    run_chunk(cipher, source, layout.chunk_offset(i), layout.ciphertext_size(i), sink, in, out);
    try {
      cipher.finish_decrypt(tag);
    } catch (const AuthenticationError&) {
      throw AuthenticationError("chunk " + std::to_string(i) + ": authentication tag mismatch (wrong key or corrupted file)");
    }
  }
}

void encrypt(const ByteSource& source, const ModelKey& key, const crypto::PrivateKey& tee_signer, const Iv& iv,
             std::size_t chunk_size, ByteSink& sink) {
  check_chunk_size(chunk_size);
  const auto layout = ChunkLayout::for_plaintext(source.size(), chunk_size);
  sink.write(FixedBytes<kTagSignatureSize>{});  // placeholder until the tags are known
  sink.write(iv);

  AesGcm cipher(key.view());
  Bytes in(kIoBlockSize);
  Bytes out(kIoBlockSize);
  std::vector<GcmTag> tags;
  for (std::uint64_t i = 0; i < layout.chunk_count(); ++i) {
    cipher.begin(AesGcm::Direction::encrypt, chunk_nonce(iv, i));
    run_chunk(cipher, source, i * chunk_size, layout.ciphertext_size(i), sink, in, out);
    tags.push_back(cipher.finish_encrypt());
    sink.write(tags.back());
  }
  // go-ethereum crypto.Sign: r || s || v with v in {0, 1}.
  sink.write_at(0, tee_signer.sign_hash(tags_digest(tags)).to_rsv(0));
}

}  // namespace

// ---- ChunkLayout --------------------------------------------------------------------------------

ChunkLayout::ChunkLayout(std::uint64_t file_size, std::size_t chunk_size) : file_size_(file_size), chunk_size_(chunk_size) {
  check_chunk_size(chunk_size);
  if (file_size < kHeaderSize) {
    throw ParseError("encrypted model file is " + std::to_string(file_size) + " bytes, shorter than its " +
                     std::to_string(kHeaderSize) + "-byte header (tag signature and IV): truncated or not a model file");
  }
  const auto body = file_size - kHeaderSize;
  const auto full_chunk = chunk_size_ + kTagSize;
  chunk_count_ = body / full_chunk;
  last_ciphertext_size_ = chunk_size_;
  if (const auto rest = body % full_chunk; rest != 0) {
    // The provider never writes an empty chunk, so a remainder of 1..16 bytes means truncation.
    if (rest <= kTagSize) {
      throw ParseError("encrypted model file is truncated: its last chunk has " + std::to_string(rest) +
                       " bytes, no ciphertext before the 16-byte tag");
    }
    ++chunk_count_;
    last_ciphertext_size_ = rest - kTagSize;
  }
}

ChunkLayout ChunkLayout::for_plaintext(std::uint64_t plaintext_size, std::size_t chunk_size) {
  check_chunk_size(chunk_size);
  const auto chunks = plaintext_size / chunk_size + (plaintext_size % chunk_size != 0 ? 1 : 0);
  return ChunkLayout(kHeaderSize + plaintext_size + chunks * kTagSize, chunk_size);
}

std::uint64_t ChunkLayout::chunk_offset(std::uint64_t index) const noexcept {
  return kHeaderSize + index * (chunk_size_ + kTagSize);
}

std::uint64_t ChunkLayout::ciphertext_size(std::uint64_t index) const noexcept {
  return index + 1 == chunk_count_ ? last_ciphertext_size_ : chunk_size_;
}

Iv chunk_nonce(const Iv& iv, std::uint64_t index) noexcept {
  Iv nonce = iv;
  std::uint64_t carry = index;  // add `index` from the last byte up; what is left over carries on
  for (std::size_t i = nonce.size(); i-- > 0 && carry != 0;) {
    const std::uint64_t sum = nonce[i] + (carry & 0xff);
    nonce[i] = static_cast<std::uint8_t>(sum);
    carry = (carry >> 8) + (sum >> 8);
  }
  return nonce;
}

// ---- public entry points ------------------------------------------------------------------------

eth::Address recover_tag_signer(const fs::path& file, std::size_t chunk_size) {
  return recover_signer(FileSource(file), chunk_size);
}

eth::Address recover_tag_signer(ByteSpan file, std::size_t chunk_size) { return recover_signer(MemorySource(file), chunk_size); }

void verify_tag_signature(const fs::path& file, const eth::Address& expected_signer, std::size_t chunk_size) {
  require_signer(recover_tag_signer(file, chunk_size), expected_signer);
}

void verify_tag_signature(ByteSpan file, const eth::Address& expected_signer, std::size_t chunk_size) {
  require_signer(recover_tag_signer(file, chunk_size), expected_signer);
}

void decrypt_model_file(const fs::path& in_path, const ModelKey& key, const fs::path& out_path,
                        const eth::Address& expected_signer, std::size_t chunk_size, Durability durability) {
  const FileSource source(in_path);
  PartialFile output(out_path);
  decrypt(source, key, expected_signer, chunk_size, output);
  output.commit(durability);
}

Bytes decrypt_model(ByteSpan file, const ModelKey& key, const eth::Address& expected_signer, std::size_t chunk_size) {
  Bytes plaintext;
  MemorySink sink(plaintext);
  decrypt(MemorySource(file), key, expected_signer, chunk_size, sink);
  return plaintext;
}

void encrypt_model_file(const fs::path& in_path, const ModelKey& key, const crypto::PrivateKey& tee_signer,
                        const fs::path& out_path, const Iv& iv, std::size_t chunk_size) {
  const FileSource source(in_path);
  PartialFile output(out_path);
  encrypt(source, key, tee_signer, iv, chunk_size, output);
  output.commit();
}

void encrypt_model_file(const fs::path& in_path, const ModelKey& key, const crypto::PrivateKey& tee_signer,
                        const fs::path& out_path) {
  Iv iv{};
  crypto::fill_random(iv);
  encrypt_model_file(in_path, key, tee_signer, out_path, iv);
}

Bytes encrypt_model(ByteSpan plaintext, const ModelKey& key, const crypto::PrivateKey& tee_signer, const Iv& iv,
                    std::size_t chunk_size) {
  Bytes file;
  file.reserve(ChunkLayout::for_plaintext(plaintext.size(), chunk_size).file_size());
  MemorySink sink(file);
  encrypt(MemorySource(plaintext), key, tee_signer, iv, chunk_size, sink);
  return file;
}

}  // namespace zg::finetune
