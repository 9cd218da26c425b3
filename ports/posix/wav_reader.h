// Reading WAV files for the command-line tool: RIFF/WAVE with PCM (8, 16,
// 24 or 32-bit) or IEEE float (32 or 64-bit) samples, plain or
// WAVE_FORMAT_EXTENSIBLE, 1 to 32 channels, 1 to 384 kHz. 16 kHz mono PCM16
// or float32 — what Whisper's front end takes — is read sample for sample;
// anything else (a user's 44.1 kHz stereo recording) is decoded to float,
// its channels averaged and resampled to 16 kHz (resample.h), and says so
// in converted_from. Other formats (compressed ones, A-law, ...) are refused
// with a one-line error naming what the file holds; chunks are walked with
// every size checked against the bytes present (odd sizes padded, unknown
// chunks such as LIST skipped).
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
  // "" when the file was 16 kHz mono PCM16 or float32; else what it held
  // ("44100 Hz, 2 channels, 24-bit PCM"), now float32 16 kHz mono, and what
  // was done to it: "resampled to 16 kHz mono", "mixed down to mono" (16 kHz,
  // several channels) or "decoded to float" (16 kHz mono, another sample type).
  std::string converted_from;
  std::string converted_to;
  // "44100 Hz, 2 channels, 24-bit PCM, resampled to 16 kHz mono", or "".
  std::string conversion_note() const { return converted_from.empty() ? "" : converted_from + ", " + converted_to; }
};

// Returns "" or a one-line error starting with "WAV: ".
std::string parse_wav(const uint8_t* bytes, size_t size, WavAudio* out);

// Reads and parses a file; errors name it.
std::string read_wav_file(const std::string& path, WavAudio* out);

}  // namespace posix
}  // namespace xattn
