#include "ct2_import.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "ct2_family.h"
#include "int4_weights.h"
#include "mel_filters.h"
#include "quantize.h"
#include "tensor_layout.h"
#include "xattn/tensor_id.h"

namespace xattn {
namespace convert {
namespace {

// Below any real logit, yet finite: see the <unk> rule in models/FORMAT.md.
constexpr float kNeverBias = -1e30f;
constexpr const char* kWhisperSpec = "WhisperSpec";
constexpr uint32_t kConvKernel = 3;          // Whisper's conv stem; the format's only kernel size
constexpr uint32_t kMaxConvMels = 512;       // the format's n_mels bound
constexpr uint32_t kMelFilterColumns = 201;  // n_fft 400 / 2 + 1

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Recent specs hold a list of source embeddings; one of them is the classic table.
std::string normalize_name(const std::string& name) {
  const std::string multi = "encoder/embeddings_0/";
  if (name.compare(0, multi.size(), multi) == 0) return "encoder/embeddings/" + name.substr(multi.size());
  return name;
}

class Importer {
 public:
  Importer(const Ct2Model& model, WeightType weights) : model_(model), weights_(weights) {}

  void run(const Vocabulary& source, const Vocabulary& target, const Ct2Options& options, ImportResult* out) {
    const std::string& spec = model_.spec;
    if (!spec.empty() && spec != "TransformerBase" && spec != "TransformerBig" && spec != "TransformerSpec" &&
        spec != kWhisperSpec)
      fail("unsupported CTranslate2 spec '" + spec + "' (xattn converts Transformer encoder-decoder models and Whisper)");
    index_names();
    Ct2Architecture arch;
    std::string error = interpret_ct2_scalars(scalars_, spec, &arch);
    if (!error.empty()) fail(error);

    std::map<uint32_t, HostTensor> tensors, gates;
    for (const auto& entry : tensor_names_) tensors[entry.first] = load(entry.first, entry.second);
    for (const auto& entry : gate_names_) gates[entry.first] = load(entry.first, entry.second);
    ModelConfig& c = out->model.config;
    derive_config(tensors, arch, &c);
    error = apply_family(scalars_, float_scalars_, options, &tensors, &gates, &c);
    if (!error.empty()) fail(error);
    if (c.encoder_input == EncoderInput::kAudio) {
      add_mel_filters(&tensors, c);
      c.source_vocab_size = static_cast<uint32_t>(source.tokens.size());  // no source embedding to match
    } else {
      apply_unk_rule(source, global_id(GlobalRole::kSourceEmbedding), nullptr, &c.source_vocab_size, tensors);
    }
    apply_unk_rule(target, global_id(GlobalRole::kTargetEmbedding), &tensors, &c.target_vocab_size, tensors);
    set_tokens(source, target, options, arch, &c);
    // Run int8 layers as CTranslate2 runs this file on x86: binary versions
    // below 5 quantize activations as trunc(x * s + 128) - 128 (floor), newer
    // ones round to nearest even. `convert --activation-rounding` overrides.
    c.activation_rounding = model_.binary_version < 5 ? Rounding::kFloor : Rounding::kNearestEven;
    if (arch.alignment_heads != 1)
      out->warnings.push_back("the model asks for alignments averaged over " +
                              (arch.alignment_heads == 0 ? std::string("all") : std::to_string(arch.alignment_heads)) +
                              " heads; xattn's config cannot say so");

    std::map<uint32_t, bool> may_be_int8;
    for (const ExpectedTensor& e : expected_tensors(c)) may_be_int8[e.id] = e.may_be_int8;
    for (auto& entry : tensors) {
      HostTensor& t = entry.second;
      if (weights_ == WeightType::kInt8 && may_be_int8[t.id])
        to_int8(&t);
      else
        to_float32(&t);
      out->model.tensors.push_back(std::move(t));
    }
    share_aliased(out);
    if (weights_ == WeightType::kInt4) quantize_int4_weights(&out->model);
    if (c.encoder_input == EncoderInput::kAudio && options.has_whisper_ids) add_whisper_ids(options, c, out);
    out->model.source_vocab = source.tokens;
    out->model.target_vocab = target.tokens;
  }

 private:
  // Whisper's config.json lists as the "whisper_ids" blob (FORMAT.md):
  // three u32 counts, then the ids, each checked against the vocabulary.
  void add_whisper_ids(const Ct2Options& options, ModelConfig& c, ImportResult* out) {
    HostTensor t;
    t.id = global_id(GlobalRole::kWhisperIds);
    t.dtype = format::DType::kUInt8;
    t.cols = 1;
    const std::vector<uint32_t>* lists[3] = {&options.suppress_ids, &options.suppress_ids_begin, &options.lang_ids};
    const char* names[3] = {"suppress_ids", "suppress_ids_begin", "lang_ids"};
    auto put = [&t](uint32_t v) {
      for (int i = 0; i < 4; ++i) t.blob.push_back(static_cast<uint8_t>(v >> (8 * i)));
    };
    for (const auto* list : lists) put(static_cast<uint32_t>(list->size()));
    for (int l = 0; l < 3; ++l) {
      for (uint32_t id : *lists[l]) {
        if (id >= c.target_vocab_size)
          fail(std::string("config.json: ") + names[l] + " id " + std::to_string(id) + " outside the vocabulary");
        put(id);
      }
    }
    t.rows = static_cast<uint32_t>(t.blob.size());
    c.whisper_ids_bytes = t.rows;
    out->model.tensors.push_back(std::move(t));
  }

  // Sorts every name (variables and aliases) into tensors, scales and config scalars.
  void index_names() {
    for (const Ct2Variable& v : model_.variables) names_[v.name] = &v;
    for (const auto& alias : model_.aliases) {
      const auto target = names_.find(alias.second);
      if (target == names_.end()) fail("alias " + alias.first + " points to missing variable " + alias.second);
      names_[alias.first] = target->second;
      const auto scale = names_.find(alias.second + "_scale");
      if (scale != names_.end()) names_[alias.first + "_scale"] = scale->second;
    }
    for (const auto& entry : names_) {  // features xattn does not run, named before anything else
      const std::string refused = refuse_ct2_variable(entry.first);
      if (!refused.empty()) fail(refused);
    }
    for (const auto& entry : names_) {
      const std::string& name = entry.first;
      const Ct2Variable& v = *entry.second;
      const std::string normalized = normalize_name(name);
      uint32_t id = 0;
      if (ends_with(normalized, "weight_scale") && tensor_id_from_name(normalized.substr(0, normalized.size() - 6).c_str(), &id)) continue;
      if (ends_with(normalized, "weight_scale") && family_role(normalized.substr(0, normalized.size() - 6), &id) == FamilyRole::kGate) continue;
      if (is_ct2_config_scalar(name)) {
        double value = 0.0;
        if (!ct2_scalar_value(v, &value)) fail("config variable " + name + " is not a scalar: " + v.shape_text());
        scalars_[name] = value;
        float_scalars_[name] = v.dtype == Ct2DType::kFloat32 || v.dtype == Ct2DType::kFloat16 || v.dtype == Ct2DType::kBFloat16;
        continue;
      }
      const FamilyRole role = family_role(name, &id);
      if (role == FamilyRole::kIgnoredRelativeBias) continue;  // CTranslate2 reads layer 0's in every layer
      if (role == FamilyRole::kGate) {
        gate_names_[id] = name;
        continue;
      }
      if (role == FamilyRole::kRelativeBias) {
        tensor_names_.emplace(id, name);
        continue;
      }
      if (!tensor_id_from_name(normalized.c_str(), &id))
        fail("unsupported or unknown CTranslate2 variable " + name + " " + v.shape_text() + " " +
             ct2_dtype_name(v.dtype));
      if (!tensor_names_.emplace(id, name).second)
        fail("variables " + tensor_names_[id] + " and " + name + " both give " + normalized);
    }
  }

  HostTensor load(uint32_t id, const std::string& name) {
    const Ct2Variable& v = *names_.at(name);
    HostTensor t;
    t.id = id;
    if (v.shape.size() == 2) {
      t.rows = v.shape[0];
      t.cols = v.shape[1];
    } else if (v.shape.size() == 1) {
      t.rows = v.shape[0];
      t.cols = 1;
    } else if (v.shape.size() == 3 && is_conv_weight(id)) {
      // [out][in][kernel], flattened per output channel (models/FORMAT.md).
      if (v.shape[2] != kConvKernel)
        fail("variable " + name + " has shape " + v.shape_text() + ": only kernel size 3 is supported by xattn");
      t.rows = v.shape[0];
      t.cols = v.shape[1] * v.shape[2];
    } else {
      fail("variable " + name + " has shape " + v.shape_text() + ", expected a vector or a matrix");
    }
    if (t.rows == 0 || t.cols == 0) fail("variable " + name + " is empty: " + v.shape_text());
    std::vector<float> raw = ct2_values_as_float(v);
    if (v.dtype == Ct2DType::kInt32) fail("variable " + name + " is int32; expected a float or quantized tensor");
    if (v.dtype == Ct2DType::kFloat32 || v.dtype == Ct2DType::kFloat16 || v.dtype == Ct2DType::kBFloat16) {
      t.values = std::move(raw);
    } else {
      const std::vector<float> scales = row_scales(name, v, t.rows);
      if (v.dtype == Ct2DType::kInt8) {  // kept exactly: q and scale copied
        t.dtype = format::DType::kInt8;
        t.scales = scales;
        t.q.assign(reinterpret_cast<const int8_t*>(v.data.data()),
                   reinterpret_cast<const int8_t*>(v.data.data()) + v.data.size());
        for (int8_t q : t.q)
          if (q == -128) fail("variable " + name + " holds -128; int8 weights must lie in [-127, 127]");
      } else {  // int16: dequantized, w = q / scale
        t.values.resize(raw.size());
        for (size_t i = 0; i < raw.size(); ++i) t.values[i] = raw[i] / scales[i / t.cols];
      }
    }
    for (float x : t.values)
      if (!std::isfinite(x)) fail("variable " + name + " holds a non-finite value");
    return t;
  }

  // One scale per row, from NAME_scale: a scalar (int16 files) or one per row.
  std::vector<float> row_scales(const std::string& name, const Ct2Variable& v, uint32_t rows) {
    const auto it = names_.find(name + "_scale");
    std::vector<float> scales;
    if (it == names_.end()) {
      if (v.dtype != Ct2DType::kInt16) fail("variable " + name + " is " + ct2_dtype_name(v.dtype) + " but " + name + "_scale is missing");
      scales.assign(rows, kCt2GlobalInt16Scale);  // version 1 int16 files store no scale
    } else {
      const Ct2Variable& s = *it->second;
      const std::vector<float> values = ct2_values_as_float(s);
      if (s.is_scalar()) {
        scales.assign(rows, values[0]);
      } else if (s.shape.size() == 1 && s.shape[0] == rows) {
        scales = values;
      } else {
        fail("variable " + name + "_scale has shape " + s.shape_text() + ", expected [] or [" + std::to_string(rows) + "]");
      }
    }
    for (float s : scales)
      if (!(s > 0.0f) || std::isinf(s)) fail("variable " + name + "_scale holds a scale that is not finite and positive");
    return scales;
  }

  static bool is_conv_weight(uint32_t id) {
    return id == global_id(GlobalRole::kConv1Weight) || id == global_id(GlobalRole::kConv2Weight);
  }

  // CTranslate2 directories carry no filter bank: the converter computes
  // Whisper's (mel_filters.h) for the conv stem's number of mel bins.
  static void add_mel_filters(std::map<uint32_t, HostTensor>* tensors, const ModelConfig& c) {
    HostTensor t;
    t.id = global_id(GlobalRole::kMelFilters);
    t.rows = c.n_mels;
    t.cols = kMelFilterColumns;
    t.values = whisper_mel_filters(c.n_mels);
    (*tensors)[t.id] = std::move(t);
  }

  static const HostTensor& need(const std::map<uint32_t, HostTensor>& tensors, uint32_t id) {
    const auto it = tensors.find(id);
    if (it == tensors.end()) fail("model.bin has no " + tensor_display_name(id));
    return it->second;
  }

  void derive_config(const std::map<uint32_t, HostTensor>& tensors, const Ct2Architecture& arch, ModelConfig* c) {
    for (const auto& entry : tensors) {
      const uint32_t section = entry.first >> 24;
      const uint32_t layer = (entry.first >> 16) & 0xffu;
      if (section == static_cast<uint32_t>(Section::kEncoderLayer)) c->encoder_layers = std::max(c->encoder_layers, layer + 1);
      if (section == static_cast<uint32_t>(Section::kDecoderLayer)) c->decoder_layers = std::max(c->decoder_layers, layer + 1);
    }
    if (c->encoder_layers == 0 || c->decoder_layers == 0) fail("model.bin has no encoder or no decoder layers");
    if (model_.spec == kWhisperSpec) {
      // Whisper: log-mel frames through the conv stem instead of token embeddings.
      const HostTensor& conv1 = need(tensors, global_id(GlobalRole::kConv1Weight));
      const HostTensor& conv2 = need(tensors, global_id(GlobalRole::kConv2Weight));
      const uint32_t mels = conv1.cols / kConvKernel;
      if (mels == 0 || mels > kMaxConvMels) fail("encoder/conv1/weight has " + std::to_string(mels) + " mel bins; xattn takes 1..512");
      if (conv2.rows != conv1.rows || conv2.cols != kConvKernel * conv1.rows)
        fail("encoder/conv2/weight must be [d_model, d_model, 3] after conv1's d_model " + std::to_string(conv1.rows));
      c->encoder_input = EncoderInput::kAudio;
      c->n_mels = static_cast<uint16_t>(mels);
      c->d_model = conv1.rows;
    } else {
      c->d_model = need(tensors, global_id(GlobalRole::kSourceEmbedding)).cols;
    }
    c->num_heads = arch.num_heads;
    c->ffn_dim = need(tensors, layer_id(Section::kEncoderLayer, 0, LayerRole::kFfnInWeight)).rows;
    c->max_positions = kDefaultMaxPositions;
    c->activation = arch.activation;
    c->norm = arch.norm;
    c->position = PositionEncoding::kSinusoidal;
    c->text_mode = TextMode::kSpaceSeparated;
    c->embedding_scale = arch.scale_embeddings ? std::sqrt(static_cast<float>(c->d_model)) : 1.0f;
    const int layers = static_cast<int>(c->decoder_layers);
    const int alignment = arch.alignment_layer < 0 ? layers + arch.alignment_layer : arch.alignment_layer;
    if (alignment < 0 || alignment >= layers)
      fail("alignment_layer " + std::to_string(arch.alignment_layer) + " is outside the " + std::to_string(layers) + " decoder layers");
    c->alignment_layer = static_cast<uint32_t>(alignment);
  }

  // CTranslate2 appends <unk> when the vocabulary file lacks it. When the
  // embedding (and, on the target side, the projection) then has one row
  // fewer than the vocabulary, add a zero row (and a bias that never wins).
  static void apply_unk_rule(const Vocabulary& vocab, uint32_t embedding_id, std::map<uint32_t, HostTensor>* target_side,
                             uint32_t* vocab_size, std::map<uint32_t, HostTensor>& tensors) {
    const uint32_t size = static_cast<uint32_t>(vocab.tokens.size());
    *vocab_size = size;
    std::vector<uint32_t> ids = {embedding_id};
    if (target_side) ids.push_back(global_id(GlobalRole::kOutputWeight));
    if (target_side && tensors.count(global_id(GlobalRole::kOutputBias))) ids.push_back(global_id(GlobalRole::kOutputBias));
    for (uint32_t id : ids) {
      HostTensor& t = tensors.at(id);
      if (t.rows == size) continue;
      if (!(vocab.unk_appended && t.rows + 1 == size))
        fail(tensor_display_name(id) + " has " + std::to_string(t.rows) + " rows but the vocabulary has " +
             std::to_string(size) + " tokens");
      ++t.rows;
      if (t.dtype == format::DType::kInt8) {
        t.q.resize(static_cast<size_t>(t.rows) * t.cols, 0);
        t.scales.push_back(1.0f);
      } else {
        t.values.resize(static_cast<size_t>(t.rows) * t.cols, 0.0f);
        if (id == global_id(GlobalRole::kOutputBias)) t.values.back() = kNeverBias;
      }
    }
  }

  static uint32_t token_id(const Vocabulary& vocab, const std::string& token, const char* side, bool required,
                           uint32_t fallback) {
    const long id = vocab.find(token);
    if (id >= 0) return static_cast<uint32_t>(id);
    if (required) fail(std::string(side) + " vocabulary has no token '" + token + "'");
    return fallback;
  }

  static void set_tokens(const Vocabulary& source, const Vocabulary& target, const Ct2Options& o,
                         const Ct2Architecture& arch, ModelConfig* c) {
    // CTranslate2 pads with id 0; the source gets no BOS/EOS, so they fall back to <unk> when absent.
    const uint32_t source_unk = token_id(source, o.unk_token, "source", true, 0);
    c->source_tokens = SpecialTokens{0, token_id(source, o.bos_token, "source", false, source_unk),
                                     token_id(source, o.eos_token, "source", false, source_unk), source_unk};
    // Without a start token (mBART cc25) the first prefix token starts; bos is then unused.
    const std::string& start = arch.target_starts_with_eos || o.decoder_start_is_null ? o.eos_token : o.decoder_start_token;
    c->target_tokens = SpecialTokens{0, token_id(target, start, "target", true, 0),
                                     token_id(target, o.eos_token, "target", true, 0),
                                     token_id(target, o.unk_token, "target", true, 0)};
  }

  // Tensors CTranslate2 stored once (aliases resolve to one variable) are
  // stored once: a later tensor with the same source and the same converted
  // values points at the earlier one, unless it would need a packed layout
  // the earlier (an embedding, read by rows) cannot have.
  void share_aliased(ImportResult* out) {
    std::map<const Ct2Variable*, const HostTensor*> first;
    std::map<uint32_t, ExpectedTensor> expected;
    for (const ExpectedTensor& e : expected_tensors(out->model.config)) expected[e.id] = e;
    std::sort(out->model.tensors.begin(), out->model.tensors.end(),
              [](const HostTensor& a, const HostTensor& b) { return a.id < b.id; });
    for (HostTensor& t : out->model.tensors) {
      const auto name = tensor_names_.find(t.id);
      if (name == tensor_names_.end() || gate_names_.count(t.id)) continue;
      const Ct2Variable* source = names_.at(name->second);
      const auto seen = first.find(source);
      if (seen == first.end()) {
        first[source] = &t;
        continue;
      }
      const HostTensor& s = *seen->second;
      const bool layouts_fit = !expected[s.id].packable || expected[t.id].packable;
      if (layouts_fit && s.dtype == t.dtype && s.rows == t.rows && s.cols == t.cols && s.values == t.values &&
          s.q == t.q && s.scales == t.scales)
        t.shares = s.id;
    }
  }

  const Ct2Model& model_;
  WeightType weights_;
  std::map<std::string, const Ct2Variable*> names_;
  std::map<std::string, double> scalars_;
  std::map<std::string, bool> float_scalars_;     // the scalar is a float value, not an int flag
  std::map<uint32_t, std::string> gate_names_;    // ffn/linear_0 id -> its linear_0_noact variable
  std::map<uint32_t, std::string> tensor_names_;
};

}  // namespace

std::string import_ct2_model(const Ct2Model& model, const Vocabulary& source, const Vocabulary& target,
                             const Ct2Options& options, WeightType weights, ImportResult* out) {
  try {
    ImportResult result;
    Importer(model, weights).run(source, target, options, &result);
    *out = std::move(result);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::string import_ct2_directory(const std::string& dir, WeightType weights, ImportResult* out) {
  Ct2Model model;
  std::string error = read_ct2_model(dir + "/model.bin", &model);
  if (!error.empty()) return error;
  Ct2Options options;
  if (model.spec == kWhisperSpec) {
    // CTranslate2's WhisperModel reads its vocabulary with these special
    // tokens (no <unk> is appended: <|endoftext|> stands for it); a
    // config.json that names others still wins.
    options.unk_token = options.eos_token = "<|endoftext|>";
    options.bos_token = options.decoder_start_token = "<|startoftranscript|>";
  }
  error = read_ct2_options(dir, &options);
  if (!error.empty()) return error;
  Vocabulary source, target;
  error = load_ct2_vocabularies(dir, options.unk_token, &source, &target);
  if (!error.empty()) return error;
  error = import_ct2_model(model, source, target, options, weights, out);
  return error.empty() ? error : dir + "/model.bin: " + error;
}

}  // namespace convert
}  // namespace xattn
