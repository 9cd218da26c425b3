// Byte-level BPE (GPT-2, tiktoken): placeholder until the encoder lands.
#include "text/tokenizer_internal.h"

namespace xattn {
namespace text {

size_t byte_bpe_scratch(size_t input_bytes) { return (input_bytes + 1) * 8; }

Status byte_bpe_encode(const Tokenizer&, const char*, size_t, void*, IdSink*) {
  return Status::error(StatusCode::kUnsupported).add("tokenizer: byte-level BPE not built yet");
}

}  // namespace text
}  // namespace xattn
