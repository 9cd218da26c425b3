#include "mapped_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "file_kind.h"

namespace xattn {
namespace posix {
namespace {

// A mapped model that shrinks raises SIGBUS on access: say so and exit.
void on_sigbus(int) {
  static const char kMessage[] =
      "xattn: the model file shrank or changed while in use (SIGBUS); do not truncate or rewrite a model in place"
      " while a tool uses it\n";
  const ssize_t ignored = write(2, kMessage, sizeof kMessage - 1);
  (void)ignored;
  _exit(1);
}

void install_sigbus_handler() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = on_sigbus;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, nullptr);
}

}  // namespace

std::string not_regular_file(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return "";
  return path + " is " + posix::file_kind(st.st_mode) + ", not a model file";
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) munmap(data_, reserved_);
}

std::string MappedFile::open(const std::string& path, size_t read_limit) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "cannot open " + path + ": " + std::strerror(errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return "cannot stat " + path + ": " + why;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return path + " is " + posix::file_kind(st.st_mode) + ", not a model file";
  }
  if (st.st_size == 0) {
    ::close(fd);
    return path + ": empty file";
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size > read_limit) {
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) return "cannot map " + path + ": " + std::strerror(errno);
    install_sigbus_handler();
    data_ = static_cast<uint8_t*>(p);
    size_ = reserved_ = size;
    mapped_ = true;
    return "";
  }
  // Anonymous pages: page-aligned, and released as a whole in the destructor.
  void* p = mmap(nullptr, size + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    ::close(fd);
    return "cannot allocate " + std::to_string(size) + " bytes for " + path;
  }
  uint8_t* bytes = static_cast<uint8_t*>(p);
  size_t got = 0;
  std::string error;
  // One byte more than the size: a file that grew while read is noticed too.
  while (got <= size) {
    const ssize_t n = ::read(fd, bytes + got, size + 1 - got);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) {
      error = "cannot read " + path + ": " + std::strerror(errno);
      break;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (error.empty() && got != size) error = path + " changed size while being read";
  if (!error.empty()) {
    munmap(p, size + 1);
    return error;
  }
  mprotect(p, size + 1, PROT_READ);
  data_ = bytes;
  size_ = size;
  reserved_ = size + 1;
  return "";
}

}  // namespace posix
}  // namespace xattn
