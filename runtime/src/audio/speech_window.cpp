// speech_window_start and speech_window (xattn/audio.h): where a model with
// a short audio window hears a longer or late-starting recording, and how
// much faster it hears words longer than the window. No allocation and no
// scratch, so the firmware and the C API have it as the CLI does: the
// samples are read again instead of stored, about a dozen times (8 sweeps
// select the noise floor, 2 find the loudest window, 2 the windows as loud;
// for a recording longer than the window, 2 more find the words' span).
#include <cstdint>
#include <cstring>

#include "xattn/audio.h"

namespace xattn {
namespace {

// Energy of hop-sized blocks, zero past the end. PCM16 sums its squares as
// integers and float as double; both are exact for PCM16-valued samples, so
// the two agree, and a device finds the host's window bit for bit (no FMA
// contraction or summation order can move it).
uint64_t square(int16_t x) { return static_cast<uint64_t>(static_cast<int32_t>(x) * x); }
double square(float x) { return static_cast<double>(x) * x; }
// Keys that order as the energies do (non-negative doubles order as their
// bit patterns), and back.
uint64_t order_key(uint64_t e) { return e; }
uint64_t order_key(double e) {
  uint64_t k;
  std::memcpy(&k, &e, sizeof k);
  return k;
}
void from_key(uint64_t k, uint64_t* e) { *e = k; }
void from_key(uint64_t k, double* e) { std::memcpy(e, &k, sizeof *e); }

template <class Sample, class EnergyType>
struct Blocks {
  using Energy = EnergyType;
  const Sample* samples;
  size_t count, hop;
  Energy at(size_t b) const {
    Energy e = 0;
    for (size_t i = b * hop; i < (b + 1) * hop && i < count; ++i) e += square(samples[i]);
    return e;
  }
};

// The rank-th smallest block energy (0-based), as a sort would give it: a
// radix selection on the keys, one byte a sweep from the top, counting only
// the blocks that match the bytes chosen so far.
template <class Blocks>
typename Blocks::Energy select_energy(const Blocks& blocks, size_t n, size_t rank) {
  uint64_t prefix = 0, mask = 0;
  for (int shift = 56; shift >= 0; shift -= 8) {
    uint32_t count[256] = {};
    for (size_t b = 0; b < n; ++b) {
      const uint64_t k = order_key(blocks.at(b));
      if ((k & mask) == prefix) ++count[(k >> shift) & 0xFF];
    }
    uint32_t digit = 0;
    while (rank >= count[digit]) rank -= count[digit++];
    prefix |= static_cast<uint64_t>(digit) << shift;
    mask |= static_cast<uint64_t>(0xFF) << shift;
  }
  typename Blocks::Energy chosen;
  from_key(prefix, &chosen);  // every byte chosen: the key of a block's energy
  return chosen;
}

// Block energies above the noise floor, and windows of `span` of them
// starting at each block in turn (a running sum: add the block entering,
// take off the one leaving).
template <class Blocks>
struct Windows {
  const Blocks& blocks;
  size_t n, span;
  typename Blocks::Energy noise;
  using Energy = typename Blocks::Energy;
  Energy above(size_t b) const {
    if (b >= n) return 0;
    const Energy e = blocks.at(b);
    return e > noise ? e - noise : 0;
  }
  Energy first() const {
    Energy e = 0;
    for (size_t b = 0; b < span; ++b) e += above(b);
    return e;
  }
  Energy next(Energy e, size_t s) const { return (e - above(s)) + above(s + span); }  // window s -> s + 1
};

// Steady noise is not the words: without twice the quietest tenth's
// energy taken off every block, a window holding less of a noisy
// recording's noise would hold 1% less energy and never be chosen.
template <class Blocks>
typename Blocks::Energy noise_floor(const Blocks& blocks, size_t n) {
  return 2 * select_energy(blocks, n, n / 10);
}

template <class Blocks>
size_t start_for(const Blocks& blocks, size_t samples, size_t window, size_t hop, size_t lead,
                 typename Blocks::Energy noise) {
  const size_t n = (samples + hop - 1) / hop;
  const Windows<Blocks> windows{blocks, n, window / hop, noise};
  using Energy = typename Blocks::Energy;
  size_t best = 0;
  Energy top = windows.first();
  Energy e = top;
  for (size_t s = 1; s < n; ++s) {
    e = windows.next(e, s - 1);
    if (e > top) top = e, best = s;
  }
  if (!(top > 0)) return 0;  // nothing above the floor: silence, or steady noise alone
  // Every window that holds all the words is about as loud as the loudest:
  // the run of them around it. The last starts where the words do (to their
  // quietest 1%).
  const double near = 0.99 * static_cast<double>(top);
  size_t first = 0, last = n - 1, run = 0;
  e = windows.first();
  for (size_t s = 0; s < n; ++s) {
    if (s > 0) e = windows.next(e, s - 1);
    const bool loud = static_cast<double>(e) >= near;
    if (!loud) run = s + 1;
    if (s == best) first = run;
    if (s > best && !loud) {
      last = s - 1;
      break;
    }
  }
  const size_t lead_blocks = lead / hop;
  const size_t start = last > first + lead_blocks ? last - lead_blocks : first;
  return first == 0 && start <= lead_blocks ? 0 : start * hop;
}

// Where the words are: their core runs from the block where the energy
// above the floor, summed from the start, passes 2% of its total to the one
// where it reaches 98% (a click or a stretch of noise at either end does not
// move it); the words are the core with 0.15 s before it and 0.3 s after it,
// for the quiet sounds at their edges that hold little energy (an onset, a
// final "s"). Empty (first == last) when nothing stands above the floor.
struct Span {
  size_t first = 0, last = 0;  // blocks [first, last)
};

template <class Blocks>
Span words_span(const Blocks& blocks, size_t n, typename Blocks::Energy noise) {
  using Energy = typename Blocks::Energy;
  const Windows<Blocks> windows{blocks, n, 0, noise};
  Energy total = 0;
  for (size_t b = 0; b < n; ++b) total += windows.above(b);
  Span span;
  if (!(total > 0)) return span;
  const double begin_at = 0.02 * static_cast<double>(total), end_at = 0.98 * static_cast<double>(total);
  Energy sum = 0;
  bool started = false;
  for (size_t b = 0; b < n; ++b) {
    sum += windows.above(b);
    if (!started && static_cast<double>(sum) > begin_at) started = true, span.first = b;
    if (static_cast<double>(sum) >= end_at) {
      span.last = b + 1;
      break;
    }
  }
  const size_t before = kAudioSampleRate * 15 / 100 / blocks.hop, after = kAudioSampleRate * 3 / 10 / blocks.hop;
  span.first = span.first > before ? span.first - before : 0;
  span.last = span.last + after < n ? span.last + after : n;
  return span;
}

template <class Blocks>
SpeechWindow window_for(const Blocks& blocks, size_t samples, size_t window, size_t hop, size_t lead, size_t tail) {
  SpeechWindow w;
  const size_t n = (samples + hop - 1) / hop;
  const typename Blocks::Energy noise = noise_floor(blocks, n);
  if (samples > window && window > lead + tail) {
    const Span span = words_span(blocks, n, noise);
    const uint64_t words = static_cast<uint64_t>(span.last - span.first) * hop, room = window - lead - tail;
    if (words > room) {
      // Thousandths, rounded up: the words then fit, and integer arithmetic
      // gives every frame's source position exactly (and the Python twin too).
      uint64_t stretch = (words * 1000 + room - 1) / room;
      if (stretch > kMaxSpeechStretch) stretch = kMaxSpeechStretch;
      w.stretch_milli = static_cast<uint32_t>(stretch);
      const uint64_t lead_in = lead * stretch / 1000, at = static_cast<uint64_t>(span.first) * hop;
      w.start = at > lead_in ? static_cast<size_t>(at - lead_in) : 0;
      return w;
    }
  }
  // The words fit: the loudest window places them.
  w.start = start_for(blocks, samples, window, hop, lead, noise);
  return w;
}

}  // namespace

SpeechWindow speech_window(const PcmView& pcm, size_t window, size_t hop, size_t lead, size_t tail) {
  if (pcm.count == 0 || hop == 0 || window < hop) return SpeechWindow{};
  if (pcm.s16 != nullptr)
    return window_for(Blocks<int16_t, uint64_t>{pcm.s16, pcm.count, hop}, pcm.count, window, hop, lead, tail);
  if (pcm.f32 != nullptr)
    return window_for(Blocks<float, double>{pcm.f32, pcm.count, hop}, pcm.count, window, hop, lead, tail);
  return SpeechWindow{};
}

size_t speech_window_start(const PcmView& pcm, size_t window, size_t hop, size_t lead) {
  if (pcm.count == 0 || hop == 0 || window < hop) return 0;
  const size_t n = (pcm.count + hop - 1) / hop;
  if (pcm.s16 != nullptr) {
    const Blocks<int16_t, uint64_t> blocks{pcm.s16, pcm.count, hop};
    return start_for(blocks, pcm.count, window, hop, lead, noise_floor(blocks, n));
  }
  if (pcm.f32 != nullptr) {
    const Blocks<float, double> blocks{pcm.f32, pcm.count, hop};
    return start_for(blocks, pcm.count, window, hop, lead, noise_floor(blocks, n));
  }
  return 0;
}

}  // namespace xattn
