// Tests of the CLI's WAV reader (ports/posix/wav_reader): the accepted
// formats read sample for sample, every other format refused with a
// one-line error naming what the file holds, and hostile chunk layouts
// (odd sizes, LIST chunks, truncation at every byte, huge sizes).
#include <doctest/doctest.h>

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

TEST_CASE("wav: other rates, channel counts and formats are refused by name") {
  struct Case {
    Fmt fmt;
    const char* error;
  };
  std::vector<Case> cases;
  Fmt f;
  f.rate = 44100;
  cases.push_back({f, "WAV: 44100 Hz, expected 16000 Hz (e.g. sox in.wav -r 16000 out.wav)"});
  f = Fmt();
  f.rate = 8000;
  cases.push_back({f, "WAV: 8000 Hz, expected 16000 Hz (e.g. sox in.wav -r 16000 out.wav)"});
  f = Fmt();
  f.channels = 2;
  cases.push_back({f, "WAV: 2 channels, expected mono (e.g. sox in.wav -c 1 out.wav)"});
  f = Fmt();
  f.bits = 8;
  cases.push_back({f, "WAV: 8-bit PCM samples, expected 16-bit PCM or 32-bit float"});
  f.bits = 24;
  cases.push_back({f, "WAV: 24-bit PCM samples, expected 16-bit PCM or 32-bit float"});
  f.bits = 32;
  cases.push_back({f, "WAV: 32-bit PCM samples, expected 16-bit PCM or 32-bit float"});
  f = Fmt();
  f.tag = 3;
  f.bits = 64;
  cases.push_back({f, "WAV: 64-bit float samples, expected 16-bit PCM or 32-bit float"});
  f = Fmt();
  f.tag = 6;
  f.bits = 8;
  cases.push_back({f, "WAV: A-law samples, expected 16-bit PCM or 32-bit float"});
  f.tag = 0x1234;
  cases.push_back({f, "WAV: format tag 0x1234 samples, expected 16-bit PCM or 32-bit float"});
  f = Fmt();
  f.extensible = true;
  f.bits = 24;
  cases.push_back({f, "WAV: 24-bit PCM samples, expected 16-bit PCM or 32-bit float"});
  for (const Case& c : cases) {
    WavAudio audio;
    CHECK(parse(simple_wav(c.fmt, pcm16_body({1, 2, 3, 4, 5, 6})), &audio) == c.error);
  }
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
