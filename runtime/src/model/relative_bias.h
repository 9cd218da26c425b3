// T5's relative position bias, precomputed per session: the bucket of every
// distance a session can meet, looked up once in the model's [buckets x
// heads] tables, so an attention call reads one bias row per head and query.
#pragma once

#include <cstddef>

#include "xattn/config.h"

namespace xattn {

// T5's bucket (CTranslate2's get_relative_position_bucket) of rel = key -
// query: bidirectional (encoder) or causal (decoder), float32 arithmetic.
int relative_bucket(int rel, bool bidirectional, int num_buckets, int max_distance);

// encoder_out[h][r + max_source - 1] = encoder_table[bucket(r)][h] for r in
// (-max_source, max_source); decoder_out[h][m] = decoder_table[bucket(-(positions
// - 1 - m))][h] for m < positions (so step t reads from m = positions - 1 - t on).
void fill_relative_bias(const ModelConfig& c, const float* encoder_table, const float* decoder_table,
                        size_t max_source, size_t positions, float* encoder_out, float* decoder_out);

}  // namespace xattn
