#include "wav_reader.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace xattn {
namespace posix {
namespace {

constexpr uint16_t kFormatPcm = 0x0001;
constexpr uint16_t kFormatFloat = 0x0003;
constexpr uint16_t kFormatExtensible = 0xFFFE;
// A data size streaming writers put when they cannot seek back: "to the end".
constexpr uint32_t kUnknownSize = 0xFFFFFFFFu;

uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

std::string format_name(uint16_t tag, uint16_t bits) {
  switch (tag) {
    case kFormatPcm: return std::to_string(bits) + "-bit PCM";
    case kFormatFloat: return std::to_string(bits) + "-bit float";
    case 0x0006: return "A-law";
    case 0x0007: return "mu-law";
    case 0x0002: return "ADPCM";
    case 0x0011: return "IMA ADPCM";
    case 0x0055: return "MP3";
    default: {
      char hex[16];
      std::snprintf(hex, sizeof hex, "0x%04X", tag);
      return std::string("format tag ") + hex;
    }
  }
}

// A chunk id for a message: printable ASCII as is, other bytes as \xNN, so
// hostile ids cannot break the one-line error.
std::string chunk_name(const uint8_t* id) {
  std::string name;
  for (int i = 0; i < 4; ++i) {
    if (id[i] >= 0x20 && id[i] < 0x7F) {
      name.push_back(static_cast<char>(id[i]));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", id[i]);
      name += hex;
    }
  }
  return name;
}

struct Format {
  uint16_t tag = 0, channels = 0, block_align = 0, bits = 0;
  uint32_t rate = 0;
};

std::string parse_fmt(const uint8_t* p, uint32_t size, Format* f) {
  if (size < 16) return "WAV: fmt chunk of " + std::to_string(size) + " bytes, expected at least 16";
  f->tag = u16(p);
  f->channels = u16(p + 2);
  f->rate = u32(p + 4);
  f->block_align = u16(p + 12);
  f->bits = u16(p + 14);
  if (f->tag == kFormatExtensible) {
    // cbSize, valid bits, channel mask, then the sub-format GUID whose first
    // two bytes are the plain format tag.
    if (size < 40 || u16(p + 16) < 22) return "WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk too short";
    f->tag = u16(p + 24);
  }
  return "";
}

std::string check_format(const Format& f) {
  const bool pcm16 = f.tag == kFormatPcm && f.bits == 16;
  const bool float32 = f.tag == kFormatFloat && f.bits == 32;
  if (!pcm16 && !float32)
    return "WAV: " + format_name(f.tag, f.bits) + " samples, expected 16-bit PCM or 32-bit float";
  if (f.channels != 1)
    return "WAV: " + std::to_string(f.channels) + " channels, expected mono (e.g. sox in.wav -c 1 out.wav)";
  if (f.rate != kAudioSampleRate)
    return "WAV: " + std::to_string(f.rate) + " Hz, expected 16000 Hz (e.g. sox in.wav -r 16000 out.wav)";
  if (f.block_align != f.bits / 8)
    return "WAV: block align " + std::to_string(f.block_align) + ", expected " + std::to_string(f.bits / 8);
  return "";
}

}  // namespace

PcmView WavAudio::view() const {
  PcmView v;
  if (!s16.empty()) v.s16 = s16.data();
  if (!f32.empty()) v.f32 = f32.data();
  v.count = samples();
  return v;
}

std::string parse_wav(const uint8_t* bytes, size_t size, WavAudio* out) {
  *out = WavAudio();
  if (size < 12 || std::memcmp(bytes, "RIFF", 4) != 0 || std::memcmp(bytes + 8, "WAVE", 4) != 0)
    return "WAV: not a RIFF/WAVE file";
  // The RIFF size is often wrong in streamed files: the bytes present bound the walk.
  Format format;
  bool have_format = false;
  uint64_t at = 12;
  while (at + 8 <= size) {
    const uint8_t* header = bytes + at;
    const uint32_t chunk_size = u32(header + 4);
    const uint64_t body = at + 8, present = size - body;
    if (std::memcmp(header, "data", 4) == 0) {
      if (!have_format) return "WAV: data chunk before the fmt chunk";
      const uint64_t data_bytes = chunk_size == kUnknownSize ? present : chunk_size;
      if (data_bytes > present)
        return "WAV: data chunk of " + std::to_string(data_bytes) + " bytes, only " + std::to_string(present) +
               " present (truncated file)";
      const uint64_t frame_bytes = format.bits / 8;
      if (data_bytes % frame_bytes != 0)
        return "WAV: data chunk of " + std::to_string(data_bytes) + " bytes is not a whole number of samples";
      const size_t n = static_cast<size_t>(data_bytes / frame_bytes);
      const uint8_t* p = bytes + body;
      if (format.tag == kFormatPcm) {
        out->s16.resize(n);
        for (size_t i = 0; i < n; ++i) out->s16[i] = static_cast<int16_t>(u16(p + 2 * i));
      } else {
        out->f32.resize(n);
        for (size_t i = 0; i < n; ++i) {
          const uint32_t w = u32(p + 4 * i);
          std::memcpy(&out->f32[i], &w, 4);
          // NaN or infinity would pass silently through the spectrogram as a constant.
          if (!std::isfinite(out->f32[i])) {
            *out = WavAudio();
            return "WAV: sample " + std::to_string(i) + " is not a finite number";
          }
        }
      }
      return "";
    }
    if (chunk_size > present)
      return "WAV: " + chunk_name(header) + " chunk of " +
             std::to_string(chunk_size) + " bytes, only " + std::to_string(present) + " present (truncated file)";
    if (std::memcmp(header, "fmt ", 4) == 0) {
      if (have_format) return "WAV: two fmt chunks";
      std::string error = parse_fmt(bytes + body, chunk_size, &format);
      if (error.empty()) error = check_format(format);
      if (!error.empty()) return error;
      have_format = true;
    }
    at = body + chunk_size + (chunk_size & 1u);  // chunks are padded to even sizes
  }
  return have_format ? "WAV: no data chunk" : "WAV: no fmt chunk";
}

std::string read_wav_file(const std::string& path, WavAudio* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot open";
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return path + ": read error";
  const std::string error = parse_wav(bytes.data(), bytes.size(), out);
  return error.empty() ? "" : path + ": " + error;
}

}  // namespace posix
}  // namespace xattn
