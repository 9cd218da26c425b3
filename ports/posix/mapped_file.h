// A read-only memory mapping of a whole file: the zero-copy source of model
// bytes on hosts (page-aligned, so it satisfies the reader's 64-byte rule).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xattn {
namespace posix {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Returns "" or a one-line error naming the file.
  std::string open(const std::string& path);
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace posix
}  // namespace xattn
