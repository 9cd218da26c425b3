// Session: placement in the arena, input validation, and the hand-off to the
// encoder and to search. Every check that can fail happens here, before any
// arena byte is written for the call.
#include "xattn/session.h"

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

// Config choices the format can describe but this runtime does not run yet.
Status check_runnable(const ModelConfig& c) {
  auto unsupported = [](const char* what) {
    return Status::error(StatusCode::kUnsupported).add("session: ").add(what).add(" is not supported yet");
  };
  if (c.encoder_input != EncoderInput::kTokens) return unsupported("an audio encoder");
  return Status::ok();
}

}  // namespace

Status Session::init(const ModelView& model, const Limits& limits, void* arena, size_t arena_size) {
  return init_with_kernels(model, limits, arena, arena_size, kernels::best_kernels());
}

Status Session::init_with_kernels(const ModelView& model, const Limits& limits, void* arena,
                                  size_t arena_size, const kernels::KernelTable& table) {
  ready_ = false;
  encoded_ = false;
  if (model.bytes == nullptr) return Status::error(StatusCode::kInvalidArgument).add("session: model is not open");
  Status s = check_runnable(model.config);
  if (!s) return s;
  s = check_limits(model.config, limits);
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
  if (!ready_) return Status::error(StatusCode::kNotReady).add("session: init() first");
  Workspace& w = workspace();
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
  return run_search(w, options, result);
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
  uint32_t input = w.model->config.target_tokens.bos;
  for (size_t step = 0; step < length; ++step) {
    decoder_step(w, &input, 1, step, false, 0);
    for (uint32_t v = 0; v < vocab; ++v) logits[step * vocab + v] = w.logits[v];
    if (step + 1 < length) input = target[step];
  }
  return Status::ok();
}

}  // namespace xattn
