// Whisper's timestamped segments of one decoded window, as openai-whisper's
// transcribe.py cuts them, and its [hh:]mm:ss.mmm timestamp format
// (utils.py format_timestamp), for xattn transcribe --timestamps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "xattn/whisper.h"

namespace xattn {
namespace posix {

struct WhisperSegment {
  double start = 0.0, end = 0.0;  // seconds
  size_t first = 0, last = 0;     // its tokens: ids[first, last)
};

// The generated tokens `ids` (prompt and end token excluded) of a window of
// `window_seconds`: split after each pair of consecutive timestamps (and at
// a single timestamp ending the output), each segment from its first to its
// last token's time (0.02 s per timestamp); without a pair, one segment from
// 0 to the last timestamp (or the window's end). transcribe.py leaves text
// after the last pair to its next window; xattn transcribes one window only,
// so a tail with text becomes a last segment from the pair's time to the window's end.
std::vector<WhisperSegment> whisper_segments(const WhisperTokens& tokens, const uint32_t* ids, size_t count,
                                             double window_seconds);

// utils.py's format_timestamp: [hh:]mm:ss.mmm, milliseconds rounded half to even as Python's round.
std::string whisper_timestamp(double seconds);

}  // namespace posix
}  // namespace xattn
