// The audio front end against openai-whisper itself: tests/audio/
// whisper_mel_reference.py runs whisper.audio.log_mel_spectrogram (PyTorch)
// on jfk.flac and synthetic signals and writes its outputs; here the runtime
// computes the same spectrograms, for 80 and 128 mel bins, with the filter
// banks both as mel_filters.npz stores them and as the converter computes
// them; and the CLI's WAV reader reads the WAV file sox made. Skipped, saying why, when python3 with torch or the reference
// package is absent.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "audio/reference_script.h"
#include "mel_filters.h"
#include "wav_reader.h"
#include "xattn/audio.h"

using namespace xattn;

namespace {

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

}  // namespace

TEST_CASE("audio: log-mel matches openai-whisper on jfk.flac and synthetic signals") {
  const std::string dir = test::run_reference_script(XATTN_AUDIO_REFERENCE_SCRIPT, "audio-whisper-reference");
  if (dir.empty()) return;

  for (uint32_t n_mels : {80u, 128u}) {
    // The converter's filters are librosa's, as the npz stores them: equal
    // up to the last float bit (double rounding in a different order).
    const std::vector<float> npz = test::read_raw<float>(dir + "/mel_" + std::to_string(n_mels) + ".f32");
    const std::vector<float> computed = convert::whisper_mel_filters(n_mels);
    REQUIRE(npz.size() == computed.size());
    double worst_relative = 0.0;
    for (size_t i = 0; i < npz.size(); ++i)
      worst_relative = std::max(worst_relative, std::fabs(static_cast<double>(npz[i]) - computed[i]) /
                                                    std::max(1e-30, std::fabs(static_cast<double>(npz[i]))));
    CAPTURE(n_mels);
    CHECK(worst_relative <= 2.4e-7);  // two float32 ulps
    MESSAGE("mel_" << n_mels << " filters: max relative difference to the npz " << worst_relative);

    MelFilterBank from_npz, from_formula;
    REQUIRE(from_npz.init(npz.data(), n_mels).is_ok());
    REQUIRE(from_formula.init(computed.data(), n_mels).is_ok());
    std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal));

    std::ifstream manifest(dir + "/manifest.txt");
    std::string name, format;
    size_t count = 0, trailing = 0, frames = 0, cases = 0;
    while (manifest >> name >> format >> count >> trailing >> frames) {
      CAPTURE(name);
      PcmView pcm;
      pcm.count = count;
      pcm.trailing_zeros = trailing;
      std::vector<int16_t> s16;
      std::vector<float> f32;
      if (format == "s16") {
        s16 = test::read_raw<int16_t>(dir + "/" + name + ".pcm");
        pcm.s16 = s16.data();
        REQUIRE(s16.size() == count);
      } else {
        f32 = test::read_raw<float>(dir + "/" + name + ".pcm");
        pcm.f32 = f32.data();
        REQUIRE(f32.size() == count);
      }
      const std::vector<float> expected =
          test::read_raw<float>(dir + "/" + name + ".mel" + std::to_string(n_mels) + ".f32");
      REQUIRE(expected.size() == n_mels * frames);
      REQUIRE(frames <= log_mel_frame_count(pcm));
      for (const MelFilterBank* bank : {&from_npz, &from_formula}) {
        std::vector<float> got(n_mels * frames);
        REQUIRE(log_mel_spectrogram(*bank, pcm, frames, scratch.data(), log_mel_scratch_bytes(), got.data()).is_ok());
        const double diff = max_abs_diff(got, expected);
        CHECK(diff <= 1e-4);
        MESSAGE(name << " n_mels " << n_mels << std::string(bank == &from_npz ? " npz filters" : " computed filters")
                     << ": max abs difference " << diff);
      }
      ++cases;
    }
    CHECK(cases == 7);
  }

  // The CLI's WAV reader on the file sox wrote: the samples whisper was given.
  posix::WavAudio wav;
  REQUIRE(posix::read_wav_file(dir + "/jfk.wav", &wav) == "");
  CHECK(wav.s16 == test::read_raw<int16_t>(dir + "/jfk.pcm"));
}
