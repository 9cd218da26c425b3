// Tokenizer::open: checks every field, count and offset of a tokenizer blob
// (models/FORMAT.md, "Tokenizer blob") before anything reads through it.
#include <cmath>
#include <cstring>

#include "text/tokenizer_internal.h"

namespace xattn {
namespace {

using text::kNoPiece;

uint32_t read_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

Status bad(const char* what) { return Status::error(StatusCode::kBadModel).add("tokenizer: ").add(what); }

uint64_t align4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

// Walks the sections in their fixed order, handing out 4-aligned pointers.
struct Cursor {
  const uint8_t* base;
  uint64_t size;
  uint64_t at;
  bool overflow = false;
  const uint8_t* take(uint64_t bytes) {
    const uint64_t begin = at;
    at = align4(at + bytes);
    if (at > size || bytes > size) {
      overflow = true;
      return nullptr;
    }
    return base + begin;
  }
};

}  // namespace

Status Tokenizer::open(const void* blob, size_t size, Tokenizer* out) {
  const uint8_t* b = static_cast<const uint8_t*>(blob);
  if (b == nullptr || size < text::kBlobHeaderSize) return bad("blob shorter than its 64-byte header");
  if (reinterpret_cast<uintptr_t>(b) % 4 != 0) {
    return Status::error(StatusCode::kMisaligned).add("tokenizer: blob not 4-byte aligned");
  }
  if (std::memcmp(b, text::kBlobMagic, 8) != 0) return bad("bad magic (expected XATTNTOK)");
  if (read_u32(b + 8) != text::kBlobVersion) return bad("unsupported version");
  if (read_u32(b + 12) != text::kBlobHeaderSize) return bad("header_size is not 64");
  if (read_u32(b + 16) != size) return bad("total_size differs from the blob's size");
  Tokenizer t;
  const uint8_t model = b[20];
  if (model < 1 || model > 3) return bad("unknown model type");
  t.model_ = static_cast<TokenizerModel>(model);
  t.flags_ = b[21];
  if (t.flags_ > 15) return bad("unknown flag bits");
  if (b[22] != 0 || b[23] != 0) return bad("reserved header bytes not zero");
  t.piece_count_ = read_u32(b + 24);
  t.unk_piece_ = static_cast<int32_t>(read_u32(b + 28));
  t.model_vocab_size_ = read_u32(b + 32);
  t.hash_slots_ = read_u32(b + 36);
  t.user_defined_count_ = read_u32(b + 40);
  t.charsmap_units_ = read_u32(b + 44);
  t.charsmap_strings_size_ = read_u32(b + 48);
  const uint32_t strings_size = read_u32(b + 52);
  t.expansion_ = read_u32(b + 56);
  t.prefix_filter_words_ = read_u32(b + 60);
  const uint32_t n = t.piece_count_;
  if (n == 0) return bad("no pieces");
  if (t.hash_slots_ <= n || (t.hash_slots_ & (t.hash_slots_ - 1)) != 0) {
    return bad("hash_slot_count must be a power of two above piece_count");
  }
  if ((t.prefix_filter_words_ & (t.prefix_filter_words_ - 1)) != 0 || t.prefix_filter_words_ > (1u << 26)) {
    return bad("prefix_filter_words must be 0 or a power of two up to 2^26");
  }
  if (t.expansion_ < 1 || t.expansion_ > text::kMaxExpansion) return bad("expansion outside 1..64");

  Cursor c{b, size, text::kBlobHeaderSize};
  Sections& s = t.s_;
  s.piece_offsets = reinterpret_cast<const uint32_t*>(c.take(4ull * (n + 1ull)));
  s.scores = reinterpret_cast<const float*>(c.take(4ull * n));
  s.model_ids = reinterpret_cast<const uint32_t*>(c.take(4ull * n));
  s.pieces_by_model_id = reinterpret_cast<const uint32_t*>(c.take(4ull * t.model_vocab_size_));
  s.hash_slots = reinterpret_cast<const uint32_t*>(c.take(4ull * t.hash_slots_));
  s.prefix_filter = reinterpret_cast<const uint32_t*>(c.take(4ull * t.prefix_filter_words_));
  s.byte_pieces = reinterpret_cast<const uint32_t*>(c.take(4ull * 256));
  s.user_defined = reinterpret_cast<const uint32_t*>(c.take(4ull * t.user_defined_count_));
  s.charsmap_units = reinterpret_cast<const uint32_t*>(c.take(4ull * t.charsmap_units_));
  s.types = c.take(n);
  s.strings = reinterpret_cast<const char*>(c.take(strings_size));
  s.charsmap_strings = reinterpret_cast<const char*>(c.take(t.charsmap_strings_size_));
  if (c.overflow) return bad("sections run past the end of the blob");
  if (c.at != size) return bad("bytes after the last section");

  // Pieces: offsets into the string pool, non-empty, in order.
  if (s.piece_offsets[0] != 0 || s.piece_offsets[n] != strings_size) {
    return bad("piece offsets do not span the string pool");
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (s.piece_offsets[i + 1] <= s.piece_offsets[i]) return bad("empty piece or offsets out of order");
    const uint32_t bytes = s.piece_offsets[i + 1] - s.piece_offsets[i];
    if (bytes > t.max_piece_bytes_) t.max_piece_bytes_ = bytes;
    if (!std::isfinite(s.scores[i])) return bad("piece score not finite");
    if (s.types[i] < text::kNormal || s.types[i] > text::kByte) return bad("unknown piece type");
    if (s.model_ids[i] == kNoPiece) {  // only pieces never produced may lack a model id
      if (s.types[i] != text::kControl && s.types[i] != text::kUnused) return bad("piece without a model id");
      continue;
    }
    if (s.model_ids[i] >= t.model_vocab_size_) return bad("piece model id beyond model_vocab_size");
    if (s.pieces_by_model_id[s.model_ids[i]] != i) return bad("model id map is not the inverse of the piece ids");
  }
  for (uint32_t m = 0; m < t.model_vocab_size_; ++m) {
    const uint32_t p = s.pieces_by_model_id[m];
    if (p != kNoPiece && (p >= n || s.model_ids[p] != m)) return bad("model id map entry out of range");
  }
  // Hash table: entries in range, at least one empty slot (probes end), every piece found.
  uint32_t used = 0;
  for (uint32_t i = 0; i < t.hash_slots_; ++i) {
    if (s.hash_slots[i] > n) return bad("hash slot beyond piece_count");
    used += s.hash_slots[i] != 0;
  }
  if (used != n) return bad("hash table does not hold each piece once");
  for (uint32_t i = 0; i < n; ++i) {
    const PieceText p = text::piece_text(t, i);
    if (text::find_piece(t, p.data, p.size) != i) return bad("piece missing from the hash table (or duplicated)");
  }
  for (uint32_t i = 0; i < 256; ++i) {
    if (s.byte_pieces[i] != kNoPiece && s.byte_pieces[i] >= n) return bad("byte piece beyond piece_count");
  }
  for (uint32_t i = 0; i < t.user_defined_count_; ++i) {
    const uint32_t p = s.user_defined[i];
    if (p >= n || s.types[p] != text::kUserDefined) return bad("user-defined list names a piece of another type");
    const uint32_t bytes = s.piece_offsets[p + 1] - s.piece_offsets[p];
    if (bytes > t.max_user_defined_bytes_) t.max_user_defined_bytes_ = bytes;
  }
  if (t.unk_piece_ != -1 && (t.unk_piece_ < 0 || static_cast<uint32_t>(t.unk_piece_) >= n ||
                             s.types[t.unk_piece_] != text::kUnknown)) {
    return bad("unk_piece is not a piece of type unknown");
  }
  if (t.charsmap_units_ != 0 &&
      (t.charsmap_strings_size_ == 0 || s.charsmap_strings[t.charsmap_strings_size_ - 1] != '\0')) {
    return bad("charsmap strings must end with a NUL");
  }
  if (t.model_ == TokenizerModel::kByteLevelBpe) {
    for (uint32_t i = 0; i < 256; ++i) {
      if (s.byte_pieces[i] == kNoPiece) return bad("byte-level BPE lacks a piece for some byte");
    }
    if (t.flags_ != 0 || t.charsmap_units_ != 0) return bad("byte-level BPE takes no normalizer");
  } else if (t.unk_piece_ < 0) {
    return bad("SentencePiece model without an unknown piece");
  }
  // SentencePiece's score range, over normal pieces only (FLT_MAX / FLT_MIN start values).
  t.min_score_ = 3.402823466e+38f;
  t.max_score_ = 1.175494351e-38f;
  bool any_normal = false;
  for (uint32_t i = 0; i < n; ++i) {
    if (s.types[i] != text::kNormal) continue;
    any_normal = true;
    if (s.scores[i] < t.min_score_) t.min_score_ = s.scores[i];
    if (s.scores[i] > t.max_score_) t.max_score_ = s.scores[i];
  }
  if (!any_normal) t.min_score_ = 0.0f;
  *out = t;
  return Status::ok();
}

}  // namespace xattn
