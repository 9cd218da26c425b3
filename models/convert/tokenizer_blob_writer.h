// Building a tokenizer blob (models/FORMAT.md, "Tokenizer blob") from a
// tokenizer read on the host (SentencePiece model, tiktoken ranks, or
// vocab.json + merges.txt), and mapping its pieces to a model vocabulary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xattn {
namespace convert {

struct TokenizerPiece {
  std::string text;   // raw bytes
  float score = 0.0f; // SentencePiece score; byte-level BPE: -rank
  uint8_t type = 1;   // SentencePiece piece type (1 normal ... 6 byte)
};

struct TokenizerSpec {
  uint8_t model = 1;  // 1 unigram, 2 SentencePiece BPE, 3 byte-level BPE
  uint8_t flags = 0;  // bit 0 add_dummy_prefix, 1 remove_extra_whitespaces, 2 escape_whitespaces, 3 byte_fallback
  std::vector<TokenizerPiece> pieces;
  std::string charsmap;        // SentencePiece precompiled_charsmap, as stored (may be empty)
  std::vector<uint32_t> model_ids;  // piece -> model vocabulary id; empty: the piece index
  uint32_t model_vocab_size = 0;    // with model_ids
};

// Gives every piece the id of the same string in `vocabulary`. Control and
// unused pieces may be absent (they are never produced); any other missing
// piece is an error naming it. Returns "" or the error.
std::string map_to_vocabulary(const std::vector<std::string>& vocabulary, TokenizerSpec* spec);

// The blob bytes, or an error message (duplicate pieces, bad charsmap, ...).
std::string build_tokenizer_blob(const TokenizerSpec& spec, std::vector<uint8_t>* blob);

}  // namespace convert
}  // namespace xattn
