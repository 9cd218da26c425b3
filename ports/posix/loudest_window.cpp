#include "loudest_window.h"

#include <algorithm>
#include <vector>

namespace xattn {
namespace posix {
namespace {

double sample_at(const PcmView& pcm, size_t i) {
  return pcm.s16 != nullptr ? pcm.s16[i] / 32768.0 : static_cast<double>(pcm.f32[i]);
}

}  // namespace

size_t loudest_window_start(const PcmView& pcm, size_t window, size_t hop, size_t lead) {
  if (pcm.count == 0 || hop == 0 || window < hop) return 0;
  // Energy per hop-sized block (blocks past the end are zeros).
  const size_t blocks = (pcm.count + hop - 1) / hop;
  std::vector<double> block(blocks, 0.0);
  for (size_t b = 0; b < blocks; ++b)
    for (size_t i = b * hop; i < (b + 1) * hop && i < pcm.count; ++i) {
      const double x = sample_at(pcm, i);
      block[b] += x * x;
    }
  // Steady noise is not the words: without twice the quietest tenth's
  // energy taken off every block, a window holding less of a noisy
  // recording's noise would hold 1% less energy and never be chosen.
  std::vector<double> sorted(block);
  std::nth_element(sorted.begin(), sorted.begin() + blocks / 10, sorted.end());
  const double noise = 2.0 * sorted[blocks / 10];
  // Summed from the start: a window of whole blocks is the difference of two sums.
  std::vector<double> prefix(blocks + 1, 0.0);
  for (size_t b = 0; b < blocks; ++b) prefix[b + 1] = prefix[b] + std::max(0.0, block[b] - noise);
  const size_t span = window / hop;  // whole blocks in a window
  auto energy = [&](size_t s) { return prefix[std::min(s + span, blocks)] - prefix[s]; };
  size_t best = 0;
  for (size_t s = 1; s < blocks; ++s)
    if (energy(s) > energy(best)) best = s;
  if (energy(best) <= 0.0) return 0;  // nothing above the floor: silence, or steady noise alone
  // Every window that holds all the words is about as loud as the loudest;
  // the last of them starts where the words do (to their quietest 1%).
  const double near = 0.99 * energy(best);
  size_t first = best, last = best;
  while (first > 0 && energy(first - 1) >= near) --first;
  while (last + 1 < blocks && energy(last + 1) >= near) ++last;
  const size_t lead_blocks = lead / hop;
  const size_t start = last > first + lead_blocks ? last - lead_blocks : first;
  return first == 0 && start <= lead_blocks ? 0 : start * hop;
}

}  // namespace posix
}  // namespace xattn
