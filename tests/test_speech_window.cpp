// Tests of where a recording is heard by a model with a short window
// (xattn/audio.h: speech_window_start and speech_window): a burst anywhere in a recording, longer or
// shorter than the window, is heard whole with its start `lead` into the
// window; steady noise around it does not hold the window back; words that
// start early enough, silence and noise alone are heard from the start;
// words longer than the window (less a lead and a tail) are heard faster;
// PCM16 and float alike.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "xattn/audio.h"

using namespace xattn;

namespace {

constexpr size_t kHop = 160, kWindow = 64000, kLead = 4000;  // 10 ms hops, a 4 s window, 0.25 s

// Steady noise-like samples of amplitude `noise` everywhere, a loud burst of
// `length` samples at `at`.
std::vector<int16_t> recording(size_t samples, size_t at, size_t length, int noise = 1) {
  std::vector<int16_t> pcm(samples);
  for (size_t i = 0; i < samples; ++i) pcm[i] = static_cast<int16_t>(((static_cast<int>(i * 7919 % 61)) - 30) * noise);
  for (size_t i = at; i < at + length && i < samples; ++i) pcm[i] = static_cast<int16_t>(i % 2 ? 9000 : -9000);
  return pcm;
}

size_t start_of(const std::vector<int16_t>& pcm) {
  PcmView view;
  view.s16 = pcm.data();
  view.count = pcm.size();
  return speech_window_start(view, kWindow, kHop, kLead);
}

long distance(size_t a, size_t b) { return a > b ? static_cast<long>(a - b) : static_cast<long>(b - a); }

}  // namespace

TEST_CASE("speech window: a burst anywhere is heard whole, starting the lead into the window") {
  for (size_t samples : {30000u, 64000u, 64001u, 96000u, 160000u, 480037u}) {
    for (size_t at : {1000u, 9000u, 20000u, 40000u, 70000u, 150000u, 400000u}) {
      const size_t length = 20000;
      if (at + length > samples) continue;
      for (int noise : {1, 100}) {  // quiet, and about 10% of the burst's energy in a 4 s window
        const size_t start = start_of(recording(samples, at, length, noise));
        CAPTURE(samples);
        CAPTURE(at);
        CAPTURE(noise);
        CHECK(start % kHop == 0);
        CHECK(start < samples);
        CHECK(start <= at);
        CHECK(start + kWindow >= at + length);
        if (at <= kLead)
          CHECK(start == 0);  // early words are heard as recorded
        else if (at > 2 * kLead + 2 * kHop)
          CHECK(distance(start + kLead, at) <= static_cast<long>(2 * kHop));  // the burst starts the lead in
      }
    }
  }
}

TEST_CASE("speech window: the louder of two bursts wins, silence and steady noise start at 0") {
  std::vector<int16_t> pcm = recording(200000, 10000, 20000);
  for (size_t i = 150000; i < 170000; ++i) pcm[i] = static_cast<int16_t>(i % 2 ? 12000 : -12000);
  const size_t start = start_of(pcm);
  CHECK(start <= 150000);
  CHECK(start + kWindow >= 170000);
  CHECK(start_of(std::vector<int16_t>(100000, 0)) == 0);
  CHECK(start_of(recording(100000, 0, 0, 100)) == 0);
  CHECK(start_of(recording(1000, 0, 10)) == 0);
  // float samples are read as PCM16 are
  const std::vector<int16_t> s16 = recording(120000, 90000, 20000);
  std::vector<float> f32(s16.size());
  for (size_t i = 0; i < s16.size(); ++i) f32[i] = s16[i] / 32768.0f;
  PcmView view;
  view.f32 = f32.data();
  view.count = f32.size();
  CHECK(speech_window_start(view, kWindow, kHop, kLead) == start_of(s16));
  CHECK(start_of(s16) > 0);
}

namespace {

constexpr size_t kTail = 2400;  // 0.15 s

SpeechWindow window_of(const std::vector<int16_t>& pcm) {
  PcmView view;
  view.s16 = pcm.data();
  view.count = pcm.size();
  return speech_window(view, kWindow, kHop, kLead, kTail);
}

SpeechWindow window_of_floats(const std::vector<int16_t>& pcm) {
  std::vector<float> x(pcm.size());
  for (size_t i = 0; i < pcm.size(); ++i) x[i] = pcm[i] / 32768.0f;
  PcmView view;
  view.f32 = x.data();
  view.count = x.size();
  return speech_window(view, kWindow, kHop, kLead, kTail);
}

}  // namespace

TEST_CASE("speech window: words longer than the window are heard faster, the lead before them") {
  // 510 blocks of burst from block 200 in quiet noise: the core runs from the block where 2% of the
  // energy above the floor is passed (10.2 blocks: block 210) to the one where 98% is reached (499.8:
  // block 699, so [210, 700)); with 15 blocks before and 30 after, the words are blocks [195, 730),
  // 85,600 samples, against 64,000 - 4,000 - 2,400 = 57,600 of room: 1486.1 thousandths, rounded up.
  const std::vector<int16_t> pcm = recording(200000, 200 * kHop, 510 * kHop);
  const SpeechWindow w = window_of(pcm);
  CHECK(w.stretch_milli == 1487);
  CHECK(w.start == 195 * kHop - kLead * 1487 / 1000);  // the lead, heard faster too, before the words
  const SpeechWindow f = window_of_floats(pcm);
  CHECK(f.stretch_milli == w.stretch_milli);
  CHECK(f.start == w.start);

  // Words that need more than kMaxSpeechStretch are heard at it (and the rest is cut).
  const SpeechWindow longest = window_of(recording(400000, 20000, 300000));
  CHECK(longest.stretch_milli == kMaxSpeechStretch);
  CHECK(longest.start < 20000);
}

TEST_CASE("speech window: words that fit are heard as speech_window_start places them, at their pace") {
  for (size_t samples : {30000u, 64000u, 100000u, 200000u}) {
    for (size_t length : {20000u, 50000u, 57000u}) {
      for (int noise : {1, 100}) {
        if (5000 + length > samples) continue;
        CAPTURE(samples);
        CAPTURE(length);
        CAPTURE(noise);
        const std::vector<int16_t> pcm = recording(samples, 5000, length, noise);
        const SpeechWindow w = window_of(pcm);
        // 57,000 samples of burst: words of 57,000 + 0.45 s of margins, more than the room, but a
        // recording no longer than the window is heard as it is.
        if (length == 57000 && samples > kWindow) {
          CHECK(w.stretch_milli > 1000);
        } else {
          CHECK(w.stretch_milli == 1000);
          CHECK(w.start == start_of(pcm));
        }
      }
    }
  }
  // Silence and steady noise alone: from the start, at their pace.
  for (int noise : {0, 1, 100}) {
    const SpeechWindow w = window_of(recording(200000, 0, 0, noise));
    CHECK(w.start == 0);
    CHECK(w.stretch_milli == 1000);
  }
}
