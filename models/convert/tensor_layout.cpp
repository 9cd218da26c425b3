#include "tensor_layout.h"

#include <algorithm>
#include <cstdio>

#include "xattn/tensor_id.h"

namespace xattn {
namespace convert {
namespace {

void add(std::vector<ExpectedTensor>* out, uint32_t id, uint32_t rows, uint32_t cols, bool may_be_int8) {
  out->push_back(ExpectedTensor{id, rows, cols, may_be_int8});
}

void add_layer(std::vector<ExpectedTensor>* out, Section section, uint32_t layer, const ModelConfig& c) {
  const uint32_t d = c.d_model;
  const uint32_t f = c.ffn_dim;
  auto id = [&](LayerRole role) { return layer_id(section, layer, role); };
  add(out, id(LayerRole::kSelfNormGamma), d, 1, false);
  add(out, id(LayerRole::kSelfNormBeta), d, 1, false);
  add(out, id(LayerRole::kSelfQkvWeight), 3 * d, d, true);
  add(out, id(LayerRole::kSelfQkvBias), 3 * d, 1, false);
  add(out, id(LayerRole::kSelfOutWeight), d, d, true);
  add(out, id(LayerRole::kSelfOutBias), d, 1, false);
  add(out, id(LayerRole::kFfnNormGamma), d, 1, false);
  add(out, id(LayerRole::kFfnNormBeta), d, 1, false);
  add(out, id(LayerRole::kFfnInWeight), f, d, true);
  add(out, id(LayerRole::kFfnInBias), f, 1, false);
  add(out, id(LayerRole::kFfnOutWeight), d, f, true);
  add(out, id(LayerRole::kFfnOutBias), d, 1, false);
  if (section != Section::kDecoderLayer) return;
  add(out, id(LayerRole::kCrossNormGamma), d, 1, false);
  add(out, id(LayerRole::kCrossNormBeta), d, 1, false);
  add(out, id(LayerRole::kCrossQWeight), d, d, true);
  add(out, id(LayerRole::kCrossQBias), d, 1, false);
  add(out, id(LayerRole::kCrossKvWeight), 2 * d, d, true);
  add(out, id(LayerRole::kCrossKvBias), 2 * d, 1, false);
  add(out, id(LayerRole::kCrossOutWeight), d, d, true);
  add(out, id(LayerRole::kCrossOutBias), d, 1, false);
}

}  // namespace

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& c) {
  std::vector<ExpectedTensor> out;
  const uint32_t d = c.d_model;
  add(&out, global_id(GlobalRole::kSourceEmbedding), c.source_vocab_size, d, true);
  add(&out, global_id(GlobalRole::kTargetEmbedding), c.target_vocab_size, d, true);
  if (c.norm == NormPlacement::kPreNorm) {
    add(&out, global_id(GlobalRole::kEncoderNormGamma), d, 1, false);
    add(&out, global_id(GlobalRole::kEncoderNormBeta), d, 1, false);
    add(&out, global_id(GlobalRole::kDecoderNormGamma), d, 1, false);
    add(&out, global_id(GlobalRole::kDecoderNormBeta), d, 1, false);
  }
  add(&out, global_id(GlobalRole::kOutputWeight), c.target_vocab_size, d, true);
  add(&out, global_id(GlobalRole::kOutputBias), c.target_vocab_size, 1, false);
  for (uint32_t l = 0; l < c.encoder_layers; ++l) add_layer(&out, Section::kEncoderLayer, l, c);
  for (uint32_t l = 0; l < c.decoder_layers; ++l) add_layer(&out, Section::kDecoderLayer, l, c);
  std::sort(out.begin(), out.end(), [](const ExpectedTensor& a, const ExpectedTensor& b) { return a.id < b.id; });
  return out;
}

std::string check_config(const ModelConfig& c) {
  auto range = [](const char* what, uint64_t value, uint64_t low, uint64_t high) -> std::string {
    if (value >= low && value <= high) return "";
    return std::string("config: ") + what + " " + std::to_string(value) + " outside [" + std::to_string(low) +
           ", " + std::to_string(high) + "]";
  };
  for (const std::string& e : {range("encoder_layers", c.encoder_layers, 1, kMaxLayers),
                               range("decoder_layers", c.decoder_layers, 1, kMaxLayers),
                               range("d_model", c.d_model, 1, kMaxDModel),
                               range("num_heads", c.num_heads, 1, kMaxHeads),
                               range("ffn_dim", c.ffn_dim, 1, kMaxFfn),
                               range("source_vocab_size", c.source_vocab_size, 1, kMaxVocab),
                               range("target_vocab_size", c.target_vocab_size, 1, kMaxVocab),
                               range("max_positions", c.max_positions, 1, kMaxSequence)})
    if (!e.empty()) return e;
  if (c.d_model % c.num_heads != 0)
    return "config: d_model " + std::to_string(c.d_model) + " is not a multiple of num_heads " +
           std::to_string(c.num_heads);
  if (c.position == PositionEncoding::kSinusoidal && (c.d_model % 2 != 0 || c.d_model < 4))
    return "config: sinusoidal positions need an even d_model >= 4, got " + std::to_string(c.d_model);
  if (static_cast<uint8_t>(c.activation) > 3) return "config: unknown activation";
  if (static_cast<uint8_t>(c.norm) > 1) return "config: unknown norm placement";
  if (static_cast<uint8_t>(c.position) > 1) return "config: unknown position encoding";
  if (static_cast<uint8_t>(c.text_mode) > 1) return "config: unknown text mode";
  if (!(c.embedding_scale > 0.0f) || c.embedding_scale >= 1e6f) return "config: embedding_scale must be finite and > 0";
  if (!(c.layer_norm_epsilon > 0.0f) || c.layer_norm_epsilon >= 1.0f) return "config: layer_norm_epsilon must be in (0, 1)";
  const SpecialTokens* sides[] = {&c.source_tokens, &c.target_tokens};
  const uint32_t sizes[] = {c.source_vocab_size, c.target_vocab_size};
  for (int s = 0; s < 2; ++s) {
    const SpecialTokens& t = *sides[s];
    for (uint32_t id : {t.pad, t.bos, t.eos, t.unk})
      if (id >= sizes[s])
        return std::string("config: ") + (s ? "target" : "source") + " special token id " + std::to_string(id) +
               " >= vocabulary size " + std::to_string(sizes[s]);
  }
  if (c.alignment_layer >= c.decoder_layers)
    return "config: alignment_layer " + std::to_string(c.alignment_layer) + " >= decoder_layers " +
           std::to_string(c.decoder_layers);
  return "";
}

std::string tensor_display_name(uint32_t id) {
  char name[96];
  if (tensor_name(id, name, sizeof name)) return name;
  std::snprintf(name, sizeof name, "tensor 0x%08x", static_cast<unsigned>(id));
  return name;
}

}  // namespace convert
}  // namespace xattn
