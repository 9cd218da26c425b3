#include "int4_weights.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "quantize.h"
#include "tensor_layout.h"

namespace xattn {
namespace convert {
namespace {

constexpr uint32_t kGroup = format::kInt4Group;
constexpr int kMinQ = -8, kMaxQ = 7;
constexpr int kCandidates = 24;  // group scales tried below the unclipped one

// The nearest level to w * scale / sub, ties to even as std::nearbyint,
// clamped to [-8, 7] (a NaN gives -8). `scaled` is w * scale, computed once
// per weight by the callers. No libm call: calls in the candidates' error
// loop spilled its accumulator and made the converter 2x slower. Adding and
// subtracting 1.5 * 2^23 leaves no fraction bits, so for |v| <= 9 it rounds
// to nearest even exactly (IEEE single, default rounding, no -ffast-math).
int quantize_one(float scaled, int sub) {
  float v = scaled / static_cast<float>(sub);
  v = v > 9.0f ? 9.0f : (v >= -9.0f ? v : -9.0f);
  const float rounded = (v + 12582912.0f) - 12582912.0f;
  const int q = static_cast<int>(rounded);
  return q > kMaxQ ? kMaxQ : (q < kMinQ ? kMinQ : q);
}

// The group's squared error with group scale `sub` under row scale `scale`.
double group_error(const float* w, const float* scaled, float scale, int sub) {
  double error = 0.0;
  for (uint32_t c = 0; c < kGroup; ++c) {
    const double d = w[c] - static_cast<double>(quantize_one(scaled[c], sub)) * sub / scale;
    error += d * d;
  }
  return error;
}

}  // namespace

void to_int4(HostTensor* t) {
  const uint32_t groups = t->cols / kGroup;
  t->q.assign(static_cast<size_t>(t->rows) * t->cols, 0);
  t->scales.assign(t->rows, 1.0f);
  t->group_scales.assign(static_cast<size_t>(t->rows) * groups, 0);
  for (uint32_t r = 0; r < t->rows; ++r) {
    const float* row = t->values.data() + static_cast<size_t>(r) * t->cols;
    float amax = 0.0f;
    for (uint32_t c = 0; c < t->cols; ++c) amax = std::fmax(amax, std::fabs(row[c]));
    if (!(amax > 0.0f)) continue;
    // The largest group's step (sub 255) is amax / 7.
    const float scale = 255.0f * kMaxQ / amax;
    t->scales[r] = scale;
    for (uint32_t g = 0; g < groups; ++g) {
      const float* w = row + g * kGroup;
      float gmax = 0.0f, scaled[kGroup];
      for (uint32_t c = 0; c < kGroup; ++c) {
        gmax = std::fmax(gmax, std::fabs(w[c]));
        scaled[c] = w[c] * scale;
      }
      if (!(gmax > 0.0f)) continue;
      // The smallest sub that clamps nothing: 7 steps reach the group's largest |w|.
      const int top = std::min(255, std::max(1, static_cast<int>(std::ceil(gmax * scale / kMaxQ))));
      int best = top;
      double best_error = group_error(w, scaled, scale, top);
      const int lowest = std::max(1, top - top / 4);
      const int stride = std::max(1, (top - lowest) / kCandidates);
      for (int sub = top - stride; sub >= lowest; sub -= stride) {
        const double error = group_error(w, scaled, scale, sub);
        if (error < best_error) best_error = error, best = sub;
      }
      t->group_scales[static_cast<size_t>(r) * groups + g] = static_cast<uint8_t>(best);
      for (uint32_t c = 0; c < kGroup; ++c)
        t->q[static_cast<size_t>(r) * t->cols + g * kGroup + c] = static_cast<int8_t>(quantize_one(scaled[c], best));
    }
  }
  t->values.clear();
  t->values.shrink_to_fit();
  t->dtype = format::DType::kInt4;
}

bool int4_eligible(const ExpectedTensor& e, const HostTensor& t) {
  return e.int4_allowed && t.dtype == format::DType::kFloat32 && t.cols % kGroup == 0 && t.cols <= format::kInt4MaxCols;
}

uint32_t quantize_int4_weights(XattnModelContents* m) {
  const std::vector<ExpectedTensor> expected = expected_tensors(m->config);
  std::map<uint32_t, const ExpectedTensor*> by_id;
  for (const ExpectedTensor& e : expected) by_id[e.id] = &e;
  // A matrix stored once for two roles (tied embedding and output
  // projection) has the same shape in both, so both get the same dtype and
  // identical bytes: quantization is deterministic.
  uint32_t count = 0;
  for (HostTensor& t : m->tensors) {
    const auto found = by_id.find(t.id);
    if (found == by_id.end()) continue;
    if (int4_eligible(*found->second, t)) {
      to_int4(&t);
      ++count;
    } else if (found->second->may_be_int8) {
      to_int8(&t);
    }
  }
  return count;
}

}  // namespace convert
}  // namespace xattn
