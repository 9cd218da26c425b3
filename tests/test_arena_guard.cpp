// The arena plan, enforced: a session given exactly arena_bytes() and
// followed by guard bytes never writes past the plan, for every KV-cache and
// self-KV-cache precision, beam 1 and 4, with alignment on and off, float32
// and int8 weights, on the best kernel table and the reference one; and the
// plan is exact: with the reference kernels, every region whose use does not
// depend on the tokens chosen has its last byte written, and the others
// (finished records, reorder scratch) are never written past their bound.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "model_test_support.h"
#include "xattn/session.h"

namespace xattn {
namespace {

constexpr size_t kGuard = 256;
// An odd target limit: the last step then finishes into alive buffer 1, so
// the last byte of the double-buffered alive regions is written.
constexpr uint32_t kSource = 5, kTarget = 7;

struct Region {
  const char* name;
  ArenaRegion ArenaPlan::*member;
};

const Region kRegions[] = {
    {"x", &ArenaPlan::x}, {"normed", &ArenaPlan::normed}, {"wide", &ArenaPlan::wide},
    {"context", &ArenaPlan::context}, {"query", &ArenaPlan::query}, {"probs", &ArenaPlan::probs},
    {"quantized", &ArenaPlan::quantized}, {"quantized_scales", &ArenaPlan::quantized_scales},
    {"cross_cache", &ArenaPlan::cross_cache}, {"cross_scales", &ArenaPlan::cross_scales},
    {"self_cache", &ArenaPlan::self_cache}, {"self_scales", &ArenaPlan::self_scales},
    {"reorder", &ArenaPlan::reorder}, {"logits", &ArenaPlan::logits},
    {"step_alignment", &ArenaPlan::step_alignment}, {"alive_tokens", &ArenaPlan::alive_tokens},
    {"alive_scores", &ArenaPlan::alive_scores}, {"alive_alignment", &ArenaPlan::alive_alignment},
    {"candidate_scores", &ArenaPlan::candidate_scores}, {"candidate_ids", &ArenaPlan::candidate_ids},
    {"finished_tokens", &ArenaPlan::finished_tokens}, {"finished_info", &ArenaPlan::finished_info},
    {"finished_alignment", &ArenaPlan::finished_alignment},
};

// Bytes at the end of a region no run can write, by the search's own bounds:
// at most 2 beam - 1 hypotheses ever finish (fewer than beam before a step,
// at most beam in it) while 2 beam records are planned; and beams are
// reordered after every step but the last, so the reorder scratch never
// holds a beam's last position. How much of the rest these regions use
// depends on the tokens chosen (how many finish early, whether a reorder is
// the identity), so only this bound is checked for them.
size_t never_written(const std::string& name, const ModelConfig& c, const Limits& l, bool* data_dependent) {
  const size_t positions = l.max_target_length, beam = l.max_beam, src = l.alignment ? l.max_source_length : 0;
  *data_dependent = true;
  if (name == "finished_tokens") return positions * sizeof(uint32_t);
  if (name == "finished_info") return kFinishedInfoBytes;
  if (name == "finished_alignment") return positions * src * sizeof(float);
  if (name == "reorder") {
    const size_t row = c.d_model * kv_element_bytes(l.self_kv_cache), scales = kv_scale_bytes(l.self_kv_cache, c.num_heads);
    return beam * (row > scales ? row : scales);
  }
  *data_dependent = false;
  return 0;
}

// Runs encode and generate on `arena` (exactly the plan) filled with `fill`,
// guard bytes included; marks every byte that ends up different.
void run(const ModelView& model, const Limits& limits, const char* kernels, uint8_t* arena, size_t total,
         uint8_t fill, std::vector<bool>* written) {
  std::memset(arena, fill, total + kGuard);
  Session session;
  REQUIRE(kernels != nullptr);
  REQUIRE(session.init_with_kernel_path(model, limits, arena, total, kernels));
  const uint32_t source[kSource] = {4, 5, 6, 7, 8};
  REQUIRE(session.encode(source, kSource));
  // Both parities of the last step (alive buffers alternate), no early end.
  for (uint32_t length : {kTarget, kTarget - 1}) {
    GenerateOptions o;
    o.beam_size = limits.max_beam;
    o.num_hypotheses = limits.max_beam;
    o.max_length = length;
    o.min_length = length;
    o.return_alignment = limits.alignment;
    Result result;
    REQUIRE(session.generate(o, &result));
  }
  for (size_t i = 0; i < total + kGuard; ++i) {
    if (arena[i] != fill) (*written)[i] = true;
  }
}

}  // namespace

TEST_CASE("arena guard: nothing is written past arena_bytes, and every planned region is used") {
  const KvPrecision precisions[] = {KvPrecision::kFloat32, KvPrecision::kFloat16, KvPrecision::kInt8};
  for (bool int8 : {false, true}) {
    model_test::SyntheticOptions so;
    so.int8 = int8;
    const model_test::Bytes file = model_test::synthetic_model(so);
    model_test::AlignedBytes bytes(file);
    auto model = model_test::new_view();
    REQUIRE(open_model(bytes.data(), bytes.size(), model.get()));
    for (KvPrecision kv : precisions) {
      for (KvPrecision self_kv : precisions) {
        for (uint32_t beam : {1u, 4u}) {
          for (bool alignment : {false, true}) {
            Limits l;
            l.max_source_length = kSource;
            l.max_target_length = kTarget;
            l.max_beam = beam;
            l.alignment = alignment;
            l.kv_cache = kv;
            l.self_kv_cache = self_kv;
            INFO((int8 ? "int8" : "f32") << " weights, kv " << kv_precision_name(kv) << ", self kv "
                                         << kv_precision_name(self_kv) << ", beam " << beam << ", alignment "
                                         << alignment);
            const ArenaPlan plan = plan_arena(model->config, l);
            REQUIRE(plan.total == arena_bytes(model->config, l));
            std::vector<uint8_t> storage(plan.total + kGuard + 64);
            uint8_t* arena = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
            for (const char* kernels : {kernels::best_kernels().name, "scalar"}) {
              INFO("kernels " << std::string(kernels));
              std::vector<bool> written(plan.total + kGuard, false);
              run(*model, l, kernels, arena, plan.total, 0xa5, &written);  // two fills: a byte written with
              run(*model, l, kernels, arena, plan.total, 0x5a, &written);  // one fill's value shows in the other
              size_t guard_written = 0;
              for (size_t i = plan.total; i < plan.total + kGuard; ++i) guard_written += written[i];
              CHECK(guard_written == 0);
              // Exactness, with the reference kernels (a SIMD attention may
              // keep small score rows in registers), at the limits that use
              // every region: beam 4, int8 weights, alignment.
              if (std::string(kernels) != "scalar" || beam != 4 || !int8 || !alignment) continue;
              for (const Region& r : kRegions) {
                const ArenaRegion& region = plan.*r.member;
                bool data_dependent = false;
                const size_t unused = never_written(r.name, model->config, l, &data_dependent);
                INFO("region " << std::string(r.name) << ", " << region.bytes << " bytes");
                if (region.bytes == 0) continue;
                REQUIRE(unused < region.bytes);
                const size_t last = region.offset + region.bytes - unused - 1;
                if (!data_dependent) CHECK(written[last]);
                size_t beyond = 0;
                for (size_t i = last + 1; i < region.offset + region.bytes; ++i) beyond += written[i];
                CHECK(beyond == 0);
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace xattn
