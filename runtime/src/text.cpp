#include "xattn/text.h"

namespace xattn {
namespace {

constexpr uint32_t kNoId = 0xffffffffu;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Length of the UTF-8 sequence starting with byte `lead` (1 for invalid bytes,
// so malformed input still advances).
size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;
}

const VocabView& vocab_of(const ModelView& m, Side side) {
  return side == Side::kSource ? m.source_vocab : m.target_vocab;
}

uint32_t unk_of(const ModelView& m, Side side) {
  return side == Side::kSource ? m.config.source_tokens.unk : m.config.target_tokens.unk;
}

// Calls emit(begin, size) for each token of the text; stops when emit returns false.
template <class Emit>
void split(const ModelView& m, const char* text, size_t length, Emit emit) {
  size_t i = 0;
  if (m.config.text_mode == TextMode::kCharacters) {
    while (i < length && (text[i] == '\n' || text[i] == '\r')) ++i;
    while (i < length) {
      if (text[i] == '\n' || text[i] == '\r') break;
      size_t n = utf8_length(static_cast<unsigned char>(text[i]));
      if (n > length - i) n = length - i;
      if (!emit(text + i, n)) return;
      i += n;
    }
    return;
  }
  while (i < length) {
    while (i < length && is_space(text[i])) ++i;
    const size_t begin = i;
    while (i < length && !is_space(text[i])) ++i;
    if (i > begin && !emit(text + begin, i - begin)) return;
  }
}

Status tokenize_impl(const ModelView& m, Side side, const char* text, size_t length, uint32_t* ids,
                     size_t capacity, size_t* count, bool known_only) {
  // Null buffers with a non-zero size (from C callers too) are errors, not crashes.
  if (count == nullptr || (text == nullptr && length > 0) || (ids == nullptr && capacity > 0)) {
    if (count) *count = 0;
    return Status::error(StatusCode::kInvalidArgument).add("tokenize: null text, ids or count");
  }
  const VocabView& vocab = vocab_of(m, side);
  const uint32_t unk = unk_of(m, side);
  size_t n = 0;
  Status status;
  split(m, text, length, [&](const char* token, size_t size) {
    const uint32_t id = vocab.find(token, size, kNoId);
    if (id == kNoId && known_only) {
      char name[48];
      size_t k = 0;
      for (; k < size && k + 1 < sizeof name; ++k) name[k] = token[k];
      name[k] = '\0';
      status = Status::error(StatusCode::kInvalidArgument).add("token '").add(name)
                   .add(side == Side::kSource ? "' is not in the source vocabulary" : "' is not in the target vocabulary");
      return false;
    }
    if (n < capacity) ids[n] = id == kNoId ? unk : id;
    ++n;
    return true;
  });
  *count = n;
  if (!status) return status;
  if (n > capacity) {
    return Status::error(StatusCode::kLimitExceeded).add("text has ").add(static_cast<uint64_t>(n))
        .add(" tokens, room for ").add(static_cast<uint64_t>(capacity));
  }
  return Status::ok();
}

}  // namespace

Status tokenize(const ModelView& m, Side side, const char* text, size_t length, uint32_t* ids, size_t capacity,
                size_t* count) {
  return tokenize_impl(m, side, text, length, ids, capacity, count, false);
}

Status tokenize_known(const ModelView& m, Side side, const char* text, size_t length, uint32_t* ids,
                      size_t capacity, size_t* count) {
  return tokenize_impl(m, side, text, length, ids, capacity, count, true);
}

size_t detokenize(const ModelView& m, Side side, const uint32_t* ids, size_t count, char* out, size_t capacity) {
  if (ids == nullptr) count = 0;     // null buffers read and write nothing
  if (out == nullptr) capacity = 0;
  const VocabView& vocab = vocab_of(m, side);
  const bool spaced = m.config.text_mode == TextMode::kSpaceSeparated;
  size_t need = 0;
  auto put = [&](char c) {
    if (capacity > 0 && need + 1 < capacity) out[need] = c;
    ++need;
  };
  for (size_t i = 0; i < count; ++i) {
    if (spaced && i > 0) put(' ');
    const TokenText t = vocab.token(ids[i]);
    for (uint32_t j = 0; j < t.size; ++j) put(t.data[j]);
  }
  if (capacity > 0) out[need < capacity ? need : capacity - 1] = '\0';
  return need;
}

}  // namespace xattn
