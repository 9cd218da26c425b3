// Tokenizer: scratch sizing, UTF-8 checks and dispatch to the model's
// encoder; decoding ids back to text as SentencePiece or GPT-2 does.
#include "text/tokenizer_internal.h"

namespace xattn {
namespace {

using namespace text;

size_t align8(size_t n) { return (n + 7) & ~size_t{7}; }

bool spm(const Tokenizer& t) { return t.model() != TokenizerModel::kByteLevelBpe; }

// Output helper for decode: counts every byte, writes those that fit.
struct TextSink {
  char* out;
  size_t capacity;
  size_t size = 0;
  void put(const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i, ++size) {
      if (size < capacity) out[size] = data[i];
    }
  }
};

// SentencePiece decodes runs of byte pieces as UTF-8, each malformed byte as U+FFFD.
void flush_bytes(const uint8_t* bytes, size_t n, TextSink* sink) {
  size_t i = 0;
  while (i < n) {
    uint32_t cp;
    const size_t len = decode_utf8(reinterpret_cast<const char*>(bytes + i), n - i, &cp);
    if (len == 0) {
      sink->put("\xef\xbf\xbd", 3);
      ++i;
    } else {
      sink->put(reinterpret_cast<const char*>(bytes + i), len);
      i += len;
    }
  }
}

}  // namespace

size_t Tokenizer::scratch_bytes(size_t max_input_bytes) const {
  return tokenizer_scratch_bytes(model_, expansion_, max_input_bytes);
}

size_t Tokenizer::max_ids(size_t max_input_bytes) const {
  return spm(*this) ? normalized_capacity(*this, max_input_bytes) : max_input_bytes;
}

Status Tokenizer::encode(const char* input, size_t length, void* scratch, size_t scratch_size,
                         uint32_t* ids, size_t capacity, size_t* count) const {
  *count = 0;
  if (input == nullptr && length != 0) return Status::error(StatusCode::kInvalidArgument).add("tokenizer: null text");
  size_t bad_offset = 0;
  if (!valid_utf8(input, length, &bad_offset)) {
    return Status::error(StatusCode::kInvalidArgument).add("tokenizer: invalid UTF-8 at byte ").add(uint64_t{bad_offset});
  }
  if (scratch_size < scratch_bytes(length)) {
    return Status::error(StatusCode::kArenaTooSmall).add("tokenizer: scratch smaller than scratch_bytes(length)");
  }
  if (reinterpret_cast<uintptr_t>(scratch) % 8 != 0) {
    return Status::error(StatusCode::kMisaligned).add("tokenizer: scratch not 8-byte aligned");
  }
  IdSink sink{ids, capacity, 0};
  Status status;
  if (!spm(*this)) {
    status = byte_bpe_encode(*this, input, length, scratch, &sink);
  } else {
    char* normalized = static_cast<char*>(scratch);
    const size_t normalized_room = normalized_capacity(*this, length);
    size_t size = 0;
    status = normalize(*this, input, length, normalized, normalized_room, &size);
    if (!status) return status;
    void* rest = static_cast<char*>(scratch) + align8(normalized_room);
    status = model_ == TokenizerModel::kUnigram ? unigram_encode(*this, normalized, size, rest, &sink)
                                                : spm_bpe_encode(*this, normalized, size, rest, &sink);
  }
  if (!status) return status;
  *count = sink.count;
  if (sink.count > capacity) {
    return Status::error(StatusCode::kLimitExceeded).add("tokenizer: ").add(uint64_t{sink.count})
        .add(" ids, capacity ").add(uint64_t{capacity});
  }
  return Status::ok();
}

PieceText Tokenizer::piece(uint32_t model_id) const {
  if (model_id >= model_vocab_size_ || s_.pieces_by_model_id[model_id] == kNoPiece) return PieceText{};
  return piece_text(*this, s_.pieces_by_model_id[model_id]);
}

Status Tokenizer::decode(const uint32_t* ids, size_t count, char* out, size_t capacity, size_t* length,
                         bool skip_pieceless) const {
  TextSink sink{out, capacity};
  *length = 0;
  uint8_t bytes[64];  // a run of byte pieces, flushed when full at a character boundary
  size_t byte_count = 0;
  // SentencePiece's rule for the text's start: a leading "▁" is dropped from
  // pieces until the text is no longer empty, and, when only the dummy
  // prefix (not remove_extra_whitespaces) put it there, from the first such
  // piece only: "▁" "▁l" decodes to "l" with extra whitespace removed, to " l"
  // without.
  const bool strip_leading = flags_ & (kAddDummyPrefix | kRemoveExtraWhitespaces);
  const bool strip_once = !(flags_ & kRemoveExtraWhitespaces);
  bool at_start = true, stripped = false;
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] >= model_vocab_size_ || s_.pieces_by_model_id[ids[i]] == kNoPiece) {
      if (skip_pieceless) continue;
      return Status::error(StatusCode::kInvalidArgument).add("tokenizer: id ").add(uint64_t{ids[i]})
          .add(" has no piece");
    }
    const uint32_t p = s_.pieces_by_model_id[ids[i]];
    const PieceText text = piece_text(*this, p);
    if (!spm(*this)) {  // byte-level: pieces are the bytes themselves
      sink.put(text.data, text.size);
      continue;
    }
    const uint8_t type = s_.types[p];
    if (type == kByte) {
      uint8_t value = 0;
      for (uint32_t b = 0; b < 256; ++b) {
        if (s_.byte_pieces[b] == p) value = static_cast<uint8_t>(b);
      }
      if (byte_count == sizeof bytes) {  // keep an incomplete character for the next flush
        size_t keep = 0;
        while (keep < 3 && keep < byte_count && (bytes[byte_count - 1 - keep] & 0xc0) == 0x80) ++keep;
        if (keep < byte_count && bytes[byte_count - 1 - keep] >= 0xc0) ++keep; else keep = 0;
        flush_bytes(bytes, byte_count - keep, &sink);
        for (size_t k = 0; k < keep; ++k) bytes[k] = bytes[byte_count - keep + k];
        byte_count = keep;
      }
      bytes[byte_count++] = value;
      continue;
    }
    flush_bytes(bytes, byte_count, &sink);
    byte_count = 0;
    if (stripped || sink.size > 0) at_start = false;
    stripped = false;
    if (type == kControl) continue;
    if (type == kUnknown) {
      sink.put(" \xe2\x81\x87 ", 5);
      continue;
    }
    size_t k = 0;
    if (at_start && strip_leading && text.size >= 3 && text.data[0] == kSpaceSymbol[0] &&
        text.data[1] == kSpaceSymbol[1] && text.data[2] == kSpaceSymbol[2]) {
      k = 3;
      stripped = strip_once;
    }
    while (k < text.size) {
      if (k + 3 <= text.size && text.data[k] == kSpaceSymbol[0] && text.data[k + 1] == kSpaceSymbol[1] &&
          text.data[k + 2] == kSpaceSymbol[2]) {
        sink.put(" ", 1);
        k += 3;
      } else {
        sink.put(text.data + k, 1);
        ++k;
      }
    }
  }
  flush_bytes(bytes, byte_count, &sink);
  *length = sink.size;
  if (sink.size > capacity) {
    return Status::error(StatusCode::kLimitExceeded).add("tokenizer: decoded text needs ")
        .add(uint64_t{sink.size}).add(" bytes");
  }
  return Status::ok();
}

}  // namespace xattn
