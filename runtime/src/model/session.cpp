// Session: placement in the arena, input validation, and the hand-off to the
// encoder and to search. Every check that can fail happens here, before any
// arena byte is written for the call.
#include "xattn/session.h"

#include "kernels/kernels.h"
#include "model/decoder.h"
#include "model/encoder.h"
#include "model/workspace.h"
#include "search/search.h"
#include "xattn/limits_check.h"

namespace xattn {

// The Workspace is rebuilt from the plan on every call: it is a handful of
// pointer additions, and it keeps Session itself small and trivially movable.
struct SessionAccess {
  static Workspace workspace(const Session& s) {
    Workspace w;
    w.bind(*s.model_, *s.kernels_, s.limits_, s.plan_, s.arena_);
    w.source_length = s.source_length_;
    return w;
  }
};

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
  model_ = nullptr;
  encoded_ = false;
  if (model.bytes == nullptr) return Status::error(StatusCode::kInvalidArgument).add("session: model is not open");
  Status s = check_limits(model.config, limits);
  if (!s) return s;
  if (arena == nullptr || reinterpret_cast<uintptr_t>(arena) % kArenaAlignment != 0) {
    return Status::error(StatusCode::kMisaligned).add("session: arena must be 64-byte aligned");
  }
  const ArenaPlan plan = plan_arena(model.config, limits);
  if (plan.total == kArenaTooLarge) {
    return Status::error(StatusCode::kLimitExceeded).add("session: these limits need more memory than this target can address");
  }
  if (arena_size < plan.total) {
    return Status::error(StatusCode::kArenaTooSmall).add("session: arena holds ")
        .add(static_cast<uint64_t>(arena_size)).add(" bytes, needs ").add(static_cast<uint64_t>(plan.total));
  }
  model_ = &model;
  kernels_ = &table;
  limits_ = limits;
  plan_ = plan;
  arena_ = static_cast<uint8_t*>(arena);
  source_length_ = 0;
  return Status::ok();
}

Status Session::init_with_kernel_path(const ModelView& model, const Limits& limits, void* arena,
                                      size_t arena_size, const char* path) {
  const kernels::KernelTable* table = path ? kernels::kernels_by_name(path) : nullptr;
  if (table == nullptr) {
    model_ = nullptr;
    return Status::error(StatusCode::kUnsupported).add("session: kernel path '").add(path ? path : "")
        .add("' is not in this build or not supported by this CPU");
  }
  return init_with_kernels(model, limits, arena, arena_size, *table);
}

const char* Session::kernel_name() const { return kernels_ ? kernels_->name : "none"; }

Status Session::encode(const uint32_t* ids, size_t count, const EncodeOptions& options) {
  encoded_ = false;
  if (model_ == nullptr) return Status::error(StatusCode::kNotReady).add("session: init() first");
  if (count > 0 && ids == nullptr) return Status::error(StatusCode::kInvalidArgument).add("encode: null ids");
  if (count > limits_.max_source_length) {
    if (!options.truncate) {
      return limit_error("encode: source has ").add(static_cast<uint64_t>(count))
          .add(" tokens, the session limit is ").add(static_cast<uint64_t>(limits_.max_source_length));
    }
    count = limits_.max_source_length;
  }
  const uint32_t vocab = model_->config.source_vocab_size;
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] >= vocab) {
      return Status::error(StatusCode::kInvalidArgument).add("encode: token id ")
          .add(static_cast<uint64_t>(ids[i])).add(" at position ").add(static_cast<uint64_t>(i))
          .add(" is outside the source vocabulary of ").add(static_cast<uint64_t>(vocab));
    }
  }
  Workspace w = SessionAccess::workspace(*this);
  if (count > 0) run_encoder(w, ids, count);
  source_length_ = static_cast<uint32_t>(count);
  encoded_ = true;
  return Status::ok();
}

Status Session::generate(const GenerateOptions& options, Result* result) {
  if (model_ == nullptr || !encoded_) {
    return Status::error(StatusCode::kNotReady).add("generate: encode() a source first");
  }
  if (result == nullptr) return Status::error(StatusCode::kInvalidArgument).add("generate: null result");
  Status s = validate_generate_options(*model_, limits_, options);
  if (!s) return s;
  Workspace w = SessionAccess::workspace(*this);
  return run_search(w, plan_, arena_, options, result);
}

Status Session::forced_logits(const uint32_t* target, size_t length, float* logits) {
  if (model_ == nullptr || !encoded_) {
    return Status::error(StatusCode::kNotReady).add("forced_logits: encode() a source first");
  }
  if (source_length_ == 0) return Status::error(StatusCode::kInvalidArgument).add("forced_logits: empty source");
  if (length == 0 || length > limits_.max_target_length) {
    return Status::error(StatusCode::kLimitExceeded).add("forced_logits: length must be 1..")
        .add(static_cast<uint64_t>(limits_.max_target_length));
  }
  if (target == nullptr || logits == nullptr) return Status::error(StatusCode::kInvalidArgument).add("forced_logits: null buffer");
  const uint32_t vocab = model_->config.target_vocab_size;
  for (size_t i = 0; i + 1 < length; ++i) {
    if (target[i] >= vocab) return Status::error(StatusCode::kInvalidArgument).add("forced_logits: token id outside the target vocabulary");
  }
  Workspace w = SessionAccess::workspace(*this);
  uint32_t input = model_->config.target_tokens.bos;
  for (size_t step = 0; step < length; ++step) {
    decoder_step(w, &input, 1, step, false, 0);
    for (uint32_t v = 0; v < vocab; ++v) logits[step * vocab + v] = w.logits[v];
    if (step + 1 < length) input = target[step];
  }
  return Status::ok();
}

}  // namespace xattn
