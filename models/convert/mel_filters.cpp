#include "mel_filters.h"

#include <algorithm>
#include <cmath>

#include "xattn/audio.h"

namespace xattn {
namespace convert {
namespace {

// The Slaney mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic
// above (27 mels per factor 6.4).
constexpr double kHzPerMel = 200.0 / 3.0;
constexpr double kLogStartHz = 1000.0;
constexpr double kLogStartMel = kLogStartHz / kHzPerMel;
const double kLogStep = std::log(6.4) / 27.0;

double hz_to_mel(double hz) {
  return hz >= kLogStartHz ? kLogStartMel + std::log(hz / kLogStartHz) / kLogStep : hz / kHzPerMel;
}

double mel_to_hz(double mel) {
  return mel >= kLogStartMel ? kLogStartHz * std::exp(kLogStep * (mel - kLogStartMel)) : kHzPerMel * mel;
}

}  // namespace

std::vector<float> whisper_mel_filters(uint32_t n_mels) {
  constexpr uint32_t kBins = kMelFftBins;
  const double nyquist = kAudioSampleRate / 2.0;
  // n_mels + 2 band edges evenly spaced in mels from 0 Hz to Nyquist (numpy's
  // linspace: start + i * step, the last one exactly the stop value).
  std::vector<double> edge(n_mels + 2);
  const double top = hz_to_mel(nyquist), step = top / (n_mels + 1);
  for (uint32_t i = 0; i < n_mels + 2; ++i) edge[i] = mel_to_hz(i == n_mels + 1 ? top : i * step);
  std::vector<float> w(static_cast<size_t>(n_mels) * kBins);
  for (uint32_t m = 0; m < n_mels; ++m) {
    // Triangles rising from edge m to m+1, falling to m+2, with area 1 in Hz
    // (Slaney normalization 2 / bandwidth). librosa stores the triangle as
    // float32 before scaling it, so the value is rounded twice, as here.
    const double norm = 2.0 / (edge[m + 2] - edge[m]);
    for (uint32_t k = 0; k < kBins; ++k) {
      const double hz = k * (nyquist / (kBins - 1));
      const double rising = (hz - edge[m]) / (edge[m + 1] - edge[m]);
      const double falling = (edge[m + 2] - hz) / (edge[m + 2] - edge[m + 1]);
      const float triangle = static_cast<float>(std::max(0.0, std::min(rising, falling)));
      w[static_cast<size_t>(m) * kBins + k] = static_cast<float>(triangle * norm);
    }
  }
  return w;
}

}  // namespace convert
}  // namespace xattn
