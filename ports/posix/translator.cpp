#include "translator.h"

#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <new>

#include "tokens_text.h"
#include "xattn/text.h"

namespace xattn {
namespace posix {
namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

std::string status_text(const Status& s) { return s.message(); }

// Target-side token text -> ids (prefix, end token, suppressed sequences); unknown tokens are an error.
std::string target_ids(const ModelView& m, const std::string& text, std::vector<uint32_t>* ids) {
  ids->assign(text.size() + 1, 0);
  size_t count = 0;
  const Status s = tokenize_known(m, Side::kTarget, text.data(), text.size(), ids->data(), ids->size(), &count);
  if (!s) return status_text(s);
  ids->resize(count);
  return "";
}

// CTranslate2's model.bin starts with a small binary version (u32) and, from
// version 2, a length-prefixed spec name such as "TransformerSpec".
bool looks_like_ct2(const uint8_t* data, size_t size) {
  if (size < 8) return false;
  const uint32_t version = data[0] | data[1] << 8 | static_cast<uint32_t>(data[2]) << 16 |
                           static_cast<uint32_t>(data[3]) << 24;
  if (version < 1 || version > 16) return false;
  if (version == 1) return true;
  const size_t length = data[4] | data[5] << 8;
  if (length < 2 || length > 128 || size < 6 + length) return false;
  for (size_t i = 6; i + 1 < 6 + length; ++i)
    if (data[i] < 0x20 || data[i] > 0x7e) return false;
  return true;
}

}  // namespace

Translator::Translator() = default;
Translator::~Translator() = default;

Limits default_limits(const ModelConfig& config, uint32_t beam) {
  Limits l;
  l.max_source_length = config.max_positions < 1024 ? config.max_positions : 1024;
  l.max_target_length = config.max_positions < 256 ? config.max_positions : 256;
  l.max_beam = beam;
  l.alignment = true;
  return l;
}

std::string Translator::open_view(const uint8_t* data, size_t size) {
  const Status s = open_model(data, size, &model_);
  return s ? "" : status_text(s);
}

std::string Translator::open_file(const std::string& path) {
  const std::string error = file_.open(path);
  struct stat ct2;
  if (!error.empty() && stat((path + "/model.bin").c_str(), &ct2) == 0 && S_ISREG(ct2.st_mode)) {
    return error + " (a CTranslate2 model directory? convert it first: xattn convert ct2 DIR -o FILE --weights int8)";
  }
  if (!error.empty()) return error;
  const std::string e = open_view(file_.data(), file_.size());
  if (e.empty()) return "";
  if (looks_like_ct2(file_.data(), file_.size())) {
    return path + " looks like a CTranslate2 model.bin, not an xattn file: convert its directory first"
                  " (xattn convert ct2 DIR -o FILE --weights int8)";
  }
  return path + ": " + e;
}

std::string Translator::open_bytes(std::vector<uint8_t> bytes) {
  owned_.assign(bytes.size() + kArenaAlignment, 0);
  uint8_t* base = owned_.data();
  const size_t shift = (kArenaAlignment - reinterpret_cast<uintptr_t>(base) % kArenaAlignment) % kArenaAlignment;
  std::memcpy(base + shift, bytes.data(), bytes.size());
  return open_view(base + shift, bytes.size());
}

std::string Translator::start(const Limits& limits, const kernels::KernelTable* table) {
  arena_size_ = arena_bytes(model_.config, limits);
  // Limits from the command line can ask for more than the machine has: an error, not an abort.
  arena_storage_.reset(new (std::nothrow) uint8_t[arena_size_ + kArenaAlignment]);
  if (!arena_storage_) {
    return "cannot allocate the session arena of " + std::to_string(arena_size_) +
           " bytes (see xattn inspect; lower the beam, max source or max length)";
  }
  uint8_t* base = arena_storage_.get();
  arena_ = base + (kArenaAlignment - reinterpret_cast<uintptr_t>(base) % kArenaAlignment) % kArenaAlignment;
  // The pool is made once, before the session, and reused by a later start
  // with as many threads or fewer.
  if (limits.threads > 1 && limits.threads <= kMaxThreads && (!pool_ || pool_->threads() < limits.threads)) {
    pool_.reset();
    pool_.reset(new ThreadPool(limits.threads));
  }
  if (pool_) session_.set_parallel(pool_->parallel());
  const Status s = table ? session_.init_with_kernels(model_, limits, arena_, arena_size_, *table)
                         : session_.init(model_, limits, arena_, arena_size_);
  return s ? "" : status_text(s);
}

std::string Translator::start(const Limits& limits, const std::string& kernel_path) {
  if (kernel_path.empty()) return start(limits);
  const std::string error = start(limits);
  if (!error.empty()) return error;
  const Status s = session_.init_with_kernel_path(model_, limits, arena_, arena_size_, kernel_path.c_str());
  return s ? "" : status_text(s);
}

// Source ids of a line: the model's stored tokenizer, then the source end
// token (as the Hugging Face tokenizers of Marian, T5, M2M100 and BART end
// a source), or, without one (or with `pieces`), the model's text mode.
// The tokenizer's scratch is a tool-side buffer of scratch_bytes(line).
std::string Translator::source_ids(const std::string& line, bool pieces, std::vector<uint32_t>* ids) {
  size_t count = 0;
  if (pieces || !model_.config.has_tokenizer) {
    ids->assign(line.size() + 1, 0);
    const Status s = tokenize(model_, Side::kSource, line.data(), line.size(), ids->data(), ids->size(), &count);
    if (!s) return status_text(s);
    ids->resize(count);
    return "";
  }
  const Tokenizer& t = model_.source_text;
  tokenizer_scratch_.assign((t.scratch_bytes(line.size()) + 7) / 8, 0);
  ids->assign(t.max_ids(line.size()) + 1, 0);
  const Status s = t.encode(line.data(), line.size(), tokenizer_scratch_.data(), tokenizer_scratch_.size() * 8,
                            ids->data(), ids->size() - 1, &count);
  if (!s) return status_text(s);
  (*ids)[count++] = model_.config.source_tokens.eos;
  ids->resize(count);
  return "";
}

// A hypothesis as text: the stored target tokenizer's decode, ids without a
// piece (special tokens the tokenizer does not know: language codes,
// padding) left out as SentencePiece leaves control symbols out; else the
// model's text mode.
std::string Translator::target_text(const Hypothesis& h, bool pieces, std::string* text) {
  return tokens_text(model_, h.tokens, h.length, pieces, text);
}

std::string Translator::translate(const std::string& line, const TranslateRequest& r, TranslateOutput* out) {
  *out = TranslateOutput();
  std::vector<uint32_t> source;
  std::string error = source_ids(line, r.pieces, &source);
  if (!error.empty()) return error;
  const size_t count = source.size();
  Status s;

  GenerateOptions o;
  o.beam_size = r.beam_size;
  o.length_penalty = r.length_penalty;
  o.max_length = r.max_length;
  o.min_length = r.min_length;
  o.num_hypotheses = r.num_hypotheses;
  o.return_alignment = r.alignment;
  o.alignment_layer = r.alignment_layer;
  std::vector<uint32_t> prefix, end;
  // Strict, as the end token and suppressed sequences: an unknown prefix token
  // would silently force <unk> into every output.
  std::string e = target_ids(model_, r.prefix, &prefix);
  if (!e.empty()) return "prefix: " + e;
  o.prefix = TokenSpan{prefix.data(), static_cast<uint32_t>(prefix.size())};
  if (!r.end_token.empty()) {
    e = target_ids(model_, r.end_token, &end);
    if (!e.empty()) return "end token: " + e;
    if (end.size() != 1) return "end token: give exactly one token";
    o.end_token = end[0];
  }
  std::vector<std::vector<uint32_t>> suppress_ids(r.suppress.size());
  std::vector<TokenSpan> suppress;
  for (size_t i = 0; i < r.suppress.size(); ++i) {
    e = target_ids(model_, r.suppress[i], &suppress_ids[i]);
    if (!e.empty()) return "suppressed sequence: " + e;
    if (suppress_ids[i].empty()) return "suppressed sequence: empty";
    suppress.push_back(TokenSpan{suppress_ids[i].data(), static_cast<uint32_t>(suppress_ids[i].size())});
  }
  o.suppress = suppress.data();
  o.suppress_count = static_cast<uint32_t>(suppress.size());

  const auto t0 = std::chrono::steady_clock::now();
  EncodeOptions eo;
  eo.truncate = r.truncate;
  s = session_.encode(source.data(), count, eo);
  if (!s) return status_text(s);
  out->encode_ms = elapsed_ms(t0);
  const auto t1 = std::chrono::steady_clock::now();
  Result result;
  s = session_.generate(o, &result);
  if (!s) return status_text(s);
  out->decode_ms = elapsed_ms(t1);

  for (uint32_t i = 0; i < result.count; ++i) {
    const Hypothesis& h = result.hypotheses[i];
    TranslatedHypothesis t;
    t.ids.assign(h.tokens, h.tokens + h.length);
    t.score = h.score;
    if (h.alignment) t.alignment.assign(h.alignment, h.alignment + h.length * result.source_length);
    e = target_text(h, r.pieces, &t.text);
    if (!e.empty()) return e;
    out->hypotheses.push_back(std::move(t));
  }
  if (out->hypotheses.empty()) return "generate returned no hypothesis";
  const TranslatedHypothesis& best = out->hypotheses[0];
  out->text = best.text;
  out->ids = best.ids;
  out->score = best.score;
  out->alignment = best.alignment;
  out->source_length = result.source_length;
  out->source_ids.assign(source.begin(), source.begin() + result.source_length);
  return "";
}

std::string Translator::check(const TranslateRequest& request) {
  TranslateOutput ignored;
  return translate("", request, &ignored);
}

}  // namespace posix
}  // namespace xattn
