// Tokenizer: text <-> model vocabulary ids on the device, from a tokenizer
// blob (models/FORMAT.md, "Tokenizer blob") read in place.
//
// One blob holds one tokenizer: SentencePiece unigram or BPE (with its
// normalizer: precompiled character map, whitespace rules, byte fallback) or
// byte-level BPE (GPT-2 / Whisper, pre-tokenized by GPT-2's rules). open()
// checks every byte once; encode() and decode() then never allocate: encode
// works in a caller-provided scratch buffer of scratch_bytes(max input) bytes.
// Invalid UTF-8 input is an error (kInvalidArgument), never a crash.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/status.h"

namespace xattn {

enum class TokenizerModel : uint8_t {
  kUnigram = 1,        // SentencePiece unigram (Viterbi over the piece lattice)
  kSentencePieceBpe = 2,  // SentencePiece BPE (merge by piece score)
  kByteLevelBpe = 3,   // GPT-2 / tiktoken byte-level BPE (merge by rank)
};

// A piece's text: raw bytes, not NUL-terminated.
struct PieceText {
  const char* data = nullptr;
  size_t size = 0;
};

// Scratch bytes encode() needs, from what the blob's header says (model
// byte and expansion) and the longest input: the same number as
// Tokenizer::scratch_bytes, computable before opening (e.g. by a planner).
// SentencePiece: N = max_input_bytes * expansion + 3 normalized bytes, then
// 12 bytes per lattice node (unigram) or 20 per symbol and 3 x 16 per merge
// candidate (BPE); byte-level BPE: 8 bytes per input byte + 8.
constexpr size_t tokenizer_scratch_bytes(TokenizerModel model, uint32_t expansion, size_t max_input_bytes) {
  const size_t normalized = max_input_bytes * expansion + 3;
  const size_t text = (normalized + 7) & ~size_t{7};
  return model == TokenizerModel::kUnigram          ? text + 12 * (normalized + 1)
         : model == TokenizerModel::kSentencePieceBpe ? text + 20 * normalized + 48 * normalized
                                                      : 8 * (max_input_bytes + 1);
}

class Tokenizer {
 public:
  // Validates `size` bytes at `blob` (4-byte aligned) and keeps pointers into
  // them: the blob must outlive the Tokenizer. kBadModel names the first fault.
  static Status open(const void* blob, size_t size, Tokenizer* out);

  TokenizerModel model() const { return model_; }
  uint32_t piece_count() const { return piece_count_; }

  // Exact scratch encode() needs for inputs of up to max_input_bytes bytes.
  size_t scratch_bytes(size_t max_input_bytes) const;
  // The most ids encode() can produce for such an input (size for `ids`).
  size_t max_ids(size_t max_input_bytes) const;

  // Text -> model vocabulary ids. Fails with kInvalidArgument on invalid
  // UTF-8, kArenaTooSmall when scratch is smaller than scratch_bytes(length),
  // kLimitExceeded when more than `capacity` ids result (*count then says how
  // many there are).
  Status encode(const char* text, size_t length, void* scratch, size_t scratch_size, uint32_t* ids,
                size_t capacity, size_t* count) const;

  // Ids -> text, as the original library detokenizes. Writes at most
  // `capacity` bytes (no terminator); *length is the full text's length, and
  // kLimitExceeded is returned when it does not fit (the bytes that fit are
  // written). An id without a piece: kInvalidArgument, or, with
  // skip_pieceless, left out (special tokens of the model the tokenizer does
  // not know, such as language codes or padding, as SentencePiece leaves
  // control symbols out).
  Status decode(const uint32_t* ids, size_t count, char* out, size_t capacity, size_t* length,
                bool skip_pieceless = false) const;

  // The piece a model id stands for (empty when the id has none).
  PieceText piece(uint32_t model_id) const;

  // Internal state, read by the encoders in runtime/src/text/.
  struct Sections {
    const uint32_t* piece_offsets = nullptr;  // piece_count + 1 offsets into strings
    const char* strings = nullptr;
    const float* scores = nullptr;
    const uint8_t* types = nullptr;
    const uint32_t* model_ids = nullptr;      // piece index -> model id
    const uint32_t* pieces_by_model_id = nullptr;  // model id -> piece index (or ~0u)
    const uint32_t* hash_slots = nullptr;     // piece index + 1, 0 = empty
    const uint32_t* prefix_filter = nullptr;  // bit set: hashes of every piece's prefixes
    const uint32_t* byte_pieces = nullptr;    // 256 piece indices (~0u = none)
    const uint32_t* user_defined = nullptr;   // piece indices of user-defined symbols
    const uint32_t* charsmap_units = nullptr; // darts-clone double array
    const char* charsmap_strings = nullptr;   // NUL-separated normalized strings
  };
  const Sections& sections() const { return s_; }
  uint32_t flags() const { return flags_; }
  uint32_t hash_slot_count() const { return hash_slots_; }
  uint32_t prefix_filter_words() const { return prefix_filter_words_; }
  uint32_t user_defined_count() const { return user_defined_count_; }
  uint32_t max_user_defined_bytes() const { return max_user_defined_bytes_; }
  uint32_t charsmap_unit_count() const { return charsmap_units_; }
  uint32_t charsmap_strings_size() const { return charsmap_strings_size_; }
  uint32_t model_vocab_size() const { return model_vocab_size_; }
  uint32_t max_piece_bytes() const { return max_piece_bytes_; }
  uint32_t expansion() const { return expansion_; }
  int32_t unk_piece() const { return unk_piece_; }
  float min_score() const { return min_score_; }
  float max_score() const { return max_score_; }

 private:
  Sections s_;
  TokenizerModel model_ = TokenizerModel::kUnigram;
  uint32_t flags_ = 0;
  uint32_t piece_count_ = 0;
  uint32_t hash_slots_ = 0;
  uint32_t prefix_filter_words_ = 0;
  uint32_t user_defined_count_ = 0;
  uint32_t max_user_defined_bytes_ = 0;
  uint32_t charsmap_units_ = 0;
  uint32_t charsmap_strings_size_ = 0;
  uint32_t model_vocab_size_ = 0;
  uint32_t max_piece_bytes_ = 0;
  uint32_t expansion_ = 1;
  int32_t unk_piece_ = -1;
  float min_score_ = 0.0f;
  float max_score_ = 0.0f;
};

}  // namespace xattn
