#include "cli_args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace xattn {
namespace posix {

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) args_.emplace_back(argv[i]);
  used_.assign(args_.size(), false);
}

int Args::find(const std::string& name) {
  for (size_t i = 0; i < args_.size(); ++i) {
    if (!used_[i] && args_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

bool Args::flag(const std::string& name) {
  const int i = find(name);
  if (i < 0) return false;
  used_[i] = true;
  return true;
}

bool Args::text(const std::string& name, std::string* out) {
  const int i = find(name);
  if (i < 0) return false;
  used_[i] = true;
  if (static_cast<size_t>(i) + 1 >= args_.size()) {
    if (error_.empty()) error_ = name + " needs a value";
    return false;
  }
  used_[i + 1] = true;
  *out = args_[i + 1];
  return true;
}

bool Args::number(const std::string& name, uint32_t min, uint32_t max, uint32_t* out) {
  std::string value;
  if (!text(name, &value)) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || value[0] == '-' || v < min || v > max) {
    if (error_.empty()) error_ = name + ": expected an integer in " + std::to_string(min) + ".." + std::to_string(max) + ", got '" + value + "'";
    return false;
  }
  *out = static_cast<uint32_t>(v);
  return true;
}

bool Args::real(const std::string& name, float* out) {
  std::string value;
  if (!text(name, &value)) return false;
  char* end = nullptr;
  const float v = std::strtof(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !std::isfinite(v)) {
    if (error_.empty()) error_ = name + ": expected a number, got '" + value + "'";
    return false;
  }
  *out = v;
  return true;
}

bool Args::kv_precision(const std::string& name, KvPrecision* out) {
  std::string value;
  if (!text(name, &value)) return false;
  if (!parse_kv_precision(value.c_str(), out)) {
    if (error_.empty()) error_ = name + " must be f32, f16 or int8, not '" + value + "'";
    return false;
  }
  return true;
}

std::vector<std::string> Args::all(const std::string& name) {
  std::vector<std::string> values;
  std::string v;
  while (find(name) >= 0 && text(name, &v)) values.push_back(v);
  return values;
}

bool Args::positional(std::string* out) {
  for (size_t i = 0; i < args_.size(); ++i) {
    if (used_[i]) continue;
    if (args_[i].size() > 1 && args_[i][0] == '-') continue;
    used_[i] = true;
    *out = args_[i];
    return true;
  }
  return false;
}

std::string Args::finish() {
  if (!error_.empty()) return error_;
  for (size_t i = 0; i < args_.size(); ++i) {
    if (!used_[i]) return "unknown argument '" + args_[i] + "'";
  }
  return "";
}

}  // namespace posix
}  // namespace xattn
