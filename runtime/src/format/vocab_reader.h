// Validation of one vocabulary block (layout in xattn/format.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/model.h"

namespace xattn {
namespace format {

// Checks the block at [offset, offset + size) and binds `out` to it. The block
// must start at or after *cursor (4-aligned); *cursor moves past it. `side` is
// "source" or "target", for messages.
Status read_vocab_block(const uint8_t* bytes, size_t file_size, uint32_t offset, uint32_t size,
                        uint32_t expected_count, TextMode mode, const char* side, uint64_t* cursor,
                        VocabView* out);

// Lexicographic compare of unsigned bytes, shorter prefix first: the order of
// the sorted index.
int compare_tokens(const char* a, size_t a_size, const char* b, size_t b_size);

}  // namespace format
}  // namespace xattn
