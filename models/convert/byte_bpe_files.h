// Reading byte-level BPE tokenizers into a TokenizerSpec: a tiktoken rank
// file (Whisper, GPT-2: "base64-token rank" per line) or GPT-2/BART's
// vocab.json + merges.txt. Both become pieces in rank order (lower rank
// merges first); merges.txt ranks follow tiktoken's published conversion
// (the 256 single bytes, then one rank per merge line, in order).
#pragma once

#include <string>

#include "tokenizer_blob_writer.h"

namespace xattn {
namespace convert {

std::string read_tiktoken_file(const std::string& path, TokenizerSpec* spec);
std::string read_bpe_vocab(const std::string& vocab_json, const std::string& merges_txt, TokenizerSpec* spec);

}  // namespace convert
}  // namespace xattn
