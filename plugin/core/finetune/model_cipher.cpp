#include "finetune/model_cipher.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cerrno>
#include <cstdlib>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.hpp"
#include "crypto/keccak.hpp"
#include "finetune/direct_io.hpp"

namespace zg::finetune {
namespace {

using crypto::AesGcm;
using crypto::AuthenticationError;
using crypto::GcmTag;
namespace fs = std::filesystem;

// Ciphertext passes through buffers of this size, so memory stays flat whatever the chunk size
// (one buffer per decryption worker). A multiple of 16, as every GCM update but a message's last
// must be, and of the 4 KiB that O_DIRECT wants; large enough that syscalls cost nothing, small
// enough to stay in the L2/L3 caches between the read, the decryption and the write.
constexpr std::size_t kIoBlockSize = 4 * 1024 * 1024;
// How far each decryption worker asks the kernel to read ahead of itself, in pieces.
constexpr std::uint64_t kPrefetchPieces = 2;
constexpr std::size_t kDirectAlignment = direct_io::kAlignment;
using direct_io::AlignedBuffer;
using direct_io::is_aligned;

std::string errno_text() { return std::generic_category().message(errno); }

// ---- byte sources and sinks: the same algorithms run over files and memory ----------------------

// Both kinds are safe to use from several threads at once (positional reads and writes, disjoint
// ranges), which is what lets the decryption workers share one source and one sink.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  // Fills `out` from `offset`; throws IoError when the data is not there.
  virtual void read_exact(std::uint64_t offset, MutableByteSpan out) const = 0;
  // A hint that [offset, offset + size) is read soon: a file starts reading it from disk in the
  // background, so a cold input is read while the previous piece is decrypted.
  virtual void prefetch(std::uint64_t /*offset*/, std::uint64_t /*size*/) const {}
  // read_exact for the bulk of the ciphertext, with an aligned scratch buffer of at least
  // kIoBlockSize + 2 * kDirectAlignment bytes that a file may use to read around the page cache.
  virtual void read_piece(std::uint64_t offset, MutableByteSpan out, MutableByteSpan /*bounce*/) const { read_exact(offset, out); }
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Makes room for `size` bytes up front (a file preallocates its blocks, so a full disk fails fast).
  virtual void reserve(std::uint64_t size) = 0;
  // Writes from several threads must not overlap.
  virtual void write_at(std::uint64_t offset, ByteSpan data) = 0;
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
  void reserve(std::uint64_t size) override { out_.resize(static_cast<std::size_t>(size)); }
  void write_at(std::uint64_t offset, ByteSpan data) override {
    if (offset > out_.size() || data.size() > out_.size() - offset) throw UsageError("model cipher: write past the reserved size");
    std::copy(data.begin(), data.end(), out_.begin() + static_cast<std::ptrdiff_t>(offset));
  }

 private:
  Bytes& out_;
};

class FileDescriptor {
 public:
  FileDescriptor() noexcept = default;
  FileDescriptor(const fs::path& path, int flags, std::string_view purpose) : fd_(::open(path.c_str(), flags | O_CLOEXEC, 0666)) {
    if (fd_ < 0) throw IoError("cannot open " + path.string() + " " + std::string(purpose) + ": " + errno_text());
  }
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  // Opens without throwing: an invalid descriptor when the flags are refused (O_DIRECT on tmpfs).
  static FileDescriptor try_open(const fs::path& path, int flags) noexcept {
    FileDescriptor descriptor;
    descriptor.fd_ = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
    return descriptor;
  }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  // Closing can report a delayed write error, so an output file is closed explicitly.
  bool close() noexcept {
    if (fd_ < 0) return true;
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_ = -1;
};

// A second descriptor on an open file, opened by name with other flags (O_DIRECT), or an invalid
// one when that fails or the name now leads to another file (it could be replaced in between).
FileDescriptor open_same_file(const FileDescriptor& open_file, const fs::path& path, int flags) {
  auto other = FileDescriptor::try_open(path, flags);
  struct stat first {};
  struct stat second {};
  if (other.valid() && (::fstat(open_file.get(), &first) != 0 || ::fstat(other.get(), &second) != 0 ||
                        first.st_dev != second.st_dev || first.st_ino != second.st_ino)) {
    other.close();
  }
  return other;
}

// Reads a piece that the page cache holds from there, and one it does not (a cold input) with
// O_DIRECT into a bounce buffer: filling fresh page-cache pages is what makes a buffered cold read
// slow on these VMs (about 230 MB/s against 890 MB/s with O_DIRECT, measured with dd). Where
// O_DIRECT is not available the kernel is asked to read ahead instead.
class FileSource final : public ByteSource {
 public:
  explicit FileSource(const fs::path& path) : path_(path), fd_(path, O_RDONLY, "for reading") {
    struct stat info {};
    if (::fstat(fd_.get(), &info) != 0) throw IoError("cannot stat " + path.string() + ": " + errno_text());
    if (!S_ISREG(info.st_mode)) throw IoError(path.string() + " is not a regular file");
    size_ = static_cast<std::uint64_t>(info.st_size);
    direct_fd_ = open_same_file(fd_, path, O_RDONLY | O_DIRECT);
    // Without O_DIRECT the file is read front to back (one stream per worker): let the kernel read
    // ahead further. With it, read-ahead around the tags and headers would only fill the cache.
    (void)::posix_fadvise(fd_.get(), 0, 0, direct_fd_.valid() ? POSIX_FADV_RANDOM : POSIX_FADV_SEQUENTIAL);
  }
  std::uint64_t size() const override { return size_; }
  void prefetch(std::uint64_t offset, std::uint64_t size) const override {
    if (offset >= size_ || direct_fd_.valid()) return;  // with O_DIRECT, read-ahead would only fill the cache
    const auto length = static_cast<off_t>(std::min(size, size_ - offset));
    (void)::posix_fadvise(fd_.get(), static_cast<off_t>(offset), length, POSIX_FADV_WILLNEED);
  }
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
  void read_piece(std::uint64_t offset, MutableByteSpan out, MutableByteSpan bounce) const override {
    std::size_t done = 0;
    if (direct_fd_.valid() && !fully_cached(offset, out.size())) done = read_direct(offset, out, bounce);
    if (done < out.size()) read_exact(offset + done, out.subspan(done));  // the rest, and every error message
  }

 private:
  // Whether every page of the range is in the page cache (mincore on a mapping that is never
  // touched, so no page is read in and a file truncated meanwhile cannot fault). When in doubt: yes.
  bool fully_cached(std::uint64_t offset, std::size_t size) const noexcept {
    static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const auto start = offset / page * page;
    const auto length = static_cast<std::size_t>(offset + size - start);
    void* map = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd_.get(), static_cast<off_t>(start));
    if (map == MAP_FAILED) return true;
    std::vector<unsigned char> resident((length + page - 1) / page);
    const bool known = ::mincore(map, length, resident.data()) == 0;
    ::munmap(map, length);
    return !known || std::all_of(resident.begin(), resident.end(), [](unsigned char flags) { return (flags & 1) != 0; });
  }

  // O_DIRECT reads of the aligned blocks around [offset, offset + out.size()), copied out of `bounce`.
  std::size_t read_direct(std::uint64_t offset, MutableByteSpan out, MutableByteSpan bounce) const noexcept {
    const auto window = bounce.size() / kDirectAlignment * kDirectAlignment;
    if (window == 0 || !is_aligned(bounce.data())) return 0;
    std::size_t done = 0;
    while (done < out.size()) {
      const auto from = offset + done;
      const auto start = from / kDirectAlignment * kDirectAlignment;
      const auto skip = static_cast<std::size_t>(from - start);
      const auto wanted = direct_io::round_up(skip + out.size() - done);
      const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(window, wanted));
      const auto got = ::pread(direct_fd_.get(), bounce.data(), length, static_cast<off_t>(start));
      if (got < 0 && errno == EINTR) continue;
      if (got <= static_cast<ssize_t>(skip)) break;  // refused, failed or at the end: read_exact takes over
      const auto useful = std::min(static_cast<std::size_t>(got) - skip, out.size() - done);
      std::copy_n(bounce.data() + skip, useful, out.data() + done);
      done += useful;
    }
    return done;
  }

  fs::path path_;
  FileDescriptor fd_;
  FileDescriptor direct_fd_;
  std::uint64_t size_ = 0;
};

// The output file under construction: "<final>.partial" until commit() renames it into place.
// Destroyed without commit (an exception on the way), it removes itself.
//
// A synced output also gets an O_DIRECT descriptor for the page-aligned bulk of its writes: the
// bytes must reach the disk before the rename anyway, and going around the page cache saves the
// copy into freshly allocated cache pages (the largest cost of a buffered write on these VMs) and
// the write-back storm at fsync. What is not aligned (the file's tail, tests' odd chunk sizes) and
// file systems without O_DIRECT (tmpfs) take the ordinary descriptor; the fsync covers both.
class PartialFile final : public ByteSink {
 public:
  explicit PartialFile(fs::path final_path, Durability durability = Durability::synced)
      : final_path_(std::move(final_path)),
        partial_path_(final_path_.string() + ".partial"),
        durability_(durability),
        fd_(partial_path_, O_WRONLY | O_CREAT | O_TRUNC, "for writing") {
    if (durability_ == Durability::synced) direct_fd_ = open_same_file(fd_, partial_path_, O_WRONLY | O_DIRECT);
    direct_ok_.store(direct_fd_.valid(), std::memory_order_relaxed);
  }
  ~PartialFile() override {
    if (!committed_) {
      direct_fd_.close();
      fd_.close();
      std::error_code ignored;
      fs::remove(partial_path_, ignored);
    }
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  void reserve(std::uint64_t size) override {
    if (size == 0) return;
    // Allocated extents up front: no block allocation on the write path, and ENOSPC before any
    // work rather than after. File systems without fallocate just skip it (Linux fallocate, not
    // posix_fallocate, which would emulate it by writing the whole file once more).
    if (::fallocate(fd_.get(), 0, 0, static_cast<off_t>(size)) != 0 && (errno == ENOSPC || errno == EFBIG)) {
      throw IoError("cannot write " + partial_path_.string() + ": " + errno_text());
    }
  }

  void write_at(std::uint64_t offset, ByteSpan data) override {
    if (direct_ok_.load(std::memory_order_relaxed) && is_aligned(offset) && is_aligned(data.data())) {
      const auto bulk = data.size() / kDirectAlignment * kDirectAlignment;
      if (bulk != 0 && write_direct(offset, data.first(bulk))) {
        offset += bulk;
        data = data.subspan(bulk);
      }
    }
    write_all(fd_, offset, data);
  }

  // Makes the content durable before the rename, so a crash never leaves a short file at the final path.
  void commit() {
    if (durability_ == Durability::synced && ::fsync(fd_.get()) != 0) {
      throw IoError("cannot flush " + partial_path_.string() + ": " + errno_text());
    }
    if (!direct_fd_.close() || !fd_.close()) throw IoError("cannot close " + partial_path_.string() + ": " + errno_text());
    std::error_code error;
    fs::rename(partial_path_, final_path_, error);
    if (error) throw IoError("cannot rename " + partial_path_.string() + " to " + final_path_.string() + ": " + error.message());
    committed_ = true;
  }

 private:
  // false (and no direct writes from then on) when the file system refuses O_DIRECT at write time.
  bool write_direct(std::uint64_t offset, ByteSpan data) {
    const auto put = ::pwrite(direct_fd_.get(), data.data(), data.size(), static_cast<off_t>(offset));
    if (put < 0 && errno == EINVAL) {
      direct_ok_.store(false, std::memory_order_relaxed);
      return false;
    }
    if (put < 0 && errno != EINTR) throw IoError("cannot write " + partial_path_.string() + ": " + errno_text());
    const auto done = static_cast<std::size_t>(std::max<ssize_t>(put, 0));
    if (done < data.size()) write_all(fd_, offset + done, data.subspan(done));  // short: finish buffered
    return true;
  }

  void write_all(const FileDescriptor& fd, std::uint64_t offset, ByteSpan data) const {
    std::size_t done = 0;
    while (done < data.size()) {
      const auto put = ::pwrite(fd.get(), data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) throw IoError("cannot write " + partial_path_.string() + ": " + errno_text());
      done += static_cast<std::size_t>(put);
    }
  }

  fs::path final_path_;
  fs::path partial_path_;
  Durability durability_;
  FileDescriptor fd_;
  FileDescriptor direct_fd_;
  std::atomic<bool> direct_ok_{false};
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

// Streams one chunk's ciphertext through the cipher in kIoBlockSize pieces (encryption).
void run_chunk(AesGcm& cipher, const ByteSource& source, std::uint64_t offset, std::uint64_t size, ByteSink& sink,
               std::uint64_t out_offset, Bytes& in, Bytes& out) {
  for (std::uint64_t done = 0; done < size;) {
    const auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(kIoBlockSize, size - done));
    const auto in_piece = MutableByteSpan(in).first(piece);
    const auto out_piece = MutableByteSpan(out).first(piece);
    source.read_exact(offset + done, in_piece);
    cipher.update(in_piece, out_piece);
    sink.write_at(out_offset + done, out_piece);
    done += piece;
  }
}

// ---- decryption: chunks are independent GCM messages, so workers take them in turn --------------

// The first failure by chunk number wins, so the error a user sees does not depend on thread timing
// (a wrong key fails every chunk; the message names chunk 0). Chunks are handed out in increasing
// order, so every chunk below a failed one was already taken and runs to its end.
class ChunkFailures {
 public:
  bool stopped_before(std::uint64_t chunk) const noexcept { return chunk > lowest_.load(std::memory_order_acquire); }
  void record(std::uint64_t chunk, std::exception_ptr error) {
    const std::lock_guard lock(mutex_);
    if (chunk < lowest_.load(std::memory_order_relaxed) || !error_) {
      lowest_.store(chunk, std::memory_order_release);
      error_ = std::move(error);
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::atomic<std::uint64_t> lowest_{std::numeric_limits<std::uint64_t>::max()};
  std::exception_ptr error_;
};

// Writes decrypted pieces in the background, so that decryption never waits for the disk and
// several writes are in flight at once (this VM's disk doubles its O_DIRECT throughput from one
// write in flight to two). A fixed set of aligned buffers circulates: a worker takes a free one,
// fills and decrypts it, hands it over; a writer writes it and frees it. With no writer threads
// (the in-memory path, or no thread to be had) a handed-over piece is written on the spot.
class WriteBehind {
 public:
  struct Piece {
    explicit Piece(std::size_t size) : buffer(size) {}
    AlignedBuffer buffer;
    std::uint64_t chunk = 0;   // for the failure report
    std::uint64_t offset = 0;  // in the plaintext
    std::size_t size = 0;
  };
  struct Return {
    WriteBehind* owner;
    void operator()(Piece* piece) const noexcept { owner->release(piece); }
  };
  using Lease = std::unique_ptr<Piece, Return>;  // back to the free list unless handed over

  WriteBehind(ByteSink& sink, ChunkFailures& failures, std::size_t pieces, std::size_t piece_size, unsigned writers)
      : sink_(sink), failures_(failures) {
    for (std::size_t i = 0; i < pieces; ++i) {
      owned_.push_back(std::make_unique<Piece>(piece_size));
      free_.push_back(owned_.back().get());
    }
    try {
      for (unsigned i = 0; i < writers; ++i) threads_.emplace_back(&WriteBehind::writer_loop, this);
    } catch (const std::system_error&) {
      // Fewer writers (maybe none: then hand_over writes inline).
    }
  }
  ~WriteBehind() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (auto& thread : threads_) thread.join();
  }
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  Lease acquire() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !free_.empty(); });
    Piece* piece = free_.back();
    free_.pop_back();
    return Lease(piece, Return{this});
  }

  void hand_over(Lease lease) {
    if (threads_.empty()) {
      sink_.write_at(lease->offset, lease->buffer.first(lease->size));  // throws to the worker, which records it
      return;
    }
    {
      const std::lock_guard lock(mutex_);
      queued_.push_back(lease.release());
    }
    changed_.notify_all();
  }

  // Returns when every handed-over piece is written (or its failure recorded).
  void drain() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queued_.empty() && writing_ == 0; });
  }

 private:
  void release(Piece* piece) noexcept {
    {
      const std::lock_guard lock(mutex_);
      free_.push_back(piece);
    }
    changed_.notify_all();
  }

  void writer_loop() noexcept {
    std::unique_lock lock(mutex_);
    while (true) {
      changed_.wait(lock, [&] { return !queued_.empty() || stopping_; });
      if (queued_.empty()) return;  // stopping, nothing left
      Piece* piece = queued_.front();
      queued_.erase(queued_.begin());
      ++writing_;
      lock.unlock();
      try {
        if (!failures_.stopped_before(piece->chunk)) sink_.write_at(piece->offset, piece->buffer.first(piece->size));
      } catch (...) {
        failures_.record(piece->chunk, std::current_exception());
      }
      lock.lock();
      --writing_;
      free_.push_back(piece);
      changed_.notify_all();
    }
  }

  ByteSink& sink_;
  ChunkFailures& failures_;
  std::vector<std::unique_ptr<Piece>> owned_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Piece*> free_;
  std::vector<Piece*> queued_;  // a handful at most: FIFO by erase from the front is fine
  std::size_t writing_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started after everything they use exists
};

struct DecryptJob {
  const ByteSource& source;
  const ModelKey& key;
  const ChunkLayout& layout;
  const Iv& iv;
  const std::vector<GcmTag>& signed_tags;
  std::size_t chunk_size;
  ChunkFailures& failures;
  WriteBehind& writer;
  std::atomic<std::uint64_t> next_chunk{0};
};

// One chunk: read a piece, decrypt it in place, hand it to the writer; then check the tag.
// Plaintext reaches the sink before the tag is checked; the sink is the ".partial" file (or the
// in-memory result) that is thrown away when any chunk fails.
void decrypt_chunk(DecryptJob& job, AesGcm& cipher, const AlignedBuffer& bounce, std::uint64_t index) {
  GcmTag tag{};
  job.source.read_exact(job.layout.tag_offset(index), tag);
  // Re-read, not reused: the tag that authenticates the chunk must be the one that was signed.
  if (tag != job.signed_tags[index]) {
    throw IoError("chunk " + std::to_string(index) + ": the tag changed after the signature check");
  }
  cipher.begin(AesGcm::Direction::decrypt, chunk_nonce(job.iv, index));
  const auto in_offset = job.layout.chunk_offset(index);
  const auto out_offset = index * static_cast<std::uint64_t>(job.chunk_size);
  const auto size = job.layout.ciphertext_size(index);
  job.source.prefetch(in_offset, kPrefetchPieces * kIoBlockSize);
  for (std::uint64_t done = 0; done < size;) {
    if (job.failures.stopped_before(index)) return;  // an earlier chunk failed: this one no longer matters
    // Keep the disk busy kPrefetchPieces ahead of this worker (a no-op when the input is cached).
    const auto ahead = done + kPrefetchPieces * kIoBlockSize;
    if (ahead < size) job.source.prefetch(in_offset + ahead, std::min<std::uint64_t>(kIoBlockSize, size - ahead));
    auto piece = job.writer.acquire();
    const auto bytes = piece->buffer.first(static_cast<std::size_t>(std::min<std::uint64_t>(piece->buffer.size(), size - done)));
    job.source.read_piece(in_offset + done, bytes, bounce.first(bounce.size()));
    cipher.update(bytes, bytes);
    piece->chunk = index;
    piece->offset = out_offset + done;
    piece->size = bytes.size();
    done += bytes.size();
    job.writer.hand_over(std::move(piece));
  }
  try {
    cipher.finish_decrypt(tag);
  } catch (const AuthenticationError&) {
    throw AuthenticationError("chunk " + std::to_string(index) + ": authentication tag mismatch (wrong key or corrupted file)");
  }
}

// A worker's loop; it never throws (failures are recorded by chunk).
void decrypt_worker(DecryptJob& job) noexcept {
  std::uint64_t index = job.next_chunk.fetch_add(1);
  try {
    AesGcm cipher(job.key.view());
    // Only touched (and so only resident) when a file is read around the page cache.
    const AlignedBuffer bounce(kIoBlockSize + 2 * kDirectAlignment);
    for (; index < job.layout.chunk_count() && !job.failures.stopped_before(index); index = job.next_chunk.fetch_add(1)) {
      decrypt_chunk(job, cipher, bounce, index);
    }
  } catch (...) {
    job.failures.record(index, std::current_exception());
  }
}

// Runs `workers` decryption workers, the calling thread being one of them, and joins them all.
void run_decrypt_workers(DecryptJob& job, unsigned workers) {
  std::vector<std::thread> threads;
  try {
    for (unsigned i = 1; i < workers; ++i) threads.emplace_back(decrypt_worker, std::ref(job));
  } catch (const std::system_error&) {
    // No more threads to be had: the ones that started (and this one) do all the chunks.
  }
  decrypt_worker(job);
  for (auto& thread : threads) thread.join();
}

// One worker per core, never more than there are chunks.
unsigned decrypt_worker_count(std::uint64_t chunks, unsigned requested) {
  unsigned workers = requested != 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(workers, chunks)));
}

void decrypt(const ByteSource& source, const ModelKey& key, const eth::Address& expected_signer, std::size_t chunk_size,
             ByteSink& sink, unsigned threads, unsigned writers) {
  check_chunk_size(chunk_size);
  const ChunkLayout layout(source.size(), chunk_size);
  const auto header = read_header(source);
  const auto signed_tags = read_tags(source, layout);
  require_signer(signer_of(header, signed_tags), expected_signer);  // before any key is used

  std::uint64_t plaintext_size = 0;
  for (std::uint64_t i = 0; i < layout.chunk_count(); ++i) plaintext_size += layout.ciphertext_size(i);
  sink.reserve(plaintext_size);
  const auto workers = decrypt_worker_count(layout.chunk_count(), threads);
  const auto piece_size = static_cast<std::size_t>(std::min<std::uint64_t>(kIoBlockSize, chunk_size));
  ChunkFailures failures;
  {
    // One piece per worker being decrypted plus one per writer being written.
    WriteBehind writer(sink, failures, workers + writers, piece_size, writers);
    DecryptJob job{source, key, layout, header.iv, signed_tags, chunk_size, failures, writer, {}};
    run_decrypt_workers(job, workers);
    writer.drain();
  }
  failures.rethrow();
}

void encrypt(const ByteSource& source, const ModelKey& key, const crypto::PrivateKey& tee_signer, const Iv& iv,
             std::size_t chunk_size, ByteSink& sink) {
  check_chunk_size(chunk_size);
  const auto layout = ChunkLayout::for_plaintext(source.size(), chunk_size);
  sink.reserve(layout.file_size());
  sink.write_at(kTagSignatureSize, iv);  // the signature goes in front once the tags are known

  AesGcm cipher(key.view());
  Bytes in(kIoBlockSize);
  Bytes out(kIoBlockSize);
  std::vector<GcmTag> tags;
  for (std::uint64_t i = 0; i < layout.chunk_count(); ++i) {
    cipher.begin(AesGcm::Direction::encrypt, chunk_nonce(iv, i));
    run_chunk(cipher, source, i * chunk_size, layout.ciphertext_size(i), sink, layout.chunk_offset(i), in, out);
    tags.push_back(cipher.finish_encrypt());
    sink.write_at(layout.tag_offset(i), tags.back());
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
  decrypt_model_file(in_path, key, out_path, expected_signer, chunk_size, durability, DecryptTuning{});
}

void decrypt_model_file(const fs::path& in_path, const ModelKey& key, const fs::path& out_path,
                        const eth::Address& expected_signer, std::size_t chunk_size, Durability durability,
                        const DecryptTuning& tuning) {
  const FileSource source(in_path);
  PartialFile output(out_path, durability);
  decrypt(source, key, expected_signer, chunk_size, output, tuning.threads, tuning.writers);
  output.commit();
}

Bytes decrypt_model(ByteSpan file, const ModelKey& key, const eth::Address& expected_signer, std::size_t chunk_size) {
  Bytes plaintext;
  MemorySink sink(plaintext);
  // One thread and no writer threads: tests and fuzzing stay deterministic.
  decrypt(MemorySource(file), key, expected_signer, chunk_size, sink, 1, 0);
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
  MemorySink sink(file);
  encrypt(MemorySource(plaintext), key, tee_signer, iv, chunk_size, sink);
  return file;
}

}  // namespace zg::finetune
