// Tests of the window a long recording is heard through (ports/posix/
// loudest_window): a burst anywhere in a longer recording is inside the
// window chosen (centred where there is room), the window never runs past
// the recording's end, and a
// recording that fits is heard from its start; PCM16 and float alike.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "loudest_window.h"

using namespace xattn;
using namespace xattn::posix;

namespace {

constexpr size_t kHop = 160, kWindow = 64000;  // 10 ms hops, a 4 s window

// Quiet noise-like samples everywhere, a loud burst of `length` samples at `at`.
std::vector<int16_t> recording(size_t samples, size_t at, size_t length) {
  std::vector<int16_t> pcm(samples);
  for (size_t i = 0; i < samples; ++i) pcm[i] = static_cast<int16_t>((i * 7919 % 61) - 30);
  for (size_t i = at; i < at + length && i < samples; ++i) pcm[i] = static_cast<int16_t>(i % 2 ? 9000 : -9000);
  return pcm;
}

size_t start_of(const std::vector<int16_t>& pcm) {
  PcmView view;
  view.s16 = pcm.data();
  view.count = pcm.size();
  return loudest_window_start(view, kWindow, kHop);
}

}  // namespace

TEST_CASE("loudest window: a burst anywhere in a long recording is heard whole, within the recording") {
  for (size_t samples : {64001u, 96000u, 160000u, 480037u}) {
    for (size_t at : {0u, 1000u, 20000u, 70000u, 150000u, 400000u}) {
      const size_t length = 30000;
      if (at + length > samples) continue;
      const size_t start = start_of(recording(samples, at, length));
      CAPTURE(samples);
      CAPTURE(at);
      CHECK(start % kHop == 0);
      CHECK(start + kWindow <= samples);
      CHECK(start <= at);
      CHECK(start + kWindow >= at + length);
      // centred on the burst (to a hop) where every window holding it lies in the recording
      if (at + length >= kWindow && at + kWindow <= samples) {
        const long off = static_cast<long>(start + kWindow / 2) - static_cast<long>(at + length / 2);
        CHECK(off * off <= static_cast<long>(kHop * kHop));
      }
    }
  }
}

TEST_CASE("loudest window: the louder of two bursts wins, and a recording that fits starts at 0") {
  std::vector<int16_t> pcm = recording(200000, 10000, 20000);
  for (size_t i = 150000; i < 170000; ++i) pcm[i] = static_cast<int16_t>(i % 2 ? 12000 : -12000);
  const size_t start = start_of(pcm);
  CHECK(start <= 150000);
  CHECK(start + kWindow >= 170000);
  CHECK(start_of(recording(kWindow, 50000, 10000)) == 0);
  CHECK(start_of(recording(1000, 0, 10)) == 0);
  // float samples are read as PCM16 are
  const std::vector<int16_t> s16 = recording(120000, 90000, 20000);
  std::vector<float> f32(s16.size());
  for (size_t i = 0; i < s16.size(); ++i) f32[i] = s16[i] / 32768.0f;
  PcmView view;
  view.f32 = f32.data();
  view.count = f32.size();
  CHECK(loudest_window_start(view, kWindow, kHop) == start_of(s16));
  CHECK(start_of(s16) > 0);
}
