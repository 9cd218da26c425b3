#include "nn/embedding.h"

#include <cmath>

#include "xattn/format.h"

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

namespace {

// Columns gathered from a packed table per kernel call: a multiple of every
// SIMD width, so the kernel splits a row exactly as it would unchunked (the
// same bits), in a small stack buffer.
constexpr size_t kGatherColumns = 64;

// Row `id` of a packed table (format layouts 1 and 2: blocks of 16 rows,
// `group` columns of a row side by side), columns [c0, c0 + n), into `out`.
template <class T>
void gather_row(const T* table, uint32_t rows, uint32_t cols, uint32_t id, size_t c0, size_t n, uint32_t group,
                T* out) {
  for (size_t c = 0; c < n; c += group) {
    const T* from = table + format::blocked_offset(rows, cols, id, static_cast<uint32_t>(c0 + c), group);
    for (uint32_t i = 0; i < group; ++i) out[c + i] = from[i];
  }
}

// Columns [c0, c0 + n) of row `id` of an int4 table (format layout 3), as
// floats: q4 * sub / scale, the converter's definition.
void gather_int4_row(const MatrixView& table, uint32_t id, size_t c0, size_t n, float* out) {
  const uint8_t* nibbles = static_cast<const uint8_t*>(table.data);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t c = static_cast<uint32_t>(c0 + i);
    const uint8_t byte = nibbles[format::int4_nibble_offset(table.cols, id, c)];
    const int32_t q4 = c % 8 < 4 ? format::int4_low(byte) : format::int4_high(byte);
    const int32_t sub = table.group_scales[format::int4_group_scale_offset(table.cols, id, c)];
    out[i] = static_cast<float>(q4 * sub) / table.scales[id];
  }
}

}  // namespace

void embed_token(const kernels::KernelTable& k, const ModelConfig& config, const MatrixView& table,
                 uint32_t id, const float* pos, float* out) {
  const size_t d = config.d_model;
  if (table.dtype == format::DType::kInt4) {
    for (size_t c0 = 0; c0 < d; c0 += kGatherColumns) {
      const size_t n = d - c0 < kGatherColumns ? d - c0 : kGatherColumns;
      float row[kGatherColumns];
      gather_int4_row(table, id, c0, n, row);
      k.embed_f32(row, n, config.embedding_scale, pos ? pos + c0 : nullptr, out + c0);
    }
    return;
  }
  const bool int8 = table.dtype == format::DType::kInt8;
  if (table.layout == format::kLayoutRowMajor) {
    if (int8) {
      k.embed_i8(static_cast<const int8_t*>(table.data) + static_cast<size_t>(id) * d, table.scales[id], d,
                 config.embedding_scale, pos, out);
    } else {
      k.embed_f32(static_cast<const float*>(table.data) + static_cast<size_t>(id) * d, d, config.embedding_scale,
                  pos, out);
    }
    return;
  }
  // A table stored once with the output projection, in its packed layout
  // (layout 1 int8: groups of 4 columns; layout 2 float32: single columns).
  for (size_t c0 = 0; c0 < d; c0 += kGatherColumns) {
    const size_t n = d - c0 < kGatherColumns ? d - c0 : kGatherColumns;
    const float* p = pos ? pos + c0 : nullptr;
    if (int8) {
      int8_t row[kGatherColumns];
      gather_row(static_cast<const int8_t*>(table.data), table.rows, table.cols, id, c0, n, format::kPackCols, row);
      k.embed_i8(row, table.scales[id], n, config.embedding_scale, p, out + c0);
    } else {
      float row[kGatherColumns];
      gather_row(static_cast<const float*>(table.data), table.rows, table.cols, id, c0, n, 1, row);
      k.embed_f32(row, n, config.embedding_scale, p, out + c0);
    }
  }
}

}  // namespace xattn
