// A small synthetic model carrying a source and a target tokenizer (unigram
// pieces mapped to its vocabularies by string, as the converter maps them),
// for tests of text in and text out. Expected ids follow by hand from
// unigram Viterbi over the piece scores below (highest total score wins).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model_test_support.h"
#include "model_tokenizer.h"

namespace xattn {

inline convert::TokenizerSpec unigram(const std::vector<std::pair<std::string, float>>& pieces) {
  convert::TokenizerSpec spec;
  spec.model = 1;  // no normalizer flags: text is matched as it is
  for (const auto& p : pieces) {
    convert::TokenizerPiece piece;
    piece.text = p.first;
    piece.score = p.second;
    piece.type = p.first == "<unk>" ? 2 : p.first == "</s>" ? 3 : 1;
    spec.pieces.push_back(piece);
  }
  return spec;
}

inline convert::HostTensor blob_tensor(GlobalRole role, const std::vector<uint8_t>& blob) {
  convert::HostTensor t;
  t.id = global_id(role);
  t.dtype = format::DType::kUInt8;
  t.rows = static_cast<uint32_t>(blob.size());
  t.cols = 1;
  t.blob = blob;
  return t;
}

// The synthetic model (vocabularies in synthetic_tensors.h; `options` as
// model_test::synthetic_contents takes them) with a source and a target tokenizer.
inline std::vector<uint8_t> model_with_tokenizers(const model_test::SyntheticOptions& options = model_test::tiny_options()) {
  convert::XattnModelContents m = model_test::synthetic_contents(options);
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

}  // namespace xattn
