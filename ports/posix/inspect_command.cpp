// xattn inspect FILE: what a model file holds and what a session of it costs.
#include <cstdio>
#include <ostream>
#include <set>

#include "cli_args.h"
#include "commands.h"
#include "translator.h"
#include "xattn/limits_check.h"
#include "xattn/tensor_id.h"

namespace xattn {
namespace posix {
namespace {

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kRelu: return "relu";
    case Activation::kGeluTanh: return "gelu-tanh";
    case Activation::kGeluErf: return "gelu";
    case Activation::kSwish: return "swish";
  }
  return "?";
}

struct TensorTotals {
  uint32_t count[3] = {0, 0, 0};  // float32, int8, int4
  uint64_t bytes[3] = {0, 0, 0};
  uint32_t packed = 0;  // matrices in layouts 1 to 3 (the kernels' blocks)
  uint32_t reused = 0;  // uses of a matrix stored once for several roles
  std::set<const void*> seen;
};

void add_matrix(const MatrixView& m, TensorTotals* t) {
  if (m.data == nullptr) return;
  if (!t->seen.insert(m.data).second) {  // stored once, counted once
    t->reused += 1;
    return;
  }
  const int i = m.dtype == format::DType::kInt8 ? 1 : m.dtype == format::DType::kInt4 ? 2 : 0;
  t->count[i] += 1;
  const bool sums = m.layout == format::kLayoutPacked16x4 || i == 2;  // layouts 1 and 3 carry row sums
  t->packed += m.layout != format::kLayoutRowMajor;
  const uint64_t data = i == 2 ? format::int4_data_bytes(m.rows, m.cols) : static_cast<uint64_t>(m.rows) * m.cols * (i ? 1 : 4);
  t->bytes[i] += data + (i ? m.rows * 4ull : 0) + (sums ? m.rows * 4ull : 0);
}

// The family choices of a config, one line each (FORMAT.md, "Model families").
void print_architecture(const ModelConfig& c, std::ostream& out) {
  const bool rms = c.norm_kind == NormKind::kRmsNorm;
  out << "norm         " << (c.norm == NormPlacement::kPreNorm ? "pre-norm" : "post-norm") << ", "
      << (rms ? "RMSNorm" : "LayerNorm") << ", epsilon " << c.layer_norm_epsilon << "; final norms:"
      << (c.has_final_norm(false) ? " encoder" : "") << (c.has_final_norm(true) ? " decoder" : "")
      << (c.has_final_norm(false) || c.has_final_norm(true) ? "" : " none");
  if (c.has_embedding_norm(false) || c.has_embedding_norm(true)) {
    out << "; embedding norms:" << (c.has_embedding_norm(false) ? " encoder" : "")
        << (c.has_embedding_norm(true) ? " decoder" : "");
  }
  out << "\n";
  out << "positions    ";
  switch (c.position) {
    case PositionEncoding::kSinusoidal: out << "sinusoidal, max " << c.max_positions; break;
    case PositionEncoding::kStoredTable:
      out << "stored table, max " << c.max_positions;
      if (c.source_positions) out << " (encoder " << c.source_positions << ")";
      break;
    case PositionEncoding::kRelativeBias:
      out << "relative bias, " << c.relative_buckets << " buckets, max distance " << c.relative_max_distance;
      break;
    case PositionEncoding::kNone: out << "none"; break;
  }
  out << "; embedding scale " << c.embedding_scale << "\n";
  out << "attention    queries scaled by ";
  if (c.queries_scale != 0.0f) {
    out << c.queries_scale;
  } else {
    out << "1/sqrt(head size)";
  }
  out << "; biases "
      << (c.has_linear_biases() ? "on linear layers" : "none on linear layers")
      << (c.has_output_bias() ? ", output bias" : ", no output bias") << (c.ffn_gated ? "; gated FFN" : "") << "\n";
  out << "start        ";
  switch (c.start_mode) {
    case StartMode::kToken: out << "decoder starts from target token " << c.target_tokens.bos; break;
    case StartMode::kFirstPrefixToken: out << "decoder starts from the first target-prefix token"; break;
    case StartMode::kZeroEmbedding: out << "decoder starts from a zero embedding"; break;
  }
  out << "\n";
}

const char* tokenizer_model_name(TokenizerModel m) {
  switch (m) {
    case TokenizerModel::kUnigram: return "SentencePiece unigram";
    case TokenizerModel::kSentencePieceBpe: return "SentencePiece BPE";
    case TokenizerModel::kByteLevelBpe: return "byte-level BPE";
  }
  return "?";
}

// One line per stored tokenizer: its kind, pieces, normalizer and bytes.
void print_tokenizer(const char* label, const Tokenizer& t, uint32_t bytes, std::ostream& out) {
  out << label << tokenizer_model_name(t.model()) << ", " << t.piece_count() << " pieces, ";
  if (t.model() == TokenizerModel::kByteLevelBpe) {
    out << "GPT-2 pre-tokenization";
  } else {
    const uint32_t f = t.flags();
    out << "normalizer " << (t.charsmap_unit_count() ? "charsmap" : "identity");
    if (f & 1u) out << " +dummy-prefix";
    if (f & 2u) out << " +remove-extra-whitespaces";
    if (f & 4u) out << " +escape-whitespaces";
    if (f & 8u) out << " +byte-fallback";
    if (t.user_defined_count()) out << ", " << t.user_defined_count() << " user-defined";
  }
  if (t.model() != TokenizerModel::kByteLevelBpe) out << ", expansion " << t.expansion();
  out << ", " << bytes << " bytes\n";
}

// Every region of the plan with its size, in arena order: where the bytes of
// a session go, for someone fitting one into a board's SRAM.
void print_regions(const ArenaPlan& p, std::ostream& out) {
  const struct {
    const char* name;
    ArenaRegion region;
    const char* what;
  } rows[] = {
      {"x", p.x, "activations, one row per source position or beam"},
      {"normed", p.normed, "normalized activations"},
      {"wide", p.wide, "Q|K|V or the FFN's hidden layer (audio: conv1's output)"},
      {"context", p.context, "attention outputs"},
      {"query", p.query, "cross-attention queries"},
      {"probs", p.probs, "attention probabilities of one call's queries"},
      {"quantized", p.quantized, "int8 activations"},
      {"quantized_scales", p.quantized_scales, "their scales"},
      {"cross_cache", p.cross_cache, "static encoder KV cache"},
      {"cross_scales", p.cross_scales, "its int8 scales"},
      {"self_cache", p.self_cache, "decoder self-attention cache"},
      {"self_scales", p.self_scales, "its int8 scales"},
      {"reorder", p.reorder, "beam reordering"},
      {"logits", p.logits, "output logits"},
      {"step_alignment", p.step_alignment, "a step's alignment"},
      {"alive_tokens", p.alive_tokens, "search: alive hypotheses"},
      {"alive_scores", p.alive_scores, ""},
      {"alive_alignment", p.alive_alignment, ""},
      {"candidate_scores", p.candidate_scores, "search: a step's candidates"},
      {"candidate_ids", p.candidate_ids, ""},
      {"finished_tokens", p.finished_tokens, "search: finished hypotheses"},
      {"finished_info", p.finished_info, ""},
      {"finished_alignment", p.finished_alignment, ""},
      {"encoder_bias", p.encoder_bias, "T5 relative position bias"},
      {"decoder_bias", p.decoder_bias, ""},
      {"audio_columns", p.audio_columns, "conv stem im2col rows"},
      {"task_quantized", p.task_quantized, "per-thread int8 activations"},
      {"task_output", p.task_output, "per-thread staged outputs"},
      {"task_probs", p.task_probs, "per-thread attention probabilities"},
      {"text_scratch", p.text_scratch, "tokenizer scratch"},
      {"text_ids", p.text_ids, "tokenized source"},
      {"pcm_mel", p.pcm_mel, "log-mel window of encode_pcm"},
      {"pcm_scratch", p.pcm_scratch, "its DFT scratch"},
  };
  for (const auto& r : rows) {
    if (r.region.bytes == 0) continue;
    char line[160];
    std::snprintf(line, sizeof line, "  %-18s %10zu bytes %5.1f%%%s%s\n", r.name, r.region.bytes,
                  100.0 * static_cast<double>(r.region.bytes) / static_cast<double>(p.total), *r.what ? "  " : "",
                  r.what);
    out << line;
  }
}

const char kUsage[] =
    "usage: xattn inspect FILE [--max-source N] [--max-target N] [--beam N] [--kv-cache P] [--self-kv-cache P]\n"
    "                          [--threads N] [--max-text N] [--pcm] [--regions]\n"
    "  what a model file holds, and the arena a session with these limits needs (P: f32, f16 or int8);\n"
    "  unset limits: source and target 64 or the model's positions if fewer (an audio model: its whole\n"
    "  window), beam 4; --regions: every buffer of the arena and its size\n";

int inspect(Args& args, std::ostream& out, std::ostream& err) {
  std::string path;
  Limits limits;
  const bool has_path = args.positional(&path);
  const bool given_source = args.number("--max-source", 1, kMaxSequence, &limits.max_source_length);
  const bool given_target = args.number("--max-target", 1, kMaxSequence, &limits.max_target_length);
  args.number("--beam", 1, kMaxBeam, &limits.max_beam);
  args.kv_precision("--kv-cache", &limits.kv_cache);
  args.kv_precision("--self-kv-cache", &limits.self_kv_cache);
  args.number("--threads", 1, kMaxThreads, &limits.threads);
  args.number("--max-text", 0, kMaxTextBytes, &limits.max_text_bytes);
  limits.pcm_input = args.flag("--pcm");  // audio models: room for encode_pcm's log-mel
  const bool regions = args.flag("--regions");
  std::string error = args.finish();
  if (error.empty() && !has_path) error = "missing the model FILE";
  if (!error.empty()) {
    err << "xattn inspect: " << error << " (see xattn inspect --help)\n";
    return 2;
  }
  Translator t;
  error = t.open_file(path);
  if (!error.empty()) {
    err << "xattn inspect: " << error << '\n';
    return 1;
  }
  const ModelView& m = t.model();
  const ModelConfig& c = m.config;
  out << "model        " << path << " (" << m.size << " bytes, format v" << format::kVersion << ", checksum ok)\n";
  out << "layers       " << c.encoder_layers << " encoder + " << c.decoder_layers << " decoder\n";
  out << "d_model      " << c.d_model << ", heads " << c.num_heads << " (head size " << c.head_dim();
  if (c.attention_width() != c.d_model) out << ", attention width " << c.attention_width();
  out << "), ffn " << c.ffn_dim << ", " << activation_name(c.activation) << "\n";
  print_architecture(c, out);
  if (c.encoder_input == EncoderInput::kAudio) {
    out << "encoder      log-mel audio, " << c.n_mels << " mel bins, conv stem (k 3, stride 1 then 2), up to "
        << 2 * c.encoder_positions() << " frames\n";
  }
  out << "text         " << (c.text_mode == TextMode::kCharacters ? "characters" : "space-separated tokens") << "\n";
  out << "vocabulary   source " << c.source_vocab_size << ", target " << c.target_vocab_size << " (bos "
      << c.target_tokens.bos << ", eos " << c.target_tokens.eos << ", unk " << c.target_tokens.unk << ")\n";
  if (!c.has_tokenizer) {
    out << "tokenizer    none (input and output are " << (c.text_mode == TextMode::kCharacters ? "characters" : "tokens")
        << ")\n";
  } else if (!c.has_target_tokenizer()) {
    print_tokenizer(c.encoder_input == EncoderInput::kAudio ? "tokenizer    target: " : "tokenizer    both sides: ",
                    m.source_text, c.tokenizer_bytes, out);
  } else {
    print_tokenizer("tokenizer    source: ", m.source_text, c.tokenizer_bytes, out);
    print_tokenizer("             target: ", m.target_text, c.target_tokenizer_bytes, out);
  }
  out << "alignment    decoder layer " << c.alignment_layer << ", averaged over heads\n";

  TensorTotals totals;
  add_matrix(m.source_embedding, &totals);
  add_matrix(m.target_embedding, &totals);
  add_matrix(m.output.weight, &totals);
  for (uint32_t l = 0; l < c.encoder_layers; ++l) {
    const EncoderLayerView& e = m.encoder[l];
    for (const LinearView* v : {&e.self_qkv, &e.self_out, &e.ffn_in, &e.ffn_out}) add_matrix(v->weight, &totals);
  }
  for (uint32_t l = 0; l < c.decoder_layers; ++l) {
    const DecoderLayerView& d = m.decoder[l];
    for (const LinearView* v : {&d.self_qkv, &d.self_out, &d.cross_q, &d.cross_kv, &d.cross_out, &d.ffn_in, &d.ffn_out}) {
      add_matrix(v->weight, &totals);
    }
  }
  out << "tensors      " << m.tensor_count << " in all; matrices: " << totals.count[0] << " float32 ("
      << totals.bytes[0] << " bytes), " << totals.count[1] << " int8 with per-row scales (" << totals.bytes[1]
      << " bytes)";
  if (totals.count[2]) out << ", " << totals.count[2] << " int4 in groups of 32 (" << totals.bytes[2] << " bytes)";
  out << "; " << totals.packed << " packed in the kernels' blocked layouts";
  if (totals.reused) out << "; " << totals.reused << " uses of matrices stored once for several roles";
  out << "\n";
  // Limits not given fit the model: an audio encoder's whole window, and no
  // more positions than the model has (a limit given beyond them is refused below).
  if (!given_source) {
    const uint32_t positions = c.encoder_positions();
    if (c.encoder_input == EncoderInput::kAudio || positions < limits.max_source_length) {
      limits.max_source_length = positions;
    }
  }
  if (!given_target && c.max_positions < limits.max_target_length) limits.max_target_length = c.max_positions;
  // The limits a session would refuse are refused here too, before any byte count is printed.
  const Status valid = check_limits(c, limits);
  if (!valid) {
    err << "xattn inspect: " << valid.message() << '\n';
    return 1;
  }
  const ArenaPlan plan = plan_arena(c, limits);
  out << "limits       source " << limits.max_source_length << ", target " << limits.max_target_length << ", beam "
      << limits.max_beam << (limits.threads > 1 ? ", threads " + std::to_string(limits.threads) : std::string()) << "\n";
  out << "arena        " << plan.total << " bytes (static encoder KV cache " << kv_precision_name(limits.kv_cache) << ' '
      << plan.cross_cache.bytes + plan.cross_scales.bytes << ", self-attention cache "
      << kv_precision_name(limits.self_kv_cache) << ' ' << plan.self_cache.bytes + plan.self_scales.bytes;
  if (limits.max_text_bytes > 0) {
    out << ", text in " << plan.text_scratch.bytes + plan.text_ids.bytes << " for " << limits.max_text_bytes << " bytes";
  }
  if (limits.pcm_input) out << ", audio in " << plan.pcm_mel.bytes + plan.pcm_scratch.bytes;
  out << ")\n";
  out << "memory       " << (m.size + plan.total) << " bytes = model + arena\n";
  if (regions) print_regions(plan, out);
  return 0;
}

}  // namespace

int run_inspect(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Args args(argc, argv, 1,
            {{"--max-source", true}, {"--max-target", true}, {"--beam", true}, {"--kv-cache", true},
             {"--self-kv-cache", true}, {"--threads", true}, {"--max-text", true}, {"--pcm", false},
             {"--regions", false}});
  const int status = args.help() ? (out << kUsage, 0) : inspect(args, out, err);
  out.flush();
  if (!out) {
    err << "xattn inspect: cannot write the output\n";
    return 1;
  }
  return status;
}

}  // namespace posix
}  // namespace xattn
