// Shared pieces of the tokenizer implementation: the blob's constants, piece
// lookup by text (the blob's hash table), UTF-8 rules, and the per-model
// encoders that tokenizer.cpp dispatches to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "xattn/tokenizer.h"

namespace xattn {
namespace text {

constexpr char kBlobMagic[8] = {'X', 'A', 'T', 'T', 'N', 'T', 'O', 'K'};
constexpr uint32_t kBlobVersion = 1;
constexpr uint32_t kBlobHeaderSize = 64;
constexpr uint32_t kNoPiece = 0xffffffffu;
constexpr uint32_t kMaxExpansion = 64;

// Flags (header byte 21).
constexpr uint32_t kAddDummyPrefix = 1u << 0;
constexpr uint32_t kRemoveExtraWhitespaces = 1u << 1;
constexpr uint32_t kEscapeWhitespaces = 1u << 2;
constexpr uint32_t kByteFallback = 1u << 3;

// Piece types: SentencePiece's ModelProto values.
enum PieceType : uint8_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// "▁" (U+2581), SentencePiece's visible space.
constexpr char kSpaceSymbol[] = "\xe2\x96\x81";

// FNV-1a, 32 bits: the blob's hash of piece bytes (the converter uses the same).
inline uint32_t hash_bytes(const char* data, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; ++i) h = (h ^ static_cast<unsigned char>(data[i])) * 16777619u;
  return h;
}

// One FNV-1a step: the hash of bytes + c from the hash of bytes.
inline uint32_t hash_step(uint32_t h, char c) { return (h ^ static_cast<unsigned char>(c)) * 16777619u; }
constexpr uint32_t kHashSeed = 2166136261u;

// False when no piece starts with the bytes of hash h (no false negatives:
// the converter sets the bit of every prefix of every piece). True without a filter.
inline bool maybe_prefix(const Tokenizer& t, uint32_t h) {
  const uint32_t words = t.prefix_filter_words();
  if (words == 0) return true;
  const uint32_t bit = h & (words * 32 - 1);
  return (t.sections().prefix_filter[bit >> 5] >> (bit & 31)) & 1;
}

inline PieceText piece_text(const Tokenizer& t, uint32_t piece) {
  const auto& s = t.sections();
  PieceText p;
  p.data = s.strings + s.piece_offsets[piece];
  p.size = s.piece_offsets[piece + 1] - s.piece_offsets[piece];
  return p;
}

// The piece whose text is exactly these bytes, or kNoPiece. open() checked
// that the table has an empty slot, so the probe ends.
inline uint32_t find_piece_hashed(const Tokenizer& t, const char* data, size_t size, uint32_t hash) {
  const auto& s = t.sections();
  const uint32_t mask = t.hash_slot_count() - 1;
  for (uint32_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const uint32_t entry = s.hash_slots[slot];
    if (entry == 0) return kNoPiece;
    const PieceText p = piece_text(t, entry - 1);
    if (p.size == size && std::memcmp(p.data, data, size) == 0) return entry - 1;
  }
}

inline uint32_t find_piece(const Tokenizer& t, const char* data, size_t size) {
  return find_piece_hashed(t, data, size, hash_bytes(data, size));
}

// Length of the UTF-8 character at `s` as SentencePiece's OneCharLen reads
// its lead byte (input is validated first, so this is the true length).
inline size_t one_char_length(const char* s) {
  static const uint8_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[static_cast<unsigned char>(*s) >> 4];
}

// Decodes one well-formed UTF-8 character (shortest form, no surrogates,
// <= U+10FFFF) at text[0..length); returns its length, 0 when malformed.
size_t decode_utf8(const char* text, size_t length, uint32_t* code_point);

// Checks a whole text; on failure *bad_offset is the first malformed byte.
bool valid_utf8(const char* text, size_t length, size_t* bad_offset);

// Bytes of normalized text for an input of `input_bytes` (SentencePiece models).
size_t normalized_capacity(const Tokenizer& t, size_t input_bytes);

// Writes SentencePiece's normalization of text into out[0..capacity).
Status normalize(const Tokenizer& t, const char* text, size_t length, char* out, size_t capacity,
                 size_t* out_length);

// Longest user-defined symbol at the start of text (0 when none).
size_t match_user_defined(const Tokenizer& t, const char* text, size_t length);

// SentencePiece's PieceToId: reserved pieces first, then normal ones, else <unk>.
uint32_t piece_to_id(const Tokenizer& t, const char* data, size_t size);

// The encoders below work in the scratch tokenizer_scratch_bytes() sizes.

// Output helper: appends one model id, counting past capacity.
struct IdSink {
  uint32_t* ids;
  size_t capacity;
  size_t count;
  bool last_was_unk = false;  // SentencePiece merges runs of <unk> into one
  void push(uint32_t id) {
    if (count < capacity) ids[count] = id;
    ++count;
  }
};

// Appends the ids of one piece: <unk> becomes byte pieces under byte_fallback,
// else a run of <unk> pieces becomes one.
void emit_piece(const Tokenizer& t, uint32_t piece, const char* text, size_t size, IdSink* sink);

Status unigram_encode(const Tokenizer& t, const char* normalized, size_t length, void* scratch,
                      IdSink* sink);

Status spm_bpe_encode(const Tokenizer& t, const char* normalized, size_t length, void* scratch,
                      IdSink* sink);

Status byte_bpe_encode(const Tokenizer& t, const char* text, size_t length, void* scratch,
                       IdSink* sink);

}  // namespace text
}  // namespace xattn
