// Fuzz target: the CLI's WAV reader, then the runtime's audio front end on
// what it accepts. parse_wav must never crash or read past the bytes; an
// accepted file holds whole 16-bit or float samples (converted ones as many
// as the rate allows); the log-mel of its
// first frames (80 bins, whisper's filters) runs, finite and in range for
// int16 files (float files may carry NaN or infinities: garbage in, no crash).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "fuzz_support.h"
#include "mel_filters.h"
#include "wav_reader.h"
#include "xattn/audio.h"

using namespace xattn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size copy, so ASan sees any read past the end.
  std::vector<uint8_t> bytes(data, data + size);
  posix::WavAudio audio;
  const std::string error = posix::parse_wav(bytes.data(), bytes.size(), &audio);
  if (!error.empty()) {
    XATTN_FUZZ_ASSERT(error.rfind("WAV: ", 0) == 0 && error.find('\n') == std::string::npos,
                      "errors are one line starting with WAV: ");
    return 0;
  }
  XATTN_FUZZ_ASSERT(audio.s16.empty() || audio.f32.empty(), "one sample type");
  // 16 kHz mono PCM16 or float32 is read as is; anything else is resampled to
  // 16 kHz, at most 16 samples per byte (8-bit mono at 1 kHz).
  if (audio.converted_from.empty()) {
    XATTN_FUZZ_ASSERT(audio.samples() * 2 <= size, "samples come from the bytes present");
  } else {
    XATTN_FUZZ_ASSERT(audio.s16.empty() && audio.samples() <= size * 16, "converted samples: float, bounded by the bytes");
  }

  static const std::vector<float> filters = convert::whisper_mel_filters(80);
  MelFilterBank bank;
  XATTN_FUZZ_ASSERT(bank.init(filters.data(), 80).is_ok(), "whisper's filters are valid");
  PcmView pcm = audio.view();
  pcm.count = std::min<size_t>(pcm.count, 4000);  // 25 frames: keep executions fast
  pcm.trailing_zeros = size % 3 == 0 ? 480000 : 0;
  const size_t frames = std::min<size_t>(log_mel_frame_count(pcm), 25);
  std::vector<AudioReal> scratch(log_mel_scratch_bytes() / sizeof(AudioReal));
  std::vector<float> mel(80 * (frames ? frames : 1));
  const Status s = log_mel_spectrogram(bank, pcm, frames, scratch.data(), log_mel_scratch_bytes(), mel.data());
  if (frames == 0) {
    XATTN_FUZZ_ASSERT(!s.is_ok(), "too short audio is refused");
    return 0;
  }
  XATTN_FUZZ_ASSERT(s.is_ok(), "accepted audio gives a spectrogram");
  // int16 samples are in [-1, 1): every value is finite and within whisper's range.
  if (!audio.s16.empty())
    for (float v : mel) XATTN_FUZZ_ASSERT(std::isfinite(v) && v >= -1.5f && v <= 2.5f, "log-mel in its range");
  return 0;
}
