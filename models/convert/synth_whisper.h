// Whisper's token layout for a synthetic Whisper (synth.h).
#pragma once

#include <string>

#include "xattn_writer.h"

namespace xattn {
namespace convert {

// Names the special tokens in both vocabularies (<|endoftext|>,
// <|startoftranscript|>, <|en|> ..., <|translate|>, <|transcribe|>,
// <|startoflm|>, <|startofprev|>, <|nospeech|>, <|notimestamps|>, <|0.00|>
// ...), makes decoding start from <|startoftranscript|> and end at
// <|endoftext|>, and adds the whisper_ids blob (FORMAT.md: no suppressed
// tokens, <|endoftext|> at the first step, the language tokens). A real
// vocabulary size gets Whisper's layout (51865: 99 languages); a smaller
// test vocabulary 4 languages (en zh de es) after two thirds of text tokens.
std::string apply_whisper_layout(XattnModelContents* model);

}  // namespace convert
}  // namespace xattn
