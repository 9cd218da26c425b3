#include "resample.h"

#include <cmath>

namespace xattn {
namespace posix {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kKaiserBeta = 8.6;       // about 90 dB of stop-band attenuation
constexpr double kZeroCrossings = 32;     // of the sinc on each side, at the cut-off
constexpr double kPassFraction = 0.96;    // cut-off as a fraction of the lower Nyquist frequency
constexpr size_t kTableSteps = 512;       // kernel samples per zero crossing

// The modified Bessel function I0, by its power series (converges fast for the betas used).
double bessel_i0(double x) {
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 50; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

// The kernel over u in [0, kZeroCrossings] zero crossings: sinc(u) x Kaiser(u / kZeroCrossings).
std::vector<double> kernel_table() {
  std::vector<double> table(static_cast<size_t>(kZeroCrossings) * kTableSteps + 2, 0.0);
  const double norm = bessel_i0(kKaiserBeta);
  for (size_t i = 0; i + 1 < table.size(); ++i) {
    const double u = static_cast<double>(i) / kTableSteps;
    const double r = u / kZeroCrossings;
    const double window = r < 1.0 ? bessel_i0(kKaiserBeta * std::sqrt(1.0 - r * r)) / norm : 0.0;
    table[i] = (u == 0.0 ? 1.0 : std::sin(kPi * u) / (kPi * u)) * window;
  }
  return table;
}

}  // namespace

std::vector<float> downmix(const std::vector<float>& interleaved, uint32_t channels) {
  if (channels <= 1) return interleaved;
  std::vector<float> mono(interleaved.size() / channels);
  for (size_t i = 0; i < mono.size(); ++i) {
    double sum = 0.0;
    for (uint32_t c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
    mono[i] = static_cast<float>(sum / channels);
  }
  return mono;
}

std::vector<float> resample(const std::vector<float>& x, uint32_t from_hz, uint32_t to_hz) {
  if (from_hz == to_hz) return x;
  static const std::vector<double> table = kernel_table();  // built once (about 16k Bessel series)
  // The cut-off in cycles per input sample; the kernel's zero crossings are 1 / (2 cutoff) input samples apart.
  const double cutoff = 0.5 * kPassFraction * (to_hz < from_hz ? static_cast<double>(to_hz) / from_hz : 1.0);
  const double crossings_per_sample = 2.0 * cutoff;
  const double half_width = kZeroCrossings / crossings_per_sample;  // input samples each side
  const size_t n_out = static_cast<size_t>(static_cast<uint64_t>(x.size()) * to_hz / from_hz);
  const double step = static_cast<double>(from_hz) / to_hz;
  const int64_t n_in = static_cast<int64_t>(x.size());
  std::vector<float> y(n_out);
  for (size_t n = 0; n < n_out; ++n) {
    const double t = static_cast<double>(n) * step;  // the output instant, in input samples
    int64_t first = static_cast<int64_t>(std::ceil(t - half_width));
    int64_t last = static_cast<int64_t>(std::floor(t + half_width));
    if (first < 0) first = 0;
    if (last > n_in - 1) last = n_in - 1;
    double sum = 0.0;
    for (int64_t k = first; k <= last; ++k) {
      // Linear interpolation in the table at |t - k| input samples.
      const double at = std::fabs(t - static_cast<double>(k)) * crossings_per_sample * kTableSteps;
      const size_t i = static_cast<size_t>(at);
      if (i + 1 >= table.size()) continue;
      const double frac = at - static_cast<double>(i);
      sum += x[static_cast<size_t>(k)] * (table[i] + frac * (table[i + 1] - table[i]));
    }
    y[n] = static_cast<float>(sum * crossings_per_sample);  // unit gain at DC
  }
  return y;
}

}  // namespace posix
}  // namespace xattn
