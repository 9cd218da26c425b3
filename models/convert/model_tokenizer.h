// A tokenizer named on the command line, read and mapped to a model's
// vocabulary: the converter stores the result in the model file
// (`convert ct2 ... --tokenizer ARG`) and `xattn tokenize` runs it.
//
// ARG is one of
//   spm:FILE, or FILE ending in .model / .spm   SentencePiece ModelProto
//   tiktoken:FILE, or FILE ending in .tiktoken  tiktoken rank file
//   bpe:VOCAB.json+MERGES.txt, or X.json+Y.txt  GPT-2/BART byte-level BPE
// and, without a prefix or a known ending, a SentencePiece model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer_blob_writer.h"

namespace xattn {
namespace convert {

// Reads the tokenizer ARG names. Returns "" or an error naming the file.
std::string read_tokenizer_argument(const std::string& arg, TokenizerSpec* spec);

// GPT-2's printable spelling of one byte (bytes_to_unicode in its
// encoder.py), UTF-8 encoded: how byte-level BPE vocabularies (vocab.json,
// CTranslate2's vocabulary files) write the bytes of a token.
std::string gpt2_byte_spelling(uint8_t byte);

// Gives every piece the id of the same token in `vocabulary` (byte-level
// BPE pieces compared in GPT-2's spelling) and builds the blob. A piece the
// vocabulary lacks is an error naming it and `side` ("source", "target").
std::string build_model_tokenizer(TokenizerSpec spec, const std::vector<std::string>& vocabulary,
                                  const std::string& side, std::vector<uint8_t>* blob);

}  // namespace convert
}  // namespace xattn
