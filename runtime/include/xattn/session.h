// Session: one model, one caller-provided arena, one input at a time.
//
//   xattn::Session session;
//   session.init(model, limits, arena, arena_size);   // no allocation from here on
//   session.encode(source_ids, n);                    // fills the static encoder KV cache
//                                                     // (audio models: encode_features(mel, n_mels, frames))
//   session.generate(options, &result);               // greedy or beam search
//
// Results point into the arena and stay valid until the next encode/generate.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/arena.h"
#include "xattn/config.h"
#include "xattn/model.h"
#include "xattn/parallel.h"
#include "xattn/status.h"

namespace xattn {

namespace kernels {
struct KernelTable;
}
struct Workspace;

constexpr uint32_t kNoToken = 0xffffffffu;

struct TokenSpan {
  const uint32_t* ids = nullptr;
  uint32_t length = 0;
};

// A per-step rule on a hypothesis' logits, run after the options' own
// constraints and before the log-softmax, at every step after the prefix
// (Whisper's timestamp rules: WhisperLogitFilter::hook in xattn/whisper.h).
// `sampled` are the tokens the hypothesis generated after the prefix
// (n_sampled == 0 at the first step after it); masked logits become the
// lowest float or -infinity. Beam search calls it once per beam.
struct LogitHook {
  void (*apply)(const void* context, const uint32_t* sampled, size_t n_sampled, float* logits) = nullptr;
  const void* context = nullptr;
  // false: the hook masks the logits and the log-softmax spreads the masked
  // tokens' probability over the others (Whisper's filters). true: it masks
  // the log-probabilities, so a hypothesis scores what the model itself gives
  // its tokens, and a choice the hook forces against the model costs its
  // score (the date rule: a beam can then prefer a date the model heard as a
  // whole over one whose digits were forced by the weekday).
  bool on_log_probs = false;
};

struct GenerateOptions {
  uint32_t beam_size = 1;          // 1 = greedy; at most Limits::max_beam
  float length_penalty = 1.0f;     // final score = log-prob sum / length^penalty
  // Decoding steps, counted as CTranslate2's max_decoding_length: prefix and
  // end token included. 0 = Limits::max_target_length.
  uint32_t max_length = 0;
  uint32_t min_length = 1;         // the end token is forbidden at steps < min_length (CTranslate2's default)
  TokenSpan prefix;                // forced first target tokens
  uint32_t end_token = kNoToken;   // kNoToken = the model's </s>
  const TokenSpan* suppress = nullptr;  // token sequences that must never be generated
  uint32_t suppress_count = 0;
  // Tokens disabled only at the first step after the prefix (Whisper's
  // suppress_blank: " " and <|endoftext|>, CTranslate2's suppress_ids_begin).
  TokenSpan suppress_at_start;
  LogitHook logit_hook;            // none unless apply is set
  uint32_t num_hypotheses = 1;     // best hypotheses returned, at most beam_size
  // What the length in Hypothesis::score counts (CTranslate2's return_prefix
  // and include_eos_in_hypotheses). Whisper counts neither: its score is the
  // log-probability sum over the generated tokens, end token excluded.
  bool length_counts_prefix = true;
  bool length_counts_end = true;
  bool return_alignment = false;   // needs Limits::alignment
  uint32_t alignment_layer = kNoToken;  // decoder layer whose cross-attention is returned; kNoToken = the model's
};

struct Hypothesis {
  const uint32_t* tokens = nullptr;  // without the end token
  uint32_t length = 0;
  // Sum of the log-probabilities of the generated tokens (end token included,
  // forced prefix tokens count 0) / length^length_penalty, where length
  // counts the prefix and the end token, as CTranslate2 4.x does (unless
  // GenerateOptions::length_counts_prefix / length_counts_end say otherwise).
  float score = 0.0f;
  const float* alignment = nullptr;  // [length x source_length], rows sum to 1; null unless asked
};

struct Result {
  Hypothesis hypotheses[kMaxBeam];
  uint32_t count = 0;
  uint32_t source_length = 0;
};

struct EncodeOptions {
  bool truncate = false;  // cut a source longer than the limit instead of failing
};

class Session {
 public:
  // Places the session in `arena` (64-byte aligned, at least
  // arena_bytes(model.config, limits) bytes). The model must outlive the session.
  Status init(const ModelView& model, const Limits& limits, void* arena, size_t arena_size);

  // The threads the next init hands work to when Limits::threads > 1 (init
  // fails without one, or when it has fewer workers than Limits::threads).
  // The pool must outlive the session and not run other work meanwhile.
  void set_parallel(const ParallelFor& parallel) { parallel_ = parallel; }
  // As init, with a kernel table chosen by the caller (tests, benchmarks).
  Status init_with_kernels(const ModelView& model, const Limits& limits, void* arena,
                           size_t arena_size, const kernels::KernelTable& table);

  Status encode(const uint32_t* source_ids, size_t count, const EncodeOptions& options = EncodeOptions());
  // Plain text in, then encode(): the model's stored source tokenizer (the
  // source end token appended, as the Hugging Face tokenizers end a
  // source), or, for a model without one, its text mode (xattn/text.h).
  // Scratch and ids live in the arena: the session must reserve
  // Limits::max_text_bytes (kLimitExceeded when 0 or shorter than the text).
  // Invalid UTF-8 is kInvalidArgument; more ids than max_source_length is
  // kLimitExceeded, unless options.truncate keeps the first ones (and the end token).
  Status encode_text(const char* text, size_t length, const EncodeOptions& options = EncodeOptions());
  // For audio-encoder models (Whisper): encodes a log-mel matrix
  // mel[n_mels][frames] (row-major, as xattn/audio.h computes it and
  // Whisper's encoder reads it) in place of source ids. n_mels must be the
  // model's; 1 <= frames <= 2 x Limits::max_source_length (the stride-2
  // conv halves them: source_length() becomes (frames - 1) / 2 + 1).
  Status encode_features(const float* mel, uint32_t n_mels, uint32_t frames);

  // 16 kHz mono samples in (audio models, Limits::pcm_input): the log-mel of
  // the first window (2 x max_source_length frames; 30 s for Whisper) is
  // computed in the arena with the model's filter bank, the audio followed
  // by 30 s of silence as openai-whisper pads it (pcm.trailing_zeros is
  // ignored), then encoded as encode_features would. *cut (optional) tells
  // whether the audio ran past the window (the rest is not seen). With
  // stretch_milli above 1000 the window hears the audio that many thousandths
  // faster (xattn/audio.h: speech_window, log_mel_spectrogram_stretched).
  Status encode_pcm(const PcmView& pcm, bool* cut = nullptr, uint32_t stretch_milli = 1000);

  // The encoder's output (after its final norm) of the last encode or
  // encode_features: source_length() rows of d_model floats copied into
  // `out` (room for `capacity` floats), for parity checks against another
  // implementation. kNotReady once generate or forced_logits has run (the
  // decoder reuses those buffers) or before any encode.
  Status copy_encoder_output(float* out, size_t capacity) const;
  Status generate(const GenerateOptions& options, Result* result);

  // Teacher forcing, for scoring and for parity checks against a training
  // framework: feeds <s>, target[0], ..., target[length - 2] and writes the
  // raw output logits of each of the `length` steps into
  // logits[step * target_vocab_size + v]. `logits` holds length x vocab floats.
  Status forced_logits(const uint32_t* target, size_t length, float* logits);
  // The raw logits of the first decoder step (from the start token, the
  // model's target bos) on the encoded source, left in the arena: `*logits`
  // points at target_vocab_size floats, valid until the next call that runs
  // the decoder. Whisper's language detection reads them (xattn/whisper.h).
  Status start_logits(const float** logits);

  // As init, on the kernel path named `path` ("scalar", "sse4.2", "avx2",
  // "avx512", "avx512-vnni", "neon", "neon-dotprod"); kUnsupported when this
  // build or CPU lacks it.
  Status init_with_kernel_path(const ModelView& model, const Limits& limits, void* arena, size_t arena_size,
                               const char* path);

  const char* kernel_name() const;
  const Limits& limits() const;
  const ModelView* model() const;  // null until init succeeds
  uint32_t source_length() const;

  // Words of the session's workspace (see below); session.cpp checks it fits.
  static constexpr size_t kWorkspaceWords = 96;

 private:
  Workspace& workspace();
  const Workspace& workspace() const;

  // The Workspace (runtime/src/model/workspace.h), built by init: typed
  // pointers to every arena region and the choices made once per session
  // (kernel table, linear and attention set-up). Opaque words here, so no
  // internal type reaches this header.
  void* workspace_[kWorkspaceWords] = {};
  ParallelFor parallel_;
  bool ready_ = false;
  bool encoded_ = false;
  bool encoder_output_ready_ = false;  // w.x still holds the encoder's output
};

}  // namespace xattn
