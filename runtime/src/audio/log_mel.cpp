// Whisper's log-mel front end (see xattn/audio.h), frame by frame.
#include <cmath>
#include <cstdint>

#include "audio/real_dft.h"
#include "xattn/audio.h"

namespace xattn {
namespace {

constexpr size_t kHalfWindow = kMelWindow / 2;  // centered frames reach this far each side
constexpr float kPowerFloor = 1e-10f;
constexpr float kDynamicRange = 8.0f;  // decades kept below the loudest value

static_assert(audio::kDftSize == kMelWindow && audio::kDftBins == kMelFftBins, "one DFT size");
static_assert(log_mel_scratch_bytes() == audio::kDftWorkReals * sizeof(AudioReal), "scratch is the DFT's work");

// Longer signals (over 37 hours) are refused, so sample and frame
// arithmetic never wraps, on 32-bit targets too.
constexpr uint64_t kMaxSamples = uint64_t{1} << 31;

uint64_t total_samples(const PcmView& pcm) {
  return static_cast<uint64_t>(pcm.count) + static_cast<uint64_t>(pcm.trailing_zeros);
}

// Sample i of the padded signal, i in [-200, total + 200): torch's reflect
// padding mirrors around the first and last samples (which are not repeated).
AudioReal sample_at(const PcmView& pcm, uint64_t total, int64_t i) {
  if (i < 0) i = -i;
  if (static_cast<uint64_t>(i) >= total) i = 2 * static_cast<int64_t>(total - 1) - i;
  if (static_cast<uint64_t>(i) >= pcm.count) return 0;
  const size_t at = static_cast<size_t>(i);
  // As whisper's loader: int16 / 32768 in float32 (exact either way).
  return pcm.s16 ? static_cast<AudioReal>(pcm.s16[at]) / 32768 : pcm.f32[at];
}

Status check_pcm(const PcmView& pcm) {
  if ((pcm.s16 == nullptr) == (pcm.f32 == nullptr) && pcm.count != 0)
    return Status::error(StatusCode::kInvalidArgument).add("audio: set exactly one of the int16 and float samples");
  if (pcm.count > kMaxSamples || pcm.trailing_zeros > kMaxSamples)
    return Status::error(StatusCode::kLimitExceeded).add("audio: more than 2^31 samples");
  if (log_mel_frame_count(pcm) == 0)
    return Status::error(StatusCode::kInvalidArgument)
        .add("audio: ")
        .add(total_samples(pcm))
        .add(" samples, the log-mel needs at least 201");
  return Status::ok();
}

Status check_scratch(const void* scratch, size_t scratch_bytes) {
  if (scratch == nullptr || scratch_bytes < log_mel_scratch_bytes())
    return Status::error(StatusCode::kArenaTooSmall)
        .add("log-mel scratch: ")
        .add(static_cast<uint64_t>(scratch_bytes))
        .add(" bytes, needs ")
        .add(static_cast<uint64_t>(log_mel_scratch_bytes()));
  if (reinterpret_cast<uintptr_t>(scratch) % alignof(AudioReal) != 0)
    return Status::error(StatusCode::kMisaligned).add("log-mel scratch is not aligned for AudioReal");
  return Status::ok();
}

// The frame's log10 mel values; pcm, bank and scratch already checked.
float compute_frame(const MelFilterBank& bank, const PcmView& pcm, size_t frame, AudioReal* work, float* out,
                    size_t out_stride) {
  const uint64_t total = total_samples(pcm);
  const int64_t start = static_cast<int64_t>(static_cast<uint64_t>(frame) * kMelHop) - static_cast<int64_t>(kHalfWindow);
  // A frame of the silence after the samples (whisper pads every clip to
  // 30 s): its spectrum is exactly zero, every mel value the floor's log.
  if (start >= 0 && static_cast<uint64_t>(start) >= pcm.count && static_cast<uint64_t>(start) + kMelWindow <= total) {
    const float silent = static_cast<float>(std::log10(static_cast<AudioReal>(kPowerFloor)));
    for (uint32_t m = 0; m < bank.n_mels(); ++m) out[m * out_stride] = silent;
    return silent;
  }
  // Periodic Hann window: 0.5 - 0.5 cos(2 pi n / 400); frames inside the
  // samples read them directly, the others through the padding rules.
  const bool inside = start >= 0 && static_cast<uint64_t>(start) + kMelWindow <= pcm.count;
  for (size_t n = 0; n < kMelWindow; ++n) {
    const AudioReal x = !inside ? sample_at(pcm, total, start + static_cast<int64_t>(n))
                        : pcm.s16 ? static_cast<AudioReal>(pcm.s16[static_cast<size_t>(start) + n]) / 32768
                                  : static_cast<AudioReal>(pcm.f32[static_cast<size_t>(start) + n]);
    work[n] = (AudioReal(0.5) - AudioReal(0.5) * audio::dft_cos<AudioReal>(n)) * x;
  }
  AudioReal* bins = audio::real_dft_400(work);
  AudioReal* power = bins;  // in place: power[k] only reads bins[2k], bins[2k + 1]
  for (size_t k = 0; k < kMelFftBins; ++k) power[k] = bins[2 * k] * bins[2 * k] + bins[2 * k + 1] * bins[2 * k + 1];
  float frame_max = -INFINITY;
  for (uint32_t m = 0; m < bank.n_mels(); ++m) {
    const float* row = bank.weights() + static_cast<size_t>(m) * kMelFftBins;
    AudioReal sum = 0;
    for (size_t k = bank.span_begin(m); k < bank.span_end(m); ++k) sum += row[k] * power[k];
    // The floor compares in float, as torch clamps float32 values.
    const float mel = static_cast<float>(sum);
    const float value = static_cast<float>(std::log10(static_cast<AudioReal>(mel > kPowerFloor ? mel : kPowerFloor)));
    out[m * out_stride] = value;
    if (value > frame_max) frame_max = value;
  }
  return frame_max;
}

// What every entry point checks first: a bank, samples and scratch.
Status check_inputs(const MelFilterBank& bank, const PcmView& pcm, const void* scratch, size_t scratch_bytes) {
  if (bank.n_mels() == 0) return Status::error(StatusCode::kNotReady).add("mel filters not initialized");
  const Status status = check_pcm(pcm);
  return status ? check_scratch(scratch, scratch_bytes) : status;
}

}  // namespace

size_t log_mel_frame_count(const PcmView& pcm) {
  const uint64_t total = total_samples(pcm);
  if (pcm.count > kMaxSamples || pcm.trailing_zeros > kMaxSamples || total <= kHalfWindow) return 0;
  return static_cast<size_t>(total / kMelHop);
}

Status MelFilterBank::init(const float* weights, uint32_t n_mels) {
  *this = MelFilterBank();
  if (weights == nullptr || n_mels == 0 || n_mels > kMaxMelBins)
    return Status::error(StatusCode::kInvalidArgument)
        .add("mel filters: ")
        .add(static_cast<uint64_t>(n_mels))
        .add(" bins, expected 1 to 128 rows of 201 weights");
  for (uint32_t m = 0; m < n_mels; ++m) {
    const float* row = weights + static_cast<size_t>(m) * kMelFftBins;
    uint16_t begin = kMelFftBins, end = 0;
    for (uint16_t k = 0; k < kMelFftBins; ++k) {
      if (!std::isfinite(row[k]))
        return Status::error(StatusCode::kBadModel).add("mel filters: weight ").add_dims(m, k).add(" is not finite");
      if (row[k] != 0.0f) {
        if (begin == kMelFftBins) begin = k;
        end = static_cast<uint16_t>(k + 1);
      }
    }
    begin_[m] = begin == kMelFftBins ? 0 : begin;
    end_[m] = end;
  }
  weights_ = weights;
  n_mels_ = n_mels;
  return Status::ok();
}

Status log_mel_frame(const MelFilterBank& bank, const PcmView& pcm, size_t frame, void* scratch,
                     size_t scratch_bytes, float* out, size_t out_stride, float* frame_max) {
  Status status = check_inputs(bank, pcm, scratch, scratch_bytes);
  if (!status) return status;
  if (frame >= log_mel_frame_count(pcm))
    return Status::error(StatusCode::kLimitExceeded)
        .add("log-mel frame ")
        .add(static_cast<uint64_t>(frame))
        .add(" of ")
        .add(static_cast<uint64_t>(log_mel_frame_count(pcm)));
  if (out == nullptr || frame_max == nullptr || (out_stride == 0 && bank.n_mels() > 1))
    return Status::error(StatusCode::kInvalidArgument).add("log-mel frame: no output");
  *frame_max = compute_frame(bank, pcm, frame, static_cast<AudioReal*>(scratch), out, out_stride);
  return Status::ok();
}

void log_mel_finish(float* values, size_t count, float global_max) {
  const float floor = global_max - kDynamicRange;
  for (size_t i = 0; i < count; ++i) {
    const float v = values[i] > floor ? values[i] : floor;
    values[i] = (v + 4.0f) / 4.0f;
  }
}

Status log_mel_spectrogram(const MelFilterBank& bank, const PcmView& pcm, size_t frames, void* scratch,
                           size_t scratch_bytes, float* out) {
  // At its own pace: every frame j is source frame j, nothing mixed.
  return log_mel_spectrogram_stretched(bank, pcm, frames, 1000, scratch, scratch_bytes, out);
}

Status log_mel_spectrogram_stretched(const MelFilterBank& bank, const PcmView& pcm, size_t frames,
                                     uint32_t stretch_milli, void* scratch, size_t scratch_bytes, float* out) {
  Status status = check_inputs(bank, pcm, scratch, scratch_bytes);
  if (!status) return status;
  if (stretch_milli < 1000 || stretch_milli > kMaxSpeechStretch)
    return Status::error(StatusCode::kInvalidArgument)
        .add("log-mel: stretch ")
        .add(static_cast<uint64_t>(stretch_milli))
        .add(" thousandths, expected 1000 to ")
        .add(static_cast<uint64_t>(kMaxSpeechStretch));
  // The last source frame read: the last frame's position, and the frame
  // after it when the position falls between two.
  const uint64_t last_at = frames == 0 ? 0 : static_cast<uint64_t>(frames - 1) * stretch_milli;
  const uint64_t last_read = last_at / 1000 + (last_at % 1000 != 0);
  if (frames == 0 || last_read >= log_mel_frame_count(pcm)) {
    Status s = Status::error(StatusCode::kLimitExceeded).add("log-mel: ").add(static_cast<uint64_t>(frames)).add(" frames");
    if (stretch_milli != 1000) s.add(" at ").add(static_cast<uint64_t>(stretch_milli)).add(" thousandths");
    return s.add(" asked, the audio has ").add(static_cast<uint64_t>(log_mel_frame_count(pcm)));
  }
  if (out == nullptr) return Status::error(StatusCode::kInvalidArgument).add("log-mel: no output");
  const uint32_t n_mels = bank.n_mels();
  AudioReal* work = static_cast<AudioReal*>(scratch);
  // The source frame after the last one interpolated, kept for the next
  // output frame, which usually starts from it.
  float after[kMaxMelBins];
  uint64_t after_frame = UINT64_MAX;
  float global_max = -INFINITY;
  for (size_t j = 0; j < frames; ++j) {
    const uint64_t at = static_cast<uint64_t>(j) * stretch_milli, lo = at / 1000, part = at % 1000;
    float* column = out + j;
    if (lo == after_frame) {
      for (uint32_t m = 0; m < n_mels; ++m) column[m * frames] = after[m];
    } else {
      compute_frame(bank, pcm, static_cast<size_t>(lo), work, column, frames);
    }
    if (part != 0) {
      compute_frame(bank, pcm, static_cast<size_t>(lo + 1), work, after, 1);
      after_frame = lo + 1;
      // ((1000 - part) a + part b) / 1000 in double: both products are exact
      // (10 bits by a float's 24), so a target that fuses the multiply-add
      // rounds the sum as one that does not, and the Python twin gets it too.
      const double w_lo = static_cast<double>(1000 - part), w_hi = static_cast<double>(part);
      for (uint32_t m = 0; m < n_mels; ++m)
        column[m * frames] = static_cast<float>((w_lo * column[m * frames] + w_hi * after[m]) / 1000.0);
    }
    for (uint32_t m = 0; m < n_mels; ++m)
      if (column[m * frames] > global_max) global_max = column[m * frames];
  }
  log_mel_finish(out, static_cast<size_t>(n_mels) * frames, global_max);
  return Status::ok();
}

}  // namespace xattn
