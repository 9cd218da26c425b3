// xattn demo: the README's main job. By default it runs the project's own
// date normalizer (models/datenorm/, committed, int8) on a few dates typed as
// people type them, with per-sentence latency. `xattn demo --aren` instead
// converts CTranslate2's Arabic -> Latin transliteration test model in memory
// (int8, kept exactly) and transliterates a few names. `xattn demo --speech`
// runs the project's spoken-date model on its demo WAVs (speech_demo.cpp).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_args.h"
#include "commands.h"
#include "ct2_import.h"
#include "speech_demo.h"
#include "translator.h"

#ifndef XATTN_DEFAULT_DATA_DIR
#define XATTN_DEFAULT_DATA_DIR "../shared/data"
#endif
#ifndef XATTN_DATENORM_MODEL
#define XATTN_DATENORM_MODEL "models/datenorm/datenorm-int8.xattn"
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

struct Example {
  const char* input;
  const char* expected;
};
const Example kDates[] = {
    {"sat 23 nov 2026", "2026-11-23"},        {"Saturday, 23 November 2026", "2026-11-23"},
    {"November 23rd, 2026", "2026-11-23"},    {"nov 23, 2026", "2026-11-23"},
    {"23rd november 2026", "2026-11-23"},     {"23/11/26", "2026-11-23"},
    {"20261123", "2026-11-23"},               {"THU 4 JULY '76", "1976-07-04"},
    {"the 1st of march, 49", "2049-03-01"},   {"31.12.1999", "1999-12-31"},
    {"Mar-01-2020", "2020-03-01"},            {"feb 17, ’53", "1953-02-17"},
};

std::string own_path() {  // for the "try your own" line
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string("xattn");
}

int run_datenorm_demo(Args& args, std::ostream& out, std::ostream& err) {
  std::string model = XATTN_DATENORM_MODEL;
  const bool own_model = !args.text("--model", &model);
  std::string error = args.finish();
  if (!error.empty()) {
    err << "xattn demo: " << error << " (see xattn demo --help)\n";
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  Translator translator;
  error = translator.open_file(model);
  if (!error.empty()) error += " (the model is committed as models/datenorm/datenorm-int8.xattn; pass --model FILE)";
  Limits limits;  // dates are short: 64 characters in, 64 decoding steps out
  limits.max_beam = 1;
  if (error.empty()) error = translator.start(limits);
  if (!error.empty()) {
    err << "xattn demo: " << error << '\n';
    return 1;
  }
  const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  char line[200];
  out << "model: " << model << " (" << (own_model ? "date normalization, " : "") << translator.model().size / 1024
      << " KiB)\n";
  std::snprintf(line, sizeof line, "loaded in %.1f ms; arena %zu bytes; kernels %s; greedy decoding\n", load_ms,
                translator.arena_size(), translator.session().kernel_name());
  out << line;
  out << "  " << pad("input", 28) << "-> " << pad("output", 12) << "latency\n";
  int wrong = 0;
  for (const Example& e : kDates) {
    TranslateOutput o;
    // Run twice and report the second: the first includes page faults and cache warm-up.
    error = translator.translate(e.input, TranslateRequest(), &o);
    if (error.empty()) error = translator.translate(e.input, TranslateRequest(), &o);
    if (!error.empty()) {
      err << "xattn demo: " << error << '\n';
      return 1;
    }
    std::snprintf(line, sizeof line, "%7.3f ms (encode %.3f, decode %.3f)", o.encode_ms + o.decode_ms, o.encode_ms,
                  o.decode_ms);
    out << "  " << pad(e.input, 28) << "-> " << pad(o.text, 12) << line;
    if (o.text != e.expected) {
      out << "  WRONG, expected " << e.expected;
      ++wrong;
    }
    out << '\n';
  }
  const std::string tool = own_path();
  out << "try your own:   echo \"sun, 1 march 2020\" | " << tool << " translate --model " << model << '\n'
      << "see what it reads: add --alignment-svg date.svg (a heatmap of the cross-attention)\n";
  if (wrong) {
    // Exit 1 says the model got dates wrong: one line says so (a model of another task, or a broken one).
    err << "xattn demo: " << wrong << " of " << sizeof kDates / sizeof kDates[0] << " dates normalized wrongly"
        << (own_model ? "" : " (is " + model + " a date-normalization model?)") << '\n';
    return 1;
  }
  return 0;
}

int run_aren_demo(Args& args, std::ostream& out, std::ostream& err) {
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
           " 'xattn demo --aren --data DATA' (or set XATTN_DATA_DIR)\n";
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

const char kUsage[] =
    "usage: xattn demo [--model FILE]                      normalize a few dates (default: the project's own model)\n"
    "       xattn demo --aren [--data DIR] [--weights f32|int8] [--beam N]\n"
    "                                                      transliterate a few words with CTranslate2's test model\n"
    "       xattn demo --speech [--model FILE] [--clips DIR]  spoken dates from WAV files (the project's speech model;\n"
    "                                                      DIR holds the WAVs and demo.tsv: file, voice, said, expected)\n";

int run_demo_command(Args& args, std::ostream& out, std::ostream& err) {
  if (args.help()) {
    out << kUsage;
    return 0;
  }
  if (args.flag("--speech")) {
    std::string model, clips;
    args.text("--model", &model);
    args.text("--clips", &clips);
    const std::string error = args.finish();
    if (!error.empty()) {
      err << "xattn demo: " << error << " (see xattn demo --help)\n";
      return 2;
    }
    return run_speech_demo(model, clips, out, err);
  }
  return args.flag("--aren") ? run_aren_demo(args, out, err) : run_datenorm_demo(args, out, err);
}

}  // namespace

int run_demo(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Args args(argc, argv, 1,
            {{"--aren", false}, {"--speech", false}, {"--model", true}, {"--data", true}, {"--weights", true},
             {"--beam", true}, {"--clips", true}});
  const int status = run_demo_command(args, out, err);
  out.flush();
  if (!out) {
    err << "xattn demo: cannot write the output\n";
    return 1;
  }
  return status;
}

}  // namespace posix
}  // namespace xattn
