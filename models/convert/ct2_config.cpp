#include "ct2_config.h"

#include "file_safety.h"

#include <fstream>
#include <iterator>
#include <set>

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

}  // namespace

bool is_ct2_config_scalar(const std::string& name) {
  if (config_scalars().count(name)) return true;
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
  for (const auto& key_out : {std::make_pair("unk_token", &out->unk_token), std::make_pair("bos_token", &out->bos_token),
                              std::make_pair("eos_token", &out->eos_token),
                              std::make_pair("decoder_start_token", &out->decoder_start_token)}) {
    error = string_option(root, key_out.first, path, key_out.second);
    if (!error.empty()) return error;
  }
  if (root.get("decoder_start_token") == nullptr) out->decoder_start_token = out->bos_token;
  for (const char* key : {"add_source_bos", "add_source_eos", "multi_query_attention"}) {
    const JsonValue* v = root.get(key);
    if (v != nullptr && v->kind == JsonValue::Kind::kBool && v->boolean)
      return path + ": " + key + " = true is not supported by xattn";
  }
  const JsonValue* eps = root.get("layer_norm_epsilon");
  if (eps != nullptr && eps->kind == JsonValue::Kind::kNumber) {
    if (!(eps->number > 0.0 && eps->number < 1.0)) return path + ": layer_norm_epsilon out of range";
    out->layer_norm_epsilon = static_cast<float>(eps->number);
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
  // CTranslate2's ActivationType: 0 ReLU, 1 GELUTanh, 2 Swish, 3 GELU (erf), 4 GELUSigmoid, 5 Tanh.
  const int activation = present ? static_cast<int>(value) : 0;
  switch (activation) {
    case 0: out->activation = Activation::kRelu; break;
    case 1: out->activation = Activation::kGeluTanh; break;
    case 2: out->activation = Activation::kSwish; break;
    case 3: out->activation = Activation::kGeluErf; break;
    default: return "variable activation = " + std::to_string(activation) + " (GELUSigmoid/Tanh) is not supported";
  }

  if (!(error = agreed(s, {"alignment_layer", "decoder/alignment_layer"}, &present, &value)).empty()) return error;
  if (present) out->alignment_layer = static_cast<int>(value);
  if (!(error = agreed(s, {"alignment_heads", "decoder/alignment_heads"}, &present, &value)).empty()) return error;
  if (present) out->alignment_heads = static_cast<int>(value);

  if (!(error = agreed(s, {"encoder/scale_embeddings", "decoder/scale_embeddings"}, &present, &value)).empty())
    return error;
  out->scale_embeddings = !present || value != 0;

  // Flags whose non-default values select features xattn does not run.
  const struct { const char* name; double expected; } required[] = {
      {"with_relative_position", 0}, {"with_source_bos", 0}, {"with_source_eos", 0},
      {"encoder/multi_query_attention", 0}, {"decoder/multi_query_attention", 0},
      {"decoder/alibi", 0}, {"decoder/start_from_zero_embedding", 0},
  };
  for (const auto& r : required) {
    const auto it = s.find(r.name);
    if (it != s.end() && it->second != r.expected)
      return std::string("variable ") + r.name + " = " + std::to_string(it->second) + " is not supported by xattn";
  }
  const auto bos = s.find("with_target_bos");
  out->target_starts_with_eos = bos != s.end() && bos->second == 0;
  return "";
}

}  // namespace convert
}  // namespace xattn
