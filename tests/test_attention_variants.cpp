// Attention variants (kernels.h, AttentionVariant): every KV precision x
// head size selects the variant compiled for it (the xsimd tables have their
// own for heads of 4 and 8 values; the reference and the Cortex-M tables one
// per precision), each variant gives what a float64 oracle over the
// dequantized cache gives and what the reference gives, and a session's
// workspace selects the variant of each of its caches once, at init.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/reference/half.h"
#include "model/workspace.h"

namespace xattn {
namespace {

using kernels::Attention;
using kernels::AttentionVariant;
using kernels::KernelTable;
using kernels::select_attention;

const KvPrecision kPrecisions[] = {KvPrecision::kFloat32, KvPrecision::kFloat16, KvPrecision::kInt8};
const size_t kHeadSizes[] = {1, 3, 4, 5, 8, 9, 16, 17, 64};

// The head size a table's variant for heads of dh values is compiled for
// (0: any): the xsimd tables compile 4 and 8 on their own.
uint32_t expected_head_size(const KernelTable& t, size_t dh) {
  const std::string name = t.name;
  const bool specializes = name != "scalar" && name != "helium" && name != "armdsp";
  return specializes && (dh == 4 || dh == 8) ? uint32_t(dh) : 0;
}

// `rows` rows of heads x dh values stored at a precision (by the reference's
// store_kv), and the values they stand for, read back by the format's rules.
struct Cache {
  std::vector<uint8_t> data;
  std::vector<float> scales;
  std::vector<double> values;
  kernels::KvRows rows;
  Cache(const std::vector<float>& x, size_t n, size_t heads, size_t dh, KvPrecision p)
      : data(n * heads * dh * 4), scales(n * heads), values(n * heads * dh) {
    kernels::reference_kernels().store_kv(x.data(), n, heads * dh, heads, dh, p, data.data(), scales.data());
    for (size_t i = 0; i < values.size(); ++i) {
      if (p == KvPrecision::kFloat32) {
        float f;
        std::memcpy(&f, data.data() + 4 * i, 4);
        values[i] = f;
      } else if (p == KvPrecision::kFloat16) {
        uint16_t h;
        std::memcpy(&h, data.data() + 2 * i, 2);
        values[i] = kernels::ref::half_to_float(h);
      } else {
        values[i] = double(int8_t(data[i])) / scales[i / dh];  // one scale per row and head
      }
    }
    rows.data = data.data();
    rows.scales = scales.data();
    rows.stride = heads * dh;
    rows.precision = p;
  }
};

// One call's operands: nq queries (rows heads x dh apart) over `len` cached
// rows of k and v, scores scaled by 1/sqrt(dh), outputs into `out`.
Attention attention_over(const float* q, size_t nq, const Cache& k, const Cache& v, size_t len, size_t heads,
                         size_t dh, float* probs, float* out) {
  Attention a;
  a.q = q;
  a.q_stride = heads * dh;
  a.nq = nq;
  a.k = k.rows;
  a.v = v.rows;
  a.len = len;
  a.heads = heads;
  a.dh = dh;
  a.scale = 1.0f / std::sqrt(float(dh));
  a.probs = probs;
  a.out = out;
  a.out_stride = heads * dh;
  return a;
}

// Runs `v` on nq queries over `len` rows and checks the output against a
// float64 oracle and against the reference table's variant.
void check_variant(const AttentionVariant& v, KvPrecision p, size_t heads, size_t dh, size_t len, size_t nq,
                   std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  const size_t d = heads * dh;
  std::vector<float> q(nq * d), kx(len * d), vx(len * d);
  for (float& x : q) x = u(rng);
  for (float& x : kx) x = u(rng);
  for (float& x : vx) x = u(rng);
  const Cache k(kx, len, heads, dh, p), vc(vx, len, heads, dh, p);
  std::vector<float> probs(nq * len), got(nq * d, -7.0f), ref_out(nq * d, -7.0f);
  Attention a = attention_over(q.data(), nq, k, vc, len, heads, dh, probs.data(), got.data());
  v.run(a);
  a.out = ref_out.data();
  select_attention(kernels::reference_kernels(), p, dh).run(a);
  for (size_t b = 0; b < nq; ++b)
    for (size_t h = 0; h < heads; ++h) {
      std::vector<double> s(len);
      double mx = -1e300, sum = 0;
      for (size_t j = 0; j < len; ++j) {
        double dot = 0;
        for (size_t c = 0; c < dh; ++c) dot += double(q[b * d + h * dh + c]) * k.values[j * d + h * dh + c];
        s[j] = dot * a.scale;
        mx = s[j] > mx ? s[j] : mx;
      }
      for (double& x : s) sum += (x = std::exp(x - mx));
      for (size_t c = 0; c < dh; ++c) {
        double want = 0;
        for (size_t j = 0; j < len; ++j) want += s[j] / sum * vc.values[j * d + h * dh + c];
        const size_t i = b * d + h * dh + c;
        CHECK(std::fabs(got[i] - want) <= 2e-5 * 2.0);  // |v| <= 2, probabilities sum to 1
        CHECK(std::fabs(double(got[i]) - ref_out[i]) <= 2e-5 * 2.0 + 1e-7);
      }
    }
}

}  // namespace

TEST_CASE("attention variants: each KV precision x head size selects its own, which matches a float64 oracle") {
  const KernelTable* tables[16];
  const size_t n = kernels::available_kernels(tables, 16);
  std::mt19937 rng(31);
  for (size_t t = 0; t < n; ++t)
    for (KvPrecision p : kPrecisions) {
      const AttentionVariant* seen[sizeof kHeadSizes / sizeof kHeadSizes[0]];
      for (size_t i = 0; i < sizeof kHeadSizes / sizeof kHeadSizes[0]; ++i) {
        const size_t dh = kHeadSizes[i];
        INFO(std::string(tables[t]->name) << " " << std::string(kv_precision_name(p)) << " dh=" << dh);
        const AttentionVariant& v = select_attention(*tables[t], p, dh);
        seen[i] = &v;
        REQUIRE((v.run != nullptr && v.run_biased != nullptr));  // (( )): doctest cannot print function pointers
        CHECK(v.precision == p);
        CHECK(v.head_size == expected_head_size(*tables[t], dh));
        // Short rows (attend_small where the variant has it) and rows past its bound.
        for (size_t len : {size_t(1), size_t(6), size_t(90)})
          for (size_t nq : {size_t(1), size_t(4)}) check_variant(v, p, 3, dh, len, nq, rng);
        // An audio encoder's query groups over float32 rows (attend_tiled where the head size fits:
        // one panel, an overlapping last panel, three panels).
        if (p == KvPrecision::kFloat32)
          for (size_t nq : {size_t(16), size_t(37), size_t(70)}) check_variant(v, p, 3, dh, 90, nq, rng);
      }
      // A specialized variant serves its head size only; the general one all others.
      for (size_t i = 0; i < sizeof kHeadSizes / sizeof kHeadSizes[0]; ++i)
        for (size_t j = 0; j < i; ++j) {
          const bool same_class = expected_head_size(*tables[t], kHeadSizes[i]) == expected_head_size(*tables[t], kHeadSizes[j]);
          CHECK(((seen[i]->run == seen[j]->run) == same_class));
        }
    }
  // No two precisions share a kernel in any table.
  for (size_t t = 0; t < n; ++t)
    for (size_t dh : {size_t(4), size_t(8), size_t(5)}) {
      CHECK((select_attention(*tables[t], KvPrecision::kFloat32, dh).run != select_attention(*tables[t], KvPrecision::kFloat16, dh).run));
      CHECK((select_attention(*tables[t], KvPrecision::kFloat16, dh).run != select_attention(*tables[t], KvPrecision::kInt8, dh).run));
      CHECK((select_attention(*tables[t], KvPrecision::kFloat32, dh).run != select_attention(*tables[t], KvPrecision::kInt8, dh).run));
    }
}

// The encoder's self-attention split over threads by query groups
// (model/encoder.cpp): a call over some of the queries gives exactly those
// queries' bits of the call over all of them, for groups as large as an
// audio encoder's (attend_tiled, whose panels then fall differently).
TEST_CASE("attention variants: a call over some queries gives those queries' bits of the whole call") {
  const KernelTable* tables[16];
  const size_t n = kernels::available_kernels(tables, 16);
  std::mt19937 rng(67);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  const size_t heads = 3, len = 90, nq = 70, first = 20;
  size_t compared = 0;
  for (size_t t = 0; t < n; ++t)
    for (size_t dh : kHeadSizes) {
      const size_t d = heads * dh;
      std::vector<float> q(nq * d), kx(len * d), vx(len * d), probs(nq * len), whole(nq * d), parts(nq * d, -1.0f);
      for (float& x : q) x = u(rng);
      for (float& x : kx) x = u(rng);
      for (float& x : vx) x = u(rng);
      const Cache k(kx, len, heads, dh, KvPrecision::kFloat32), v(vx, len, heads, dh, KvPrecision::kFloat32);
      const AttentionVariant& variant = select_attention(*tables[t], KvPrecision::kFloat32, dh);
      variant.run(attention_over(q.data(), nq, k, v, len, heads, dh, probs.data(), whole.data()));
      variant.run(attention_over(q.data(), first, k, v, len, heads, dh, probs.data(), parts.data()));
      variant.run(attention_over(q.data() + first * d, nq - first, k, v, len, heads, dh, probs.data(),
                                 parts.data() + first * d));
      INFO(tables[t]->name << " dh " << dh);
      CHECK(std::memcmp(whole.data(), parts.data(), whole.size() * sizeof(float)) == 0);
      ++compared;
    }
  CHECK(compared == n * (sizeof kHeadSizes / sizeof *kHeadSizes));
}

// The decoder's cross-attention split over threads (model/decoder.cpp): a
// call over heads [h0, h1) alone (the columns of those heads, the int8
// scales with the cache's row stride) gives exactly those heads' bits of
// the call over every head, on every table, precision and head size, short
// and long sources.
TEST_CASE("attention variants: a call over some heads gives those heads' bits of the whole call") {
  const KernelTable* tables[16];
  const size_t n = kernels::available_kernels(tables, 16);
  std::mt19937 rng(61);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  const size_t heads = 7, per_task = 3;
  size_t compared = 0;
  for (size_t t = 0; t < n; ++t) {
    for (KvPrecision p : kPrecisions) {
      for (size_t dh : kHeadSizes) {
        for (size_t len : {size_t(33), size_t(300)}) {
          const size_t nq = 3, d = heads * dh;
          std::vector<float> q(nq * d), kx(len * d), vx(len * d), probs(nq * len), whole(nq * d), parts(nq * d, -1.0f);
          for (float& x : q) x = u(rng);
          for (float& x : kx) x = u(rng);
          for (float& x : vx) x = u(rng);
          const Cache k(kx, len, heads, dh, p), v(vx, len, heads, dh, p);
          const AttentionVariant& variant = select_attention(*tables[t], p, dh);
          const Attention a = attention_over(q.data(), nq, k, v, len, heads, dh, probs.data(), whole.data());
          variant.run(a);
          const size_t bytes = kv_element_bytes(p);
          for (size_t h0 = 0; h0 < heads; h0 += per_task) {
            Attention part = a;
            part.heads = heads - h0 < per_task ? heads - h0 : per_task;
            part.q = q.data() + h0 * dh;
            part.out = parts.data() + h0 * dh;
            for (kernels::KvRows* r : {&part.k, &part.v}) {
              r->data = static_cast<const uint8_t*>(r->data) + h0 * dh * bytes;
              r->scales += h0;
              r->scale_stride = heads;
            }
            variant.run(part);
          }
          INFO(tables[t]->name << " " << kv_precision_name(p) << " dh " << dh << " len " << len);
          CHECK(std::memcmp(whole.data(), parts.data(), whole.size() * sizeof(float)) == 0);
          ++compared;
        }
      }
    }
  }
  CHECK(compared == n * 3 * (sizeof kHeadSizes / sizeof *kHeadSizes) * 2);
}

TEST_CASE("attention variants: a session's workspace selects each cache's variant once, at init") {
  const KernelTable* tables[16];
  const size_t n = kernels::available_kernels(tables, 16);
  for (size_t dh : {size_t(4), size_t(8), size_t(6)})
    for (KvPrecision cross : kPrecisions)
      for (KvPrecision self : kPrecisions)
        for (size_t t = 0; t < n; ++t) {
          ModelConfig c;
          c.encoder_layers = 1;
          c.decoder_layers = 1;
          c.num_heads = 2;
          c.d_model = uint32_t(2 * dh);
          c.ffn_dim = 8;
          c.source_vocab_size = 10;
          c.target_vocab_size = 10;
          c.max_positions = 8;
          auto model = std::make_unique<ModelView>();
          model->config = c;
          Limits l;
          l.max_source_length = 4;
          l.max_target_length = 4;
          l.kv_cache = cross;
          l.self_kv_cache = self;
          std::vector<uint8_t> storage(plan_arena(c, l).total + 64);
          uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
          Workspace w;
          w.init(*model, *tables[t], l, ParallelFor(), arena);
          INFO(tables[t]->name << " dh=" << dh << " cross " << kv_precision_name(cross) << " self "
                               << kv_precision_name(self));
          const uint32_t head_size = expected_head_size(*tables[t], dh);
          CHECK(w.encoder_attention.precision == KvPrecision::kFloat32);  // the fused projection's rows
          CHECK(w.self_attention.precision == self);
          CHECK(w.cross_attention.precision == cross);
          for (const AttentionVariant* v : {&w.encoder_attention, &w.self_attention, &w.cross_attention}) {
            CHECK(v->head_size == head_size);
            CHECK((v->run == select_attention(*tables[t], v->precision, dh).run));
          }
        }
}

}  // namespace xattn
