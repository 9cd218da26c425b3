// The tensors of a Whisper model as whisper.cpp's converter names them (the
// PyTorch state-dict names, conv biases reshaped to [n, 1]), with the shape
// each must have for the file's hyperparameters.
#include <utility>

#include "ggml_model.h"

namespace xattn {
namespace convert {
namespace {

using Expected = std::vector<std::pair<std::string, std::vector<int64_t>>>;

void add_attention(Expected* e, const std::string& prefix, int64_t d) {
  e->push_back({prefix + ".query.weight", {d, d}});
  e->push_back({prefix + ".query.bias", {d}});
  e->push_back({prefix + ".key.weight", {d, d}});  // the key projection has no bias
  e->push_back({prefix + ".value.weight", {d, d}});
  e->push_back({prefix + ".value.bias", {d}});
  e->push_back({prefix + ".out.weight", {d, d}});
  e->push_back({prefix + ".out.bias", {d}});
}

void add_norm(Expected* e, const std::string& name, int64_t d) {
  e->push_back({name + ".weight", {d}});
  e->push_back({name + ".bias", {d}});
}

void add_block(Expected* e, const std::string& prefix, int64_t d, bool cross) {
  add_attention(e, prefix + ".attn", d);
  add_norm(e, prefix + ".attn_ln", d);
  if (cross) {
    add_attention(e, prefix + ".cross_attn", d);
    add_norm(e, prefix + ".cross_attn_ln", d);
  }
  e->push_back({prefix + ".mlp.0.weight", {4 * d, d}});
  e->push_back({prefix + ".mlp.0.bias", {4 * d}});
  e->push_back({prefix + ".mlp.2.weight", {d, 4 * d}});
  e->push_back({prefix + ".mlp.2.bias", {d}});
  add_norm(e, prefix + ".mlp_ln", d);
}

Expected whisper_tensors(const GgmlHparams& h) {
  Expected e;
  const int64_t da = h.n_audio_state, dt = h.n_text_state;
  e.push_back({"encoder.positional_embedding", {h.n_audio_ctx, da}});
  e.push_back({"encoder.conv1.weight", {da, h.n_mels, 3}});
  e.push_back({"encoder.conv1.bias", {da, 1}});
  e.push_back({"encoder.conv2.weight", {da, da, 3}});
  e.push_back({"encoder.conv2.bias", {da, 1}});
  for (int32_t i = 0; i < h.n_audio_layer; ++i) add_block(&e, "encoder.blocks." + std::to_string(i), da, false);
  add_norm(&e, "encoder.ln_post", da);
  e.push_back({"decoder.positional_embedding", {h.n_text_ctx, dt}});
  e.push_back({"decoder.token_embedding.weight", {h.n_vocab, dt}});
  for (int32_t i = 0; i < h.n_text_layer; ++i) add_block(&e, "decoder.blocks." + std::to_string(i), dt, true);
  add_norm(&e, "decoder.ln", dt);
  return e;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

std::string check_whisper_tensors(const GgmlModel& model) {
  const Expected expected = whisper_tensors(model.hparams);
  for (const auto& [name, shape] : expected) {
    const GgmlTensor* t = model.find(name);
    if (!t)
      return "ggml: tensor " + name + " missing (the file has " + std::to_string(model.tensors.size()) + " of the " +
             std::to_string(expected.size()) + " tensors a Whisper model needs)";
    if (t->shape != shape)
      return "ggml: tensor " + name + " has shape " + shape_text(t->shape) + ", expected " + shape_text(shape);
  }
  if (model.tensors.size() != expected.size())
    for (const GgmlTensor& t : model.tensors) {
      bool known = false;
      for (const auto& entry : expected) known = known || entry.first == t.name;
      if (!known) return "ggml: unexpected tensor " + t.name;
    }
  return "";
}

}  // namespace convert
}  // namespace xattn
