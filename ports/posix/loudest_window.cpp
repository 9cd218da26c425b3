#include "loudest_window.h"

#include <vector>

namespace xattn {
namespace posix {
namespace {

double sample_at(const PcmView& pcm, size_t i) {
  return pcm.s16 != nullptr ? pcm.s16[i] / 32768.0 : static_cast<double>(pcm.f32[i]);
}

}  // namespace

size_t loudest_window_start(const PcmView& pcm, size_t window, size_t hop) {
  if (pcm.count <= window || hop == 0) return 0;
  // Energy per hop-sized block, summed from the start: a window of whole
  // blocks is then the difference of two sums.
  const size_t blocks = (pcm.count + hop - 1) / hop;
  std::vector<double> prefix(blocks + 1, 0.0);
  for (size_t b = 0; b < blocks; ++b) {
    double e = 0.0;
    for (size_t i = b * hop; i < (b + 1) * hop && i < pcm.count; ++i) {
      const double x = sample_at(pcm, i);
      e += x * x;
    }
    prefix[b + 1] = prefix[b] + e;
  }
  const size_t span = window / hop;                // whole blocks in a window
  const size_t last = (pcm.count - window) / hop;  // the last start that keeps the window inside the recording
  auto energy = [&](size_t s) { return prefix[s + span] - prefix[s]; };
  size_t best = 0;
  for (size_t s = 1; s <= last; ++s)
    if (energy(s) > energy(best)) best = s;
  // Every window that holds all the words is about as loud as the loudest;
  // the middle one of those leaves the words centred, with room both sides.
  const double near = 0.99 * energy(best);
  size_t first = best, end = best;
  while (first > 0 && energy(first - 1) >= near) --first;
  while (end < last && energy(end + 1) >= near) ++end;
  return (first + (end - first) / 2) * hop;
}

}  // namespace posix
}  // namespace xattn
