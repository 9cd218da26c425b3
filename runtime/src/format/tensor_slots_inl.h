// Template body of for_each_required_tensor (see tensor_slots.h).
#pragma once

#include "xattn/tensor_id.h"

namespace xattn {
namespace format {

template <class Visit>
uint32_t for_each_required_tensor(const ModelConfig& config, Visit visit) {
  uint32_t count = 0;
  const bool pre_norm = config.norm == NormPlacement::kPreNorm;
  for (uint16_t role = 1; role < static_cast<uint16_t>(GlobalRole::kCount); ++role) {
    const bool final_norm = role >= static_cast<uint16_t>(GlobalRole::kEncoderNormGamma) &&
                            role <= static_cast<uint16_t>(GlobalRole::kDecoderNormBeta);
    if (final_norm && !pre_norm) continue;
    visit(tensor_id(Section::kGlobal, 0, role));
    ++count;
  }
  for (uint32_t layer = 0; layer < config.encoder_layers; ++layer) {
    for (uint16_t role = 1; role < static_cast<uint16_t>(LayerRole::kEncoderCount); ++role) {
      visit(tensor_id(Section::kEncoderLayer, layer, role));
      ++count;
    }
  }
  for (uint32_t layer = 0; layer < config.decoder_layers; ++layer) {
    for (uint16_t role = 1; role < static_cast<uint16_t>(LayerRole::kDecoderCount); ++role) {
      visit(tensor_id(Section::kDecoderLayer, layer, role));
      ++count;
    }
  }
  return count;
}

}  // namespace format
}  // namespace xattn
