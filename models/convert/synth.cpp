#include "synth.h"

#include <cmath>

#include "int4_weights.h"
#include "mel_filters.h"
#include "synth_whisper.h"
#include "quantize.h"
#include "tensor_layout.h"
#include "xattn/tensor_id.h"

namespace xattn {
namespace convert {
namespace {

// splitmix64: tiny, fast, and the same sequence everywhere.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1), 24 bits of mantissa.
  float symmetric() { return static_cast<float>(next() >> 40) * (2.0f / 16777216.0f) - 1.0f; }
};

// The architecture a preset copies, as CTranslate2 converts it
// (tests/families/SEMANTICS.md): what sets the cost of a step, not trained values.
enum class Family { kTransformer, kT5, kFlanT5, kMarian, kM2M100, kWhisper };

struct Preset {
  const char* name;
  uint32_t encoder_layers, decoder_layers, d_model, heads, ffn, source_vocab, target_vocab;
  Family family = Family::kTransformer;
  uint32_t head_size = 0;  // 0: d_model / heads
};

constexpr Preset kPresets[] = {
    {"transformer-base", 6, 6, 512, 8, 2048, 32000, 32000},
    {"transformer-tiny", 6, 2, 256, 8, 1536, 32000, 32000},
    {"aren", 6, 6, 32, 8, 128, 51, 43},
    // t5-small: RMSNorm, relative bias (32 buckets, distance 128), no biases,
    // unscaled queries, one matrix for both embeddings and the output.
    {"t5-small", 6, 6, 512, 8, 2048, 32128, 32128, Family::kT5},
    // google/flan-t5-small (T5 v1.1): as t5-small, but 6 heads of 64 (an
    // attention width of 384 beside d_model 512), a gated GELU (tanh) FFN of
    // 2 x 1024 rows, and an output projection of its own (lm_head).
    {"flan-t5-small", 8, 8, 512, 6, 1024, 32128, 32128, Family::kFlanT5, 64},
    // Helsinki-NLP/opus-mt-*: post-norm, Swish, stored sinusoidal positions,
    // final_logits_bias, a zero start embedding, one matrix for both
    // embeddings and the output.
    {"opus-mt", 6, 6, 512, 8, 2048, 58101, 58101, Family::kMarian},
    // facebook/nllb-200-distilled-600M (M2M100 architecture): pre-norm with
    // final norms, ReLU, stored positions (offset 2), shared embeddings.
    {"nllb-600m", 12, 12, 1024, 16, 4096, 256206, 256206, Family::kM2M100},
    // openai/whisper-tiny and -base: an audio encoder (whisper.h), the
    // decoder's token embedding tied to the output projection.
    {"whisper-tiny", 4, 4, 384, 6, 1536, 51865, 51865, Family::kWhisper},
    {"whisper-base", 6, 6, 512, 8, 2048, 51865, 51865, Family::kWhisper},
};

// Whisper's fixed sizes: 80 mel bins, 1500 encoder positions (30 s), 448 decoder positions.
constexpr uint16_t kWhisperMels = 80;
constexpr uint32_t kWhisperSourcePositions = 1500, kWhisperTargetPositions = 448;

// The family's config fields over the plain Transformer's.
void apply_family(Family family, ModelConfig* c) {
  switch (family) {
    case Family::kTransformer:
      return;
    case Family::kFlanT5:
      c->activation = Activation::kGeluTanh;
      c->ffn_gated = true;
      apply_family(Family::kT5, c);
      return;
    case Family::kT5:
      c->norm_kind = NormKind::kRmsNorm;
      c->layer_norm_epsilon = 1e-6f;
      c->stack_flags = kExplicitFinalNorms | kEncoderFinalNorm | kDecoderFinalNorm;
      c->bias_flags = kNoLinearBiases | kNoOutputBias;
      c->position = PositionEncoding::kRelativeBias;
      c->relative_buckets = 32;
      c->relative_max_distance = 128;
      c->queries_scale = 1.0f;
      c->embedding_scale = 1.0f;
      return;
    case Family::kMarian:
      c->norm = NormPlacement::kPostNorm;
      c->activation = Activation::kSwish;
      c->position = PositionEncoding::kStoredTable;
      c->max_positions = 512;
      c->start_mode = StartMode::kZeroEmbedding;
      return;
    case Family::kWhisper:
      c->encoder_input = EncoderInput::kAudio;
      c->n_mels = kWhisperMels;
      c->position = PositionEncoding::kStoredTable;
      c->max_positions = kWhisperTargetPositions;
      c->source_positions = kWhisperSourcePositions;
      c->activation = Activation::kGeluErf;
      c->embedding_scale = 1.0f;
      c->bias_flags = kNoOutputBias;
      return;
    case Family::kM2M100:
      c->stack_flags = kExplicitFinalNorms | kEncoderFinalNorm | kDecoderFinalNorm;
      c->bias_flags = kNoOutputBias;
      c->position = PositionEncoding::kStoredTable;
      c->max_positions = 1024;  // the table after M2M100's offset of 2
      return;
  }
}

// Families whose converted files hold one matrix for the source and target
// embeddings and the output projection (stored once, FORMAT.md "shared").
bool shares_embeddings(Family family) { return family != Family::kTransformer; }

std::vector<std::string> vocabulary(uint32_t size) {
  std::vector<std::string> tokens = {"<blank>", "<s>", "</s>", "<unk>"};
  for (uint32_t i = static_cast<uint32_t>(tokens.size()); i < size; ++i) tokens.push_back("t" + std::to_string(i));
  tokens.resize(size);
  return tokens;
}

// The role decides the scale: matrices 1/sqrt(cols) (unit-variance outputs),
// embeddings 1/sqrt(d) (times the sqrt(d) embedding scale = unit), LayerNorm
// gains near 1, biases and norm offsets small.
float amplitude(uint32_t id, const ExpectedTensor& t, const ModelConfig& c) {
  const bool embedding = id == global_id(GlobalRole::kSourceEmbedding) ||
                         id == global_id(GlobalRole::kTargetEmbedding);
  if (embedding) return std::sqrt(3.0f / static_cast<float>(c.d_model));
  if (t.may_be_int8) return std::sqrt(3.0f / static_cast<float>(t.cols));
  return 0.05f;
}

bool is_gamma(uint32_t id) {
  if (id == global_id(GlobalRole::kEncoderNormGamma) || id == global_id(GlobalRole::kDecoderNormGamma)) return true;
  if ((id >> 24) == static_cast<uint32_t>(Section::kGlobal)) return false;
  const uint16_t role = static_cast<uint16_t>(id & 0xffffu);
  return role == static_cast<uint16_t>(LayerRole::kSelfNormGamma) ||
         role == static_cast<uint16_t>(LayerRole::kFfnNormGamma) ||
         role == static_cast<uint16_t>(LayerRole::kCrossNormGamma);
}

// Every tensor of a model of config `c`, built as `family` builds it.
std::string synth_contents(const ModelConfig& c, Family family, WeightType weights, uint64_t seed,
                           XattnModelContents* out) {
  const std::string error = check_config(c);
  if (!error.empty()) return error;
  out->config = c;
  out->source_vocab = vocabulary(c.source_vocab_size);
  out->target_vocab = vocabulary(c.target_vocab_size);
  out->tensors.clear();
  const bool shared = shares_embeddings(family);
  const bool own_output = family == Family::kFlanT5;  // T5 v1.1: an untied lm_head
  // The first token embedding is the stored copy: the source one, or the
  // target one of an audio model (which has no source embedding).
  const uint32_t embedding = global_id(c.encoder_input == EncoderInput::kAudio ? GlobalRole::kTargetEmbedding
                                                                               : GlobalRole::kSourceEmbedding);
  std::vector<float> shared_values;
  Rng rng{seed};
  for (const ExpectedTensor& e : expected_tensors(c)) {
    HostTensor t;
    t.id = e.id;
    t.rows = e.rows;
    t.cols = e.cols;
    t.values.resize(static_cast<size_t>(e.rows) * e.cols);
    const float a = amplitude(e.id, e, c);
    const float base = is_gamma(e.id) ? 1.0f : 0.0f;
    const bool copy = shared && e.id != embedding &&
                      (e.id == global_id(GlobalRole::kTargetEmbedding) ||
                                (e.id == global_id(GlobalRole::kOutputWeight) && !own_output));
    if (copy) {
      t.values = shared_values;
      t.shares = embedding;
    } else {
      for (float& v : t.values) v = base + a * rng.symmetric();
      if (e.id == embedding) shared_values = t.values;  // kept before quantization
    }
    if (e.id == global_id(GlobalRole::kMelFilters)) t.values = whisper_mel_filters(c.n_mels);  // the real bank
    if (weights == WeightType::kInt8 && e.may_be_int8) to_int8(&t);
    out->tensors.push_back(std::move(t));
  }
  const std::string layout_error = family == Family::kWhisper ? apply_whisper_layout(out) : "";
  if (layout_error.empty() && weights == WeightType::kInt4) quantize_int4_weights(out);
  return layout_error;
}

}  // namespace

std::vector<std::string> synth_presets() {
  std::vector<std::string> names;
  for (const Preset& p : kPresets) names.push_back(p.name);
  return names;
}

std::string synth_config(const std::string& preset, ModelConfig* out) {
  for (const Preset& p : kPresets) {
    if (preset != p.name) continue;
    ModelConfig c;
    c.encoder_layers = p.encoder_layers;
    c.decoder_layers = p.decoder_layers;
    c.d_model = p.d_model;
    c.num_heads = p.heads;
    c.ffn_dim = p.ffn;
    c.source_vocab_size = p.source_vocab;
    c.target_vocab_size = p.target_vocab;
    c.max_positions = kDefaultMaxPositions;
    c.activation = Activation::kRelu;
    c.norm = NormPlacement::kPreNorm;
    c.position = PositionEncoding::kSinusoidal;
    c.embedding_scale = std::sqrt(static_cast<float>(p.d_model));
    c.alignment_layer = p.decoder_layers - 1;
    c.head_size = p.head_size;
    apply_family(p.family, &c);
    *out = c;
    return "";
  }
  std::string known;
  for (const Preset& p : kPresets) known += std::string(known.empty() ? "" : ", ") + p.name;
  return "unknown preset '" + preset + "' (known: " + known + ")";
}

std::string synth_model(const std::string& preset, WeightType weights, uint64_t seed, XattnModelContents* out) {
  ModelConfig c;
  const std::string error = synth_config(preset, &c);
  if (!error.empty()) return error;
  for (const Preset& p : kPresets)
    if (preset == p.name) return synth_contents(c, p.family, weights, seed, out);
  return "unknown preset '" + preset + "'";
}

std::string synth_test_whisper(WeightType weights, uint64_t seed, XattnModelContents* out) {
  ModelConfig c;
  const std::string error = synth_config("whisper-tiny", &c);
  if (!error.empty()) return error;
  c.encoder_layers = c.decoder_layers = 1;
  c.d_model = 16;
  c.num_heads = 2;
  c.ffn_dim = 32;
  c.source_vocab_size = c.target_vocab_size = 300;
  c.source_positions = 8;
  c.max_positions = 16;
  c.alignment_layer = 0;
  return synth_contents(c, Family::kWhisper, weights, seed, out);
}

}  // namespace convert
}  // namespace xattn
