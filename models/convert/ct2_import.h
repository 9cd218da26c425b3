// CTranslate2 Transformer -> xattn: maps every model.bin variable to an
// xattn tensor id (or a config value), derives the ModelConfig, applies the
// <unk> rule and converts the weights to float32 or int8. Any variable it
// does not understand is an error naming it: nothing is silently dropped.
#pragma once

#include <string>
#include <vector>

#include "ct2_config.h"
#include "ct2_model.h"
#include "vocabulary.h"
#include "xattn_writer.h"

namespace xattn {
namespace convert {

enum class WeightType {
  kFloat32,  // every tensor float32 (int8/int16/float16 inputs dequantized)
  kInt8,     // embeddings and weight matrices int8 per row (CTranslate2 int8 kept exactly)
  kInt4,     // linear weights int4 in groups of 32 where their shape allows, the rest as kInt8
             // (int4_weights.h; the importers hand over float32 values, quantize_int4_weights does the rest)
};

// "f32", "int8" or "int4", as --weights spells them.
inline const char* weight_type_name(WeightType type) {
  return type == WeightType::kInt8 ? "int8" : type == WeightType::kInt4 ? "int4" : "f32";
}

struct ImportResult {
  XattnModelContents model;
  std::vector<std::string> warnings;  // conversions that lose something worth telling
};

// The sinusoidal position table xattn generates covers this many positions.
constexpr uint32_t kDefaultMaxPositions = 1024;

// Reads DIR/model.bin, its vocabularies and config.json, and imports them.
std::string import_ct2_directory(const std::string& dir, WeightType weights, ImportResult* out);

// The same from parts already in memory.
std::string import_ct2_model(const Ct2Model& model, const Vocabulary& source, const Vocabulary& target,
                             const Ct2Options& options, WeightType weights, ImportResult* out);

}  // namespace convert
}  // namespace xattn
