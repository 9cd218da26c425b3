#include "file_safety.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "file_kind.h"

namespace xattn {
namespace convert {
namespace {

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// Whether `target` is `input` or, for a directory input, one of the files in it.
bool is_input(const struct stat& target, const std::string& input) {
  struct stat st;
  if (stat(input.c_str(), &st) != 0) return false;
  if (same_file(st, target)) return true;
  if (!S_ISDIR(st.st_mode)) return false;
  DIR* dir = opendir(input.c_str());
  if (!dir) return false;
  bool found = false;
  while (const dirent* entry = readdir(dir)) {
    struct stat file;
    if (stat((input + "/" + entry->d_name).c_str(), &file) == 0 && S_ISREG(file.st_mode) && same_file(file, target)) {
      found = true;
      break;
    }
  }
  closedir(dir);
  return found;
}

std::string refuse_target(const std::string& path, const std::vector<std::string>& inputs) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return "";  // a new file
    // Anything else (EOVERFLOW, EACCES, ELOOP) leaves the target unknown: never write blind.
    return path + ": cannot tell what it is (" + std::strerror(errno) + ")";
  }
  if (!S_ISREG(st.st_mode)) return path + " is " + posix::file_kind(st.st_mode) + ": the output must be a regular file";
  for (const std::string& input : inputs) {
    if (is_input(st, input)) return path + " is one of the inputs (" + input + "): write the output elsewhere";
  }
  return "";
}

}  // namespace

std::string refuse_unreadable(const std::string& path) {
  if (path.empty()) return "an input file name is empty";
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return "";
  return path + " is " + posix::file_kind(st.st_mode) + ", not a regular file";
}

std::string refuse_output(const std::string& output, const std::vector<std::string>& inputs) {
  if (output.empty()) return "the output file name is empty";
  std::string error = refuse_target(output, inputs);
  if (error.empty()) error = refuse_target(output + ".tmp", inputs);
  return error;
}

std::string write_file_safely(const std::string& path, const std::string& bytes,
                              const std::vector<std::string>& inputs) {
  const std::string refused = refuse_output(path, inputs);
  if (!refused.empty()) return refused;
  // Write beside the target and rename, so a failed run never leaves half a file behind.
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) return "cannot create " + temporary + ": " + std::strerror(errno);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.flush();
    if (!file) {
      std::remove(temporary.c_str());
      return "cannot write " + temporary;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return "cannot rename " + temporary + " to " + path;
  }
  return "";
}

}  // namespace convert
}  // namespace xattn
