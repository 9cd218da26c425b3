// Beam reordering of the self-attention cache (decoder.cpp,
// reorder_self_cache) at every precision: each beam's rows up to the step,
// and for int8 their scales, become its parent's; rows past the step keep
// their bytes, and no byte of the arena outside the self-attention cache and
// the planner's reorder scratch changes (the scratch is large enough).
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "model/decoder.h"
#include "model/workspace.h"

namespace xattn {
namespace {

ModelConfig small_config() {
  ModelConfig c;
  c.encoder_layers = 1;
  c.decoder_layers = 2;
  c.d_model = 12;
  c.num_heads = 3;
  c.ffn_dim = 16;
  c.source_vocab_size = 10;
  c.target_vocab_size = 10;
  c.max_positions = 16;
  return c;
}

bool inside(size_t offset, const ArenaRegion& r) { return offset >= r.offset && offset < r.offset + r.bytes; }

}  // namespace

TEST_CASE("self cache reorder: values and int8 scales follow their parent beam") {
  const ModelConfig c = small_config();
  auto model = std::make_unique<ModelView>();
  model->config = c;
  for (KvPrecision p : {KvPrecision::kFloat32, KvPrecision::kFloat16, KvPrecision::kInt8}) {
    Limits l;
    l.max_source_length = 4;
    l.max_target_length = 6;
    l.max_beam = 4;
    l.alignment = false;
    l.self_kv_cache = p;
    const ArenaPlan plan = plan_arena(c, l);
    const size_t row_bytes = c.d_model * kv_element_bytes(p), scale_bytes = kv_scale_bytes(p, c.num_heads);
    CHECK(plan.self_scales.bytes == size_t(c.decoder_layers) * 2 * 4 * 6 * scale_bytes);
    // Two cases: part of the rows written, from three beams (step 0's single
    // hypothesis grew into more); and every row, from all four beams.
    struct Case {
      size_t step, sources;
      uint32_t parents[4];
    };
    for (const Case& k : {Case{2, 3, {2, 0, 0, 1}}, Case{5, 4, {3, 3, 0, 1}}}) {
      INFO(kv_precision_name(p) << " step " << k.step);
      std::vector<uint8_t> storage(plan.total + 64);
      uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
      for (size_t i = 0; i < plan.total; ++i) arena[i] = static_cast<uint8_t>(i * 131 + i / 251);
      const std::vector<uint8_t> before(arena, arena + plan.total);
      Workspace w;
      w.init(*model, kernels::reference_kernels(), l, ParallelFor(), arena);
      reorder_self_cache(w, k.parents, 4, k.sources, k.step);
      const size_t kept = (k.step + 1) * row_bytes, kept_scales = (k.step + 1) * scale_bytes;
      for (size_t layer = 0; layer < c.decoder_layers; ++layer)
        for (size_t kv = 0; kv < 2; ++kv)
          for (size_t b = 0; b < 4; ++b) {
            const size_t own = w.self(layer, kv, b) - arena, parent = w.self(layer, kv, k.parents[b]) - arena;
            CHECK(std::memcmp(arena + own, &before[parent], kept) == 0);
            CHECK(std::memcmp(arena + own + kept, &before[own + kept], 6 * row_bytes - kept) == 0);
            if (p != KvPrecision::kInt8) {
              CHECK(w.self_scale_rows(layer, kv, b) == nullptr);
              continue;
            }
            const size_t own_s = reinterpret_cast<uint8_t*>(w.self_scale_rows(layer, kv, b)) - arena;
            const size_t parent_s = reinterpret_cast<uint8_t*>(w.self_scale_rows(layer, kv, k.parents[b])) - arena;
            CHECK(std::memcmp(arena + own_s, &before[parent_s], kept_scales) == 0);
            CHECK(std::memcmp(arena + own_s + kept_scales, &before[own_s + kept_scales], 6 * scale_bytes - kept_scales) == 0);
          }
      size_t changed_elsewhere = 0;
      for (size_t i = 0; i < plan.total; ++i) {
        const bool ours = inside(i, plan.self_cache) || inside(i, plan.self_scales) || inside(i, plan.reorder);
        changed_elsewhere += !ours && arena[i] != before[i];
      }
      CHECK(changed_elsewhere == 0);
    }
  }
}

}  // namespace xattn
