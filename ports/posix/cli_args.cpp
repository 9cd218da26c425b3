#include "cli_args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace xattn {
namespace posix {
namespace {

// An argument as it may appear in a one-line message: control bytes as \xNN.
std::string printable(const std::string& arg) {
  std::string out;
  for (unsigned char c : arg) {
    if (c < 0x20 || c == 0x7f) {
      const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

Args::Args(int argc, char** argv, int first, std::initializer_list<OptionSpec> options) : specs_(options) {
  auto spec_of = [&](const std::string& name) -> const OptionSpec* {
    for (const OptionSpec& s : specs_)
      if (name == s.name) return &s;
    return nullptr;
  };
  // Whether a word is an option of this command (--help included), not a value.
  auto is_option = [&](const char* word) {
    const std::string w(word);
    const std::string name = w.substr(0, w.find('='));
    return name == "--help" || name == "-h" || spec_of(name) != nullptr;
  };
  bool options_end = false;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i] ? argv[i] : "";
    if (options_end || arg.size() < 2 || arg[0] != '-') {
      positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_end = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      continue;
    }
    const size_t equals = arg.rfind("--", 0) == 0 ? arg.find('=') : std::string::npos;
    const std::string name = arg.substr(0, equals);
    if (name == "--help") {
      fail("--help takes no value");
      continue;
    }
    const OptionSpec* spec = spec_of(name);
    if (!spec) {
      fail("unknown option '" + printable(name) + "'");
      continue;
    }
    std::string value;
    if (!spec->takes_value) {
      if (equals != std::string::npos) fail(name + " takes no value");
    } else if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < argc && argv[i + 1] && !is_option(argv[i + 1])) {
      value = argv[++i];
    } else {
      fail(i + 1 < argc ? name + " needs a value, got the option '" + printable(argv[i + 1]) + "'" : name + " needs a value");
      continue;
    }
    Given* g = given(name);
    if (g && !spec->repeatable) {
      fail(name + " is given more than once (each option at most once)");
      continue;
    }
    if (!g) {
      given_.push_back(Given{name, {}, false});
      g = &given_.back();
    }
    g->values.push_back(value);
  }
}

Args::Given* Args::given(const std::string& name) {
  for (Given& g : given_)
    if (g.name == name) return &g;
  return nullptr;
}

bool Args::flag(const std::string& name) {
  Given* g = given(name);
  if (!g) return false;
  g->used = true;
  return true;
}

bool Args::text(const std::string& name, std::string* out) {
  Given* g = given(name);
  if (!g) return false;
  g->used = true;
  *out = g->values.back();
  return true;
}

bool Args::number(const std::string& name, uint32_t min, uint32_t max, uint32_t* out) {
  std::string value;
  if (!text(name, &value)) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || value[0] == '-' || value[0] == '+' || value[0] == ' ' ||
      v < min || v > max) {
    fail(name + ": expected an integer in " + std::to_string(min) + ".." + std::to_string(max) + ", got '" + printable(value) + "'");
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
    fail(name + ": expected a finite number, got '" + printable(value) + "'");
    return false;
  }
  *out = v;
  return true;
}

bool Args::kv_precision(const std::string& name, KvPrecision* out) {
  std::string value;
  if (!text(name, &value)) return false;
  if (!parse_kv_precision(value.c_str(), out)) {
    fail(name + " must be f32, f16 or int8, not '" + printable(value) + "'");
    return false;
  }
  return true;
}

std::vector<std::string> Args::all(const std::string& name) {
  Given* g = given(name);
  if (!g) return {};
  g->used = true;
  return g->values;
}

bool Args::positional(std::string* out) {
  if (next_positional_ >= positionals_.size()) return false;
  *out = positionals_[next_positional_++];
  return true;
}

std::string Args::finish() {
  if (!error_.empty()) return error_;
  for (const Given& g : given_) {
    if (!g.used) return g.name + " does not apply here";
  }
  if (next_positional_ < positionals_.size()) {
    return "unexpected argument '" + printable(positionals_[next_positional_]) + "'";
  }
  return "";
}

}  // namespace posix
}  // namespace xattn
