// The Helium attention's exp (helium_attention.h) against the C library's
// expf on the whole range it serves, x in [-90, 0]: every float there on a
// grid of 2^-12 near 0 and coarser below, plus the edges; no result may be
// more than 2 ulp from expf's, and below x = -86.6 (e^x < 2.6e-38, where
// the kernel flushes) it must be 0. Built only for cores with MVE-F.
#include <arm_mve.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "kernel_checks.h"
#include "kernels/simd/helium_attention.h"

namespace xattn {
namespace baremetal_test {
namespace {

int32_t ordered(float f) {
  int32_t i;
  std::memcpy(&i, &f, 4);
  return i < 0 ? INT32_MIN - i : i;
}

}  // namespace

size_t check_helium_exp() {
  size_t bad = 0, cases = 0;
  int32_t worst = 0;
  float inputs[4];
  size_t filled = 0;
  const auto run = [&]() {
    float out[4];
    vst1q_f32(out, kernels::helium::exp_nonpositive(vld1q_f32(inputs)));
    for (size_t l = 0; l < filled; ++l) {
      const float want = std::exp(inputs[l]);
      ++cases;
      if (inputs[l] < -86.6f) {  // e^x below 2.6e-38: flushed to 0
        if (!(out[l] == 0.0f)) ++bad, std::printf("  exp(%g) = %g, expf %g\n", double(inputs[l]), double(out[l]), double(want));
        continue;
      }
      const int32_t ulps = ordered(out[l]) > ordered(want) ? ordered(out[l]) - ordered(want) : ordered(want) - ordered(out[l]);
      if (ulps > worst) worst = ulps;
      if (ulps > 2) ++bad, std::printf("  exp(%g) = %.9g, expf %.9g (%d ulp)\n", double(inputs[l]), double(out[l]), double(want), int(ulps));
    }
    filled = 0;
  };
  for (float x = 0.0f; x >= -90.0f; x -= (x > -1.0f ? 1.0f / 4096 : 1.0f / 256)) {
    inputs[filled++] = x;
    if (filled == 4) run();
  }
  for (float x : {-0.0f, -1e-30f, -87.3f, -87.33f, -88.0f, -103.0f, -INFINITY}) {
    inputs[filled++] = x;
    if (filled == 4) run();
  }
  for (size_t l = filled; l < 4; ++l) inputs[l] = 0.0f;
  if (filled) run();
  std::printf("helium exp: %u inputs, worst %d ulp from expf, %u beyond 2\n", unsigned(cases), int(worst), unsigned(bad));
  return bad;
}

}  // namespace baremetal_test
}  // namespace xattn
