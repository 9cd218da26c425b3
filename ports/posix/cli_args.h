// Argument reader for the xattn subcommands. Each subcommand declares its
// options up front (flag or valued, once or repeatable), so the whole command
// line is read in one pass and every error names the real problem: an
// unknown option, a missing value, an option given twice, an unexpected
// positional. Values come as "--name value" or "--name=value"; "--" ends the
// options; "--help" / "-h" is recognized everywhere.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "xattn/config.h"

namespace xattn {
namespace posix {

struct OptionSpec {
  const char* name;         // "--beam"
  bool takes_value;         // false: a flag
  bool repeatable = false;  // may be given more than once (else twice is an error)
};

class Args {
 public:
  Args(int argc, char** argv, int first, std::initializer_list<OptionSpec> options);

  bool help() const { return help_; }
  // Each accessor consumes what it reads; options never read are reported by finish().
  bool flag(const std::string& name);
  bool text(const std::string& name, std::string* out);
  bool number(const std::string& name, uint32_t min, uint32_t max, uint32_t* out);
  bool real(const std::string& name, float* out);
  bool kv_precision(const std::string& name, KvPrecision* out);  // f32, f16 or int8
  std::vector<std::string> all(const std::string& name);  // a repeatable option, in order
  bool positional(std::string* out);                      // the next positional, in order

  // "" when every argument was understood and used, else a one-line error.
  std::string finish();
  const std::string& error() const { return error_; }

 private:
  struct Given {
    std::string name;
    std::vector<std::string> values;  // one per occurrence ("" for a flag)
    bool used = false;
  };
  Given* given(const std::string& name);
  void fail(const std::string& message) {
    if (error_.empty()) error_ = message;
  }
  std::vector<OptionSpec> specs_;
  std::vector<Given> given_;
  std::vector<std::string> positionals_;
  size_t next_positional_ = 0;
  bool help_ = false;
  std::string error_;
};

}  // namespace posix
}  // namespace xattn
