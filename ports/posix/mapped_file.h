// The bytes of a model file, page-aligned (so they satisfy the reader's
// 64-byte rule), for the tools. Only regular files are accepted: a FIFO, a
// device or a directory is refused before anything is read, so a path can
// never block the tool.
//
// Files up to `read_limit` bytes (kReadLimit by default, larger than any
// model the project ships) are read into private memory: a file truncated or
// rewritten in place while the tool runs cannot change or kill it. Larger
// files are mapped read-only and privately; the runtime's contract is that
// model bytes stay valid and unchanged while used, and a mapped file that
// shrinks would raise SIGBUS on the next access: the tool then exits with a
// one-line message (status 1) instead of dying silently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xattn {
namespace posix {

class MappedFile {
 public:
  static constexpr size_t kReadLimit = size_t{256} << 20;

  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Returns "" or a one-line error naming the file.
  std::string open(const std::string& path, size_t read_limit = kReadLimit);
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool mapped() const { return mapped_; }  // false: read into memory

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t reserved_ = 0;  // bytes of the mapping (file or anonymous)
  bool mapped_ = false;
};

// Why `path` cannot be a model file ("" if it is a regular file or missing):
// it names the kind of file ("a directory", "a FIFO", ...). Cheap: one stat.
std::string not_regular_file(const std::string& path);

}  // namespace posix
}  // namespace xattn
