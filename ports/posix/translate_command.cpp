// xattn translate --model FILE [options] < inputs: one input per line in,
// one output line per input out, in order.
#include <cstdio>
#include <istream>
#include <ostream>

#include "cli_args.h"
#include "commands.h"
#include "translator.h"

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
  r.alignment = args.flag("--alignment");
  args.number("--alignment-layer", 0, kMaxLayers - 1, &r.alignment_layer);
  r.truncate = args.flag("--truncate");
  const bool timing = args.flag("--timing");
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
  error = translator.start(limits);
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
    if (r.alignment) write_alignment(o, out);
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
