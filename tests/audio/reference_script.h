// Running a reference script (tests/audio/*.py) from a test: its output
// folder, or "" after the test has printed the skip marker the script gave
// (python3, torch or the reference folder absent). Scripts run with the
// python3 CMake found (XATTN_PYTHON, overridable by the environment variable
// of that name) on the reference folder (XATTN_REFERENCE_DIR, likewise).
#pragma once

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace xattn {
namespace test {

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// `name` is the output folder's name; it is made in the build tree
// (XATTN_REFERENCE_OUTPUT_DIR), whatever directory the tests run from.
inline std::string run_reference_script(const char* script, const std::string& name) {
  const std::string out = std::string(XATTN_REFERENCE_OUTPUT_DIR) + "/" + name;
  // One log per process: test cases sharing a folder may run at once.
  const std::string log_path = out + "." + std::to_string(getpid()) + ".log";
  const std::string command = env_or("XATTN_PYTHON", XATTN_PYTHON) + " '" + script + "' '" +
                              env_or("XATTN_REFERENCE_DIR", XATTN_REFERENCE_DIR) + "' '" + out + "' > '" + log_path +
                              "' 2>&1";
  // Test cases sharing a folder run the script one at a time: the first
  // writes the folder (its done.txt last), the others find it up to date
  // instead of rewriting files the first is already reading.
  const int lock = ::open((out + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  REQUIRE_MESSAGE(lock >= 0, "cannot open " << out << ".lock");
  REQUIRE_MESSAGE(::flock(lock, LOCK_EX) == 0, "cannot lock " << out << ".lock");
  const int rc = std::system(command.c_str());
  ::close(lock);  // releases the lock
  std::ifstream log(log_path);
  std::stringstream text;
  text << log.rdbuf();
  if (text.str().find("XATTN-SKIP") != std::string::npos) {
    MESSAGE(text.str());
    return "";
  }
  REQUIRE_MESSAGE(rc == 0, "reference script failed: " << command << "\n" << text.str());
  return out;
}

template <typename T>
std::vector<T> read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  const std::streamsize bytes = in.tellg();
  std::vector<T> v(static_cast<size_t>(bytes) / sizeof(T));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
  return v;
}

}  // namespace test
}  // namespace xattn
