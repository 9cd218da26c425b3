// `xattn convert synth --preset P --weights f32|int8|int4 --seed S -o FILE`.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "synth.h"
#include "synth_command.h"

#include "file_safety.h"
namespace xattn {
namespace convert {
namespace {

std::string usage() {
  std::string presets;
  for (const std::string& p : synth_presets()) presets += (presets.empty() ? "" : "|") + p;
  return "usage: convert synth --preset " + presets + " [--weights f32|int8|int4] [--seed S] [--layout packed|row-major] -o FILE";
}

}  // namespace

int run_synth(int argc, char** argv, std::ostream& out, std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  std::string preset, output, weights = "f32", layout = "packed";
  uint64_t seed = 1;
  // Each message names the real problem (a missing value, an unknown option, a bad number).
  auto usage_error = [&](const std::string& what) {
    err << "convert: " << what << " (" << usage() << ")\n";
    return 2;
  };
  for (int i = 2; i < argc; ++i) {  // argv[1] is "synth"
    const std::string arg = argv[i] ? argv[i] : "";
    const bool valued = arg == "-o" || arg == "--output" || arg == "--preset" || arg == "--weights" ||
                        arg == "--layout" || arg == "--seed";
    if (arg == "-h" || arg == "--help") {
      out << usage() << "\n";
      return 0;
    } else if (valued && i + 1 >= argc) {
      return usage_error(arg + " needs a value");
    } else if (arg == "-o" || arg == "--output") {
      output = argv[++i];
      // "-o --weights int8": the option was taken as the name; ./-name writes such a file.
      if (output.empty() || output[0] == '-') return usage_error(arg + " needs a file name, got '" + output + "'");
    } else if (arg == "--preset") {
      preset = argv[++i];
    } else if (arg == "--weights") {
      weights = argv[++i];
    } else if (arg == "--layout") {
      layout = argv[++i];
    } else if (arg == "--seed") {
      const std::string text = argv[++i];
      char* end = nullptr;
      errno = 0;
      seed = std::strtoull(text.c_str(), &end, 10);
      // strtoull would take "-1" as 2^64-1 and saturate past 2^64: only plain digits that fit.
      if (text.empty() || *end || errno == ERANGE || text.find_first_not_of("0123456789") != std::string::npos) {
        return usage_error("--seed needs a non-negative integer below 2^64, not '" + text + "'");
      }
    } else if (!arg.empty() && arg[0] == '-') {
      return usage_error("unknown option '" + arg + "'");
    } else {
      return usage_error("unexpected argument '" + arg + "'");
    }
  }
  if (preset.empty()) return usage_error("synth needs --preset");
  if (output.empty()) return usage_error("synth needs -o FILE");
  if (weights != "f32" && weights != "float32" && weights != "int8" && weights != "int4") {
    return usage_error("--weights must be f32, int8 or int4, not '" + weights + "'");
  }
  if (weights == "int4" && layout == "row-major") {
    return usage_error("--weights int4 has one layout (groups of 32, FORMAT.md layout 3): not with --layout row-major");
  }
  if (layout != "packed" && layout != "row-major") {
    return usage_error("--layout must be packed or row-major, not '" + layout + "'");
  }
  const WeightType type = weights == "int8"   ? WeightType::kInt8
                          : weights == "int4" ? WeightType::kInt4
                                              : WeightType::kFloat32;
  XattnModelContents model;
  std::string error = synth_model(preset, type, seed, &model);
  model.pack_weights = layout == "packed";
  std::vector<uint8_t> bytes;
  if (error.empty()) error = write_xattn_model(model, &bytes);
  if (error.empty()) error = write_file_safely(output, std::string(bytes.begin(), bytes.end()), {});
  if (!error.empty()) {
    err << "convert: " << error << "\n";
    return 1;
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  char time[32];
  std::snprintf(time, sizeof time, "%.1f ms", ms);
  out << "synthesized " << preset << " (seed " << seed << ") -> " << output << ": " << model.tensors.size()
      << " tensors, " << bytes.size() << " bytes, " << weight_type_name(type) << " weights, "
      << time << "\n";
  return 0;
}

}  // namespace convert
}  // namespace xattn
