#pragma once
// SHA-256 (FIPS 180-4) over mbedTLS: one-shot and incremental for streamed input (files, chunks).
#include <memory>

#include "common/bytes.hpp"

namespace zg::crypto {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  Sha256& update(ByteSpan data);
  // Returns the digest and resets the hasher, so it can hash the next message at once.
  Hash256 finalize();
  void reset();

 private:
  struct Context;  // the mbedTLS context stays out of this header
  std::unique_ptr<Context> context_;
};

Hash256 sha256(ByteSpan data);

}  // namespace zg::crypto
