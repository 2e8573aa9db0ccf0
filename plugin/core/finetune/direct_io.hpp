#pragma once
// Helpers for writing (and reading) model files around the page cache with O_DIRECT. On the VMs
// this project runs on, touching fresh memory is slow (about 340 MB/s), and a buffered write of a
// large file fills that many fresh page-cache pages; O_DIRECT moves the bytes from a reused buffer
// straight to the disk, which the fsync before the rename needs anyway. O_DIRECT wants the memory
// address, the file offset and the length aligned to the logical block size; 4 KiB covers every
// Linux file system we write to.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

#include "common/bytes.hpp"

namespace zg::finetune::direct_io {

inline constexpr std::size_t kAlignment = 4096;

constexpr bool is_aligned(std::uint64_t value) noexcept { return value % kAlignment == 0; }
inline bool is_aligned(const void* pointer) noexcept { return is_aligned(reinterpret_cast<std::uintptr_t>(pointer)); }
constexpr std::uint64_t round_up(std::uint64_t value) noexcept { return (value + kAlignment - 1) / kAlignment * kAlignment; }

// A reusable, page-aligned buffer: allocated once and reused (nothing is allocated per piece), and
// aligned so it can go to O_DIRECT reads and writes. Pages never touched are never resident.
class AlignedBuffer {
 public:
  explicit AlignedBuffer(std::size_t size)
      : data_(static_cast<std::uint8_t*>(std::aligned_alloc(kAlignment, std::max<std::size_t>(kAlignment, round_up(size))))),
        size_(size) {
    if (!data_) throw std::bad_alloc();
  }
  MutableByteSpan first(std::size_t count) const noexcept { return {data_.get(), std::min(count, size_)}; }
  std::uint8_t* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }

 private:
  struct Free {
    void operator()(std::uint8_t* data) const noexcept { std::free(data); }
  };
  std::unique_ptr<std::uint8_t, Free> data_;
  std::size_t size_;
};

}  // namespace zg::finetune::direct_io
