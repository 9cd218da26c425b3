// Tests of the CLI's WAV reader (ports/posix/wav_reader): 16 kHz mono PCM16
// and float32 read sample for sample; other rates, widths and channel
// counts converted (a tone comes out as the same tone at 16 kHz, what
// would alias is removed); every other format refused with a one-line
// error naming what the file holds; and hostile chunk layouts (odd sizes,
// LIST chunks, truncation at every byte, huge sizes).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "wav_reader.h"

using namespace xattn;
using namespace xattn::posix;

namespace {

void put16(std::vector<uint8_t>* b, uint32_t v) {
  b->push_back(static_cast<uint8_t>(v));
  b->push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>* b, uint32_t v) {
  put16(b, v & 0xFFFF);
  put16(b, v >> 16);
}
void chunk(std::vector<uint8_t>* b, const char* id, const std::vector<uint8_t>& body, bool pad = true) {
  b->insert(b->end(), id, id + 4);
  put32(b, static_cast<uint32_t>(body.size()));
  b->insert(b->end(), body.begin(), body.end());
  if (pad && body.size() % 2) b->push_back(0);
}

struct Fmt {
  uint16_t tag = 1, channels = 1, bits = 16;
  uint32_t rate = 16000;
  bool extensible = false;
};

std::vector<uint8_t> fmt_body(const Fmt& f) {
  std::vector<uint8_t> b;
  put16(&b, f.extensible ? 0xFFFE : f.tag);
  put16(&b, f.channels);
  put32(&b, f.rate);
  put32(&b, f.rate * f.channels * f.bits / 8);
  put16(&b, static_cast<uint16_t>(f.channels * f.bits / 8));
  put16(&b, f.bits);
  if (f.extensible) {
    put16(&b, 22);
    put16(&b, f.bits);
    put32(&b, 4);  // front centre
    put16(&b, f.tag);
    const uint8_t guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    b.insert(b.end(), guid_tail, guid_tail + 14);
  }
  return b;
}

// RIFF header around the given chunks (with the correct RIFF size).
std::vector<uint8_t> riff(const std::vector<uint8_t>& chunks) {
  std::vector<uint8_t> b = {'R', 'I', 'F', 'F'};
  put32(&b, static_cast<uint32_t>(4 + chunks.size()));
  b.insert(b.end(), {'W', 'A', 'V', 'E'});
  b.insert(b.end(), chunks.begin(), chunks.end());
  return b;
}

std::vector<uint8_t> pcm16_body(const std::vector<int16_t>& s) {
  std::vector<uint8_t> b;
  for (int16_t v : s) put16(&b, static_cast<uint16_t>(v));
  return b;
}

std::vector<uint8_t> simple_wav(const Fmt& f, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> c;
  chunk(&c, "fmt ", fmt_body(f));
  chunk(&c, "data", data);
  return riff(c);
}

std::string parse(const std::vector<uint8_t>& bytes, WavAudio* audio) {
  return parse_wav(bytes.data(), bytes.size(), audio);
}

}  // namespace

TEST_CASE("wav: PCM16 mono 16 kHz is read sample for sample") {
  const std::vector<int16_t> samples = {0, 1, -1, 32767, -32768, 1234, -4321};
  WavAudio audio;
  REQUIRE(parse(simple_wav(Fmt(), pcm16_body(samples)), &audio) == "");
  CHECK(audio.s16 == samples);
  CHECK(audio.f32.empty());
  const PcmView v = audio.view();
  CHECK(v.s16 == audio.s16.data());
  CHECK(v.f32 == nullptr);
  CHECK(v.count == samples.size());
}

TEST_CASE("wav: float32, plain and WAVE_FORMAT_EXTENSIBLE") {
  const std::vector<float> samples = {0.0f, 0.5f, -1.0f, 1.0f, 3.25e-6f, -0.75f};
  std::vector<uint8_t> data;
  for (float f : samples) {
    uint32_t w;
    std::memcpy(&w, &f, 4);
    put32(&data, w);
  }
  Fmt f;
  f.tag = 3;
  f.bits = 32;
  for (bool extensible : {false, true}) {
    CAPTURE(extensible);
    f.extensible = extensible;
    WavAudio audio;
    REQUIRE(parse(simple_wav(f, data), &audio) == "");
    CHECK(audio.f32 == samples);
    CHECK(audio.view().f32 == audio.f32.data());
  }
  Fmt pcm;
  pcm.extensible = true;
  WavAudio audio;
  REQUIRE(parse(simple_wav(pcm, pcm16_body({5, -6})), &audio) == "");
  CHECK(audio.s16 == std::vector<int16_t>{5, -6});
}

TEST_CASE("wav: LIST and odd-sized chunks are skipped with their padding") {
  std::vector<uint8_t> c;
  chunk(&c, "LIST", {'I', 'N', 'F', 'O', 'x'});  // odd: one pad byte follows
  chunk(&c, "fmt ", fmt_body(Fmt()));
  chunk(&c, "junk", {1, 2, 3});
  chunk(&c, "data", pcm16_body({7, 8, 9}));
  chunk(&c, "LIST", {'a', 'b'});  // after the data: ignored
  WavAudio audio;
  REQUIRE(parse(riff(c), &audio) == "");
  CHECK(audio.s16 == std::vector<int16_t>{7, 8, 9});

  // A wrong RIFF size (streamed files) does not matter; nor does a data size of 0xFFFFFFFF.
  std::vector<uint8_t> bytes = simple_wav(Fmt(), pcm16_body({1, 2}));
  bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0;
  REQUIRE(parse(bytes, &audio) == "");
  CHECK(audio.s16.size() == 2);
  bytes[40] = bytes[41] = bytes[42] = bytes[43] = 0xFF;
  REQUIRE(parse(bytes, &audio) == "");
  CHECK(audio.s16 == std::vector<int16_t>{1, 2});
}

TEST_CASE("wav: compressed and unknown formats, odd widths, channel counts and rates are refused by name") {
  struct Case {
    Fmt fmt;
    const char* error;
  };
  const char* kExpected = " samples, expected PCM (8, 16, 24 or 32-bit) or float (32 or 64-bit)";
  std::vector<Case> cases;
  Fmt f;
  f.bits = 12;
  cases.push_back({f, "12-bit PCM"});
  f = Fmt();
  f.tag = 3;
  f.bits = 16;
  cases.push_back({f, "16-bit float"});
  f = Fmt();
  f.tag = 6;
  f.bits = 8;
  cases.push_back({f, "A-law"});
  f.tag = 0x1234;
  cases.push_back({f, "format tag 0x1234"});
  f = Fmt();
  f.extensible = true;
  f.tag = 0x55;
  cases.push_back({f, "MP3"});
  for (const Case& c : cases) {
    WavAudio audio;
    CHECK(parse(simple_wav(c.fmt, pcm16_body({1, 2, 3, 4, 5, 6})), &audio) == std::string("WAV: ") + c.error + kExpected);
  }
  WavAudio audio;
  f = Fmt();
  f.channels = 0;
  CHECK(parse(simple_wav(f, pcm16_body({1, 2})), &audio) == "WAV: 0 channels, expected 1 to 32");
  f.channels = 33;
  CHECK(parse(simple_wav(f, pcm16_body({1, 2})), &audio) == "WAV: 33 channels, expected 1 to 32");
  f = Fmt();
  f.rate = 999;
  CHECK(parse(simple_wav(f, pcm16_body({1, 2})), &audio) == "WAV: 999 Hz, expected 1000 to 384000 Hz");
  f.rate = 384001;
  CHECK(parse(simple_wav(f, pcm16_body({1, 2})), &audio) == "WAV: 384001 Hz, expected 1000 to 384000 Hz");
  std::vector<uint8_t> bad_align = simple_wav(Fmt(), pcm16_body({1, 2}));
  bad_align[32] = 4;  // the fmt chunk's block align
  CHECK(parse(bad_align, &audio) == "WAV: block align 4, expected 2");
}

namespace {

// A file of `channels` interleaved channels at `rate`, `bits`-bit PCM (or 64-bit float
// when float64), channel c holding sin(2 pi hz t) * amplitude[c].
std::vector<uint8_t> tone_wav(uint32_t rate, uint16_t channels, uint16_t bits, bool float64, double hz,
                              const std::vector<double>& amplitude, size_t frames) {
  Fmt f;
  f.rate = rate;
  f.channels = channels;
  f.bits = float64 ? 64 : bits;
  f.tag = float64 ? 3 : 1;
  std::vector<uint8_t> data;
  for (size_t i = 0; i < frames; ++i) {
    for (uint16_t c = 0; c < channels; ++c) {
      const double v = amplitude[c] * std::sin(2 * 3.14159265358979323846 * hz * static_cast<double>(i) / rate);
      if (float64) {
        uint64_t w;
        std::memcpy(&w, &v, 8);
        put32(&data, static_cast<uint32_t>(w));
        put32(&data, static_cast<uint32_t>(w >> 32));
      } else if (bits == 8) {
        data.push_back(static_cast<uint8_t>(std::lround(v * 127) + 128));
      } else {
        const int64_t q = std::llround(v * (std::pow(2.0, bits - 1) - 1));
        for (int b = 0; b < bits / 8; ++b) data.push_back(static_cast<uint8_t>(static_cast<uint64_t>(q) >> (8 * b)));
      }
    }
  }
  return simple_wav(f, data);
}

// Largest |audio - amplitude sin(2 pi hz n / 16000)| away from the edges (the filter's reach).
double tone_error(const WavAudio& audio, double hz, double amplitude) {
  double worst = 0.0;
  for (size_t n = 400; n + 400 < audio.f32.size(); ++n)
    worst = std::max(worst, std::fabs(audio.f32[n] - amplitude * std::sin(2 * 3.14159265358979323846 * hz * n / 16000.0)));
  return worst;
}

}  // namespace

TEST_CASE("wav: a recording at another rate, width and channel count becomes 16 kHz mono float") {
  struct Case {
    uint32_t rate;
    uint16_t channels, bits;
    bool float64;
    const char* described;
    const char* done;
    double tolerance;  // the sample format's own resolution dominates for 8 and 16 bits
  };
  const Case cases[] = {
      {44100, 2, 24, false, "44100 Hz, 2 channels, 24-bit PCM", "resampled to 16 kHz mono", 1e-5},
      {48000, 1, 16, false, "48000 Hz, mono, 16-bit PCM", "resampled to 16 kHz mono", 1e-4},
      {8000, 1, 32, false, "8000 Hz, mono, 32-bit PCM", "resampled to 16 kHz mono", 1e-5},
      {22050, 6, 8, false, "22050 Hz, 6 channels, 8-bit PCM", "resampled to 16 kHz mono", 1.5e-2},
      {16000, 2, 16, false, "16000 Hz, 2 channels, 16-bit PCM", "mixed down to mono", 1e-4},
      {96000, 1, 64, true, "96000 Hz, mono, 64-bit float", "resampled to 16 kHz mono", 1e-5},
      {16000, 1, 24, false, "16000 Hz, mono, 24-bit PCM", "decoded to float", 1e-5},
  };
  for (const Case& c : cases) {
    CAPTURE(c.described);
    // Channel amplitudes average to 0.5: the mono mix is a 0.5-amplitude 440 Hz tone.
    std::vector<double> amplitude(c.channels, 0.5);
    if (c.channels > 1) amplitude[0] = 0.8, amplitude[1] = 0.2;
    const size_t frames = c.rate / 2;  // 0.5 s
    WavAudio audio;
    REQUIRE(parse(tone_wav(c.rate, c.channels, c.bits, c.float64, 440.0, amplitude, frames), &audio) == "");
    CHECK(audio.converted_from == c.described);
    CHECK(audio.conversion_note() == std::string(c.described) + ", " + c.done);
    CHECK(audio.s16.empty());
    CHECK(audio.f32.size() == frames * 16000 / c.rate);
    const double error = tone_error(audio, 440.0, 0.5);
    MESSAGE(std::string(c.described) << ": largest error against the 16 kHz tone " << error);
    CHECK(error < c.tolerance);
  }
  // 16 kHz mono PCM16 and float32 are read as they are, with nothing to say.
  WavAudio plain;
  REQUIRE(parse(tone_wav(16000, 1, 16, false, 440.0, {0.5}, 8000), &plain) == "");
  CHECK(plain.converted_from.empty());
  CHECK(plain.s16.size() == 8000);
}

TEST_CASE("wav: resampling keeps the speech band and removes what would alias") {
  // 7 kHz (inside the 16 kHz band) passes at 48 kHz; 9 and 12 kHz (above 8 kHz,
  // which would fold to 7 and 4 kHz) are attenuated by at least 60 dB.
  const auto rms = [](const WavAudio& a) {
    double sum = 0.0;
    size_t n = 0;
    for (size_t i = 400; i + 400 < a.f32.size(); ++i, ++n) sum += static_cast<double>(a.f32[i]) * a.f32[i];
    return std::sqrt(sum / static_cast<double>(n));
  };
  WavAudio pass, stop9, stop12;
  REQUIRE(parse(tone_wav(48000, 1, 32, false, 7000.0, {0.5}, 24000), &pass) == "");
  REQUIRE(parse(tone_wav(48000, 1, 32, false, 9000.0, {0.5}, 24000), &stop9) == "");
  REQUIRE(parse(tone_wav(48000, 1, 32, false, 12000.0, {0.5}, 24000), &stop12) == "");
  const double full = 0.5 / std::sqrt(2.0);
  MESSAGE("7 kHz " << rms(pass) / full << ", 9 kHz " << rms(stop9) / full << ", 12 kHz " << rms(stop12) / full
                   << " of the input's level");
  CHECK(std::fabs(rms(pass) / full - 1.0) < 0.01);
  CHECK(rms(stop9) < full * 1e-3);
  CHECK(rms(stop12) < full * 1e-3);
}

TEST_CASE("wav: a non-finite float64 sample is refused") {
  WavAudio audio;
  std::vector<uint8_t> bytes = tone_wav(44100, 1, 64, true, 440.0, {0.5}, 16);
  const double nan = std::nan("");
  uint64_t w;
  std::memcpy(&w, &nan, 8);
  for (int b = 0; b < 8; ++b) bytes[44 + 3 * 8 + b] = static_cast<uint8_t>(w >> (8 * b));
  CHECK(parse(bytes, &audio) == "WAV: sample 3 is not a finite number");
  CHECK(audio.f32.empty());
}

TEST_CASE("wav: malformed files give a one-line error") {
  WavAudio audio;
  CHECK(parse({}, &audio) == "WAV: not a RIFF/WAVE file");
  std::vector<uint8_t> not_wave = simple_wav(Fmt(), pcm16_body({1}));
  not_wave[8] = 'A';
  CHECK(parse(not_wave, &audio) == "WAV: not a RIFF/WAVE file");

  std::vector<uint8_t> c;
  chunk(&c, "data", pcm16_body({1}));
  chunk(&c, "fmt ", fmt_body(Fmt()));
  CHECK(parse(riff(c), &audio) == "WAV: data chunk before the fmt chunk");
  c.clear();
  chunk(&c, "fmt ", fmt_body(Fmt()));
  CHECK(parse(riff(c), &audio) == "WAV: no data chunk");
  CHECK(parse(riff({}), &audio) == "WAV: no fmt chunk");
  c.clear();
  chunk(&c, "fmt ", {1, 0, 1, 0});
  CHECK(parse(riff(c), &audio) == "WAV: fmt chunk of 4 bytes, expected at least 16");
  c.clear();
  chunk(&c, "fmt ", fmt_body(Fmt()));
  chunk(&c, "data", {1, 2, 3}, false);
  CHECK(parse(riff(c), &audio) == "WAV: data chunk of 3 bytes is not a whole number of samples");

  // Huge sizes: a LIST chunk claiming 4 GB, a data chunk claiming more than present.
  c.clear();
  c.insert(c.end(), {'L', 'I', 'S', 'T', 0xF0, 0xFF, 0xFF, 0xFF, 0, 0});
  CHECK(parse(riff(c), &audio) == "WAV: LIST chunk of 4294967280 bytes, only 2 present (truncated file)");
  // A hostile chunk id is escaped: the error stays one line.
  c.clear();
  c.insert(c.end(), {'a', '\n', 0, 0x7F, 0xF0, 0xFF, 0xFF, 0xFF, 0, 0});
  CHECK(parse(riff(c), &audio) == "WAV: a\\x0A\\x00\\x7F chunk of 4294967280 bytes, only 2 present (truncated file)");
  std::vector<uint8_t> full = simple_wav(Fmt(), pcm16_body({1, 2, 3, 4}));
  full[40] = 200;
  CHECK(parse(full, &audio) == "WAV: data chunk of 200 bytes, only 8 present (truncated file)");
}

TEST_CASE("wav: every truncation of a valid file is an error, never a crash") {
  const std::vector<uint8_t> full = simple_wav(Fmt(), pcm16_body({1, -2, 3, -4, 5}));
  WavAudio audio;
  REQUIRE(parse(full, &audio) == "");
  for (size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const std::string error = parse(cut, &audio);
    CHECK(error.rfind("WAV: ", 0) == 0);
    CHECK(error.find('\n') == std::string::npos);
  }
}

TEST_CASE("wav: a missing file names it") {
  WavAudio audio;
  CHECK(read_wav_file("no/such/file.wav", &audio) == "no/such/file.wav: cannot open");
}
