// xattn translate --model FILE [options] < inputs: one input per line in,
// one output line per input out, in order. --alignment-svg FILE writes one
// heatmap per input line: FILE for the first, FILE-2.svg, FILE-3.svg, ... after.
#include <cstdio>
#include <fstream>
#include <istream>
#include <ostream>

#include "alignment_svg.h"
#include "cli_args.h"
#include "commands.h"
#include "translator.h"
#include "xattn/text.h"

namespace xattn {
namespace posix {
namespace {

std::string format_score(float score) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(score));
  return buffer;
}

// --alignment layout: after an output line of T tokens come T lines, one per
// output token, each holding the source_length attention weights (%.6f,
// space-separated) over the source tokens.
void write_alignment(const TranslateOutput& o, std::ostream& out) {
  char buffer[32];
  for (size_t t = 0; t < o.ids.size(); ++t) {
    for (uint32_t j = 0; j < o.source_length; ++j) {
      std::snprintf(buffer, sizeof buffer, "%.6f", static_cast<double>(o.alignment[t * o.source_length + j]));
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

std::string write_svg(const std::string& path, const ModelView& model, const std::string& line,
                      const TranslateOutput& o, uint32_t layer) {
  AlignmentPlot plot;
  plot.title = "\"" + line + "\" -> " + o.text + "  (cross-attention, decoder layer " + std::to_string(layer) +
               ", mean of heads)";
  for (uint32_t id : o.source_ids) plot.source.push_back(token_text(model, Side::kSource, id));
  for (uint32_t id : o.ids) plot.target.push_back(token_text(model, Side::kTarget, id));
  plot.weights = o.alignment;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << alignment_svg(plot);
  file.flush();
  return file ? "" : "cannot write " + path;
}

}  // namespace

int run_translate(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err) {
  Args args(argc, argv, 1);
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
  if (!error.empty()) {
    err << "xattn translate: " << error << '\n';
    return 2;
  }
  Translator translator;
  error = translator.open_file(model_path);
  if (!error.empty()) {
    err << "xattn translate: " << error << '\n';
    return 1;
  }
  Limits limits = default_limits(translator.model().config, r.beam_size);
  if (r.max_length > limits.max_target_length) limits.max_target_length = r.max_length;
  if (max_source) limits.max_source_length = max_source;
  limits.kv_cache = kv_cache;
  limits.self_kv_cache = self_kv_cache;
  limits.threads = threads;
  error = translator.start(limits, kernel_path);
  if (!error.empty()) {
    err << "xattn translate: " << error << '\n';
    return 1;
  }
  std::string line;
  size_t number = 0;
  TranslateOutput o;
  while (std::getline(in, line)) {
    ++number;
    error = translator.translate(line, r, &o);
    if (!error.empty()) {
      err << "xattn translate: line " << number << ": " << error << '\n';
      return 1;
    }
    out << o.text;
    if (scores) out << '\t' << format_score(o.score);
    out << '\n';
    if (print_alignment) write_alignment(o, out);
    if (svg) {
      const uint32_t layer = r.alignment_layer == kNoToken ? translator.model().config.alignment_layer : r.alignment_layer;
      error = write_svg(numbered_path(svg_path, number), translator.model(), line, o, layer);
      if (!error.empty()) {
        err << "xattn translate: " << error << '\n';
        return 1;
      }
    }
    if (timing) {
      err << "line " << number << ": encode " << o.encode_ms << " ms, decode " << o.decode_ms << " ms, "
          << o.ids.size() << " tokens\n";
    }
  }
  out.flush();
  return 0;
}

}  // namespace posix
}  // namespace xattn
