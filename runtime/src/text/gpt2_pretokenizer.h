// GPT-2's pre-tokenizer without a regex engine. The pattern (also Whisper's)
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// is matched by hand, alternatives tried in order as the regex does:
// contractions, then an optional space and a run of letters, numbers or
// other symbols, then white space (all of a run at the end of the text, or
// all but its last character when a non-space follows, or one character).
#pragma once

#include <cstddef>

namespace xattn {
namespace text {

// Length in bytes of the pre-token starting at text[0] (text is valid UTF-8
// and non-empty).
size_t gpt2_pretoken_length(const char* text, size_t length);

}  // namespace text
}  // namespace xattn
