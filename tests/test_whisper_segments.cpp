// xattn transcribe's segments (ports/posix/whisper_segments): the cuts of
// openai-whisper's transcribe.py (after each pair of consecutive timestamps,
// at a single timestamp ending, else one segment to the last timestamp or
// the window's end) on hand-made token sequences, the tail after the last
// pair kept as a segment (one window only), and utils.py's format_timestamp.
#include <doctest/doctest.h>

#include <vector>

#include "whisper_segments.h"

using namespace xattn;
using namespace xattn::posix;

namespace {

struct Want {
  double start, end;
  size_t first, last;
};

void check(const WhisperTokens& t, const std::vector<uint32_t>& ids, double window, const std::vector<Want>& want) {
  const std::vector<WhisperSegment> got = whisper_segments(t, ids.data(), ids.size(), window);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].start == doctest::Approx(want[i].start).epsilon(1e-12));
    CHECK(got[i].end == doctest::Approx(want[i].end).epsilon(1e-12));
    CHECK(got[i].first == want[i].first);
    CHECK(got[i].last == want[i].last);
  }
}

}  // namespace

TEST_CASE("whisper segments: transcribe.py's cuts and format_timestamp") {
  WhisperTokens t;
  REQUIRE(whisper_tokens(51865, true, 99, &t).is_ok());
  const auto ts = [&](uint32_t index) { return t.timestamp_begin + index; };
  const uint32_t a = 100, b = 200, c = 300;
  // Pairs, then a single timestamp ending: every token in a segment.
  check(t, {ts(0), a, b, ts(5), ts(5), c, ts(9)}, 30.0, {{0.0, 0.10, 0, 4}, {0.10, 0.18, 4, 7}});
  // Two pairs, ending on a pair: the cut after each.
  check(t, {ts(0), a, ts(3), ts(4), b, ts(8), ts(8)}, 30.0, {{0.0, 0.06, 0, 3}, {0.08, 0.16, 3, 6}});
  // Text after the last pair: transcribe.py re-decodes it in the next window; here a last segment to the end.
  check(t, {ts(0), a, b, ts(5), ts(5), c}, 12.0, {{0.0, 0.10, 0, 4}, {0.10, 12.0, 4, 6}});
  // No pair: one segment to the last timestamp, or to the window's end.
  check(t, {ts(0), a, b, ts(7)}, 30.0, {{0.0, 0.14, 0, 4}});
  check(t, {a, b}, 2.5, {{0.0, 2.5, 0, 2}});
  check(t, {ts(0), a}, 30.0, {{0.0, 30.0, 0, 2}});
  check(t, {}, 30.0, {{0.0, 30.0, 0, 0}});

  CHECK(whisper_timestamp(0.0) == "00:00.000");
  CHECK(whisper_timestamp(2.34) == "00:02.340");
  CHECK(whisper_timestamp(30.0) == "00:30.000");
  CHECK(whisper_timestamp(59.9996) == "01:00.000");
  CHECK(whisper_timestamp(3661.5) == "01:01:01.500");
  CHECK(whisper_timestamp(0.0005) == "00:00.000");  // Python's round: half to even
  CHECK(whisper_timestamp(0.0015) == "00:00.002");
}
