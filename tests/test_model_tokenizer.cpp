// The converter's mapping of tokenizer pieces to a model's vocabulary
// (models/convert/model_tokenizer.h): GPT-2's byte spelling, which
// byte-level BPE vocabularies use (published in GPT-2's encoder.py,
// bytes_to_unicode: printable Latin-1 bytes spell themselves, the other 68
// bytes become U+0100.. in byte order), mapping by string in a shuffled
// vocabulary, and the error naming a missing piece.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "model_tokenizer.h"
#include "xattn/tokenizer.h"

namespace xattn {
namespace {

using convert::TokenizerPiece;
using convert::TokenizerSpec;

TokenizerSpec byte_level(const std::vector<std::string>& merged) {
  TokenizerSpec spec;
  spec.model = 3;
  for (int b = 0; b < 256; ++b) spec.pieces.push_back(TokenizerPiece{std::string(1, static_cast<char>(b)), 0, 1});
  for (const std::string& m : merged) spec.pieces.push_back(TokenizerPiece{m, 0, 1});
  for (size_t i = 0; i < spec.pieces.size(); ++i) spec.pieces[i].score = -static_cast<float>(i);
  return spec;
}

}  // namespace

TEST_CASE("model tokenizer: GPT-2's byte spelling") {
  CHECK(convert::gpt2_byte_spelling('!') == "!");
  CHECK(convert::gpt2_byte_spelling('~') == "~");
  CHECK(convert::gpt2_byte_spelling(0xe9) == "\xc3\xa9");  // é spells itself
  CHECK(convert::gpt2_byte_spelling(0x00) == "\xc4\x80");  // U+0100
  CHECK(convert::gpt2_byte_spelling(' ') == "\xc4\xa0");   // U+0120 "Ġ", the 33rd unprintable byte
  CHECK(convert::gpt2_byte_spelling('\n') == "\xc4\x8a");  // U+010A "Ċ"
  CHECK(convert::gpt2_byte_spelling(0x7f) == "\xc4\xa1");  // U+0121, after the 33 control bytes and space
  CHECK(convert::gpt2_byte_spelling(0xad) == "\xc5\x83");  // U+0143 "Ń", the last one
}

TEST_CASE("model tokenizer: byte-level pieces map to a vocabulary in GPT-2's spelling, in its order") {
  std::vector<std::string> vocabulary;
  for (int b = 255; b >= 0; --b) vocabulary.push_back(convert::gpt2_byte_spelling(static_cast<uint8_t>(b)));
  vocabulary.push_back("\xc4\xa0h");  // "Ġh": the merge " h"
  vocabulary.push_back("<|endoftext|>");
  std::vector<uint8_t> blob;
  REQUIRE(convert::build_model_tokenizer(byte_level({" h"}), vocabulary, "target", &blob) == "");
  std::vector<uint32_t> aligned((blob.size() + 3) / 4);
  std::memcpy(aligned.data(), blob.data(), blob.size());
  Tokenizer t;
  REQUIRE(Tokenizer::open(aligned.data(), blob.size(), &t).is_ok());
  CHECK(t.model_vocab_size() == 258);
  std::vector<uint64_t> scratch((t.scratch_bytes(3) + 7) / 8);
  uint32_t ids[8];
  size_t count = 0;
  REQUIRE(t.encode("a h", 3, scratch.data(), scratch.size() * 8, ids, 8, &count).is_ok());
  REQUIRE(count == 2);
  CHECK(ids[0] == 255 - 'a');
  CHECK(ids[1] == 256);
  const PieceText piece = t.piece(256);
  CHECK(std::string(piece.data, piece.size) == " h");  // stored as raw bytes

  vocabulary.pop_back();
  vocabulary[255 - 'q'] = "<extra>";
  const std::string error = convert::build_model_tokenizer(byte_level({" h"}), vocabulary, "source", &blob);
  CHECK(error == "source tokenizer: tokenizer piece 'q' (piece 113) is not in the model vocabulary");
}

}  // namespace xattn
