// xattn translate --model FILE [options] < inputs: one input per line in,
// --num-hypotheses output lines per input out (best first), in order.
// --alignment-svg FILE writes one heatmap per input line: FILE for the
// first, FILE-2.svg, FILE-3.svg, ... after.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <fstream>
#include <istream>
#include <ostream>

#include "alignment_svg.h"
#include "cli_args.h"
#include "file_kind.h"
#include "commands.h"
#include "input_lines.h"
#include "kernels/kernels.h"
#include "translator.h"
#include "xattn/text.h"

namespace xattn {
namespace posix {
namespace {

const char kUsage[] =
    "usage: xattn translate --model FILE [options] < inputs   (one input per line; LF, CRLF or CR ends a line)\n"
    "  --beam N              beam size (1 = greedy, the default)\n"
    "  --length-penalty X    length normalization exponent (default 1)\n"
    "  --max-length N        decoding steps, prefix and end token included\n"
    "  --min-length N        steps before the end token is allowed (default 1)\n"
    "  --prefix \"t1 t2\"      forced first target tokens\n"
    "  --end-token T         the end token (default </s>)\n"
    "  --suppress \"t1 t2\"    a token sequence never generated (repeatable)\n"
    "  --num-hypotheses N    print the N best hypotheses of each input, best first, N lines per input\n"
    "  --max-source N        source tokens per input (default: up to 1024, the model's positions)\n"
    "  --truncate            cut inputs longer than --max-source instead of failing\n"
    "  --scores              append a tab and the hypothesis' score to each output line\n"
    "  --alignment           after each output line, one line of source weights per output token\n"
    "  --alignment-layer N   decoder layer whose cross-attention is returned\n"
    "  --alignment-svg FILE  write a heatmap per input (FILE, FILE-2.svg, ...)\n"
    "  --timing              per-line encode/decode times on stderr\n"
    "  --kernels NAME        force a kernel path (scalar, sse4.2, avx2, avx512, avx512-vnni, neon, neon-dotprod)\n"
    "  --kv-cache P          static encoder KV cache precision: f32, f16 or int8\n"
    "  --self-kv-cache P     self-attention KV cache precision: f32, f16 or int8\n"
    "  --threads N           split layers over N threads (1..64; default 1)\n"
    "  --pieces              a model with a stored tokenizer: read and print its tokens (pieces) instead of text\n"
    "Options are given once each (--suppress may repeat), as --opt VALUE or --opt=VALUE.\n";

std::string format_score(float score) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(score));
  return buffer;
}

// --alignment layout: after an output line of T tokens come T lines, one per
// output token, each holding the source_length attention weights (%.6f,
// space-separated) over the source tokens.
void write_alignment(const TranslatedHypothesis& h, uint32_t source_length, std::ostream& out) {
  char buffer[32];
  for (size_t t = 0; t < h.ids.size(); ++t) {
    for (uint32_t j = 0; j < source_length; ++j) {
      std::snprintf(buffer, sizeof buffer, "%.6f", static_cast<double>(h.alignment[t * source_length + j]));
      out << (j ? " " : "") << buffer;
    }
    out << '\n';
  }
}

// One token's text on `side`, for the SVG's labels.
std::string token_text(const ModelView& model, Side side, uint32_t id) {
  char text[64];
  detokenize(model, side, &id, 1, text, sizeof text);
  return text;
}

// "" when a plot may be written to `path`: absent, or a regular file that is
// neither the model nor the file standard input reads (truncating either
// would destroy an input while it is in use).
std::string refuse_svg_path(const std::string& path, const std::string& model_path) {
  struct stat target, other;
  if (stat(path.c_str(), &target) != 0) return "";
  if (!S_ISREG(target.st_mode)) {
    return "--alignment-svg: " + path + " is " + file_kind(target.st_mode) + ": the plot must go to a regular file";
  }
  const auto same = [&](const struct stat& s) { return s.st_dev == target.st_dev && s.st_ino == target.st_ino; };
  if (stat(model_path.c_str(), &other) == 0 && same(other)) {
    return "--alignment-svg: " + path + " is the model (--model): write the plot elsewhere";
  }
  if (fstat(0, &other) == 0 && same(other)) {
    return "--alignment-svg: " + path + " is the input (standard input): write the plot elsewhere";
  }
  return "";
}

std::string write_svg(const std::string& path, const std::string& model_path, const ModelView& model,
                      const std::string& line, const TranslateOutput& o, uint32_t layer) {
  const std::string refused = refuse_svg_path(path, model_path);
  if (!refused.empty()) return refused;
  AlignmentPlot plot;
  plot.title = "\"" + line + "\" -> " + o.text + "  (cross-attention, decoder layer " + std::to_string(layer) +
               ", mean of heads)";
  for (uint32_t id : o.source_ids) plot.source.push_back(token_text(model, Side::kSource, id));
  for (uint32_t id : o.ids) plot.target.push_back(token_text(model, Side::kTarget, id));
  plot.weights = o.alignment;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return "cannot create " + path + ": " + std::strerror(errno);
  file << alignment_svg(plot);
  file.flush();
  return file ? "" : "cannot write " + path + ": " + std::strerror(errno);
}

// The kernel paths this build runs on this CPU, for an unknown --kernels name.
std::string kernel_names() {
  const kernels::KernelTable* tables[16];
  const size_t n = kernels::available_kernels(tables, 16);
  std::string names;
  for (size_t i = 0; i < n; ++i) names += (i ? ", " : "") + std::string(tables[i]->name);
  return names;
}

}  // namespace

int run_translate(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err) {
  Args args(argc, argv, 1,
            {{"--model", true}, {"--beam", true}, {"--length-penalty", true}, {"--max-length", true},
             {"--min-length", true}, {"--num-hypotheses", true}, {"--max-source", true}, {"--prefix", true},
             {"--end-token", true}, {"--suppress", true, true}, {"--scores", false}, {"--alignment", false},
             {"--alignment-svg", true}, {"--alignment-layer", true}, {"--truncate", false}, {"--timing", false},
             {"--kernels", true}, {"--kv-cache", true}, {"--self-kv-cache", true},
             {"--threads", true}, {"--pieces", false}});
  if (args.help()) {
    out << kUsage;
    out.flush();
    if (out) return 0;
    err << "xattn translate: cannot write the output\n";
    return 1;
  }
  std::string model_path;
  TranslateRequest r;
  uint32_t max_source = 0;
  const bool has_model = args.text("--model", &model_path);
  args.number("--beam", 1, kMaxBeam, &r.beam_size);
  args.real("--length-penalty", &r.length_penalty);
  args.number("--max-length", 1, kMaxSequence, &r.max_length);
  args.number("--min-length", 0, kMaxSequence, &r.min_length);
  args.number("--num-hypotheses", 1, kMaxBeam, &r.num_hypotheses);
  args.number("--max-source", 1, kMaxSequence, &max_source);
  args.text("--prefix", &r.prefix);
  args.text("--end-token", &r.end_token);
  r.suppress = args.all("--suppress");
  const bool scores = args.flag("--scores");
  const bool print_alignment = args.flag("--alignment");
  std::string svg_path;
  const bool svg = args.text("--alignment-svg", &svg_path);
  r.alignment = print_alignment || svg;
  args.number("--alignment-layer", 0, kMaxLayers - 1, &r.alignment_layer);
  r.truncate = args.flag("--truncate");
  r.pieces = args.flag("--pieces");
  const bool timing = args.flag("--timing");
  std::string kernel_path;
  args.text("--kernels", &kernel_path);
  KvPrecision kv_cache = KvPrecision::kFloat32, self_kv_cache = KvPrecision::kFloat32;
  args.kv_precision("--kv-cache", &kv_cache);
  args.kv_precision("--self-kv-cache", &self_kv_cache);
  uint32_t threads = 1;
  args.number("--threads", 1, kMaxThreads, &threads);
  std::string error = args.finish();
  if (error.empty() && !has_model) error = "--model FILE is required";
  if (error.empty() && svg && svg_path.empty()) error = "--alignment-svg needs a file name";
  if (error.empty() && args.text("--kernels", &kernel_path) && kernel_path.empty()) error = "--kernels needs a name";
  if (error.empty() && args.text("--end-token", &r.end_token) && r.end_token.empty()) {
    error = "--end-token needs a token";
  }
  if (!error.empty()) {
    err << "xattn translate: " << error << " (see xattn translate --help)\n";
    return 2;
  }
  if (!kernel_path.empty() && !kernels::kernels_by_name(kernel_path.c_str())) {
    err << "xattn translate: --kernels '" << kernel_path << "' is not in this build or not supported by this CPU"
        << " (available here: " << kernel_names() << ")\n";
    return 2;
  }
  Translator translator;
  error = translator.open_file(model_path);
  if (!error.empty()) {
    err << "xattn translate: " << error << '\n';
    return 1;
  }
  if (translator.model().config.encoder_input == EncoderInput::kAudio) {
    err << "xattn translate: " << model_path
        << " is an audio model (Whisper): its encoder takes log-mel features, not text (Session::encode_features)\n";
    return 1;
  }
  if (r.pieces && !translator.model().config.has_tokenizer) {  // accepted and ignored otherwise
    err << "xattn translate: --pieces is for models that carry a tokenizer; " << model_path
        << " has none and reads tokens already\n";
    return 1;
  }
  Limits limits = default_limits(translator.model().config, r.beam_size);
  if (r.max_length > limits.max_target_length) limits.max_target_length = r.max_length;
  if (max_source) limits.max_source_length = max_source;
  limits.kv_cache = kv_cache;
  limits.self_kv_cache = self_kv_cache;
  limits.threads = threads;
  error = translator.start(limits, kernel_path);
  // Errors that depend only on the options, reported once, before any input is read.
  if (error.empty()) error = translator.check(r);
  if (error.empty() && svg) error = refuse_svg_path(svg_path, model_path);
  if (!error.empty()) {
    err << "xattn translate: " << error << '\n';
    return 1;
  }
  InputLines lines(in);
  std::string line;
  size_t number = 0;
  TranslateOutput o;
  while (lines.next(&line)) {
    ++number;
    error = translator.translate(line, r, &o);
    if (!error.empty()) {
      err << "xattn translate: line " << number << ": " << error << '\n';
      return 1;
    }
    for (const TranslatedHypothesis& h : o.hypotheses) {
      out << h.text;
      if (scores) out << '\t' << format_score(h.score);
      out << '\n';
      if (print_alignment) write_alignment(h, o.source_length, out);
    }
    if (svg) {
      const uint32_t layer = r.alignment_layer == kNoToken ? translator.model().config.alignment_layer : r.alignment_layer;
      error = write_svg(numbered_path(svg_path, number), model_path, translator.model(), line, o, layer);
      if (!error.empty()) {
        err << "xattn translate: " << error << '\n';
        return 1;
      }
    }
    if (timing) {
      err << "line " << number << ": encode " << o.encode_ms << " ms, decode " << o.decode_ms << " ms, "
          << o.ids.size() << " tokens\n";
      if (!err) return 1;  // stderr itself failed: nowhere to say so
    }
    if (!out) break;
  }
  if (lines.failed()) {
    err << "xattn translate: cannot read the input after line " << number << ": " << lines.failure() << '\n';
    return 1;
  }
  out.flush();
  if (!out) {
    err << "xattn translate: cannot write the output: " << std::strerror(errno ? errno : EIO) << '\n';
    return 1;
  }
  return 0;
}

}  // namespace posix
}  // namespace xattn
