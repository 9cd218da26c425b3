// Tests of the audio front end's parts (runtime/src/audio): the 400-point
// real DFT against a direct double-precision DFT, frame counts and reflect
// padding, the filter bank's checks, scratch and argument errors, a
// spectrogram computed by hand, and the stretched spectrogram. Parity with openai-whisper itself is in
// test_audio_whisper.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "allocation_counter.h"
#include "audio/real_dft.h"
#include "mel_filters.h"
#include "xattn/audio.h"

using namespace xattn;

namespace {

constexpr double kPi = 3.14159265358979323846;

// X[k] = sum_n x[n] exp(-2 pi i k n / 400), in double.
void direct_dft(const std::vector<float>& x, std::vector<double>* re, std::vector<double>* im) {
  re->assign(audio::kDftBins, 0.0);
  im->assign(audio::kDftBins, 0.0);
  for (size_t k = 0; k < audio::kDftBins; ++k)
    for (size_t n = 0; n < audio::kDftSize; ++n) {
      const double a = 2.0 * kPi * static_cast<double>((k * n) % audio::kDftSize) / audio::kDftSize;
      (*re)[k] += x[n] * std::cos(a);
      (*im)[k] -= x[n] * std::sin(a);
    }
}

// Largest |X - reference| over the bins, relative to the signal's energy scale.
template <typename Real>
double dft_error(const std::vector<float>& x) {
  std::vector<Real> work(audio::kDftWorkReals, std::numeric_limits<Real>::quiet_NaN());
  for (size_t i = 0; i < x.size(); ++i) work[i] = x[i];
  const Real* bins = audio::real_dft_400(work.data());
  std::vector<double> re, im;
  direct_dft(x, &re, &im);
  double energy = 0.0, worst = 0.0;
  for (float v : x) energy += static_cast<double>(v) * v;
  for (size_t k = 0; k < audio::kDftBins; ++k)
    worst = std::max(worst, std::hypot(bins[2 * k] - re[k], bins[2 * k + 1] - im[k]));
  return worst / std::sqrt(energy * audio::kDftSize);
}

// Whisper's 80-bin filter bank (the bank borrows the weights it keeps).
struct WhisperBank {
  std::vector<float> filters = convert::whisper_mel_filters(80);
  MelFilterBank bank;
  WhisperBank() { REQUIRE(bank.init(filters.data(), 80).is_ok()); }
};

// A filter bank with one weight per row (row m picks bin 2m + 1).
std::vector<float> picking_bank(uint32_t n_mels) {
  std::vector<float> w(static_cast<size_t>(n_mels) * kMelFftBins, 0.0f);
  for (uint32_t m = 0; m < n_mels; ++m) w[m * kMelFftBins + 2 * m + 1] = 1.0f;
  return w;
}

}  // namespace

TEST_CASE("audio: cos table is exact to float") {
  // Within half a float ulp of 1 (the table rounds the exact value; libm's
  // cos of the rounded angle is not exactly 0 at a quarter turn).
  for (size_t i = 0; i < audio::kDftSize; ++i) {
    const double exact = std::cos(2.0 * kPi * static_cast<double>(i) / 400.0);
    CHECK(std::fabs(audio::dft_cos<float>(i) - exact) <= 0x1p-25);
    CHECK(std::fabs(audio::dft_cos<double>(i) - exact) <= 1e-15);  // libm rounds the angle first
  }
  CHECK(audio::dft_cos<float>(100) == 0.0f);
  CHECK(audio::dft_cos<double>(300) == 0.0);
  CHECK(audio::dft_cos<double>(200) == -1.0);
}

TEST_CASE("audio: 400-point real DFT matches a direct DFT") {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(audio::kDftSize);
  SUBCASE("noise") {
    for (float& v : x) v = normal(rng);
  }
  SUBCASE("impulse at an odd sample") {
    x[137] = 1.0f;
  }
  SUBCASE("cosine on bin 37 and a constant") {
    for (size_t n = 0; n < x.size(); ++n) x[n] = 0.25f + static_cast<float>(std::cos(2 * kPi * 37 * n / 400.0));
  }
  SUBCASE("Nyquist") {
    for (size_t n = 0; n < x.size(); ++n) x[n] = n % 2 ? -1.0f : 1.0f;
  }
  // Rounding over four passes and the split: a few units of the type's epsilon.
  CHECK(dft_error<float>(x) < 1e-6);
  CHECK(dft_error<double>(x) < 1e-14);
}

TEST_CASE("audio: frame counts follow whisper's centered STFT minus its last frame") {
  std::vector<float> x(500, 0.0f);
  PcmView pcm;
  pcm.f32 = x.data();
  pcm.count = 200;
  CHECK(log_mel_frame_count(pcm) == 0);  // reflect padding needs 201 samples
  pcm.count = 201;
  CHECK(log_mel_frame_count(pcm) == 1);
  pcm.count = 479;
  CHECK(log_mel_frame_count(pcm) == 2);
  pcm.count = 480;
  CHECK(log_mel_frame_count(pcm) == 3);
  pcm.count = 100;
  pcm.trailing_zeros = 480000;
  CHECK(log_mel_frame_count(pcm) == 3000);
  pcm.count = 1;
  pcm.trailing_zeros = (size_t{1} << 31) + 1;
  CHECK(log_mel_frame_count(pcm) == 0);  // beyond the supported length
}

TEST_CASE("audio: filter bank checks its weights") {
  MelFilterBank bank;
  std::vector<float> w = picking_bank(80);
  CHECK(bank.init(w.data(), 80).is_ok());
  CHECK(bank.n_mels() == 80);
  CHECK(bank.span_begin(3) == 7);
  CHECK(bank.span_end(3) == 8);
  CHECK(bank.init(w.data(), 0).code() == StatusCode::kInvalidArgument);
  CHECK(bank.init(nullptr, 80).code() == StatusCode::kInvalidArgument);
  std::vector<float> big(129 * kMelFftBins, 0.0f);
  CHECK(bank.init(big.data(), 129).code() == StatusCode::kInvalidArgument);
  w[5 * kMelFftBins + 17] = std::nanf("");
  const Status bad = bank.init(w.data(), 80);
  CHECK(bad.code() == StatusCode::kBadModel);
  CHECK(std::string(bad.message()) == "mel filters: weight 5x17 is not finite");
  CHECK(bank.n_mels() == 0);  // a failed init leaves no usable bank
}

TEST_CASE("audio: log-mel refuses bad arguments with a specific status") {
  std::vector<float> w = picking_bank(80);
  MelFilterBank bank;
  REQUIRE(bank.init(w.data(), 80).is_ok());
  std::vector<float> x(1600, 0.1f);
  PcmView pcm;
  pcm.f32 = x.data();
  pcm.count = x.size();
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal) + 1);
  std::vector<float> out(80 * 10);
  float frame_max = 0;
  CHECK(log_mel_spectrogram(bank, pcm, 10, scratch.data(), log_mel_scratch_bytes(), out.data()).is_ok());
  CHECK(log_mel_spectrogram(bank, pcm, 10, scratch.data(), log_mel_scratch_bytes() - 1, out.data()).code() ==
        StatusCode::kArenaTooSmall);
  CHECK(log_mel_spectrogram(bank, pcm, 10, reinterpret_cast<char*>(scratch.data()) + 1, log_mel_scratch_bytes(),
                            out.data())
            .code() == StatusCode::kMisaligned);
  CHECK(log_mel_spectrogram(bank, pcm, 11, scratch.data(), log_mel_scratch_bytes(), out.data()).code() ==
        StatusCode::kLimitExceeded);
  CHECK(log_mel_frame(bank, pcm, 10, scratch.data(), log_mel_scratch_bytes(), out.data(), 10, &frame_max).code() ==
        StatusCode::kLimitExceeded);
  PcmView both = pcm;
  std::vector<int16_t> s16(1600);
  both.s16 = s16.data();
  CHECK(log_mel_spectrogram(bank, both, 10, scratch.data(), log_mel_scratch_bytes(), out.data()).code() ==
        StatusCode::kInvalidArgument);
  PcmView tiny = pcm;
  tiny.count = 150;
  const Status short_audio = log_mel_spectrogram(bank, tiny, 1, scratch.data(), log_mel_scratch_bytes(), out.data());
  CHECK(short_audio.code() == StatusCode::kInvalidArgument);
  CHECK(std::string(short_audio.message()) == "audio: 150 samples, the log-mel needs at least 201");
  MelFilterBank empty;
  CHECK(log_mel_spectrogram(empty, pcm, 10, scratch.data(), log_mel_scratch_bytes(), out.data()).code() ==
        StatusCode::kNotReady);
}

TEST_CASE("audio: a spectrogram computed by hand") {
  // A cosine on DFT bin 21 (840 Hz) through a bank whose row m picks bin
  // 2m + 1: only row 10 sees it. Frames away from the edges hold exactly
  // the windowed cosine, whose bin-21 power is (amplitude * 400 / 4)^2, and
  // the Hann window's neighbours (half that amplitude) are on bins 20 and 22.
  const float amplitude = 0.5f;
  std::vector<float> x(3200);
  for (size_t n = 0; n < x.size(); ++n) x[n] = amplitude * static_cast<float>(std::cos(2 * kPi * 21 * n / 400.0));
  std::vector<float> w = picking_bank(80);
  MelFilterBank bank;
  REQUIRE(bank.init(w.data(), 80).is_ok());
  PcmView pcm;
  pcm.f32 = x.data();
  pcm.count = x.size();
  const size_t frames = log_mel_frame_count(pcm);
  REQUIRE(frames == 20);
  std::vector<float> out(80 * frames);
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal) + 1);
  REQUIRE(log_mel_spectrogram(bank, pcm, frames, scratch.data(), log_mel_scratch_bytes(), out.data()).is_ok());
  const double peak = std::log10(std::pow(amplitude * 400.0 / 4.0, 2));
  // Everything else is rounding noise, far below the clamp at peak - 8.
  const double floor_value = (peak - 8.0 + 4.0) / 4.0;
  for (size_t t = 2; t < frames - 2; ++t) {
    CAPTURE(t);
    CHECK(out[10 * frames + t] == doctest::Approx((peak + 4.0) / 4.0).epsilon(1e-5));
    CHECK(out[3 * frames + t] == doctest::Approx(floor_value).epsilon(1e-5));
    CHECK(out[79 * frames + t] == doctest::Approx(floor_value).epsilon(1e-5));
  }

  // Frame by frame into a strided buffer, then the final pass: the same values.
  std::vector<float> by_frame(80 * frames);
  float global_max = -INFINITY;
  for (size_t t = 0; t < frames; ++t) {
    float m = 0;
    REQUIRE(log_mel_frame(bank, pcm, t, scratch.data(), log_mel_scratch_bytes(), &by_frame[t], frames, &m).is_ok());
    global_max = std::max(global_max, m);
  }
  log_mel_finish(by_frame.data(), by_frame.size(), global_max);
  CHECK(by_frame == out);
}

TEST_CASE("audio: int16 samples are scaled by 1/32768 and reflect padding mirrors the edges") {
  // The same signal as int16 and as float gives the same spectrogram; and a
  // signal equals its mirror image padded the way torch pads (no repeat of
  // the edge sample), checked on the first frame through a second signal
  // whose first 200 samples are the reflection written out.
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> dist(-32768, 32767);
  std::vector<int16_t> s16(1000);
  std::vector<float> f32(1000);
  for (size_t n = 0; n < s16.size(); ++n) {
    s16[n] = static_cast<int16_t>(dist(rng));
    f32[n] = s16[n] / 32768.0f;
  }
  const WhisperBank whisper;
  const MelFilterBank& bank = whisper.bank;
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal) + 1);
  PcmView a, b;
  a.s16 = s16.data();
  a.count = s16.size();
  b.f32 = f32.data();
  b.count = f32.size();
  std::vector<float> out_a(80 * 6), out_b(80 * 6);
  REQUIRE(log_mel_spectrogram(bank, a, 6, scratch.data(), log_mel_scratch_bytes(), out_a.data()).is_ok());
  REQUIRE(log_mel_spectrogram(bank, b, 6, scratch.data(), log_mel_scratch_bytes(), out_b.data()).is_ok());
  CHECK(out_a == out_b);

  // Frame 0 of f32 is the window [-200, 200) of the padded signal: f32[200..1]
  // then f32[0..199]. Written out after 120 filler samples, that window is
  // frame 2 of the longer signal (it starts at 2 * 160 - 200 = 120), with no
  // padding involved.
  std::vector<float> mirrored(120, 0.3f);
  for (size_t i = 200; i >= 1; --i) mirrored.push_back(f32[i]);
  mirrored.insert(mirrored.end(), f32.begin(), f32.end());
  PcmView c;
  c.f32 = mirrored.data();
  c.count = mirrored.size();
  float first[80], mirrored_first[80], max_a = 0, max_c = 0;
  REQUIRE(log_mel_frame(bank, b, 0, scratch.data(), log_mel_scratch_bytes(), first, 1, &max_a).is_ok());
  REQUIRE(log_mel_frame(bank, c, 2, scratch.data(), log_mel_scratch_bytes(), mirrored_first, 1, &max_c).is_ok());
  for (int m = 0; m < 80; ++m) CHECK(first[m] == mirrored_first[m]);
  CHECK(max_a == max_c);
}

TEST_CASE("audio: silence given as trailing_zeros gives the values of the same zeros stored as samples") {
  // Frames wholly inside the padding take a shortcut (their spectrum is
  // exactly zero); frames inside the stored samples read them directly, and
  // frames across the edge go through the padding rules: three paths, one
  // answer, to the bit.
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> dist(-20000, 20000);
  std::vector<int16_t> stored(3000, 0);
  for (size_t n = 0; n < 1000; ++n) stored[n] = static_cast<int16_t>(dist(rng));
  const WhisperBank whisper;
  const MelFilterBank& bank = whisper.bank;
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal) + 1);
  PcmView padded, explicit_zeros;
  padded.s16 = stored.data();
  padded.count = 1000;
  padded.trailing_zeros = 2000;
  explicit_zeros.s16 = stored.data();
  explicit_zeros.count = stored.size();
  const size_t frames = log_mel_frame_count(padded);
  REQUIRE(frames == log_mel_frame_count(explicit_zeros));
  REQUIRE(frames == 18);
  std::vector<float> a(80 * frames), b(80 * frames);
  REQUIRE(log_mel_spectrogram(bank, padded, frames, scratch.data(), log_mel_scratch_bytes(), a.data()).is_ok());
  REQUIRE(log_mel_spectrogram(bank, explicit_zeros, frames, scratch.data(), log_mel_scratch_bytes(), b.data()).is_ok());
  CHECK(a == b);
  // The silent frames are at the floor, the first frames are not.
  const float floor_value = *std::min_element(a.begin(), a.end());
  CHECK(a[frames - 1] == floor_value);
  CHECK(a[0] > floor_value);
}

TEST_CASE("audio: a spectrogram allocates nothing") {
  std::vector<float> filters = convert::whisper_mel_filters(128);
  std::vector<float> x(16000);
  for (size_t n = 0; n < x.size(); ++n) x[n] = static_cast<float>(std::sin(0.05 * static_cast<double>(n)));
  PcmView pcm;
  pcm.f32 = x.data();
  pcm.count = x.size();
  pcm.trailing_zeros = 480000;
  std::vector<float> out(128 * 3000);
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal));
  MelFilterBank bank;
  posix::allocation_window_open();
  const Status init = bank.init(filters.data(), 128);
  const Status s = log_mel_spectrogram(bank, pcm, 3000, scratch.data(), log_mel_scratch_bytes(), out.data());
  const long allocations = posix::allocation_window_close();
  CHECK(init.is_ok());
  CHECK(s.is_ok());
  CHECK(allocations == 0);
}

TEST_CASE("audio: a stretched spectrogram reads frame j at j x stretch, linearly between frames") {
  WhisperBank w;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  std::vector<float> x(16000);  // 1 s of noise, a rising tone inside it
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = normal(rng) * 0.2f + 0.3f * static_cast<float>(std::sin(2e-7 * kPi * static_cast<double>(i) * i));
  PcmView pcm;
  pcm.f32 = x.data();
  pcm.count = x.size();
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal));
  const size_t frames = 60;
  // Every frame against source frames from log_mel_frame, mixed and then finished as documented.
  const auto expected_at = [&](uint32_t stretch) {
    std::vector<float> expected(80 * frames), a(80), b(80);
    float top = -INFINITY, unused = 0;
    for (size_t j = 0; j < frames; ++j) {
      const size_t lo = j * stretch / 1000;
      const double part = static_cast<double>(j * stretch % 1000);
      REQUIRE(log_mel_frame(w.bank, pcm, lo, scratch.data(), log_mel_scratch_bytes(), a.data(), 1, &unused).is_ok());
      REQUIRE(log_mel_frame(w.bank, pcm, lo + 1, scratch.data(), log_mel_scratch_bytes(), b.data(), 1, &unused).is_ok());
      for (size_t m = 0; m < 80; ++m) {
        const float v = part == 0.0 ? a[m] : static_cast<float>(((1000.0 - part) * a[m] + part * b[m]) / 1000.0);
        expected[m * frames + j] = v;
        top = std::max(top, v);
      }
    }
    log_mel_finish(expected.data(), expected.size(), top);
    return expected;
  };
  std::vector<float> plain(80 * frames), stretched(80 * frames);
  // 1000 thousandths, and log_mel_spectrogram: source frame j for frame j, nothing mixed.
  REQUIRE(log_mel_spectrogram(w.bank, pcm, frames, scratch.data(), log_mel_scratch_bytes(), plain.data()).is_ok());
  CHECK(plain == expected_at(1000));
  REQUIRE(log_mel_spectrogram_stretched(w.bank, pcm, frames, 1000, scratch.data(), log_mel_scratch_bytes(),
                                        stretched.data())
              .is_ok());
  CHECK(stretched == plain);
  // 1.37x: frames mixed from two.
  REQUIRE(log_mel_spectrogram_stretched(w.bank, pcm, frames, 1370, scratch.data(), log_mel_scratch_bytes(),
                                        stretched.data())
              .is_ok());
  CHECK(stretched == expected_at(1370));
  CHECK(stretched != plain);

  // Its limits: 1000 to kMaxSpeechStretch thousandths, and the audio must reach the last frame read.
  CHECK(log_mel_spectrogram_stretched(w.bank, pcm, frames, 999, scratch.data(), log_mel_scratch_bytes(),
                                      stretched.data())
            .code() == StatusCode::kInvalidArgument);
  CHECK(log_mel_spectrogram_stretched(w.bank, pcm, frames, kMaxSpeechStretch + 1, scratch.data(),
                                      log_mel_scratch_bytes(), stretched.data())
            .code() == StatusCode::kInvalidArgument);
  // 1 s has source frames 0-99: at 1.3x, frame 76 reads 98 and 99, frame 77 would read 100 and 101.
  stretched.resize(80 * 78);
  CHECK(log_mel_spectrogram_stretched(w.bank, pcm, 78, 1300, scratch.data(), log_mel_scratch_bytes(), stretched.data())
            .code() == StatusCode::kLimitExceeded);
  CHECK(log_mel_spectrogram_stretched(w.bank, pcm, 77, 1300, scratch.data(), log_mel_scratch_bytes(), stretched.data())
            .is_ok());
}
