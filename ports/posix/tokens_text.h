// The text of output tokens, one wording for every command: through the
// model's target tokenizer, or its text mode (characters joined, tokens
// spaced) when it has none or when the pieces themselves are asked for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "xattn/model.h"

namespace xattn {
namespace posix {

// Returns "" or a one-line error.
std::string tokens_text(const ModelView& model, const uint32_t* ids, size_t count, bool pieces, std::string* text);

}  // namespace posix
}  // namespace xattn
