// xattn demo: the README's main job. Until the project ships its own model,
// it converts CTranslate2's Arabic -> Latin transliteration test model in
// memory (int8, kept exactly) and transliterates a few names, with timings.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <sys/stat.h>

#include "cli_args.h"
#include "commands.h"
#include "ct2_import.h"
#include "translator.h"

#ifndef XATTN_DEFAULT_DATA_DIR
#define XATTN_DEFAULT_DATA_DIR "../shared/data"
#endif

namespace xattn {
namespace posix {
namespace {

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Pads to `width` display columns, counting UTF-8 code points, not bytes.
std::string pad(const std::string& text, size_t width) {
  size_t columns = 0;
  for (unsigned char c : text) columns += (c & 0xc0) != 0x80;
  return text + std::string(columns < width ? width - columns : 1, ' ');
}

const char* const kWords[] = {"آ ت ز م و ن", "آ ز ا", "أ و ل ي س س", "م ح م د", "ف ا ط م ة", "ب ي ر و ت"};

}  // namespace

int run_demo(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Args args(argc, argv, 1);
  std::string data;
  std::string weights = "int8";
  uint32_t beam = 4;
  if (!args.text("--data", &data)) {
    const char* env = std::getenv("XATTN_DATA_DIR");
    data = env ? env : XATTN_DEFAULT_DATA_DIR;
  }
  args.text("--weights", &weights);
  args.number("--beam", 1, kMaxBeam, &beam);
  std::string error = args.finish();
  if (error.empty() && weights != "int8" && weights != "f32") error = "--weights must be f32 or int8";
  if (!error.empty()) {
    err << "xattn demo: " << error << '\n';
    return 2;
  }
  const std::string dir = data + "/ct2-aren-transliteration/" +
                          (weights == "int8" ? "v2-aren-transliteration-i8" : "v2-aren-transliteration");
  if (!is_directory(dir)) {
    err << "xattn demo: the shared test model is not at " << dir
        << "; put CTranslate2's aren test models under DATA/ct2-aren-transliteration/ and run"
           " 'xattn demo --data DATA' (or set XATTN_DATA_DIR)\n";
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  convert::ImportResult imported;
  error = convert::import_ct2_directory(
      dir, weights == "int8" ? convert::WeightType::kInt8 : convert::WeightType::kFloat32, &imported);
  std::vector<uint8_t> bytes;
  if (error.empty()) error = convert::write_xattn_model(imported.model, &bytes);
  Translator translator;
  if (error.empty()) error = translator.open_bytes(std::move(bytes));
  Limits limits;  // names are short: 64 source tokens and 64 decoding steps
  limits.max_beam = beam;
  if (error.empty()) error = translator.start(limits);
  if (!error.empty()) {
    err << "xattn demo: " << error << '\n';
    return 1;
  }
  const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  char line[160];
  out << "model: " << dir << " (" << weights << " weights)\n";
  std::snprintf(line, sizeof line, "converted in %.1f ms; arena %zu bytes; kernels %s\n", load_ms,
                translator.arena_size(), translator.session().kernel_name());
  out << line;
  TranslateRequest request;
  request.beam_size = beam;
  out << "  " << pad("input", 14) << "-> " << pad("output (beam " + std::to_string(beam) + ")", 16) << "latency\n";
  for (const char* word : kWords) {
    TranslateOutput o;
    // Run twice and report the second: the first includes page faults and cache warm-up.
    error = translator.translate(word, request, &o);
    if (error.empty()) error = translator.translate(word, request, &o);
    if (!error.empty()) {
      err << "xattn demo: " << error << '\n';
      return 1;
    }
    std::snprintf(line, sizeof line, "%8.3f ms (encode %.3f, decode %.3f)\n", o.encode_ms + o.decode_ms,
                  o.encode_ms, o.decode_ms);
    out << "  " << pad(word, 14) << "-> " << pad(o.text, 16) << line;
  }
  out << "try your own: echo 'ب ي ر و ت' | xattn translate --model FILE  (FILE from: xattn convert ct2 "
      << dir << " -o FILE --weights int8)\n";
  return 0;
}

}  // namespace posix
}  // namespace xattn
