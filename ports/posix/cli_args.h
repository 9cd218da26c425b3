// Tiny argument reader for the xattn subcommands: "--name value" options,
// flags and positionals, with one-line errors for anything malformed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xattn/config.h"

namespace xattn {
namespace posix {

class Args {
 public:
  Args(int argc, char** argv, int first);

  // Each accessor consumes what it reads; leftovers are reported by finish().
  bool flag(const std::string& name);
  bool text(const std::string& name, std::string* out);
  bool number(const std::string& name, uint32_t min, uint32_t max, uint32_t* out);
  bool real(const std::string& name, float* out);
  bool kv_precision(const std::string& name, KvPrecision* out);  // f32, f16 or int8
  std::vector<std::string> all(const std::string& name);  // repeated option
  bool positional(std::string* out);

  // "" when every argument was understood, else a one-line error.
  std::string finish();
  const std::string& error() const { return error_; }

 private:
  std::vector<std::string> args_;
  std::vector<bool> used_;
  std::string error_;
  int find(const std::string& name);
};

}  // namespace posix
}  // namespace xattn
