// Exactly `size` bytes at a 64-byte aligned address (model bytes must be
// 64-aligned), with no slack after them, so a read one byte past the end is
// an ASan report rather than a read of padding. Shared by the doctest suite
// and the fuzz targets (which do not link doctest).
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

namespace xattn_test {

class AlignedBytes {
 public:
  AlignedBytes(const uint8_t* src, size_t size)
      : size_(size), data_(static_cast<uint8_t*>(::operator new(size ? size : 1, std::align_val_t(64)))) {
    if (size && src) std::memcpy(data_, src, size);
  }
  explicit AlignedBytes(const std::vector<uint8_t>& b) : AlignedBytes(b.data(), b.size()) {}
  ~AlignedBytes() { ::operator delete(data_, std::align_val_t(64)); }
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;
  uint8_t* data() { return data_; }
  size_t size() const { return size_; }

 private:
  size_t size_;
  uint8_t* data_;
};

}  // namespace xattn_test
