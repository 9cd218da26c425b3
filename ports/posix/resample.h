// A user's recording made fit for Whisper's front end: channels averaged to
// mono and any sample rate resampled to 16 kHz. The resampler is a
// windowed-sinc low-pass (Kaiser window) evaluated at every output instant
// from a finely sampled kernel table, with its cut-off just below the lower
// rate's Nyquist frequency, so 44.1 or 48 kHz speech keeps its band below
// 7.5 kHz and loses nothing Whisper's 8 kHz mel bank reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xattn {
namespace posix {

// The mean of each frame's `channels` samples (interleaved input).
std::vector<float> downmix(const std::vector<float>& interleaved, uint32_t channels);

// x at `from_hz` resampled to `to_hz` (both in 1000..384000): floor(n x to / from)
// samples; the signal is taken as zero outside its samples.
std::vector<float> resample(const std::vector<float>& x, uint32_t from_hz, uint32_t to_hz);

}  // namespace posix
}  // namespace xattn
