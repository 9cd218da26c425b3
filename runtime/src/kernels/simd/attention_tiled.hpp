// Attention of many queries over long float32 rows: an encoder's
// self-attention (Whisper: groups of 64 queries over up to 1500 positions
// per head; text encoders: groups of 16 over sources of 32 tokens or
// more). attend_long is made for few queries (a decoding step): per query
// and block of rows it spends a horizontal reduction, and a load per
// multiply. With tens of queries the scores and the weighted sum are small
// matrix products, and this path tiles them in registers.
//
// A panel of P queries (P a multiple of the vector width W) is transposed
// once per head into [dh][P], so a vector holds W queries' values of one
// dimension. Scores: 4 rows x 2 query vectors per tile, each row's value
// broadcast against two vectors of queries, into [row][P] (queries along
// the lanes); the softmax then runs down the rows with every lane its own
// query; the weighted sum keeps 4 queries x 2 vectors of values in
// registers while it walks the rows. Each query's scores, softmax and
// outputs take the same operations in the same order whatever its lane,
// tile or panel, so splitting the queries over threads (or the overlap of
// the last panel, below) does not change a bit. The reference twin is
// ref::attention, as for every variant (tests/test_attention_variants.cpp).
#pragma once

#include <type_traits>

#include "kernels/simd/attention_long.hpp"

namespace xattn {
namespace kernels {
namespace simd {
namespace attention_detail {

// Calls of at least this many queries take attend_tiled (an encoder's
// query groups); fewer (a decoding step's beams) attend_long.
constexpr size_t kTiledQueries = 16;
// Queries per panel at most: its transposed queries, kChunk x this many
// floats, stay on the stack (32 KiB).
constexpr size_t kPanel = 64;
// Rows of V a pass over the panel's tiles covers, copied together first.
// The rows of a fused projection are far apart (Whisper base: 6 KiB), so
// walking all of them once per tile missed the TLB on every row, and even a
// block of them competes for a few L1 sets (rows 6 KiB apart fall on 2 of
// its 64); a contiguous copy of 32 rows (8 KiB at dh 64) stays in L1 while
// every tile passes.
constexpr size_t kRowBlock = 32;

template <class Arch>
static inline bool tiles_fit(const Attention& a) {
  return a.nq >= kTiledQueries && a.align == nullptr && long_rows_fit<Arch>(a);
}

// Scaled scores of KR rows (j0..) against the panel's queries: s[j][P].
template <class Arch, size_t KR>
static inline void score_rows(const float* keys, size_t k_stride, const float* qt, size_t dh, size_t panel,
                              float scale, float* s) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  for (size_t v = 0; v < panel; v += 2 * W) {
    const bool two = panel - v >= 2 * W;
    B lo[KR], hi[KR];
    for (size_t r = 0; r < KR; ++r) lo[r] = hi[r] = B(0.0f);
    for (size_t c = 0; c < dh; ++c) {
      const B q0 = B::load_aligned(qt + c * panel + v);
      const B q1 = two ? B::load_aligned(qt + c * panel + v + W) : B(0.0f);
      for (size_t r = 0; r < KR; ++r) {
        const B k(keys[r * k_stride + c]);
        lo[r] = xsimd::fma(k, q0, lo[r]);
        hi[r] = xsimd::fma(k, q1, hi[r]);
      }
    }
    for (size_t r = 0; r < KR; ++r) {
      (lo[r] * B(scale)).store_unaligned(s + r * panel + v);
      if (two) (hi[r] * B(scale)).store_unaligned(s + r * panel + v + W);
    }
  }
}

// Outputs of queries q0..q0+4 for `vectors` (1 or 2) vectors of values at v
// (row j0 there, the next v_stride on), rows [j0, j1) of the sum over rows of probability x value: the sums so far
// are taken from out (unless j0 is 0) and put back, so each output is one
// chain of additions in row order, however the rows are blocked.
template <class Arch>
static inline void weigh_queries(const float* s, size_t j0, size_t j1, size_t panel, size_t q0, const float* v,
                                 size_t v_stride, size_t vectors, float* out, size_t out_stride) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  B lo[4], hi[4];
  for (size_t r = 0; r < 4; ++r) {
    lo[r] = j0 == 0 ? B(0.0f) : B::load_unaligned(out + r * out_stride);
    hi[r] = j0 == 0 || vectors < 2 ? B(0.0f) : B::load_unaligned(out + r * out_stride + W);
  }
  for (size_t j = j0; j < j1; ++j) {
    const B v0 = B::load_unaligned(v + (j - j0) * v_stride);
    const B v1 = vectors == 2 ? B::load_unaligned(v + (j - j0) * v_stride + W) : B(0.0f);
    for (size_t r = 0; r < 4; ++r) {
      const B p(s[j * panel + q0 + r]);
      lo[r] = xsimd::fma(p, v0, lo[r]);
      hi[r] = xsimd::fma(p, v1, hi[r]);
    }
  }
  for (size_t r = 0; r < 4; ++r) {
    lo[r].store_unaligned(out + r * out_stride);
    if (vectors == 2) hi[r].store_unaligned(out + r * out_stride + W);
  }
}

// One panel: queries [b0, b0 + panel), every head; scores in a.probs from b0.
template <class Arch>
static inline void attend_panel(const Attention& a, size_t b0, size_t panel) {
  using B = FBatch<Arch>;
  constexpr size_t W = B::size;
  alignas(64) float qt[kChunk * kPanel];
  alignas(64) float vb[kRowBlock * kChunk];  // a block of V rows of one head, contiguous
  const float* keys = static_cast<const float*>(a.k.data);
  const float* values = static_cast<const float*>(a.v.data);
  const size_t len = a.len, dh = a.dh;
  float* s = a.probs + b0 * len;  // [len][panel]: the panel's own rows of the scratch
  for (size_t h = 0; h < a.heads; ++h) {
    const size_t col = h * dh;
    for (size_t b = 0; b < panel; ++b)
      for (size_t c = 0; c < dh; ++c) qt[c * panel + b] = a.q[(b0 + b) * a.q_stride + col + c];
    size_t j = 0;
    for (; j + 4 <= len; j += 4)
      score_rows<Arch, 4>(keys + j * a.k.stride + col, a.k.stride, qt, dh, panel, a.scale, s + j * panel);
    for (; j < len; ++j)
      score_rows<Arch, 1>(keys + j * a.k.stride + col, a.k.stride, qt, dh, panel, a.scale, s + j * panel);
    softmax_columns<Arch>(s, len, panel);  // attention.hpp
    for (size_t j0 = 0; j0 < len; j0 += kRowBlock) {
      const size_t j1 = len - j0 < kRowBlock ? len : j0 + kRowBlock;
      for (size_t j = j0; j < j1; ++j)
        for (size_t c = 0; c < dh; c += W)
          B::load_unaligned(values + j * a.v.stride + col + c).store_aligned(vb + (j - j0) * dh + c);
      for (size_t c0 = 0; c0 < dh; c0 += 2 * W) {
        const size_t vectors = dh - c0 >= 2 * W ? 2 : 1;
        for (size_t q0 = 0; q0 < panel; q0 += 4)
          weigh_queries<Arch>(s, j0, j1, panel, q0, vb + c0, dh, vectors,
                              a.out + (b0 + q0) * a.out_stride + col + c0, a.out_stride);
      }
    }
  }
}

// Panels of P queries, P the largest multiple of W up to kPanel that the
// call has; the last panel ends at nq and may overlap the one before (its
// shared queries are computed again, to the same bits), so every panel is
// whole and its scores fit the call's scratch.
template <class Arch>
void attend_tiled(const Attention& a) {
  constexpr size_t W = FBatch<Arch>::size;
  static_assert(kPanel % W == 0 && W % 4 == 0, "panels hold whole vectors and tiles of 4 queries");
  const size_t most = a.nq / W * W;
  const size_t panel = most < kPanel ? most : kPanel;
  for (size_t b0 = 0;; b0 += panel) {
    if (b0 + panel >= a.nq) {
      attend_panel<Arch>(a, a.nq - panel, panel);
      return;
    }
    attend_panel<Arch>(a, b0, panel);
  }
}

}  // namespace attention_detail
}  // namespace simd
}  // namespace kernels
}  // namespace xattn
