// The C API with a model that carries its tokenizers (one per side, mapped
// to the vocabularies by string as the converter maps them): tokenize and
// detokenize go through them. Expected ids follow by hand from unigram
// Viterbi over the piece scores below (highest total score wins).
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "model_test_support.h"
#include "model_tokenizer.h"
#include "xattn/xattn.h"

namespace xattn {
namespace {

using convert::TokenizerPiece;
using convert::TokenizerSpec;

TokenizerSpec unigram(const std::vector<std::pair<std::string, float>>& pieces) {
  TokenizerSpec spec;
  spec.model = 1;  // no normalizer flags: text is matched as it is
  for (const auto& p : pieces) {
    TokenizerPiece piece;
    piece.text = p.first;
    piece.score = p.second;
    piece.type = p.first == "<unk>" ? 2 : p.first == "</s>" ? 3 : 1;
    spec.pieces.push_back(piece);
  }
  return spec;
}

convert::HostTensor blob_tensor(GlobalRole role, const std::vector<uint8_t>& blob) {
  convert::HostTensor t;
  t.id = global_id(role);
  t.dtype = format::DType::kUInt8;
  t.rows = static_cast<uint32_t>(blob.size());
  t.cols = 1;
  t.blob = blob;
  return t;
}

// The synthetic model (vocabularies in synthetic_tensors.h)
// with a source and a target tokenizer.
std::vector<uint8_t> model_with_tokenizers() {
  convert::XattnModelContents m = model_test::synthetic_contents(model_test::tiny_options());
  std::vector<uint8_t> source, target;
  REQUIRE(convert::build_model_tokenizer(
              unigram({{"<unk>", 0}, {"a", -2}, {"b", -2}, {"ab", -1}, {"c", -2}, {"d", -2}, {"\xc3\xa9", -2}}),
              m.source_vocab, "source", &source) == "");
  REQUIRE(convert::build_model_tokenizer(
              unigram({{"<unk>", 0}, {"</s>", 0}, {"x", -3}, {"y", -3}, {"z", -3}, {"xy", -1.5f}, {"yz", -1},
                       {"zz", -1}}),
              m.target_vocab, "target", &target) == "");
  m.config.has_tokenizer = true;
  m.config.tokenizer_bytes = static_cast<uint32_t>(source.size());
  m.config.target_tokenizer_bytes = static_cast<uint32_t>(target.size());
  m.tensors.push_back(blob_tensor(GlobalRole::kTokenizer, source));
  m.tensors.push_back(blob_tensor(GlobalRole::kTargetTokenizer, target));
  return model_test::write_model(m);
}

struct alignas(64) Block {
  uint8_t bytes[64];
};

// The ids a call wrote (count read through a pointer: after the call).
std::vector<uint32_t> ids_of(xattn_status status, const uint32_t* ids, const size_t* count) {
  REQUIRE(status == XATTN_OK);
  return std::vector<uint32_t>(ids, ids + *count);
}

}  // namespace

TEST_CASE("C API: tokenize and detokenize through the tokenizers a model carries") {
  const std::vector<uint8_t> file = model_with_tokenizers();
  std::vector<Block> bytes((file.size() + 63) / 64);
  std::memcpy(bytes.data(), file.data(), file.size());
  xattn_model_storage storage;
  xattn_model* model = nullptr;
  xattn_error error;
  REQUIRE_MESSAGE(xattn_model_open(bytes.data(), file.size(), &storage, &model, &error) == XATTN_OK,
                  std::string(error.message));
  CHECK(xattn_model_has_tokenizer(model) == 1);

  uint32_t ids[32];
  size_t count = 0;
  // Source vocabulary: <pad> <s> </s> <unk> b a d c ab é.
  CHECK(ids_of(xattn_tokenize(model, XATTN_SOURCE, "abc", 3, ids, 32, &count), ids, &count) ==
        std::vector<uint32_t>{8, 7});  // ab(-1) + c(-2) beats a + b + c
  CHECK(ids_of(xattn_tokenize(model, XATTN_SOURCE, "ba\xc3\xa9", 4, ids, 32, &count), ids, &count) ==
        std::vector<uint32_t>{4, 5, 9});
  // Target vocabulary: <pad> <s> </s> zz x y z xy yz <unk>; x + yz (-4) beats xy + z (-4.5).
  CHECK(ids_of(xattn_tokenize_known(model, XATTN_TARGET, "xyz", 3, ids, 32, &count), ids, &count) ==
        std::vector<uint32_t>{4, 8});

  // Caller scratch: exactly xattn_tokenize_scratch_bytes, and refused when smaller.
  const size_t need = xattn_tokenize_scratch_bytes(model, XATTN_TARGET, 3);
  REQUIRE(need > 0);
  std::vector<uint64_t> scratch((need + 7) / 8);
  CHECK(ids_of(xattn_tokenize_text(model, XATTN_TARGET, "zzx", 3, scratch.data(), need, ids, 32, &count), ids,
               &count) == std::vector<uint32_t>{3, 4});
  CHECK(xattn_tokenize_text(model, XATTN_TARGET, "zzx", 3, scratch.data(), need - 1, ids, 32, &count) ==
        XATTN_ARENA_TOO_SMALL);
  CHECK(xattn_tokenize(model, XATTN_SOURCE, "a\xff", 2, ids, 32, &count) == XATTN_INVALID_ARGUMENT);
  CHECK(xattn_tokenize(model, XATTN_SOURCE, "abab", 4, ids, 1, &count) == XATTN_LIMIT_EXCEEDED);
  const std::string long_text(XATTN_TOKENIZE_STACK_BYTES, 'a');
  CHECK(xattn_tokenize(model, XATTN_SOURCE, long_text.data(), long_text.size(), ids, 32, &count) ==
        XATTN_LIMIT_EXCEEDED);

  // Decoding: pieces concatenated; <pad> (no piece) and </s> (control) left out.
  char text[16];
  const uint32_t target_ids[] = {0, 4, 8, 3, 2};
  CHECK(xattn_detokenize(model, XATTN_TARGET, target_ids, 5, text, sizeof text) == 5);
  CHECK(std::string(text) == "xyzzz");
  CHECK(xattn_detokenize(model, XATTN_TARGET, target_ids, 5, text, 3) == 5);  // cut, NUL-terminated
  CHECK(std::string(text) == "xy");
  const uint32_t source_ids[] = {8, 9, 3};
  CHECK(xattn_detokenize(model, XATTN_SOURCE, source_ids, 3, text, sizeof text) == 9);
  CHECK(std::string(text) == "ab\xc3\xa9 \xe2\x81\x87 ");  // <unk> decodes as SentencePiece's " ⁇ "
  const uint32_t outside[] = {10};
  CHECK(xattn_detokenize(model, XATTN_TARGET, outside, 1, text, sizeof text) == XATTN_DETOKENIZE_ERROR);
}

}  // namespace xattn
