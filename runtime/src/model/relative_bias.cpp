#include "model/relative_bias.h"

#include <cmath>

namespace xattn {

int relative_bucket(int rel, bool bidirectional, int num_buckets, int max_distance) {
  int bucket = 0;
  if (bidirectional) {
    num_buckets /= 2;
    if (rel > 0) bucket += num_buckets;
    rel = rel < 0 ? -rel : rel;
  } else {
    rel = rel < 0 ? -rel : 0;
  }
  const int max_exact = num_buckets / 2;
  if (rel < max_exact) return bucket + rel;
  const float exact = static_cast<float>(max_exact);
  const int large = static_cast<int>(exact + std::log(static_cast<float>(rel) / exact) /
                                                 std::log(static_cast<float>(max_distance) / exact) *
                                                 static_cast<float>(num_buckets - max_exact));
  return bucket + (large < num_buckets - 1 ? large : num_buckets - 1);
}

void fill_relative_bias(const ModelConfig& c, const float* encoder_table, const float* decoder_table,
                        size_t max_source, size_t positions, float* encoder_out, float* decoder_out) {
  const size_t heads = c.num_heads;
  const int buckets = c.relative_buckets, distance = c.relative_max_distance;
  const size_t span = 2 * max_source - 1;
  for (size_t k = 0; k < span; ++k) {
    const int rel = static_cast<int>(k) - static_cast<int>(max_source - 1);
    const size_t bucket = static_cast<size_t>(relative_bucket(rel, true, buckets, distance));
    for (size_t h = 0; h < heads; ++h) encoder_out[h * span + k] = encoder_table[bucket * heads + h];
  }
  for (size_t m = 0; m < positions; ++m) {
    const int rel = -static_cast<int>(positions - 1 - m);
    const size_t bucket = static_cast<size_t>(relative_bucket(rel, false, buckets, distance));
    for (size_t h = 0; h < heads; ++h) decoder_out[h * positions + m] = decoder_table[bucket * heads + h];
  }
}

}  // namespace xattn
