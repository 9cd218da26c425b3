#include "wav_reader.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "resample.h"

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

constexpr uint32_t kMinRate = 1000, kMaxRate = 384000;
constexpr uint16_t kMaxChannels = 32;

bool is_pcm(const Format& f) {
  return f.tag == kFormatPcm && (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32);
}
bool is_float(const Format& f) { return f.tag == kFormatFloat && (f.bits == 32 || f.bits == 64); }

std::string check_format(const Format& f) {
  if (!is_pcm(f) && !is_float(f))
    return "WAV: " + format_name(f.tag, f.bits) + " samples, expected PCM (8, 16, 24 or 32-bit) or float (32 or 64-bit)";
  if (f.channels == 0 || f.channels > kMaxChannels)
    return "WAV: " + std::to_string(f.channels) + " channels, expected 1 to " + std::to_string(kMaxChannels);
  if (f.rate < kMinRate || f.rate > kMaxRate)
    return "WAV: " + std::to_string(f.rate) + " Hz, expected " + std::to_string(kMinRate) + " to " +
           std::to_string(kMaxRate) + " Hz";
  if (f.block_align != f.channels * (f.bits / 8))
    return "WAV: block align " + std::to_string(f.block_align) + ", expected " + std::to_string(f.channels * (f.bits / 8));
  return "";
}

// Sample i (of every channel, interleaved) as a float in [-1, 1).
float decode_sample(const Format& f, const uint8_t* p) {
  if (f.tag == kFormatFloat) {
    if (f.bits == 32) {
      const uint32_t w = u32(p);
      float v;
      std::memcpy(&v, &w, 4);
      return v;
    }
    const uint64_t w = static_cast<uint64_t>(u32(p)) | static_cast<uint64_t>(u32(p + 4)) << 32;
    double v;
    std::memcpy(&v, &w, 8);
    return static_cast<float>(v);
  }
  switch (f.bits) {
    case 8: return (static_cast<float>(p[0]) - 128.0f) / 128.0f;  // 8-bit WAV is unsigned
    case 16: return static_cast<float>(static_cast<int16_t>(u16(p))) / 32768.0f;
    case 24: {
      const int32_t v = static_cast<int32_t>(static_cast<uint32_t>(p[0]) << 8 | static_cast<uint32_t>(p[1]) << 16 |
                                             static_cast<uint32_t>(p[2]) << 24) >> 8;
      return static_cast<float>(v) / 8388608.0f;
    }
    default: return static_cast<float>(static_cast<double>(static_cast<int32_t>(u32(p))) / 2147483648.0);
  }
}

std::string describe(const Format& f) {
  return std::to_string(f.rate) + " Hz, " + (f.channels == 1 ? std::string("mono") : std::to_string(f.channels) + " channels") +
         ", " + format_name(f.tag, f.bits);
}

// Anything but 16 kHz mono PCM16 or float32: decoded to float, the channels
// averaged, resampled to 16 kHz.
std::string convert_samples(const Format& f, const uint8_t* p, size_t frames, WavAudio* out) {
  // A low rate grows up to 16-fold on the way to 16 kHz: bound the result (4.6 hours, 1 GiB of float).
  constexpr uint64_t kMaxConverted = uint64_t{1} << 28;
  const uint64_t converted = static_cast<uint64_t>(frames) * kAudioSampleRate / f.rate;
  if (converted > kMaxConverted)
    return "WAV: " + std::to_string(converted / kAudioSampleRate / 60) + " minutes of audio, more than the " +
           std::to_string(kMaxConverted / kAudioSampleRate / 60) + " converted from another rate or channel count";
  const size_t bytes = f.bits / 8;
  std::vector<float> interleaved(frames * f.channels);
  for (size_t i = 0; i < interleaved.size(); ++i) {
    interleaved[i] = decode_sample(f, p + i * bytes);
    // NaN or infinity would pass silently through the spectrogram as a constant.
    if (!std::isfinite(interleaved[i])) return "WAV: sample " + std::to_string(i) + " is not a finite number";
  }
  out->f32 = resample(downmix(interleaved, f.channels), f.rate, kAudioSampleRate);
  out->converted_from = describe(f);
  out->converted_to = f.rate != kAudioSampleRate ? "resampled to 16 kHz mono"
                      : f.channels > 1           ? "mixed down to mono"
                                                 : "decoded to float";
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
      const uint64_t frame_bytes = format.block_align;
      if (data_bytes % frame_bytes != 0)
        return "WAV: data chunk of " + std::to_string(data_bytes) + " bytes is not a whole number of samples";
      const size_t n = static_cast<size_t>(data_bytes / frame_bytes);
      const uint8_t* p = bytes + body;
      const bool mono16k = format.channels == 1 && format.rate == kAudioSampleRate;
      if (mono16k && format.tag == kFormatPcm && format.bits == 16) {
        out->s16.resize(n);
        for (size_t i = 0; i < n; ++i) out->s16[i] = static_cast<int16_t>(u16(p + 2 * i));
        return "";
      }
      if (mono16k && format.tag == kFormatFloat && format.bits == 32) {
        out->f32.resize(n);
        for (size_t i = 0; i < n; ++i) {
          out->f32[i] = decode_sample(format, p + 4 * i);
          if (!std::isfinite(out->f32[i])) {
            *out = WavAudio();
            return "WAV: sample " + std::to_string(i) + " is not a finite number";
          }
        }
        return "";
      }
      const std::string error = convert_samples(format, p, n, out);
      if (!error.empty()) *out = WavAudio();
      return error;
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
