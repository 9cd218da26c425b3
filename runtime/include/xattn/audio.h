// The audio front end: 16 kHz mono PCM -> Whisper's normalized log-mel
// spectrogram, computed as openai-whisper's log_mel_spectrogram does (400-
// sample periodic Hann window, hop 160, centered frames with reflect padding,
// a 400-point real DFT, power spectrum, the model's mel filter bank,
// log10(max(x, 1e-10)), clamp to global max - 8, then (x + 4) / 4).
//
// No allocation: the caller owns the samples, the output and a scratch
// buffer of log_mel_scratch_bytes(). The work is frame by frame (each frame
// reports its largest value); the clamp needs the global maximum, so it is a
// final pass over the finished frames (log_mel_finish).
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/status.h"

namespace xattn {

constexpr uint32_t kAudioSampleRate = 16000;
constexpr uint32_t kMelWindow = 400;       // n_fft: window length and DFT size
constexpr uint32_t kMelHop = 160;          // 10 ms
// transcribe.py pads every signal with 30 s of zeros before the spectrogram
// (PcmView::trailing_zeros).
constexpr size_t kWhisperPadSamples = 30 * kAudioSampleRate;
constexpr uint32_t kMelFftBins = 201;      // kMelWindow / 2 + 1 bins per filter row
constexpr uint32_t kMaxMelBins = 128;      // Whisper uses 80 or 128

// Samples at 16 kHz: int16 (scaled by 1/32768 as whisper's loader does) or
// float, exactly one of the two pointers set; then `trailing_zeros` zero
// samples that need no storage (whisper pads with 30 s of silence).
struct PcmView {
  const int16_t* s16 = nullptr;
  const float* f32 = nullptr;
  size_t count = 0;
  size_t trailing_zeros = 0;
};

// Frames of the spectrogram: (count + trailing_zeros) / 160 (the centered
// STFT has one more; whisper drops the last). 0 when the signal is shorter
// than 201 samples, which reflect padding cannot handle.
size_t log_mel_frame_count(const PcmView& pcm);

// The DFT's arithmetic. Bins 8 decades below the loudest one are kept, and
// float32 rounding noise there moves the result by up to ~5e-5 (PyTorch's
// own float32 STFT differs from an exact one by as much): double keeps this
// side exact wherever the FPU has it; 32-bit ARM without a double-precision
// FPU (Cortex-M4F, M33) uses float.
#if defined(__arm__) && !(defined(__ARM_FP) && (__ARM_FP & 8))
using AudioReal = float;
#else
using AudioReal = double;
#endif

// Bytes of scratch one call needs (aligned for AudioReal); the same for every call.
constexpr size_t log_mel_scratch_bytes() { return 2 * 2 * kMelFftBins * sizeof(AudioReal); }

// A model's mel filter bank, n_mels rows of 201 float32 weights (row-major,
// as whisper's mel_filters.npz and whisper.cpp's files store it). The
// weights are borrowed, not copied: they must outlive the bank.
class MelFilterBank {
 public:
  // Checks the size and that every weight is finite; records each row's
  // nonzero span so frames skip the zeros.
  Status init(const float* weights, uint32_t n_mels);
  uint32_t n_mels() const { return n_mels_; }
  const float* weights() const { return weights_; }
  uint16_t span_begin(uint32_t mel) const { return begin_[mel]; }
  uint16_t span_end(uint32_t mel) const { return end_[mel]; }

 private:
  const float* weights_ = nullptr;
  uint32_t n_mels_ = 0;
  uint16_t begin_[kMaxMelBins] = {};
  uint16_t end_[kMaxMelBins] = {};
};

// Frame `frame` of `pcm`: writes log10(max(mel, 1e-10)) of bin i to
// out[i * out_stride] for i < n_mels, and the largest of them to *frame_max.
Status log_mel_frame(const MelFilterBank& bank, const PcmView& pcm, size_t frame, void* scratch,
                     size_t scratch_bytes, float* out, size_t out_stride, float* frame_max);

// The final pass over `count` values from log_mel_frame: clamp to
// global_max - 8, then (x + 4) / 4.
void log_mel_finish(float* values, size_t count, float global_max);

// The first `frames` frames (at most log_mel_frame_count(pcm)) into out,
// laid out [n_mels][frames] as Whisper's encoder reads them, normalized.
// The clamp uses the maximum over these frames: with whisper's 30 s of
// trailing zeros, frames past the audio are silence and cannot raise it.
Status log_mel_spectrogram(const MelFilterBank& bank, const PcmView& pcm, size_t frames, void* scratch,
                           size_t scratch_bytes, float* out);

// The same heard stretch_milli / 1000 times faster (stretch_milli from 1000
// to kMaxSpeechStretch): frame j is the log10 mel of source position p =
// j * stretch_milli / 1000 (in frames), interpolated linearly between frames
// floor(p) and floor(p) + 1 as ((1000 - part) a + part b) / 1000 in double
// (part: the thousandths past floor(p)), before the clamp (whose maximum is
// then over these frames). stretch_milli 1000 gives log_mel_spectrogram's values.
Status log_mel_spectrogram_stretched(const MelFilterBank& bank, const PcmView& pcm, size_t frames,
                                     uint32_t stretch_milli, void* scratch, size_t scratch_bytes, float* out);

// Where a model with a short audio window (a spoken-date model hears 4 s)
// hears a recording of any length: the first sample of the window of
// `window` samples, starting on a multiple of `hop`, that holds the most
// energy above the recording's noise floor (twice its quietest tenth of
// hop-sized blocks), placed so the words start `lead` samples into it. A
// user's recording often starts with a second or two of room noise: heard
// from its start, the words would be cut off, or pushed to the window's end,
// where a model trained on words near the start hears them worst.
//
// The window may run past the recording's end (the front end pads with
// zeros). Of the windows within 1% of the loudest's energy next to it (all
// of them hold the words), the one that starts `lead` before the last of
// them, or the first of them if that is later. 0 when the recording's start
// is one of them and the choice is within `lead` of it (words that start
// early enough are heard as recorded), and when nothing stands above the
// floor. PCM16 and float samples of the same values give the same start.
// No allocation and no scratch: it reads the samples about a dozen times.
size_t speech_window_start(const PcmView& pcm, size_t window, size_t hop, size_t lead);

// The lead the CLI, the C API and the firmware use: models/datespeech's
// training clips start their words 0.1-0.4 s in; moved to the window's end,
// its words were heard right 5.7 points less often (its README, "Where the
// words are in the recording").
constexpr size_t kSpeechLeadSamples = kAudioSampleRate / 4;
// The silence left after the words when they are heard faster to fit
// (speech_window): the training clips hold at most 3.7 s of speech in 4 s.
constexpr size_t kSpeechTailSamples = kAudioSampleRate * 3 / 20;

// Words heard at most this much faster (in thousandths): models/datespeech's
// training speech runs 0.85-1.35x espeak-ng's default rate, and longer
// sentences were said faster still to fit; a slow speaker of a long date
// needs about 1.5x.
constexpr uint32_t kMaxSpeechStretch = 2000;

// Where, and how fast, a model with a short window hears a recording whose
// words may not fit it (a slow speaker's "Wednesday, the twenty-third of
// November, two thousand and twenty-six" takes 4.5-6 s, and the window is
// 4 s). stretch_milli is 1000 and start is speech_window_start's when the
// recording is no longer than the window or its words fit in it with `lead`
// before and `tail` after them. Otherwise the words (their core from where
// the energy above the noise floor, summed from the start, passes 2% of its
// total to where it reaches 98%, with 0.15 s before it and 0.3 s after it
// for quiet edges such as a final "s") are heard stretch_milli / 1000 times faster (in
// thousandths, rounded up, at most kMaxSpeechStretch) with the lead before
// them: start is lead * stretch earlier than the words. The front end then
// reads source frame j * stretch_milli / 1000 for the window's frame j
// (log_mel_spectrogram_stretched). No allocation and no scratch.
struct SpeechWindow {
  size_t start = 0;
  uint32_t stretch_milli = 1000;
};
SpeechWindow speech_window(const PcmView& pcm, size_t window, size_t hop, size_t lead, size_t tail);

}  // namespace xattn
