// Session: placement in the arena, input validation, and the hand-off to the
// encoder and to search. Every check that can fail happens here, before any
// arena byte is written for the call.
#include "xattn/session.h"

#include <cmath>
#include <new>
#include <type_traits>

#include "kernels/kernels.h"
#include "model/decoder.h"
#include "model/encoder.h"
#include "model/workspace.h"
#include "search/search.h"
#include "xattn/limits_check.h"

namespace xattn {

static_assert(sizeof(Workspace) <= sizeof(void*) * Session::kWorkspaceWords, "raise Session::kWorkspaceWords");
static_assert(alignof(Workspace) <= alignof(void*), "the workspace words are under-aligned");
static_assert(std::is_trivially_copyable<Workspace>::value && std::is_trivially_destructible<Workspace>::value,
              "a Session is copied and dropped as plain words");

Workspace& Session::workspace() { return *std::launder(reinterpret_cast<Workspace*>(workspace_)); }
const Workspace& Session::workspace() const {
  return *std::launder(reinterpret_cast<const Workspace*>(workspace_));
}

namespace {

Status limit_error(const char* what) {
  return Status::error(StatusCode::kLimitExceeded).add(what);
}

}  // namespace

Status Session::init(const ModelView& model, const Limits& limits, void* arena, size_t arena_size) {
  return init_with_kernels(model, limits, arena, arena_size, kernels::best_kernels());
}

Status Session::init_with_kernels(const ModelView& model, const Limits& limits, void* arena,
                                  size_t arena_size, const kernels::KernelTable& table) {
  ready_ = false;
  encoded_ = false;
  encoder_output_ready_ = false;
  if (model.bytes == nullptr) return Status::error(StatusCode::kInvalidArgument).add("session: model is not open");
  Status s = check_limits(model.config, limits);
  if (!s) return s;
  if (limits.threads > 1 && (parallel_.run == nullptr || parallel_.workers < limits.threads)) {
    return Status::error(StatusCode::kInvalidArgument).add("session: limits ask for ")
        .add(static_cast<uint64_t>(limits.threads)).add(" threads; set_parallel() a pool with at least as many workers");
  }
  if (arena == nullptr || reinterpret_cast<uintptr_t>(arena) % kArenaAlignment != 0) {
    return Status::error(StatusCode::kMisaligned).add("session: arena must be 64-byte aligned");
  }
  const size_t needed = arena_bytes(model.config, limits);
  if (needed == kArenaTooLarge) {
    return Status::error(StatusCode::kLimitExceeded).add("session: these limits need more memory than this target can address");
  }
  if (arena_size < needed) {
    return Status::error(StatusCode::kArenaTooSmall).add("session: arena holds ")
        .add(static_cast<uint64_t>(arena_size)).add(" bytes, needs ").add(static_cast<uint64_t>(needed));
  }
  new (workspace_) Workspace();
  workspace().init(model, table, limits, parallel_, static_cast<uint8_t*>(arena));
  ready_ = true;
  return Status::ok();
}

Status Session::init_with_kernel_path(const ModelView& model, const Limits& limits, void* arena,
                                      size_t arena_size, const char* path) {
  const kernels::KernelTable* table = path ? kernels::kernels_by_name(path) : nullptr;
  if (table == nullptr) {
    ready_ = false;
    return Status::error(StatusCode::kUnsupported).add("session: kernel path '").add(path ? path : "")
        .add("' is not in this build or not supported by this CPU");
  }
  return init_with_kernels(model, limits, arena, arena_size, *table);
}

const char* Session::kernel_name() const { return ready_ ? workspace().kernels->name : "none"; }

const Limits& Session::limits() const {
  static const Limits kNoLimits;
  return ready_ ? workspace().limits : kNoLimits;
}

const ModelView* Session::model() const { return ready_ ? workspace().model : nullptr; }

uint32_t Session::source_length() const { return ready_ ? workspace().source_length : 0; }

Status Session::encode(const uint32_t* ids, size_t count, const EncodeOptions& options) {
  encoded_ = false;
  encoder_output_ready_ = false;
  if (!ready_) return Status::error(StatusCode::kNotReady).add("session: init() first");
  Workspace& w = workspace();
  if (w.model->config.encoder_input != EncoderInput::kTokens) {
    return Status::error(StatusCode::kInvalidArgument).add("encode: this model's encoder takes log-mel features: use encode_features()");
  }
  if (count > 0 && ids == nullptr) return Status::error(StatusCode::kInvalidArgument).add("encode: null ids");
  if (count > w.limits.max_source_length) {
    if (!options.truncate) {
      return limit_error("encode: source has ").add(static_cast<uint64_t>(count))
          .add(" tokens, the session limit is ").add(static_cast<uint64_t>(w.limits.max_source_length));
    }
    count = w.limits.max_source_length;
  }
  const uint32_t vocab = w.model->config.source_vocab_size;
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] >= vocab) {
      return Status::error(StatusCode::kInvalidArgument).add("encode: token id ")
          .add(static_cast<uint64_t>(ids[i])).add(" at position ").add(static_cast<uint64_t>(i))
          .add(" is outside the source vocabulary of ").add(static_cast<uint64_t>(vocab));
    }
  }
  if (count > 0) run_encoder(w, ids, count);
  w.source_length = static_cast<uint32_t>(count);
  encoded_ = true;
  encoder_output_ready_ = true;
  return Status::ok();
}

Status Session::encode_features(const float* mel, uint32_t n_mels, uint32_t frames) {
  encoded_ = false;
  encoder_output_ready_ = false;
  if (!ready_) return Status::error(StatusCode::kNotReady).add("session: init() first");
  Workspace& w = workspace();
  const ModelConfig& c = w.model->config;
  if (c.encoder_input != EncoderInput::kAudio) {
    return Status::error(StatusCode::kInvalidArgument).add("encode_features: this model's encoder takes token ids: use encode()");
  }
  if (mel == nullptr) return Status::error(StatusCode::kInvalidArgument).add("encode_features: null features");
  if (n_mels != c.n_mels) {
    return Status::error(StatusCode::kInvalidArgument).add("encode_features: ").add(static_cast<uint64_t>(n_mels))
        .add(" mel bins given, the model takes ").add(static_cast<uint64_t>(c.n_mels));
  }
  if (frames == 0) return Status::error(StatusCode::kInvalidArgument).add("encode_features: no frames");
  const uint64_t max_frames = 2ull * w.limits.max_source_length;
  if (frames > max_frames) {
    return limit_error("encode_features: ").add(static_cast<uint64_t>(frames)).add(" frames, the session takes at most ")
        .add(max_frames).add(" (2 x max source length)");
  }
  const size_t values = static_cast<size_t>(n_mels) * frames;
  for (size_t i = 0; i < values; ++i) {
    if (!std::isfinite(mel[i])) {
      return Status::error(StatusCode::kInvalidArgument).add("encode_features: value ").add(static_cast<uint64_t>(i))
          .add(" is not finite");
    }
  }
  run_audio_encoder(w, mel, frames);
  encoded_ = true;
  encoder_output_ready_ = true;
  return Status::ok();
}

Status Session::generate(const GenerateOptions& options, Result* result) {
  if (!ready_ || !encoded_) {
    return Status::error(StatusCode::kNotReady).add("generate: encode() a source first");
  }
  if (result == nullptr) return Status::error(StatusCode::kInvalidArgument).add("generate: null result");
  Workspace& w = workspace();
  Status s = validate_generate_options(*w.model, w.limits, options);
  if (!s) return s;
  encoder_output_ready_ = false;
  return run_search(w, options, result);
}

Status Session::copy_encoder_output(float* out, size_t capacity) const {
  if (!ready_ || !encoded_ || !encoder_output_ready_) {
    return Status::error(StatusCode::kNotReady).add("copy_encoder_output: only right after an encode");
  }
  const Workspace& w = workspace();
  const size_t n = static_cast<size_t>(w.source_length) * w.model->config.d_model;
  if (out == nullptr || capacity < n) {
    return Status::error(StatusCode::kInvalidArgument).add("copy_encoder_output: room for ")
        .add(static_cast<uint64_t>(n)).add(" floats needed");
  }
  for (size_t i = 0; i < n; ++i) out[i] = w.x[i];
  return Status::ok();
}

Status Session::forced_logits(const uint32_t* target, size_t length, float* logits) {
  if (!ready_ || !encoded_) {
    return Status::error(StatusCode::kNotReady).add("forced_logits: encode() a source first");
  }
  Workspace& w = workspace();
  if (w.source_length == 0) return Status::error(StatusCode::kInvalidArgument).add("forced_logits: empty source");
  if (length == 0 || length > w.limits.max_target_length) {
    return Status::error(StatusCode::kLimitExceeded).add("forced_logits: length must be 1..")
        .add(static_cast<uint64_t>(w.limits.max_target_length));
  }
  if (target == nullptr || logits == nullptr) return Status::error(StatusCode::kInvalidArgument).add("forced_logits: null buffer");
  const uint32_t vocab = w.model->config.target_vocab_size;
  for (size_t i = 0; i + 1 < length; ++i) {
    if (target[i] >= vocab) return Status::error(StatusCode::kInvalidArgument).add("forced_logits: token id outside the target vocabulary");
  }
  encoder_output_ready_ = false;
  uint32_t input = w.model->config.target_tokens.bos;
  for (size_t step = 0; step < length; ++step) {
    decoder_step(w, &input, 1, step, false, 0);
    for (uint32_t v = 0; v < vocab; ++v) logits[step * vocab + v] = w.logits[v];
    if (step + 1 < length) input = target[step];
  }
  return Status::ok();
}

Status Session::start_logits(const float** logits) {
  if (!ready_ || !encoded_) return Status::error(StatusCode::kNotReady).add("start_logits: encode a source first");
  if (logits == nullptr) return Status::error(StatusCode::kInvalidArgument).add("start_logits: null output");
  Workspace& w = workspace();
  if (w.source_length == 0) return Status::error(StatusCode::kInvalidArgument).add("start_logits: empty source");
  encoder_output_ready_ = false;
  const uint32_t input = w.model->config.target_tokens.bos;
  decoder_step(w, &input, 1, 0, false, 0);
  *logits = w.logits;
  return Status::ok();
}

}  // namespace xattn
