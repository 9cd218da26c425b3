// Text <-> token ids through a model's own vocabularies, as the model file
// says text is split (space-separated tokens, or one token per character).
// No allocation: callers pass the output buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/model.h"
#include "xattn/status.h"

namespace xattn {

enum class Side : uint8_t { kSource, kTarget };

// Splits `text` and maps each token to its id (unknown tokens -> <unk>).
// Fails with kLimitExceeded when more than `capacity` tokens are found;
// `*count` then holds how many were found.
Status tokenize(const ModelView& model, Side side, const char* text, size_t length, uint32_t* ids,
                size_t capacity, size_t* count);

// Like tokenize, but a token missing from the vocabulary is an error naming
// it (for end tokens and suppressed sequences, as CTranslate2 does).
Status tokenize_known(const ModelView& model, Side side, const char* text, size_t length, uint32_t* ids,
                      size_t capacity, size_t* count);

// Writes the tokens' text, space-separated (or concatenated for character
// models), NUL-terminated. Returns the length the full text needs (without
// the NUL); output is cut, still terminated, when that exceeds capacity - 1.
size_t detokenize(const ModelView& model, Side side, const uint32_t* ids, size_t count, char* out,
                  size_t capacity);

}  // namespace xattn
