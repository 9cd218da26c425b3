// Session::encode_text: text -> source ids in the arena -> encode(). The
// tokenizer works in the region the planner sized from the model's source
// tokenizer and Limits::max_text_bytes, so text in costs no allocation.
#include "model/workspace.h"
#include "xattn/session.h"
#include "xattn/text.h"

namespace xattn {

Status Session::encode_text(const char* text, size_t length, const EncodeOptions& options) {
  encoded_ = false;
  if (!ready_) return Status::error(StatusCode::kNotReady).add("session: init() first");
  if (text == nullptr && length > 0) return Status::error(StatusCode::kInvalidArgument).add("encode_text: null text");
  Workspace& w = workspace();
  if (w.model->config.encoder_input != EncoderInput::kTokens) {
    return Status::error(StatusCode::kInvalidArgument)
        .add("encode_text: this model's encoder takes log-mel features: use encode_features()");
  }
  if (length > w.limits.max_text_bytes) {
    return Status::error(StatusCode::kLimitExceeded).add("encode_text: text of ").add(static_cast<uint64_t>(length))
        .add(" bytes; the session reserved room for ").add(static_cast<uint64_t>(w.limits.max_text_bytes))
        .add(" (Limits::max_text_bytes)");
  }
  const ModelView& m = *w.model;
  const size_t capacity = w.limits.max_source_length;
  size_t count = 0;
  Status s;
  if (m.config.has_tokenizer) {
    // The end token takes the last place; truncation keeps it.
    s = m.source_text.encode(text, length, w.text_scratch, w.text_scratch_bytes, w.text_ids, capacity - 1, &count);
    if (s.code() == StatusCode::kLimitExceeded && options.truncate) {
      count = capacity - 1;
      s = Status::ok();
    }
    if (s) w.text_ids[count++] = m.config.source_tokens.eos;
  } else {
    s = tokenize(m, Side::kSource, text, length, w.text_ids, capacity, &count);
    if (s.code() == StatusCode::kLimitExceeded && options.truncate) {
      count = capacity;
      s = Status::ok();
    }
  }
  if (s.code() == StatusCode::kLimitExceeded) {
    const uint64_t tokens = count + (m.config.has_tokenizer ? 1 : 0);  // with the end token
    return Status::error(StatusCode::kLimitExceeded).add("encode_text: the text makes ").add(tokens)
        .add(" source tokens, the session limit is ").add(static_cast<uint64_t>(capacity));
  }
  if (!s) return s;
  return encode(w.text_ids, count, options);
}

}  // namespace xattn
