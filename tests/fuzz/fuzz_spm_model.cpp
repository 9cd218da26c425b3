// libFuzzer target: the converter's SentencePiece model reader (protobuf
// wire format, ModelProto fields, precompiled charsmap) and blob writer.
// Parsing and building never crash or throw out of their error-string API,
// and whatever blob the writer builds, the runtime's Tokenizer::open accepts
// and can encode a few texts with.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "spm_model.h"
#include "tokenizer_blob_writer.h"
#include "xattn/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  xattn::convert::TokenizerSpec spec;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  if (!xattn::convert::parse_sentencepiece_model(bytes, &spec).empty()) return 0;
  std::vector<uint8_t> blob;
  if (!xattn::convert::build_tokenizer_blob(spec, &blob).empty()) return 0;
  xattn::fuzz::AlignedCopy copy(blob);
  xattn::Tokenizer t;
  const xattn::Status s = xattn::Tokenizer::open(copy.data(), copy.size(), &t);
  XATTN_FUZZ_ASSERT(s.is_ok(), "the runtime accepts every blob the converter writes");
  for (const char* text : {"ab ab", "  x\ty \xc3\xa9  ", "\xef\xbc\xa1\xe3\x8d\xbf"}) {
    const size_t n = std::strlen(text);
    xattn::fuzz::AlignedCopy scratch(nullptr, t.scratch_bytes(n));
    std::vector<uint32_t> ids(t.max_ids(n));
    size_t count = 0;
    const xattn::Status e = t.encode(text, n, scratch.data(), scratch.size(), ids.data(), ids.size(), &count);
    XATTN_FUZZ_ASSERT(e.is_ok() || e.code() == xattn::StatusCode::kUnsupported, "valid text encodes");
  }
  return 0;
}
