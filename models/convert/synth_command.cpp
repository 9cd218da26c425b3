// `xattn convert synth --preset P --weights f32|int8 --seed S -o FILE`.
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
  return "usage: convert synth --preset " + presets + " [--weights f32|int8] [--seed S] [--layout packed|row-major] -o FILE";
}

}  // namespace

int run_synth(int argc, char** argv, std::ostream& out, std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  std::string preset, output, weights = "f32", layout = "packed";
  uint64_t seed = 1;
  for (int i = 2; i < argc; ++i) {  // argv[1] is "synth"
    const std::string arg = argv[i] ? argv[i] : "";
    const bool has_value = i + 1 < argc;
    if (arg == "-h" || arg == "--help") {
      out << usage() << "\n";
      return 0;
    } else if ((arg == "-o" || arg == "--output") && has_value) {
      output = argv[++i];
    } else if (arg == "--preset" && has_value) {
      preset = argv[++i];
    } else if (arg == "--weights" && has_value) {
      weights = argv[++i];
    } else if (arg == "--layout" && has_value) {
      layout = argv[++i];
    } else if (arg == "--seed" && has_value) {
      const std::string text = argv[++i];
      char* end = nullptr;
      seed = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || *end) {
        err << "convert: --seed needs a non-negative integer, not '" << text << "' (" << usage() << ")\n";
        return 2;
      }
    } else {
      err << "convert: unexpected argument " << arg << " (" << usage() << ")\n";
      return 2;
    }
  }
  if (preset.empty() || output.empty() || (weights != "f32" && weights != "float32" && weights != "int8")) {
    err << "convert: synth needs --preset, -o and --weights f32|int8 (" << usage() << ")\n";
    return 2;
  }
  if (layout != "packed" && layout != "row-major") {
    err << "convert: --layout must be packed or row-major, not '" << layout << "' (" << usage() << ")\n";
    return 2;
  }
  const WeightType type = weights == "int8" ? WeightType::kInt8 : WeightType::kFloat32;
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
      << " tensors, " << bytes.size() << " bytes, " << (type == WeightType::kInt8 ? "int8" : "f32") << " weights, "
      << time << "\n";
  return 0;
}

}  // namespace convert
}  // namespace xattn
