// The 400-point real DFT of Whisper's front end (n_fft = 400 = 2^4 * 5^2,
// deliberately not padded to 512): the 400 real samples are read as 200
// complex ones, transformed by a mixed-radix (5, 5, 4, 2) self-sorting
// Stockham FFT, and split into the 201 bins of the real spectrum.
//
// Scalar, in float or double (AudioReal, see xattn/audio.h, picks one per
// target), no heap: the twiddles are constexpr tables (flash on Cortex-M)
// and the work space is the caller's. Both types are tested against a
// direct double-precision DFT.
#pragma once

#include <cstddef>

namespace xattn {
namespace audio {

constexpr size_t kDftSize = 400;
constexpr size_t kDftBins = kDftSize / 2 + 1;
// Reals in the work space: two buffers of 201 complex values (one of them
// holds the input).
constexpr size_t kDftWorkReals = 2 * 2 * kDftBins;

// cos(2 pi i / 400), correctly rounded to Real (float or double).
template <typename Real>
Real dft_cos(size_t i);

// work[0, 400) holds the real input on entry (it is overwritten). Returns a
// pointer inside work to the 201 bins, interleaved (re, im).
template <typename Real>
Real* real_dft_400(Real* work);

}  // namespace audio
}  // namespace xattn
