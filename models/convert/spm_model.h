// Reading a SentencePiece model file (the serialized ModelProto:
// `*.model`, `source.spm`, `spiece.model`, ...) into a TokenizerSpec: its
// pieces, scores and types, the trainer's model type and byte fallback, and
// the normalizer spec (precompiled charsmap and whitespace flags).
#pragma once

#include <string>

#include "tokenizer_blob_writer.h"

namespace xattn {
namespace convert {

// Parses ModelProto bytes. Returns "" or an error naming the fault.
std::string parse_sentencepiece_model(const std::string& bytes, TokenizerSpec* spec);

// Reads and parses a file.
std::string read_sentencepiece_model(const std::string& path, TokenizerSpec* spec);

}  // namespace convert
}  // namespace xattn
