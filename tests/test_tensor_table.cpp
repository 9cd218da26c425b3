// The tensor table (xattn/tensor_id.h rows, format/tensor_table.cpp): names
// round-trip through tensor_id_from_name, the required list matches the
// count FORMAT.md states, and every required tensor binds its own member of
// the view, of the kind its shape says.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "format/tensor_table.h"

namespace xattn {
namespace {

ModelConfig config_with(NormPlacement norm) {
  ModelConfig c;
  c.encoder_layers = 3;
  c.decoder_layers = 2;
  c.d_model = 8;
  c.num_heads = 2;
  c.ffn_dim = 12;
  c.source_vocab_size = 11;
  c.target_vocab_size = 13;
  c.max_positions = 16;
  c.norm = norm;
  return c;
}

}  // namespace

TEST_CASE("tensor table: required ids, names both ways, and one distinct member per tensor") {
  for (NormPlacement norm : {NormPlacement::kPreNorm, NormPlacement::kPostNorm}) {
    const ModelConfig c = config_with(norm);
    const bool pre = norm == NormPlacement::kPreNorm;
    std::vector<uint32_t> ids(required_tensors(c, nullptr, 0));
    required_tensors(c, ids.data(), static_cast<uint32_t>(ids.size()));
    // FORMAT.md: 4 + 4 [pre-norm] + 12 encoder_layers + 20 decoder_layers.
    CHECK(ids.size() == 4 + (pre ? 4 : 0) + 12 * 3 + 20 * 2);
    auto view = std::make_unique<ModelView>();
    std::set<const void*> members;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) CHECK(ids[i - 1] < ids[i]);
      char name[96];
      REQUIRE(tensor_name(ids[i], name, sizeof name));
      INFO(name);
      uint32_t back = 0;
      CHECK(tensor_id_from_name(name, &back));
      CHECK(back == ids[i]);
      format::TensorSlot slot;
      REQUIRE(format::tensor_slot(c, ids[i], view.get(), &slot));
      CHECK((slot.matrix != nullptr) != (slot.vector != nullptr));
      CHECK((slot.vector != nullptr) == (slot.cols == 1 && !slot.int8_allowed));
      CHECK(members.insert(slot.matrix ? static_cast<const void*>(slot.matrix) : slot.vector).second);
    }
    // Shapes as FORMAT.md lists them, one of each kind.
    format::TensorSlot s;
    REQUIRE(format::tensor_slot(c, layer_id(Section::kDecoderLayer, 1, LayerRole::kCrossKvWeight), view.get(), &s));
    CHECK(s.rows == 16);
    CHECK(s.cols == 8);
    CHECK(s.packable);
    CHECK(s.matrix == &view->decoder[1].cross_kv.weight);
    REQUIRE(format::tensor_slot(c, layer_id(Section::kEncoderLayer, 2, LayerRole::kFfnOutWeight), view.get(), &s));
    CHECK(s.rows == 8);
    CHECK(s.cols == 12);
    CHECK(s.matrix == &view->encoder[2].ffn_out.weight);
    REQUIRE(format::tensor_slot(c, global_id(GlobalRole::kTargetEmbedding), view.get(), &s));
    CHECK(s.rows == 13);
    CHECK(s.int8_allowed);
    CHECK(s.packable);  // stored packed when the output projection shares it
    REQUIRE(format::tensor_slot(c, global_id(GlobalRole::kEncoderNormGamma), view.get(), &s) == pre);
    if (pre) CHECK_FALSE(s.packable);
    REQUIRE(format::tensor_slot(c, layer_id(Section::kEncoderLayer, 0, LayerRole::kSelfQkvBias), view.get(), &s));
    CHECK(s.rows == 24);
    CHECK(s.vector == &view->encoder[0].self_qkv.bias);
    // Not in such a model: a final norm of a post-norm model, a layer beyond
    // the config, cross-attention in an encoder layer.
    CHECK(format::tensor_slot(c, global_id(GlobalRole::kEncoderNormBeta), view.get(), &s) == pre);
    CHECK_FALSE(format::tensor_slot(c, layer_id(Section::kEncoderLayer, 3, LayerRole::kSelfNormGamma), view.get(), &s));
    CHECK_FALSE(format::tensor_slot(c, layer_id(Section::kEncoderLayer, 0, LayerRole::kCrossQWeight), view.get(), &s));
  }
}

TEST_CASE("tensor table: names that are not tensor_name's spelling are refused") {
  uint32_t id = 0;
  CHECK(tensor_id_from_name("decoder/layer_3/ffn/linear_0/weight", &id));
  CHECK(id == layer_id(Section::kDecoderLayer, 3, LayerRole::kFfnInWeight));
  for (const char* bad : {"", "decoder/layer_03/ffn/linear_0/weight", "decoder/layer_/ffn/linear_0/weight",
                          "encoder/layer_0/attention/linear_0/weight", "decoder/layer_999/ffn/linear_0/weight",
                          "decoder/layer_1/ffn/linear_0/weight/", "encoder/embeddings/weights", "layer_norm/gamma",
                          "decoder/layer_1ffn/linear_0/weight"}) {
    INFO(bad);
    CHECK_FALSE(tensor_id_from_name(bad, &id));
  }
  char name[64];
  CHECK_FALSE(tensor_name(tensor_id(Section::kGlobal, 1, 1), name, sizeof name));  // globals live in layer 0
  CHECK_FALSE(tensor_name(tensor_id(Section::kGlobal, 0, 0), name, sizeof name));
  CHECK_FALSE(tensor_name(tensor_id(static_cast<Section>(3), 0, 1), name, sizeof name));
}

}  // namespace xattn
