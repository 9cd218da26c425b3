#include "nn/embedding.h"

#include <cmath>

namespace xattn {

void sinusoidal_position(size_t position, size_t d, float* out) {
  const size_t half = d / 2;
  // Float arithmetic in CTranslate2's order, so float32 outputs match it.
  const float increment = std::log(10000.0f) / static_cast<float>(half > 1 ? half - 1 : 1);
  const float p = static_cast<float>(position);
  for (size_t j = 0; j < half; ++j) {
    const float scaled = p * std::exp(static_cast<float>(j) * -increment);
    out[j] = std::sin(scaled);
    out[half + j] = std::cos(scaled);
  }
  if (d % 2) out[d - 1] = 0.0f;
}

const float* position_row(const ModelView& m, bool decoder, size_t index, float* scratch) {
  const size_t d = m.config.d_model;
  switch (m.config.position) {
    case PositionEncoding::kSinusoidal:
      sinusoidal_position(index + 1, d, scratch);
      return scratch;
    case PositionEncoding::kStoredTable:
      return (decoder ? m.decoder_positions : m.encoder_positions) + index * d;
    default:
      return nullptr;
  }
}

void embed_token(const kernels::KernelTable& k, const ModelConfig& config, const MatrixView& table,
                 uint32_t id, const float* pos, float* out) {
  const size_t d = config.d_model;
  if (table.dtype == format::DType::kInt8) {
    const int8_t* row = static_cast<const int8_t*>(table.data) + static_cast<size_t>(id) * d;
    k.embed_i8(row, table.scales[id], d, config.embedding_scale, pos, out);
  } else {
    const float* row = static_cast<const float*>(table.data) + static_cast<size_t>(id) * d;
    k.embed_f32(row, d, config.embedding_scale, pos, out);
  }
}

}  // namespace xattn
