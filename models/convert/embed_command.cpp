#include "embed_command.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "file_safety.h"
#include "xattn/limits_check.h"
#include "xattn/model.h"
#include "xattn/xattn.h"

namespace xattn {
namespace convert {
namespace {

const char kUsage[] =
    "usage: convert embed MODEL.xattn -o OUT.c [--name SYMBOL] [--max-source N] [--max-target N]"
    " [--beam N] [--alignment] [--pcm] [--kv-cache f32|f16|int8] [--self-kv-cache f32|f16|int8]";

struct EmbedArguments {
  std::string input, output, name = "xattn_model";
  xattn_limits limits = xattn_default_limits();
};

bool parse_u32(const char* text, uint32_t* value) {
  char* end = nullptr;
  const unsigned long v = std::strtoul(text, &end, 10);
  if (!*text || *end || v == 0 || v > 1u << 20) return false;
  *value = static_cast<uint32_t>(v);
  return true;
}

// The C API's precision values are KvPrecision's (xattn.h), so the runtime's
// spellings and parser (xattn/config.h) serve both.
static_assert(XATTN_KV_F32 == static_cast<int>(KvPrecision::kFloat32) &&
                  XATTN_KV_F16 == static_cast<int>(KvPrecision::kFloat16) &&
                  XATTN_KV_INT8 == static_cast<int>(KvPrecision::kInt8),
              "xattn_kv_precision and KvPrecision agree");
bool parse_precision(const char* text, xattn_kv_precision* out) {
  KvPrecision p;
  if (!parse_kv_precision(text, &p)) return false;
  *out = static_cast<xattn_kv_precision>(p);
  return true;
}

KvPrecision to_precision(xattn_kv_precision p) { return static_cast<KvPrecision>(p); }

bool is_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::string parse(int argc, char** argv, EmbedArguments* a) {
  a->limits.alignment = 0;
  for (int i = 2; i < argc; ++i) {  // argv[1] is "embed"
    const std::string arg = argv[i] ? argv[i] : "";
    const bool has_value = i + 1 < argc;
    if (arg == "-o" || arg == "--output" || arg == "--name") {
      if (!has_value) return arg + " needs a value";
      (arg == "--name" ? a->name : a->output) = argv[++i];
      // "-o --beam 2": the option was taken as the name; ./-name writes such a file.
      if (arg != "--name" && (a->output.empty() || a->output[0] == '-')) {
        return arg + " needs a file name, got '" + a->output + "'";
      }
    } else if (arg == "--max-source" || arg == "--max-target" || arg == "--beam") {
      uint32_t* field = arg == "--beam" ? &a->limits.max_beam
                        : arg == "--max-source" ? &a->limits.max_source_length
                                                : &a->limits.max_target_length;
      if (!has_value || !parse_u32(argv[++i], field)) return arg + " needs a positive number";
    } else if (arg == "--alignment") {
      a->limits.alignment = 1;
    } else if (arg == "--pcm") {  // audio models: room for xattn_encode_pcm_* (the log-mel on the device)
      a->limits.pcm_input = 1;
    } else if (arg == "--kv-cache" || arg == "--self-kv-cache") {  // the caches' precision sizes the buffer
      xattn_kv_precision* field = arg == "--kv-cache" ? &a->limits.kv_cache : &a->limits.self_kv_cache;
      if (!has_value || !parse_precision(argv[++i], field)) return arg + " needs f32, f16 or int8";
    } else if (!arg.empty() && arg[0] == '-') {
      return "unknown option " + arg;
    } else if (a->input.empty()) {
      a->input = arg;
    } else {
      return "unexpected argument " + arg;
    }
  }
  if (a->input.empty()) return "missing the model file";
  if (a->output.empty()) return "missing -o OUT.c";
  if (!is_identifier(a->name)) return "--name must be a C identifier, not '" + a->name + "'";
  return "";
}

std::string header_path(const std::string& c_path) {
  const size_t dot = c_path.rfind('.');
  const size_t slash = c_path.rfind('/');
  const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (has_ext ? c_path.substr(0, dot) : c_path) + ".h";
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct alignas(64) Block {
  uint8_t bytes[64];
};

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  for (int i = 2; i < argc; ++i) {
    if (argv[i] && (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0)) {
      out << kUsage << "\n";
      return 0;
    }
  }
  EmbedArguments a;
  const std::string usage_error = parse(argc, argv, &a);
  if (!usage_error.empty()) {
    err << "convert embed: " << usage_error << " (" << kUsage << ")\n";
    return 2;
  }
  const std::string refused = refuse_unreadable(a.input);
  if (!refused.empty()) {
    err << "convert embed: " << refused << "\n";
    return 1;
  }
  std::ifstream file(a.input, std::ios::binary);
  if (!file) {
    err << "convert embed: cannot open " << a.input << "\n";
    return 1;
  }
  const std::vector<char> raw((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<Block> aligned((raw.size() + 63) / 64 + 1);
  if (!raw.empty()) std::memcpy(aligned.data(), raw.data(), raw.size());  // an empty file: raw.data() may be null
  static xattn_model_storage storage;
  xattn_model* model = nullptr;
  xattn_error error;
  if (xattn_model_open(aligned.data(), raw.size(), &storage, &model, &error) != XATTN_OK) {
    err << "convert embed: " << a.input << ": " << error.message << "\n";
    return 1;
  }
  // The limits a session would refuse are refused here, not at run time on the device.
  const xattn::Limits limits = {a.limits.max_source_length, a.limits.max_target_length, a.limits.max_beam,
                                a.limits.alignment != 0, to_precision(a.limits.kv_cache),
                                to_precision(a.limits.self_kv_cache)};
  static ModelView view;  // tens of KiB: not on the stack
  Status valid = open_model(reinterpret_cast<const uint8_t*>(aligned.data()), raw.size(), &view);
  if (valid) valid = check_limits(view.config, limits);
  const size_t session_bytes = xattn_session_buffer_bytes(model, &a.limits);
  if (!valid || session_bytes == 0) {
    err << "convert embed: " << (valid ? "these limits cannot be planned" : valid.message()) << "\n";
    return 1;
  }
  const std::string guard = upper(a.name) + "_H_";
  const std::string macro = upper(a.name);
  std::ostringstream h;
  h << "/* Generated by `xattn convert embed` from " << a.input << ": do not edit. */\n"
    << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
    << "#define " << macro << "_BYTES " << raw.size() << "u\n"
    << "/* The limits the session buffer is sized for. */\n"
    << "#define " << macro << "_MAX_SOURCE " << a.limits.max_source_length << "u\n"
    << "#define " << macro << "_MAX_TARGET " << a.limits.max_target_length << "u\n"
    << "#define " << macro << "_MAX_BEAM " << a.limits.max_beam << "u\n"
    << "#define " << macro << "_ALIGNMENT " << a.limits.alignment << "\n"
    << "#define " << macro << "_PCM_INPUT " << a.limits.pcm_input << "\n"
    << "/* xattn_kv_precision of the static encoder cache and of the self-attention cache. */\n"
    << "#define " << macro << "_KV_CACHE " << static_cast<int>(a.limits.kv_cache) << " /* "
    << kv_precision_name(to_precision(a.limits.kv_cache)) << " */\n"
    << "#define " << macro << "_SELF_KV_CACHE " << static_cast<int>(a.limits.self_kv_cache) << " /* "
    << kv_precision_name(to_precision(a.limits.self_kv_cache)) << " */\n"
    << "/* xattn_session_buffer_bytes() for them: the planner's arena plus the handle. */\n"
    << "#define " << macro << "_SESSION_BYTES " << session_bytes << "u\n\n"
    << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n"
    << "/* 64-byte aligned, as xattn_model_open() requires. */\n"
    << "extern const uint8_t " << a.name << "[" << macro << "_BYTES];\n"
    << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  std::string c;
  c.reserve(raw.size() * 5 + 512);
  const std::string header = header_path(a.output);
  c += "/* Generated by `xattn convert embed` from " + a.input + ": do not edit. */\n#include \"" +
       header.substr(header.rfind('/') == std::string::npos ? 0 : header.rfind('/') + 1) + "\"\n\n" +
       "#if defined(__GNUC__)\n__attribute__((aligned(64)))\n#else\n_Alignas(64)\n#endif\n" +
       "const uint8_t " + a.name + "[" + macro + "_BYTES] = {";
  char hex[16];
  for (size_t i = 0; i < raw.size(); ++i) {
    std::snprintf(hex, sizeof hex, "%s0x%02x,", i % 16 ? " " : "\n  ", static_cast<unsigned char>(raw[i]));
    c += hex;
  }
  c += "\n};\n";
  if (header == a.output) {
    err << "convert embed: -o " << a.output << " would also be the header's name: give OUT.c\n";
    return 2;
  }
  // Both outputs are checked before either is written: never a header without its .c.
  std::string failed = refuse_output(a.output, {a.input});
  if (failed.empty()) failed = write_file_safely(header, h.str(), {a.input});
  if (failed.empty()) failed = write_file_safely(a.output, c, {a.input});
  if (!failed.empty()) {
    err << "convert embed: " << failed << "\n";
    return 1;
  }
  out << "embedded " << a.input << " -> " << a.output << " + " << header << ": " << raw.size()
      << " bytes, session buffer " << session_bytes << " bytes\n";
  return 0;
}

}  // namespace

int run_embed(int argc, char** argv, std::ostream& out, std::ostream& err) { return run(argc, argv, out, err); }

}  // namespace convert
}  // namespace xattn
