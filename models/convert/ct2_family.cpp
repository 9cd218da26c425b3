#include "ct2_family.h"

#include <cmath>

#include "tensor_layout.h"
#include "xattn/tensor_id.h"

namespace xattn {
namespace convert {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "encoder/layer_12/rest" -> section, layer and "rest"; false otherwise.
bool split_layer_name(const std::string& name, Section* section, uint32_t* layer, std::string* rest) {
  for (Section s : {Section::kEncoderLayer, Section::kDecoderLayer}) {
    const std::string prefix = s == Section::kEncoderLayer ? "encoder/layer_" : "decoder/layer_";
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    size_t i = prefix.size();
    uint32_t n = 0;
    const size_t digits = i;
    while (i < name.size() && name[i] >= '0' && name[i] <= '9' && n < kMaxLayers) n = n * 10 + (name[i++] - '0');
    if (i == digits || i >= name.size() || name[i] != '/' || n >= kMaxLayers) return false;
    *section = s;
    *layer = n;
    *rest = name.substr(i + 1);
    return true;
  }
  return false;
}

bool has(const std::map<uint32_t, HostTensor>& t, uint32_t id) { return t.count(id) != 0; }

// Appends `gate`'s rows under `t` (same dtype, same columns).
std::string append_rows(HostTensor* t, const HostTensor& gate) {
  if (t->dtype != gate.dtype || t->cols != gate.cols || t->rows != gate.rows)
    return tensor_display_name(t->id) + " and its linear_0_noact differ in shape or dtype";
  t->rows += gate.rows;
  t->values.insert(t->values.end(), gate.values.begin(), gate.values.end());
  t->q.insert(t->q.end(), gate.q.begin(), gate.q.end());
  t->scales.insert(t->scales.end(), gate.scales.begin(), gate.scales.end());
  return "";
}

}  // namespace

bool is_ct2_family_scalar(const std::string& name) {
  return ends_with(name, "/queries_scale") || ends_with(name, "/relative_attention_max_distance") ||
         name == "decoder/scale_outputs" || name == "head_dim" || ends_with(name, "/head_dim");
}

FamilyRole family_role(const std::string& name, uint32_t* id) {
  Section section;
  uint32_t layer = 0;
  std::string rest;
  if (!split_layer_name(name, &section, &layer, &rest)) return FamilyRole::kNone;
  if (rest == "self_attention/relative_attention_bias") {
    *id = global_id(section == Section::kEncoderLayer ? GlobalRole::kEncoderRelativeBias : GlobalRole::kDecoderRelativeBias);
    return layer == 0 ? FamilyRole::kRelativeBias : FamilyRole::kIgnoredRelativeBias;
  }
  if (rest == "ffn/linear_0_noact/weight") {
    *id = layer_id(section, layer, LayerRole::kFfnInWeight);
    return FamilyRole::kGate;
  }
  if (rest == "ffn/linear_0_noact/bias") {
    *id = layer_id(section, layer, LayerRole::kFfnInBias);
    return FamilyRole::kGate;
  }
  return FamilyRole::kNone;
}

std::string apply_family(const std::map<std::string, double>& s, const std::map<std::string, bool>& float_scalars,
                         const Ct2Options& o, std::map<uint32_t, HostTensor>* tensors_in,
                         std::map<uint32_t, HostTensor>* gates, ModelConfig* c) {
  std::map<uint32_t, HostTensor>& t = *tensors_in;
  const Section enc = Section::kEncoderLayer;
  // The attention width (heads x head size) is read off encoder layer 0's
  // fused projection; flan-T5, T5 v1.1 and mT5 differ from d_model
  // (flan-t5-small: 6 x 64 = 384 of 512), and CTranslate2 stores no head
  // size for them. Every attention projection must then agree with it;
  // anything narrower in keys and values alone is multi-query /
  // grouped-query attention.
  c->head_size = 0;
  const auto first_qkv = t.find(layer_id(enc, 0, LayerRole::kSelfQkvWeight));
  if (first_qkv != t.end() && first_qkv->second.rows != 3 * c->d_model && first_qkv->second.rows % 3 == 0) {
    const uint32_t width = first_qkv->second.rows / 3;
    const auto out = t.find(layer_id(enc, 0, LayerRole::kSelfOutWeight));
    if (out != t.end() && out->second.cols == width) {
      if (width % c->num_heads != 0 || width / c->num_heads == 0)
        return tensor_display_name(first_qkv->first) + ": attention width " + std::to_string(width) +
               " is not a multiple of num_heads " + std::to_string(c->num_heads);
      if (static_cast<uint64_t>(width) > kMaxDModel)
        return tensor_display_name(first_qkv->first) + ": attention width " + std::to_string(width) + " exceeds " +
               std::to_string(kMaxDModel);
      c->head_size = width / c->num_heads;
    }
  }
  const uint32_t width = c->attention_width();
  // A stored head size (MultiHeadAttentionSpec's int32 head_dim, per layer or
  // per stack) only restates what the shapes give; one that does not is a
  // model xattn would run with other heads than CTranslate2.
  for (const auto& e : s) {
    if (e.first != "head_dim" && !ends_with(e.first, "/head_dim")) continue;
    if (e.second * c->num_heads != static_cast<double>(width))
      return "variable " + e.first + " = " + std::to_string(static_cast<long long>(e.second)) + " x " +
             std::to_string(c->num_heads) + " heads disagrees with the attention width " + std::to_string(width) +
             " the projections give";
  }
  for (Section section : {Section::kEncoderLayer, Section::kDecoderLayer}) {
    const uint32_t layers = section == enc ? c->encoder_layers : c->decoder_layers;
    for (uint32_t layer = 0; layer < layers; ++layer) {
      for (const auto& role_rows : {std::make_pair(LayerRole::kSelfQkvWeight, 3u), std::make_pair(LayerRole::kCrossKvWeight, 2u)}) {
        if (role_rows.first == LayerRole::kCrossKvWeight && section == enc) continue;
        const auto it = t.find(layer_id(section, layer, role_rows.first));
        if (it == t.end() || it->second.rows == role_rows.second * width) continue;
        const std::string expected = width == c->d_model ? " x d_model = " : " x attention width = ";
        return tensor_display_name(it->first) + " has " + std::to_string(it->second.rows) + " rows, not " +
               std::to_string(role_rows.second) + expected + std::to_string(role_rows.second * width) +
               ": not supported by xattn (multi-query / grouped-query attention)";
      }
    }
  }
  // Norms: RMSNorm when the norms have no beta (T5).
  const bool rms = !has(t, layer_id(enc, 0, LayerRole::kSelfNormBeta));
  c->norm_kind = rms ? NormKind::kRmsNorm : NormKind::kLayerNorm;
  c->layer_norm_epsilon = o.layer_norm_epsilon_set ? o.layer_norm_epsilon : rms ? 1e-6f : 1e-5f;
  const bool enc_final = has(t, global_id(GlobalRole::kEncoderNormGamma));
  const bool dec_final = has(t, global_id(GlobalRole::kDecoderNormGamma));
  const bool pre = c->norm == NormPlacement::kPreNorm;
  c->stack_flags = 0;
  if (enc_final != pre || dec_final != pre)
    c->stack_flags |= kExplicitFinalNorms | (enc_final ? kEncoderFinalNorm : 0) | (dec_final ? kDecoderFinalNorm : 0);
  if (has(t, global_id(GlobalRole::kEncoderEmbeddingNormGamma))) c->stack_flags |= kEncoderEmbeddingNorm;
  if (has(t, global_id(GlobalRole::kDecoderEmbeddingNormGamma))) c->stack_flags |= kDecoderEmbeddingNorm;

  // Biases.
  c->bias_flags = 0;
  if (!has(t, layer_id(enc, 0, LayerRole::kSelfQkvBias))) c->bias_flags |= kNoLinearBiases;
  if (!has(t, global_id(GlobalRole::kOutputBias))) c->bias_flags |= kNoOutputBias;

  // Positions.
  const bool relative = has(t, global_id(GlobalRole::kEncoderRelativeBias)) || has(t, global_id(GlobalRole::kDecoderRelativeBias));
  const bool stored = has(t, global_id(GlobalRole::kEncoderPositions)) || has(t, global_id(GlobalRole::kDecoderPositions));
  if (relative && stored) return "model.bin has both relative position biases and position tables";
  if (relative) {
    for (GlobalRole r : {GlobalRole::kEncoderRelativeBias, GlobalRole::kDecoderRelativeBias})
      if (!has(t, global_id(r))) return "model.bin has a relative position bias in one stack only";
    const HostTensor& table = t.at(global_id(GlobalRole::kEncoderRelativeBias));
    if (table.cols != c->num_heads || t.at(global_id(GlobalRole::kDecoderRelativeBias)).rows != table.rows)
      return "relative_attention_bias tables must be [buckets, num_heads] with the same buckets in both stacks";
    double distance = -1;
    for (const auto& e : s) {
      if (!ends_with(e.first, "/relative_attention_max_distance")) continue;
      if (distance >= 0 && e.second != distance) return "variable " + e.first + " differs from the other layers' max distance";
      distance = e.second;
    }
    if (distance < 0) distance = 128;  // CTranslate2's default
    if (table.rows > 4096 || distance > 65535) return "relative position buckets or max distance too large";
    c->position = PositionEncoding::kRelativeBias;
    c->relative_buckets = static_cast<uint16_t>(table.rows);
    c->relative_max_distance = static_cast<uint16_t>(distance);
  } else if (stored) {
    for (GlobalRole r : {GlobalRole::kEncoderPositions, GlobalRole::kDecoderPositions})
      if (!has(t, global_id(r))) return "model.bin has a position table in one stack only";
    c->position = PositionEncoding::kStoredTable;
    c->max_positions = t.at(global_id(GlobalRole::kDecoderPositions)).rows;
    const uint32_t source_rows = t.at(global_id(GlobalRole::kEncoderPositions)).rows;
    c->source_positions = source_rows == c->max_positions ? 0 : source_rows;
  }

  // Queries scale: one value for every attention.
  double scale = -1;
  std::string first;
  for (const auto& e : s) {
    if (!ends_with(e.first, "/queries_scale")) continue;
    if (scale >= 0 && e.second != scale) return "variables " + first + " and " + e.first + " differ; xattn uses one queries scale";
    scale = e.second;
    first = e.first;
  }
  c->queries_scale = 0.0f;
  if (scale >= 0) {
    const float value = static_cast<float>(scale);
    if (value != 1.0f / std::sqrt(static_cast<float>(c->head_dim()))) c->queries_scale = value;
  }

  // Gated FFN: linear_0_noact rows after linear_0's.
  c->ffn_gated = !gates->empty();
  for (auto& g : *gates) {
    auto it = t.find(g.first);
    if (it == t.end()) return "linear_0_noact without its linear_0 in " + tensor_display_name(g.first);
    std::string error = append_rows(&it->second, g.second);
    if (!error.empty()) return error;
  }

  // Embedding scale: an int8 flag (T5: 0 = none) or a float value (BART family).
  c->embedding_scale = std::sqrt(static_cast<float>(c->d_model));
  double scales[2] = {-1, -1};
  const char* names[2] = {"encoder/scale_embeddings", "decoder/scale_embeddings"};
  for (int i = 0; i < 2; ++i) {
    const auto it = s.find(names[i]);
    if (it == s.end()) continue;
    const bool is_float = float_scalars.count(names[i]) && float_scalars.at(names[i]);
    scales[i] = is_float ? it->second : (it->second != 0 ? std::sqrt(static_cast<double>(c->d_model)) : 1.0);
  }
  if (scales[0] >= 0 && scales[1] >= 0 && static_cast<float>(scales[0]) != static_cast<float>(scales[1]))
    return "variables encoder/scale_embeddings and decoder/scale_embeddings differ; xattn uses one embedding scale";
  const double chosen = scales[0] >= 0 ? scales[0] : scales[1];
  if (chosen >= 0) c->embedding_scale = static_cast<float>(chosen);

  // T5's scale_outputs multiplies the final norm's output: fold it into gamma.
  const auto outputs = s.find("decoder/scale_outputs");
  if (outputs != s.end() && outputs->second != 1.0) {
    if (!dec_final || !rms) return "variable decoder/scale_outputs needs a decoder final RMSNorm to fold into";
    for (float& g : t.at(global_id(GlobalRole::kDecoderNormGamma)).values) g *= static_cast<float>(outputs->second);
  }

  // Start.
  const auto zero = s.find("decoder/start_from_zero_embedding");
  if (zero != s.end() && zero->second != 0) c->start_mode = StartMode::kZeroEmbedding;
  else if (o.decoder_start_is_null) c->start_mode = StartMode::kFirstPrefixToken;
  return "";
}

}  // namespace convert
}  // namespace xattn
