#include "convert_args.h"

#include <algorithm>
#include <cstring>

namespace xattn {
namespace convert {
namespace {

// Every option of convert ct2|synth|embed that takes a value, and the flags.
const char* const kValued[] = {"-o",           "--output",      "--weights", "--activation-rounding",
                               "--text",       "--layout",      "--preset",  "--seed",
                               "--name",       "--max-source",  "--max-target", "--beam",
                               "--tokenizer",  "--source-tokenizer", "--target-tokenizer", "--vocabulary"};
const char* const kFlags[] = {"--alignment", "--pcm"};

template <size_t N>
bool listed(const char* const (&names)[N], const std::string& word) {
  return std::any_of(names, names + N, [&](const char* n) { return word == n; });
}

// -o and --output are one option.
std::string canonical(const std::string& name) { return name == "--output" ? "-o" : name; }

}  // namespace

std::string normalize_convert_args(int argc, char** argv, std::vector<std::string>* out) {
  out->clear();
  std::vector<std::string> seen;
  bool options_ended = false;
  for (int i = 0; i < argc; ++i) {
    std::string word = argv[i] ? argv[i] : "";
    if (options_ended && word.size() > 1 && word[0] == '-') {
      out->push_back("./" + word);  // the same file, never read as an option by the subcommand
      continue;
    }
    if (options_ended || word.size() < 2 || word[0] != '-') {
      out->push_back(word);
      continue;
    }
    if (word == "--") {  // the end of the options, as for the other commands
      options_ended = true;
      continue;
    }
    const size_t equals = word.find('=');
    std::string name = equals == std::string::npos ? word : word.substr(0, equals);
    const bool valued = listed(kValued, name);
    const bool help = name == "--help" || name == "-h";
    if (equals != std::string::npos && (help || listed(kFlags, name))) return name + " takes no value";
    if (!valued && !listed(kFlags, name)) {
      out->push_back(word);  // unknown, or --help: the subcommand answers
      continue;
    }
    const std::string key = canonical(name);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return name + " is given more than once (each option at most once)";
    }
    seen.push_back(key);
    out->push_back(name);
    if (equals != std::string::npos) {
      out->push_back(word.substr(equals + 1));
    } else if (valued && i + 1 < argc && argv[i + 1]) {
      out->push_back(argv[++i]);  // the value, whatever it looks like
    }
  }
  return "";
}

}  // namespace convert
}  // namespace xattn
