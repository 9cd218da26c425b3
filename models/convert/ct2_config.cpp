#include "ct2_config.h"

#include "file_safety.h"

#include <fstream>
#include <iterator>
#include <set>

#include "ct2_family.h"
#include "json.h"

namespace xattn {
namespace convert {
namespace {

const std::set<std::string>& config_scalars() {
  static const std::set<std::string> names = {
      // spec revisions 3-4: top level
      "num_heads", "pre_norm", "activation", "alignment_layer", "alignment_heads",
      "with_relative_position", "with_source_bos", "with_source_eos", "with_target_bos",
      // later revisions: per stack
      "encoder/num_heads", "encoder/pre_norm", "encoder/activation", "encoder/embeddings_merge",
      "encoder/scale_embeddings", "encoder/multi_query_attention",
      "decoder/num_heads", "decoder/pre_norm", "decoder/activation", "decoder/alignment_layer",
      "decoder/alignment_heads", "decoder/scale_embeddings", "decoder/multi_query_attention",
      "decoder/alibi", "decoder/alibi_use_positive_positions", "decoder/scale_alibi",
      "decoder/start_from_zero_embedding",
  };
  return names;
}

std::string string_option(const JsonValue& root, const char* key, const std::string& path, std::string* out) {
  const JsonValue* v = root.get(key);
  if (v == nullptr) return "";
  if (v->kind != JsonValue::Kind::kString)
    return path + ": " + key + (v->is_null() ? " is null (xattn needs the token)" : " is not a string");
  *out = v->string;
  return "";
}

// The values of the names present among `names`; an error when they disagree.
std::string agreed(const std::map<std::string, double>& scalars, std::initializer_list<const char*> names,
                   bool* present, double* value) {
  *present = false;
  std::string first;
  for (const char* name : names) {
    const auto it = scalars.find(name);
    if (it == scalars.end()) continue;
    if (*present && it->second != *value)
      return "variables " + first + " and " + name + " disagree (" + std::to_string(*value) + " vs " +
             std::to_string(it->second) + "); xattn uses one value for both stacks";
    *present = true;
    *value = it->second;
    first = name;
  }
  return "";
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

// A path component equal to `part` ("decoder/layer_0/self_attention/q_norm/gamma" has "q_norm").
bool has_component(const std::string& name, const std::string& part) {
  size_t at = 0;
  while ((at = name.find(part, at)) != std::string::npos) {
    const bool starts = at == 0 || name[at - 1] == '/';
    const size_t end = at + part.size();
    if (starts && (end == name.size() || name[end] == '/')) return true;
    at = end;
  }
  return false;
}

}  // namespace

std::string refuse_ct2_variable(const std::string& name) {
  // (component or substring, feature) pairs from tests/families/SEMANTICS.md section 8.
  static const struct { const char* part; bool component; const char* feature; } kRefused[] = {
      {"rotary_dim", true, "rotary position embeddings"},
      {"rotary_interleave", true, "rotary position embeddings"},
      {"rotary_base", true, "rotary position embeddings"},
      {"rotary_scaling_", false, "rotary position embeddings"},
      {"num_heads_kv", true, "multi-query / grouped-query attention"},
      {"multi_query", true, "multi-query / grouped-query attention"},
      {"relative_position_keys", true, "Shaw relative positions"},
      {"relative_position_values", true, "Shaw relative positions"},
      {"relative_asymmetric_position_keys", true, "Shaw relative positions"},
      {"q_norm", true, "query/key/value norms"},
      {"k_norm", true, "query/key/value norms"},
      {"v_norm", true, "query/key/value norms"},
      {"input_layer_norm", true, "Gemma-style layer norms"},
      {"post_attention_layer_norm", true, "Gemma-style layer norms"},
      {"pre_feedforward_layer_norm", true, "Gemma-style layer norms"},
      {"post_feedforward_layer_norm", true, "Gemma-style layer norms"},
      {"layer_norm_use_residual", true, "Gemma-style layer norms"},
      {"layer_scalar", true, "Gemma-style layer norms"},
      {"shared_layer_norm", true, "parallel residual (shared_layer_norm)"},
      {"project_in", true, "decoder input/output projections"},
      {"project_out", true, "decoder input/output projections"},
      {"sliding_window", true, "sliding-window attention"},
      {"final_logit_softcapping", true, "logit softcapping"},
      {"memory_kv", true, "merged encoder attention"},
      {"merged_encoder_attention", true, "merged encoder attention"},
      {"weight_zero", false, "AWQ / low-bit quantization (weight_zero)"},
  };
  for (const auto& r : kRefused) {
    if (r.component ? has_component(name, r.part) : contains(name, r.part))
      return "variable " + name + ": not supported by xattn (" + r.feature + ")";
  }
  // encoder/embeddings_0 is the source embedding; embeddings_1 and up are source factors.
  const std::string factors = "encoder/embeddings_";
  const size_t index_end = name.find('/', factors.size());
  const std::string index = name.compare(0, factors.size(), factors) == 0 && index_end != std::string::npos
                                ? name.substr(factors.size(), index_end - factors.size())
                                : "";
  if (!index.empty() && index != "0" && index.find_first_not_of("0123456789") == std::string::npos)
    return "variable " + name + ": not supported by xattn (source factors)";
  return "";
}

bool is_ct2_config_scalar(const std::string& name) {
  if (config_scalars().count(name) || is_ct2_family_scalar(name)) return true;
  // LinearSpec's flag in recent specs; it only matters for CTranslate2's own compute types.
  const std::string suffix = "/keep_in_float32";
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string read_ct2_options(const std::string& dir, Ct2Options* out) {
  const std::string path = dir + "/config.json";
  const std::string refused = refuse_unreadable(path);
  if (!refused.empty()) return refused;
  std::ifstream file(path, std::ios::binary);
  if (!file) return "";
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  JsonValue root;
  std::string error = parse_json(text, &root);
  if (!error.empty()) return path + ": " + error;
  if (root.kind != JsonValue::Kind::kObject) return path + ": expected a JSON object";
  const JsonValue* start = root.get("decoder_start_token");
  if (start != nullptr && start->is_null()) out->decoder_start_is_null = true;
  for (const auto& key_out : {std::make_pair("unk_token", &out->unk_token), std::make_pair("bos_token", &out->bos_token),
                              std::make_pair("eos_token", &out->eos_token),
                              std::make_pair("decoder_start_token", &out->decoder_start_token)}) {
    if (out->decoder_start_is_null && key_out.second == &out->decoder_start_token) continue;
    error = string_option(root, key_out.first, path, key_out.second);
    if (!error.empty()) return error;
  }
  if (root.get("decoder_start_token") == nullptr) out->decoder_start_token = out->bos_token;
  for (const char* key : {"add_source_bos", "add_source_eos", "multi_query_attention"}) {
    const JsonValue* v = root.get(key);
    if (v != nullptr && v->kind == JsonValue::Kind::kBool && v->boolean)
      return path + ": " + key + " = true: not supported by xattn" +
             (std::string(key) == "multi_query_attention" ? " (multi-query attention)" : "");
  }
  // AWQ and other low-bit quantizations (quantization_type, _bits, _group_size): xattn reads none.
  for (const auto& member : root.object) {
    if (member.first.compare(0, 13, "quantization_") == 0 && !member.second.is_null())
      return path + ": " + member.first + ": not supported by xattn (AWQ / low-bit quantization)";
  }
  for (const auto& key_out : {std::make_pair("suppress_ids", &out->suppress_ids),
                              std::make_pair("suppress_ids_begin", &out->suppress_ids_begin),
                              std::make_pair("lang_ids", &out->lang_ids)}) {
    const JsonValue* list = root.get(key_out.first);
    if (list == nullptr || list->is_null()) continue;
    if (list->kind != JsonValue::Kind::kArray) return path + ": " + key_out.first + " is not a list of token ids";
    for (const JsonValue& v : list->array) {
      if (v.kind != JsonValue::Kind::kNumber || !(v.number >= 0.0 && v.number < 4294967296.0) ||
          v.number != static_cast<double>(static_cast<uint32_t>(v.number)))
        return path + ": " + key_out.first + " holds something other than a token id";
      key_out.second->push_back(static_cast<uint32_t>(v.number));
    }
    out->has_whisper_ids = true;
  }
  const JsonValue* eps = root.get("layer_norm_epsilon");
  if (eps != nullptr && eps->kind == JsonValue::Kind::kNumber) {
    if (!(eps->number > 0.0 && eps->number < 1.0)) return path + ": layer_norm_epsilon out of range";
    out->layer_norm_epsilon = static_cast<float>(eps->number);
    out->layer_norm_epsilon_set = true;
  }
  return "";
}

std::string interpret_ct2_scalars(const std::map<std::string, double>& s, const std::string& spec,
                                  Ct2Architecture* out) {
  bool present = false;
  double value = 0.0;
  std::string error;

  if (!(error = agreed(s, {"num_heads", "encoder/num_heads", "decoder/num_heads"}, &present, &value)).empty())
    return error;
  if (present) {
    if (value < 1 || value > kMaxHeads) return "variable num_heads = " + std::to_string(value) + " out of range";
    out->num_heads = static_cast<uint32_t>(value);
  } else if (spec.empty() || spec == "TransformerBase") {
    out->num_heads = 8;  // CTranslate2's TransformerBase, and what it assumes for version 1 files
  } else if (spec == "TransformerBig") {
    out->num_heads = 16;
  } else {
    return "spec " + spec + " stores no num_heads variable";
  }

  if (!(error = agreed(s, {"pre_norm", "encoder/pre_norm", "decoder/pre_norm"}, &present, &value)).empty())
    return error;
  out->norm = (!present || value != 0) ? NormPlacement::kPreNorm : NormPlacement::kPostNorm;

  if (!(error = agreed(s, {"activation", "encoder/activation", "decoder/activation"}, &present, &value)).empty())
    return error;
  // CTranslate2's ActivationType: 0 ReLU, 1 GELUTanh, 2 Swish, 3 GELU (erf), 4 GELUSigmoid, 5 Tanh, 6 Sigmoid.
  const int activation = present ? static_cast<int>(value) : 0;
  static const char* const kUnsupportedActivations[] = {"GELUSigmoid", "Tanh", "Sigmoid"};
  switch (activation) {
    case 0: out->activation = Activation::kRelu; break;
    case 1: out->activation = Activation::kGeluTanh; break;
    case 2: out->activation = Activation::kSwish; break;
    case 3: out->activation = Activation::kGeluErf; break;
    default:
      return "variable activation = " + std::to_string(activation) + ": not supported by xattn (" +
             (activation >= 4 && activation <= 6 ? kUnsupportedActivations[activation - 4] : "unknown activation") + ")";
  }

  if (!(error = agreed(s, {"alignment_layer", "decoder/alignment_layer"}, &present, &value)).empty()) return error;
  if (present) out->alignment_layer = static_cast<int>(value);
  if (!(error = agreed(s, {"alignment_heads", "decoder/alignment_heads"}, &present, &value)).empty()) return error;
  if (present) out->alignment_heads = static_cast<int>(value);

  if (!(error = agreed(s, {"encoder/scale_embeddings", "decoder/scale_embeddings"}, &present, &value)).empty())
    return error;
  out->scale_embeddings = !present || value != 0;

  // Flags whose non-default values select features xattn does not run.
  const struct { const char* name; const char* feature; } required_zero[] = {
      {"with_relative_position", "Shaw relative positions"}, {"with_source_bos", "a source BOS"},
      {"with_source_eos", "a source EOS"},
      {"encoder/multi_query_attention", "multi-query attention"},
      {"decoder/multi_query_attention", "multi-query attention"},
      {"decoder/alibi", "ALiBi"},
  };
  for (const auto& r : required_zero) {
    const auto it = s.find(r.name);
    if (it != s.end() && it->second != 0)
      return std::string("variable ") + r.name + " = " + std::to_string(static_cast<long long>(it->second)) + ": not supported by xattn (" + r.feature + ")";
  }
  const auto bos = s.find("with_target_bos");
  out->target_starts_with_eos = bos != s.end() && bos->second == 0;
  return "";
}

}  // namespace convert
}  // namespace xattn
