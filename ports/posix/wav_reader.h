// Reading WAV files for the command-line tool: RIFF/WAVE with 16-bit PCM or
// 32-bit IEEE float samples (plain or WAVE_FORMAT_EXTENSIBLE), mono, 16 kHz
// — what Whisper's front end takes. Anything else (another rate, channel
// count or sample format) is refused with a one-line error naming what the
// file holds; chunks are walked with every size checked against the bytes
// present (odd sizes padded, unknown chunks such as LIST skipped).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "xattn/audio.h"

namespace xattn {
namespace posix {

struct WavAudio {
  std::vector<int16_t> s16;  // PCM16 files
  std::vector<float> f32;    // float32 files
  // The samples as the front end takes them (borrows the vectors above).
  PcmView view() const;
  size_t samples() const { return s16.empty() ? f32.size() : s16.size(); }
};

// Returns "" or a one-line error starting with "WAV: ".
std::string parse_wav(const uint8_t* bytes, size_t size, WavAudio* out);

// Reads and parses a file; errors name it.
std::string read_wav_file(const std::string& path, WavAudio* out);

}  // namespace posix
}  // namespace xattn
