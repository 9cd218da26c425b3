// Tests of the ggml reader (models/convert/ggml_*): whisper.cpp's own tiny
// header-and-vocabulary test files, files written by whisper.cpp's converter
// from a random openai-whisper checkpoint (f16 and f32), and files built
// here for q8_0, f16 special values, refused types and hostile sizes.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "audio/reference_script.h"
#include "ggml_model.h"
#include "ggml_types.h"
#include "mel_filters.h"
#include "xattn/config.h"

using namespace xattn;
using namespace xattn::convert;

namespace {

std::string tiny_test_file(const char* name) {
  const std::string path = test::env_or("XATTN_REFERENCE_DIR", XATTN_REFERENCE_DIR) + "/whisper.cpp/models/" + name;
  if (std::ifstream(path).good()) return path;
  MESSAGE("XATTN-SKIP: " << path << " absent (set XATTN_REFERENCE_DIR)");
  return "";
}

// A ggml file built byte by byte.
struct Builder {
  std::vector<uint8_t> bytes;
  std::vector<size_t> tensor_ends;  // offsets where a tensor (or the vocabulary) ends
  void i32(int32_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * i)));
  }
  void u16(uint16_t v) {
    bytes.push_back(static_cast<uint8_t>(v));
    bytes.push_back(static_cast<uint8_t>(v >> 8));
  }
  void f32(float f) {
    int32_t w;
    std::memcpy(&w, &f, 4);
    i32(w);
  }
  // Header with 2 mel bins, a two-token vocabulary.
  void header(int32_t n_mels = 2) {
    i32(0x67676d6c);
    for (int32_t v : {300, 24, 64, 4, 2, 16, 64, 4, 2, n_mels, 1}) i32(v);
    i32(n_mels);
    i32(201);
    for (int i = 0; i < n_mels * 201; ++i) f32(0.001f * static_cast<float>(i));
    i32(2);
    i32(2);
    bytes.insert(bytes.end(), {'h', 'i'});
    i32(0);  // an empty token is allowed
    tensor_ends.push_back(bytes.size());
  }
  // Tensor header; dims innermost first, as ggml stores them.
  void tensor(const std::string& name, int32_t type, std::vector<int32_t> dims) {
    i32(static_cast<int32_t>(dims.size()));
    i32(static_cast<int32_t>(name.size()));
    i32(type);
    for (int32_t d : dims) i32(d);
    bytes.insert(bytes.end(), name.begin(), name.end());
  }
  void end_tensor() { tensor_ends.push_back(bytes.size()); }
};

std::string parse(const std::vector<uint8_t>& bytes, GgmlModel* m) { return parse_ggml(bytes.data(), bytes.size(), m); }

}  // namespace

TEST_CASE("ggml: whisper.cpp's tiny test header parses and its missing tensors are a clear error") {
  const std::string path = tiny_test_file("for-tests-ggml-tiny.bin");
  if (path.empty()) return;
  GgmlModel m;
  REQUIRE(read_ggml_file(path, &m) == "");
  // The real tiny hyperparameters, as the reference README lists them.
  const GgmlHparams& h = m.hparams;
  CHECK(h.n_vocab == 51865);
  CHECK(h.n_audio_ctx == 1500);
  CHECK(h.n_audio_state == 384);
  CHECK(h.n_audio_head == 6);
  CHECK(h.n_audio_layer == 4);
  CHECK(h.n_text_ctx == 448);
  CHECK(h.n_text_state == 384);
  CHECK(h.n_text_head == 6);
  CHECK(h.n_text_layer == 4);
  CHECK(h.n_mels == 80);
  CHECK(h.ftype == 1);
  CHECK(m.vocabulary.size() == 50257);
  CHECK(m.vocabulary[0] == "!");
  CHECK(m.tensors.empty());
  // Its filter bank is whisper's 80-bin one, which the converter computes.
  CHECK(m.mel_rows == 80);
  CHECK(m.mel_cols == 201);
  CHECK(m.mel_filters == whisper_mel_filters(80));
  // 5 encoder stem tensors + 4 x 15 per encoder block + 2, then 2 + 4 x 24 + 2 for the decoder.
  CHECK(check_whisper_tensors(m) ==
        "ggml: tensor encoder.positional_embedding missing (the file has 0 of the 167 tensors a Whisper model needs)");

  const std::string en = tiny_test_file("for-tests-ggml-tiny.en.bin");
  REQUIRE(read_ggml_file(en, &m) == "");
  CHECK(m.hparams.n_vocab == 51864);
}

TEST_CASE("ggml: files written by whisper.cpp's converter decode exactly (f16 and f32)") {
  const std::string dir = test::run_reference_script(XATTN_GGML_REFERENCE_SCRIPT, "audio-ggml-reference");
  if (dir.empty()) return;
  std::ifstream dims_file(dir + "/dims.txt");
  std::vector<int32_t> dims(10);
  for (int32_t& d : dims) dims_file >> d;
  std::vector<std::string> vocab;
  {
    std::ifstream hex(dir + "/vocab.hex");
    std::string line;
    while (std::getline(hex, line)) {
      std::string token;
      for (size_t i = 0; i + 1 < line.size(); i += 2)
        token.push_back(static_cast<char>(std::stoi(line.substr(i, 2), nullptr, 16)));
      vocab.push_back(token);
    }
  }
  for (const char* precision : {"f16", "f32"}) {
    CAPTURE(precision);
    GgmlModel m;
    REQUIRE(read_ggml_file(dir + "/" + precision + "/ggml-model" + (precision[1] == '1' ? "" : "-f32") + ".bin",
                           &m) == "");
    const GgmlHparams& h = m.hparams;
    CHECK(std::vector<int32_t>{h.n_vocab, h.n_audio_ctx, h.n_audio_state, h.n_audio_head, h.n_audio_layer,
                               h.n_text_ctx, h.n_text_state, h.n_text_head, h.n_text_layer, h.n_mels} == dims);
    CHECK(h.ftype == (precision[1] == '1' ? 1 : 0));
    CHECK(m.mel_filters == whisper_mel_filters(80));
    CHECK(m.vocabulary == vocab);
    CHECK(check_whisper_tensors(m) == "");
    std::ifstream list(dir + "/tensors.txt");
    std::string line;
    size_t checked = 0;
    std::set<uint32_t> types;
    while (std::getline(list, line)) {
      std::istringstream fields(line);
      std::string name;
      fields >> name;
      CAPTURE(name);
      const GgmlTensor* t = m.find(name);
      REQUIRE(t != nullptr);
      types.insert(t->type);
      CHECK(t->values == test::read_raw<float>(dir + "/tensors/" + name + ".f32"));
      ++checked;
    }
    CHECK(checked == m.tensors.size());
    // The f16 file keeps matrices in f16 and vectors in f32; the other is all f32.
    CHECK(types == (precision[1] == '1' ? std::set<uint32_t>{0, 1} : std::set<uint32_t>{0}));
  }
}

TEST_CASE("ggml: q8_0 and f16 values decode to what they encode") {
  Builder b;
  b.header();
  // q8_0: 2 rows of 64 = 4 blocks; scale 0.5 (f16 0x3800) or 2^-4 (0x2C00); q = (i * 37) % 255 - 127.
  b.tensor("q", 8, {64, 2});
  std::vector<float> expected;
  for (int block = 0; block < 4; ++block) {
    const uint16_t scale_bits = block % 2 ? 0x2C00 : 0x3800;
    const float scale = block % 2 ? 0.0625f : 0.5f;
    b.u16(scale_bits);
    for (int j = 0; j < 32; ++j) {
      const int q = (block * 32 + j) * 37 % 255 - 127;
      b.bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(q)));
      expected.push_back(scale * static_cast<float>(q));
    }
  }
  b.end_tensor();
  const std::vector<uint16_t> halves = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x0400, 0x3555, 0xFC00};
  const std::vector<float> values = {1.0f,       -2.0f, 65504.0f,         std::ldexp(1.0f, -24), -0.0f,
                                     INFINITY,   std::ldexp(1.0f, -14), 0.333251953125f,      -INFINITY};
  b.tensor("h", 1, {static_cast<int32_t>(halves.size())});
  for (uint16_t v : halves) b.u16(v);
  b.end_tensor();
  GgmlModel m;
  REQUIRE(parse(b.bytes, &m) == "");
  REQUIRE(m.tensors.size() == 2);
  CHECK(m.tensors[0].shape == std::vector<int64_t>{2, 64});
  CHECK(m.tensors[0].values == expected);
  CHECK(m.tensors[1].values == values);
  CHECK(std::signbit(m.tensors[1].values[4]));
  CHECK(std::isnan(half_to_float(0x7E00)));
  CHECK(m.vocabulary == std::vector<std::string>{"hi", ""});

  // Every truncation is an error, except at the end of the vocabulary or of a
  // tensor, where the format (tensors until the end of the file) cannot tell.
  for (size_t n = 0; n < b.bytes.size(); ++n) {
    CAPTURE(n);
    const std::vector<uint8_t> cut(b.bytes.begin(), b.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    const std::string error = parse(cut, &m);
    bool boundary = false;
    for (size_t end : b.tensor_ends) boundary = boundary || end == n;
    if (boundary) {
      CHECK(error == "");
    } else {
      CHECK(error.rfind("ggml: ", 0) == 0);
    }
  }
}

TEST_CASE("ggml: other tensor types are refused by name") {
  struct Case {
    int32_t type;
    const char* error;
  };
  for (const Case& c : {Case{2, "ggml: tensor w is q4_0, only f32, f16 and q8_0 are read"},
                        Case{3, "ggml: tensor w is q4_1, only f32, f16 and q8_0 are read"},
                        Case{7, "ggml: tensor w is q5_1, only f32, f16 and q8_0 are read"},
                        Case{12, "ggml: tensor w is q4_k, only f32, f16 and q8_0 are read"},
                        Case{30, "ggml: tensor w is bf16, only f32, f16 and q8_0 are read"},
                        Case{99, "ggml: tensor w is type 99, only f32, f16 and q8_0 are read"}}) {
    Builder b;
    b.header();
    b.tensor("w", c.type, {32});
    b.bytes.resize(b.bytes.size() + 128);
    GgmlModel m;
    CHECK(parse(b.bytes, &m) == c.error);
  }
  Builder b;
  b.header();
  b.tensor("w", 8, {48});
  b.bytes.resize(b.bytes.size() + 64);
  GgmlModel m;
  CHECK(parse(b.bytes, &m) == "ggml: tensor w is q8_0 with rows of 48 values, not a multiple of 32");
}

TEST_CASE("ggml: hostile headers and sizes give a one-line error") {
  GgmlModel m;
  CHECK(parse({1, 2, 3}, &m) == "ggml: not a whisper.cpp ggml file (no magic 0x67676d6c)");
  Builder wrong_mels;
  wrong_mels.header();
  wrong_mels.bytes[4 + 9 * 4] = 3;  // n_mels 3, but 2 filter rows follow
  CHECK(parse(wrong_mels.bytes, &m) == "ggml: mel filters 2x201, expected 3x201");
  Builder zero;
  zero.header();
  zero.bytes[4] = zero.bytes[5] = 0;  // n_vocab = 300 -> 0
  zero.bytes[5] = 0;
  CHECK(parse(zero.bytes, &m) == "ggml: hyperparameter n_vocab = 0 out of range");
  for (int field : {4, 8}) {  // n_audio_layer, n_text_layer = 1,000,000: refused before any per-layer list is built
    Builder layers;
    layers.header();
    const uint32_t million = 1000000;
    std::memcpy(&layers.bytes[4 + 4 * field], &million, 4);
    CHECK(parse(layers.bytes, &m) == std::string("ggml: hyperparameter ") +
                                         (field == 4 ? "n_audio_layer" : "n_text_layer") +
                                         " = 1000000: xattn runs at most " + std::to_string(kMaxLayers) + " layers");
  }

  Builder huge;
  huge.header();
  huge.tensor("w", 0, {0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF});
  CHECK(parse(huge.bytes, &m).rfind("ggml: file ends in the tensor data", 0) == 0);
  Builder dims5;
  dims5.header();
  dims5.tensor("w", 0, {1, 1, 1, 1, 1});
  CHECK(parse(dims5.bytes, &m).rfind("ggml: tensor with 5 dimensions", 0) == 0);
  Builder negative;
  negative.header();
  negative.tensor("w", 0, {-4});
  CHECK(parse(negative.bytes, &m).rfind("ggml: tensor dimension -4", 0) == 0);
  Builder twice;
  twice.header();
  for (int i = 0; i < 2; ++i) {
    twice.tensor("w", 0, {1});
    twice.f32(1.0f);
  }
  CHECK(parse(twice.bytes, &m) == "ggml: tensor w appears twice");
  Builder short_data;
  short_data.header();
  short_data.tensor("w", 0, {8});
  short_data.f32(1.0f);
  CHECK(parse(short_data.bytes, &m).rfind("ggml: file ends in the tensor data", 0) == 0);

  // A vocabulary claiming 2^31 - 1 tokens.
  Builder vocab;
  vocab.header();
  const size_t vocab_at = 4 + 11 * 4 + 8 + 2 * 201 * 4;
  vocab.bytes[vocab_at] = vocab.bytes[vocab_at + 1] = vocab.bytes[vocab_at + 2] = 0xFF;
  vocab.bytes[vocab_at + 3] = 0x7F;
  CHECK(parse(vocab.bytes, &m) == "ggml: vocabulary of 2147483647 tokens does not fit in the file");
}
