#include "xattn/limits_check.h"

namespace xattn {
namespace {

bool known(KvPrecision p) {
  return p == KvPrecision::kFloat32 || p == KvPrecision::kFloat16 || p == KvPrecision::kInt8;
}

Status invalid(const char* what) { return Status::error(StatusCode::kInvalidArgument).add("limits: ").add(what); }

}  // namespace

Status check_limits(const ModelConfig& c, const Limits& l) {
  if (l.max_source_length == 0 || l.max_source_length > kMaxSequence) {
    return invalid("max source length ").add(static_cast<uint64_t>(l.max_source_length)).add(" is outside 1..")
        .add(static_cast<uint64_t>(kMaxSequence));
  }
  if (l.max_target_length == 0 || l.max_target_length > kMaxSequence) {
    return invalid("max target length ").add(static_cast<uint64_t>(l.max_target_length)).add(" is outside 1..")
        .add(static_cast<uint64_t>(kMaxSequence));
  }
  if (l.max_beam == 0 || l.max_beam > kMaxBeam) {
    return invalid("max beam ").add(static_cast<uint64_t>(l.max_beam)).add(" is outside 1..")
        .add(static_cast<uint64_t>(kMaxBeam));
  }
  if (l.threads == 0 || l.threads > kMaxThreads) {
    return invalid("threads ").add(static_cast<uint64_t>(l.threads)).add(" is outside 1..")
        .add(static_cast<uint64_t>(kMaxThreads));
  }
  if (l.max_text_bytes > kMaxTextBytes) {
    return invalid("max text bytes ").add(static_cast<uint64_t>(l.max_text_bytes)).add(" is outside 0..")
        .add(static_cast<uint64_t>(kMaxTextBytes));
  }
  if (l.pcm_input && c.encoder_input != EncoderInput::kAudio) {
    return invalid("pcm input asked of a model whose encoder takes token ids");
  }
  if (!known(l.kv_cache)) return invalid("unknown KV-cache precision");
  if (!known(l.self_kv_cache)) return invalid("unknown self-attention KV-cache precision");
  if (c.position == PositionEncoding::kSinusoidal && l.max_source_length > c.max_positions) {
    return invalid("max source length ").add(static_cast<uint64_t>(l.max_source_length))
        .add(" exceeds the model's ").add(static_cast<uint64_t>(c.max_positions)).add(" positions");
  }
  if (c.position == PositionEncoding::kSinusoidal && l.max_target_length > c.max_positions) {
    return invalid("max target length ").add(static_cast<uint64_t>(l.max_target_length))
        .add(" exceeds the model's ").add(static_cast<uint64_t>(c.max_positions)).add(" positions");
  }
  if (c.position == PositionEncoding::kStoredTable && l.max_source_length > c.encoder_positions()) {
    return invalid("max source length ").add(static_cast<uint64_t>(l.max_source_length))
        .add(" exceeds the model's ").add(static_cast<uint64_t>(c.encoder_positions())).add(" encoder positions");
  }
  if (c.position == PositionEncoding::kStoredTable && l.max_target_length > c.max_positions) {
    return invalid("max target length ").add(static_cast<uint64_t>(l.max_target_length))
        .add(" exceeds the model's ").add(static_cast<uint64_t>(c.max_positions)).add(" positions");
  }
  // Beam search keeps 2 x beam candidates per step, all distinct tokens (as generate() checks).
  if (l.max_beam > 1 && 2ull * l.max_beam > c.target_vocab_size) {
    return invalid("max beam ").add(static_cast<uint64_t>(l.max_beam)).add(" exceeds ")
        .add(static_cast<uint64_t>(c.target_vocab_size / 2)).add(", half the target vocabulary");
  }
  if (plan_arena(c, l).total == kArenaTooLarge) {
    return Status::error(StatusCode::kLimitExceeded)
        .add("limits: these limits need more memory than this target can address");
  }
  return Status::ok();
}

}  // namespace xattn
