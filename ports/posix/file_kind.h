// How the host tools name a path that is not a regular file in their
// messages ("model.xattn is a directory, not a model file"): one wording for
// the model mapping (mapped_file.cpp) and the converter's input and output
// checks (models/convert/file_safety.cpp). POSIX, tools only; header-only
// (CMake target xattn_file_kind) so the converter needs no posix port.
#pragma once

#include <sys/stat.h>

namespace xattn {
namespace posix {

inline const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace posix
}  // namespace xattn
