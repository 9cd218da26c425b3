#include "whisper_segments.h"

#include <cmath>
#include <cstdio>

namespace xattn {
namespace posix {

namespace {
constexpr double kTimePrecision = 0.02;  // one timestamp token: two 10 ms mel frames (input_stride 2)
}

std::vector<WhisperSegment> whisper_segments(const WhisperTokens& t, const uint32_t* ids, size_t n,
                                             double window_seconds) {
  const auto is_timestamp = [&](size_t i) { return ids[i] >= t.timestamp_begin; };
  const auto seconds = [&](size_t i) { return (ids[i] - t.timestamp_begin) * kTimePrecision; };
  std::vector<size_t> cuts;  // a cut after each pair of consecutive timestamps
  for (size_t i = 1; i < n; ++i)
    if (is_timestamp(i - 1) && is_timestamp(i)) cuts.push_back(i);
  const bool single_ending = n >= 2 && !is_timestamp(n - 2) && is_timestamp(n - 1);
  std::vector<WhisperSegment> segments;
  if (!cuts.empty()) {
    if (single_ending) cuts.push_back(n);
    size_t first = 0;
    for (size_t cut : cuts) {
      segments.push_back(WhisperSegment{seconds(first), seconds(cut - 1), first, cut});
      first = cut;
    }
    bool tail_text = false;  // a lone timestamp after the last pair is no segment
    for (size_t i = first; i < n; ++i) tail_text = tail_text || ids[i] < t.eot;
    if (tail_text) segments.push_back(WhisperSegment{seconds(first - 1), window_seconds, first, n});
    return segments;
  }
  double end = window_seconds;
  for (size_t i = n; i-- > 0;) {
    if (is_timestamp(i)) {
      if (ids[i] != t.timestamp_begin) end = seconds(i);
      break;
    }
  }
  segments.push_back(WhisperSegment{0.0, end, 0, n});
  return segments;
}

std::string whisper_timestamp(double seconds) {
  long long ms = static_cast<long long>(std::nearbyint(seconds * 1000.0));  // round half to even, as Python
  const long long hours = ms / 3600000;
  ms -= hours * 3600000;
  const long long minutes = ms / 60000;
  ms -= minutes * 60000;
  const long long secs = ms / 1000;
  ms -= secs * 1000;
  char text[96];
  if (hours > 0)
    std::snprintf(text, sizeof text, "%02lld:%02lld:%02lld.%03lld", hours, minutes, secs, ms);
  else
    std::snprintf(text, sizeof text, "%02lld:%02lld.%03lld", minutes, secs, ms);
  return text;
}

}  // namespace posix
}  // namespace xattn
