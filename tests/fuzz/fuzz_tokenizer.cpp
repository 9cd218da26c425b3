// libFuzzer target: the runtime tokenizer. The first input byte chooses:
//  - even: the rest is a tokenizer blob. open() must never crash or read
//    past it; an accepted blob must encode and decode a few fixed texts
//    within its scratch and output sizes.
//  - odd: the rest is text (any bytes: invalid UTF-8, long repetitions) for
//    three synthetic tokenizers (unigram with byte fallback and a
//    user-defined symbol, SentencePiece BPE, byte-level BPE): encode gives a
//    Status, never a crash; ids stay in the vocabulary; decode(encode(x))
//    gives x back for byte-level BPE.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tokenizer_blob_writer.h"
#include "xattn/tokenizer.h"

namespace {

using xattn::Status;
using xattn::Tokenizer;
using xattn::convert::TokenizerPiece;
using xattn::convert::TokenizerSpec;

std::vector<uint8_t> blob_of(const TokenizerSpec& spec) {
  std::vector<uint8_t> bytes;
  const std::string error = xattn::convert::build_tokenizer_blob(spec, &bytes);
  XATTN_FUZZ_ASSERT(error.empty(), "synthetic tokenizer builds");
  return bytes;
}

std::vector<std::vector<uint8_t>> synthetic_blobs() {
  const std::string sp = "\xe2\x96\x81";
  TokenizerSpec unigram;
  unigram.model = 1;
  unigram.flags = 15;
  unigram.pieces = {{"<unk>", 0, 2}, {sp, -1, 1}, {"a", -2, 1}, {"b", -2, 1}, {"ab", -3, 1}, {sp + "ab", -2.5f, 1},
                    {"<s>", 0, 3}, {"<x>", 0, 4}, {"\xc3\xa9", -4, 1}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    unigram.pieces.push_back(TokenizerPiece{name, 0, 6});
  }
  TokenizerSpec bpe = unigram;
  bpe.model = 2;
  bpe.flags = 7;
  TokenizerSpec bytes;
  bytes.model = 3;
  for (int b = 0; b < 256; ++b) bytes.pieces.push_back(TokenizerPiece{std::string(1, static_cast<char>(b)), 0, 1});
  for (const char* merged : {"ab", " a", "aa", "aaa", "\xc3\xa9", " \xc3\xa9"}) bytes.pieces.push_back(TokenizerPiece{merged, 0, 1});
  return {blob_of(unigram), blob_of(bpe), blob_of(bytes)};
}

// Encodes and decodes within exact buffers; returns the encode status.
Status round(const Tokenizer& t, const char* text, size_t size, std::string* decoded) {
  // Exact sizes: a write past the scratch or the ids is an ASan report.
  xattn::fuzz::AlignedCopy scratch(nullptr, t.scratch_bytes(size));
  std::vector<uint32_t> ids(t.max_ids(size));
  size_t count = 0;
  const Status s = t.encode(text, size, scratch.data(), scratch.size(), ids.data(), ids.size(), &count);
  if (!s) return s;
  XATTN_FUZZ_ASSERT(count <= ids.size(), "count within max_ids");
  for (size_t i = 0; i < count; ++i) {
    XATTN_FUZZ_ASSERT(t.piece(ids[i]).size > 0, "encoded ids have pieces");
  }
  size_t length = 0;
  Status d = t.decode(ids.data(), count, nullptr, 0, &length);
  std::vector<char> out(length + 1);
  d = t.decode(ids.data(), count, out.data(), out.size(), &length);
  XATTN_FUZZ_ASSERT(d.is_ok(), "decoding encoded ids succeeds");
  decoded->assign(out.data(), length);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::vector<std::vector<uint8_t>> blobs = synthetic_blobs();
  std::string decoded;
  if ((data[0] & 1) == 0) {
    xattn::fuzz::AlignedCopy blob(data + 1, size - 1);
    Tokenizer t;
    if (!Tokenizer::open(blob.data(), size - 1, &t)) return 0;
    for (const char* text : {"", "ab ab", "  a\tb\xc3\xa9 <x>  ", "\xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80"}) {
      (void)round(t, text, std::strlen(text), &decoded);
    }
    return 0;
  }
  const char* text = reinterpret_cast<const char*>(data + 1);
  xattn::fuzz::AlignedCopy copy(data + 1, size - 1);  // exact size: a read past it is an ASan report
  for (size_t i = 0; i < blobs.size(); ++i) {
    Tokenizer t;
    XATTN_FUZZ_ASSERT(Tokenizer::open(blobs[i].data(), blobs[i].size(), &t).is_ok(), "synthetic blob opens");
    const Status s = round(t, reinterpret_cast<const char*>(copy.data()), size - 1, &decoded);
    if (s && t.model() == xattn::TokenizerModel::kByteLevelBpe) {
      XATTN_FUZZ_ASSERT(decoded == std::string(text, size - 1), "byte-level BPE round-trips");
    }
  }
  return 0;
}
