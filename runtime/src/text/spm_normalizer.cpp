// SentencePiece's normalizer: the precompiled character map (a darts-clone
// double array whose values index NUL-terminated replacement strings),
// user-defined symbols kept as they are, and the whitespace rules
// (remove_extra_whitespaces, add_dummy_prefix, escape_whitespaces).
#include "text/tokenizer_internal.h"

namespace xattn {
namespace text {
namespace {

// darts-clone unit fields.
bool unit_has_leaf(uint32_t u) { return (u >> 8) & 1; }
uint32_t unit_value(uint32_t u) { return u & 0x7fffffffu; }
uint32_t unit_label(uint32_t u) { return u & (0x80000000u | 0xffu); }
uint32_t unit_offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

// SentencePiece keeps at most this many prefix matches of the character map.
constexpr size_t kMaxCharsmapMatches = 32;

// The longest character-map rule matching a prefix of text: its length in
// bytes (0 = none) and its replacement string.
size_t charsmap_prefix(const Tokenizer& t, const char* text, size_t length, const char** replacement,
                       size_t* replacement_size) {
  const uint32_t* units = t.sections().charsmap_units;
  const uint32_t count = t.charsmap_unit_count();
  if (count == 0) return 0;
  size_t longest = 0;
  uint32_t value = 0;
  size_t matches = 0;
  uint32_t node = unit_offset(units[0]);
  for (size_t i = 0; i < length; ++i) {
    const uint32_t label = static_cast<unsigned char>(text[i]);
    node ^= label;
    if (node >= count) break;
    const uint32_t unit = units[node];
    if (unit_label(unit) != label) break;
    node ^= unit_offset(unit);
    if (node >= count) break;
    if (unit_has_leaf(unit)) {
      if (matches < kMaxCharsmapMatches) {
        longest = i + 1;
        value = unit_value(units[node]);
      }
      ++matches;
    }
  }
  if (longest == 0) return 0;
  const char* strings = t.sections().charsmap_strings;
  const uint32_t size = t.charsmap_strings_size();
  if (value >= size) return 0;  // a rule pointing outside: treated as no rule
  // open() checked that the strings end with a NUL, so this stops in bounds.
  size_t n = 0;
  while (strings[value + n] != '\0') ++n;
  *replacement = strings + value;
  *replacement_size = n;
  return longest;
}

// SentencePiece's NormalizePrefix: one step of normalization.
size_t normalize_prefix(const Tokenizer& t, const char* text, size_t length, const char** out,
                        size_t* out_size) {
  const size_t user = match_user_defined(t, text, length);
  if (user > 0) {
    *out = text;
    *out_size = user;
    return user;
  }
  const size_t rule = charsmap_prefix(t, text, length, out, out_size);
  if (rule > 0) return rule;
  uint32_t cp = 0;
  size_t n = decode_utf8(text, length, &cp);
  // SentencePiece treats U+FFFD itself as malformed: one byte in, U+FFFD out.
  if (n == 0 || cp == 0xfffd) {
    *out = "\xef\xbf\xbd";
    *out_size = 3;
    return 1;
  }
  *out = text;
  *out_size = n;
  return n;
}

struct Writer {
  char* out;
  size_t capacity;
  size_t size = 0;
  bool overflow = false;
  void put(const char* data, size_t n) {
    if (n > capacity - size) {
      overflow = true;
      return;
    }
    for (size_t i = 0; i < n; ++i) out[size + i] = data[i];
    size += n;
  }
  bool ends_with(const char* s, size_t n) const {
    if (size < n) return false;
    for (size_t i = 0; i < n; ++i) {
      if (out[size - n + i] != s[i]) return false;
    }
    return true;
  }
};

}  // namespace

size_t match_user_defined(const Tokenizer& t, const char* text, size_t length) {
  const size_t most = length < t.max_user_defined_bytes() ? length : t.max_user_defined_bytes();
  for (size_t n = most; n > 0; --n) {
    const uint32_t p = find_piece(t, text, n);
    if (p != kNoPiece && t.sections().types[p] == kUserDefined) return n;
  }
  return 0;
}

size_t normalized_capacity(const Tokenizer& t, size_t input_bytes) {
  return input_bytes * t.expansion() + 3;
}

Status normalize(const Tokenizer& t, const char* text, size_t length, char* out, size_t capacity,
                 size_t* out_length) {
  const uint32_t flags = t.flags();
  const bool remove_extra = flags & kRemoveExtraWhitespaces;
  const bool escape = flags & kEscapeWhitespaces;
  Writer w{out, capacity};
  *out_length = 0;
  const char* piece;
  size_t piece_size;
  if (remove_extra) {  // leading whitespace, as the normalizer sees it
    while (length > 0) {
      const size_t used = normalize_prefix(t, text, length, &piece, &piece_size);
      if (!(piece_size == 1 && piece[0] == ' ')) break;
      text += used;
      length -= used;
    }
  }
  if (length == 0) return Status::ok();
  if (flags & kAddDummyPrefix) escape ? w.put(kSpaceSymbol, 3) : w.put(" ", 1);
  bool previous_space = remove_extra;
  while (length > 0) {
    const size_t used = normalize_prefix(t, text, length, &piece, &piece_size);
    if (previous_space) {
      while (piece_size > 0 && piece[0] == ' ') ++piece, --piece_size;
    }
    if (piece_size > 0) {
      for (size_t i = 0; i < piece_size; ++i) {
        if (escape && piece[i] == ' ') {
          w.put(kSpaceSymbol, 3);
        } else {
          w.put(piece + i, 1);
        }
      }
      previous_space = piece[piece_size - 1] == ' ';
    }
    text += used;
    length -= used;
    if (!remove_extra) previous_space = false;
  }
  if (remove_extra) {
    const char* space = escape ? kSpaceSymbol : " ";
    const size_t n = escape ? 3 : 1;
    while (w.ends_with(space, n)) w.size -= n;
  }
  if (w.overflow) {
    return Status::error(StatusCode::kBadModel)
        .add("tokenizer: normalized text exceeds the blob's expansion bound");
  }
  *out_length = w.size;
  return Status::ok();
}

uint32_t piece_to_id(const Tokenizer& t, const char* data, size_t size) {
  const uint32_t p = find_piece(t, data, size);
  if (p != kNoPiece) return p;
  return static_cast<uint32_t>(t.unk_piece());
}

void emit_piece(const Tokenizer& t, uint32_t piece, const char* text, size_t size, IdSink* sink) {
  const auto& s = t.sections();
  const bool unk = piece == static_cast<uint32_t>(t.unk_piece());
  if (unk && !(t.flags() & kByteFallback)) {
    if (!sink->last_was_unk) sink->push(s.model_ids[piece]);
    sink->last_was_unk = true;
    return;
  }
  sink->last_was_unk = false;
  if (unk) {
    for (size_t i = 0; i < size; ++i) {
      const uint32_t b = s.byte_pieces[static_cast<unsigned char>(text[i])];
      // A byte without its piece maps to <unk>, as PieceToId does.
      sink->push(s.model_ids[b != kNoPiece ? b : piece]);  // unk always has a model id
    }
    return;
  }
  // Control pieces may lack a model id; SentencePiece never emits them from text.
  sink->push(s.model_ids[piece] != kNoPiece ? s.model_ids[piece] : s.model_ids[t.unk_piece()]);
}

}  // namespace text
}  // namespace xattn
