// `xattn convert ggml` (models/convert/ggml_import.*): whisper.cpp's own tiny
// header file is refused naming its first missing tensor; unsupported ggml
// types are refused by name through the command; and openai-whisper parity:
// a random Whisper at whisper-tiny's dimensions, saved as an OpenAI
// checkpoint and converted by whisper.cpp's convert-pt-to-ggml.py
// (tests/whisper/ggml_parity_reference.py), then converted here, gives
// PyTorch's logits on jfk.flac within 1e-4 at every greedy step (float32
// file) and the same greedy tokens; the float16 file's difference is
// reported, as is a q8_0 file's (the f32 file's matrices rewritten as q8_0
// here), whose weights are checked to be dequantized exactly. The
// vocabulary's tokenizer is checked to be tiktoken's.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "aligned_bytes.h"
#include "audio/reference_script.h"
#include "byte_bpe_files.h"
#include "convert_command.h"
#include "ggml_import.h"
#include "ggml_types.h"
#include "logit_capture.h"
#include "model_tokenizer.h"
#include "xattn/arena.h"
#include "xattn/model.h"
#include "xattn/session.h"
#include "xattn/tensor_id.h"
#include "xattn/whisper.h"
#include "xattn_writer.h"

using namespace xattn;
using namespace xattn::convert;

namespace {

std::string reference_file(const std::string& relative) {
  const std::string path = test::env_or("XATTN_REFERENCE_DIR", XATTN_REFERENCE_DIR) + "/" + relative;
  if (std::ifstream(path).good()) return path;
  MESSAGE("XATTN-SKIP: " << path << " absent (set XATTN_REFERENCE_DIR)");
  return "";
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// `xattn convert ggml INPUT -o OUTPUT [--weights W]`: exit code, stdout, stderr.
int convert_command(const std::string& input, const std::string& output, const char* weights, std::string* out,
                    std::string* err) {
  std::vector<std::string> words = {"convert", "ggml", input, "-o", output, "--weights", weights};
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(&w[0]);
  std::ostringstream o, e;
  const int rc = run_convert(static_cast<int>(argv.size()), argv.data(), o, e);
  *out = o.str();
  *err = e.str();
  return rc;
}

std::string output_path(const char* name) { return std::string(XATTN_REFERENCE_OUTPUT_DIR) + "/" + name; }

const GlobalRole kTokenizerRole = GlobalRole::kTokenizer;

const HostTensor* find_tensor(const ImportResult& r, GlobalRole role) {
  for (const HostTensor& t : r.model.tensors)
    if (t.id == global_id(role)) return &t;
  return nullptr;
}

// A converted model, opened.
struct OpenModel {
  std::unique_ptr<xattn_test::AlignedBytes> bytes;
  ModelView view;
};

void open_imported(const ImportResult& imported, OpenModel* out) {
  std::vector<uint8_t> file;
  const std::string error = write_xattn_model(imported.model, &file);
  REQUIRE_MESSAGE(error.empty(), error);
  out->bytes.reset(new xattn_test::AlignedBytes(file));
  const Status s = open_model(out->bytes->data(), out->bytes->size(), &out->view);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
}

// Every row of raw logits the search's hook sees.
using xattn_test::LogitCapture;

struct Decoded {
  std::vector<uint32_t> tokens;  // after the prompt, the end token included when generated
  std::vector<float> logits;     // [steps][vocab]
};

// Greedy decoding from <|startoftranscript|> <|en|> <|transcribe|>
// <|notimestamps|>, no filter, `steps` sampled tokens at most.
Decoded decode(const ModelView& view, const std::vector<float>& mel, uint32_t n_mels, uint32_t frames, uint32_t steps) {
  WhisperTokens layout;
  REQUIRE(whisper_tokens_for_vocab(view.config.target_vocab_size, &layout).is_ok());
  REQUIRE(view.config.target_tokens.bos == layout.sot);
  const uint32_t prefix[] = {layout.language_token(0), layout.transcribe, layout.no_timestamps};
  Limits limits;
  limits.max_source_length = frames / 2;
  limits.max_target_length = 3 + steps;
  limits.max_beam = 1;
  limits.alignment = false;
  std::vector<uint8_t> storage(arena_bytes(view.config, limits) + kArenaAlignment);
  void* arena = storage.data() + (kArenaAlignment - reinterpret_cast<uintptr_t>(storage.data()) % kArenaAlignment);
  Session session;
  Status s = session.init(view, limits, arena, storage.size() - kArenaAlignment);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  s = session.encode_features(mel.data(), n_mels, frames);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  Decoded d;
  LogitCapture capture{&d.logits, view.config.target_vocab_size};
  GenerateOptions o;
  o.prefix = TokenSpan{prefix, 3};
  o.max_length = 3 + steps;
  o.min_length = 0;
  o.logit_hook = LogitHook{&LogitCapture::apply, &capture};
  Result result;
  s = session.generate(o, &result);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  REQUIRE(result.count == 1);
  const Hypothesis& h = result.hypotheses[0];
  REQUIRE(h.length >= 3);
  d.tokens.assign(h.tokens + 3, h.tokens + h.length);
  if (d.logits.size() / capture.vocab > d.tokens.size()) d.tokens.push_back(layout.eot);  // ended
  return d;
}


void put_i32(std::vector<uint8_t>* b, int32_t v) {
  for (int i = 0; i < 4; ++i) b->push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * i)));
}

// The smallest float16 (bits) at least x, for 0 <= x below float16's largest value.
uint16_t half_at_least(float x) {
  uint16_t h = 0;
  if (x >= std::ldexp(1.0f, -14)) {  // normal: exponent and the top 10 mantissa bits
    int e = 0;
    const float m = std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1)
    h = static_cast<uint16_t>(((e - 1 + 15) << 10) | static_cast<uint16_t>((m * 2.0f - 1.0f) * 1024.0f));
  } else {  // zero or subnormal: multiples of 2^-24
    h = static_cast<uint16_t>(x * std::ldexp(1.0f, 24));
  }
  while (half_to_float(h) < x) ++h;
  return h;
}

// A ggml file with `m`'s header bytes (copied from `original`) and its
// tensors, matrices whose rows are whole q8_0 blocks written as q8_0 (one
// float16 scale per 32 values, q = round(w / scale)), the rest f32.
// `dequantized` gets each q8_0 tensor's values as the file now holds them.
std::vector<uint8_t> q8_0_file(const std::vector<uint8_t>& original, const GgmlModel& m,
                               std::vector<std::pair<std::string, std::vector<float>>>* dequantized) {
  size_t header = 4 + 11 * 4 + 8 + size_t{m.mel_rows} * m.mel_cols * 4 + 4;
  for (const std::string& token : m.vocabulary) header += 4 + token.size();
  std::vector<uint8_t> b(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(header));
  for (const GgmlTensor& t : m.tensors) {
    const bool q8 = t.shape.size() == 2 && t.shape[1] % 32 == 0;
    put_i32(&b, static_cast<int32_t>(t.shape.size()));
    put_i32(&b, static_cast<int32_t>(t.name.size()));
    put_i32(&b, q8 ? 8 : 0);
    for (size_t i = t.shape.size(); i-- > 0;) put_i32(&b, static_cast<int32_t>(t.shape[i]));
    b.insert(b.end(), t.name.begin(), t.name.end());
    if (!q8) {
      for (float v : t.values) {
        int32_t w;
        std::memcpy(&w, &v, 4);
        put_i32(&b, w);
      }
      continue;
    }
    std::vector<float> values;
    for (size_t at = 0; at < t.values.size(); at += 32) {
      float amax = 0.0f;
      for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(t.values[at + j]));
      const uint16_t scale_bits = half_at_least(amax / 127.0f);
      const float scale = half_to_float(scale_bits);
      b.push_back(static_cast<uint8_t>(scale_bits));
      b.push_back(static_cast<uint8_t>(scale_bits >> 8));
      for (size_t j = 0; j < 32; ++j) {
        const float q = scale > 0.0f ? std::nearbyint(t.values[at + j] / scale) : 0.0f;  // an all-zero block
        b.push_back(static_cast<uint8_t>(static_cast<int8_t>(q)));
        values.push_back(scale * q);
      }
    }
    dequantized->push_back({t.name, std::move(values)});
  }
  return b;
}
}  // namespace

TEST_CASE("convert ggml: whisper.cpp's tiny test header parses, then names its first missing tensor") {
  const std::string path = reference_file("whisper.cpp/models/for-tests-ggml-tiny.bin");
  if (path.empty()) return;
  ImportResult imported;
  CHECK(import_ggml_file(path, WeightType::kFloat32, &imported) ==
        path + ": ggml: tensor encoder.positional_embedding missing (the file has 0 of the 167 tensors a Whisper "
               "model needs)");
  // Through the command: one line, exit 1, nothing written.
  const std::string output = output_path("ggml-tiny-header.xattn");
  std::remove(output.c_str());
  std::string out, err;
  CHECK(convert_command(path, output, "int8", &out, &err) == 1);
  CHECK(err == "convert: " + path +
                   ": ggml: tensor encoder.positional_embedding missing (the file has 0 of the 167 tensors a Whisper "
                   "model needs)\n");
  CHECK(!std::ifstream(output).good());
  // The output may not be the input.
  CHECK(convert_command(path, path, "f32", &out, &err) == 1);
  CHECK(err.find("convert: ") == 0);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
}

TEST_CASE("convert ggml: an unsupported tensor type is refused by name in one line") {
  const std::string path = reference_file("whisper.cpp/models/for-tests-ggml-tiny.bin");
  if (path.empty()) return;
  // The tiny header and vocabulary, then one tensor in each of q4_0, q5_1, q4_k.
  for (const auto& type : {std::make_pair(2, "q4_0"), std::make_pair(7, "q5_1"), std::make_pair(12, "q4_k")}) {
    std::vector<uint8_t> bytes = file_bytes(path);
    const std::string name = "encoder.conv1.weight";
    for (int32_t v : {3, static_cast<int32_t>(name.size()), type.first, 3, 80, 384}) {
      for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * i)));
    }
    bytes.insert(bytes.end(), name.begin(), name.end());
    bytes.resize(bytes.size() + 3 * 80 * 384, 0);
    const std::string input = output_path("ggml-refused-type.bin");
    std::ofstream(input, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                 static_cast<std::streamsize>(bytes.size()));
    std::string out, err;
    CHECK(convert_command(input, output_path("ggml-refused-type.xattn"), "f32", &out, &err) == 1);
    CHECK(err == "convert: " + input + ": ggml: tensor encoder.conv1.weight is " + type.second +
                     ", only f32, f16 and q8_0 are read\n");
    std::remove(input.c_str());
  }
}

TEST_CASE("convert ggml: a random openai-whisper model gives PyTorch's logits on jfk.flac") {
#ifdef XATTN_TESTS_EMULATED
  MESSAGE("XATTN-SKIP: a whisper-tiny-sized model on 30 s of audio is too slow under an emulator");
  return;
#endif
  const std::string dir = test::run_reference_script(XATTN_GGML_PARITY_SCRIPT, "whisper-ggml-parity");
  if (dir.empty()) return;
  const std::vector<float> mel = test::read_raw<float>(dir + "/mel.f32");
  const uint32_t n_mels = 80, frames = static_cast<uint32_t>(mel.size() / 80);
  REQUIRE(frames == 3000);
  const std::vector<float> reference = test::read_raw<float>(dir + "/logits.f32");
  std::vector<uint32_t> reference_tokens;
  {
    std::ifstream in(dir + "/tokens.txt");
    for (uint32_t t; in >> t;) reference_tokens.push_back(t);
  }
  REQUIRE(reference_tokens.size() > 4);
  reference_tokens.erase(reference_tokens.begin(), reference_tokens.begin() + 4);  // the prompt
  const uint32_t steps = static_cast<uint32_t>(reference_tokens.size());

  // whisper.cpp's converter writes no q8_0 (its quantize tool does): the
  // f32 file's matrices are rewritten as q8_0 here.
  std::vector<std::pair<std::string, std::vector<float>>> q8_values;
  {
    GgmlModel m;
    REQUIRE(read_ggml_file(dir + "/f32/ggml-model-f32.bin", &m) == "");
    const std::vector<uint8_t> q8 = q8_0_file(file_bytes(dir + "/f32/ggml-model-f32.bin"), m, &q8_values);
    std::ofstream(dir + "/ggml-model-q8_0.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(q8.data()), static_cast<std::streamsize>(q8.size()));
  }
  // Per layer the attention and FFN matrices; the token embedding, both position tables.
  REQUIRE(q8_values.size() == 4 * 6 + 4 * 10 + 1 + 2);

  struct Variant {
    const char* file;
    WeightType weights;
    bool bar;  // float32 weights: within 1e-4, same tokens
  };
  for (const Variant& v : {Variant{"f32/ggml-model-f32.bin", WeightType::kFloat32, true},
                           Variant{"f16/ggml-model.bin", WeightType::kFloat32, false},
                           Variant{"ggml-model-q8_0.bin", WeightType::kFloat32, false},
                           Variant{"f32/ggml-model-f32.bin", WeightType::kInt8, false}}) {
    const std::string what = std::string(v.file) + (v.weights == WeightType::kInt8 ? " --weights int8" : "");
    CAPTURE(what);
    ImportResult imported;
    const std::string error = import_ggml_file(dir + "/" + v.file, v.weights, &imported);
    REQUIRE_MESSAGE(error.empty(), error);
    if (std::string(v.file).find("q8_0") != std::string::npos) {
      // Dequantized exactly: scale x q, then renamed (mlp.0 -> ffn/linear_0, the embedding kept).
      for (const auto& [name, id] : {std::make_pair(std::string("encoder.blocks.0.mlp.0.weight"),
                                                    layer_id(Section::kEncoderLayer, 0, LayerRole::kFfnInWeight)),
                                     std::make_pair(std::string("decoder.token_embedding.weight"),
                                                    global_id(GlobalRole::kTargetEmbedding))}) {
        CAPTURE(name);
        const HostTensor* t = nullptr;
        for (const HostTensor& candidate : imported.model.tensors)
          if (candidate.id == id) t = &candidate;
        REQUIRE(t != nullptr);
        bool found = false;
        for (const auto& entry : q8_values) {
          if (entry.first != name) continue;
          found = true;
          CHECK(t->values == entry.second);
        }
        CHECK(found);
      }
    }
    OpenModel model;
    open_imported(imported, &model);
    const ModelConfig& c = model.view.config;
    CHECK(c.encoder_input == EncoderInput::kAudio);
    CHECK(c.d_model == 384);
    CHECK(c.num_heads == 6);
    CHECK(c.encoder_layers == 4);
    CHECK(c.decoder_layers == 4);
    CHECK(c.ffn_dim == 1536);
    CHECK(c.n_mels == 80);
    CHECK(c.encoder_positions() == 1500);
    CHECK(c.max_positions == 448);
    CHECK(c.target_vocab_size == 51865);
    CHECK(c.activation == Activation::kGeluErf);
    CHECK(c.embedding_scale == 1.0f);
    imported = ImportResult();

    const Decoded d = decode(model.view, mel, n_mels, frames, steps);
    REQUIRE(d.logits.size() == size_t{steps} * c.target_vocab_size);
    std::string diffs;
    double worst = 0.0;
    for (uint32_t step = 0; step < steps; ++step) {
      double diff = 0.0;
      for (uint32_t i = 0; i < c.target_vocab_size; ++i) {
        const size_t at = size_t{step} * c.target_vocab_size + i;
        diff = std::max(diff, std::fabs(double(d.logits[at]) - double(reference[at])));
      }
      worst = std::max(worst, diff);
      char text[32];
      std::snprintf(text, sizeof text, "%s%.3g", step ? " " : "", diff);
      diffs += text;
      if (v.bar) CHECK(diff <= 1e-4);
    }
    MESSAGE(what << ": max |logit - PyTorch| per step: " << diffs);
    if (v.bar) {
      CHECK(d.tokens == reference_tokens);
    } else {
      CHECK(std::isfinite(worst));
      MESSAGE(what << ": greedy tokens " << std::string(d.tokens == reference_tokens ? "identical" : "differ"));
    }
  }
}

TEST_CASE("convert ggml: the tokenizer from the file's vocabulary is tiktoken's, the special tokens named") {
#ifdef XATTN_TESTS_EMULATED
  MESSAGE("XATTN-SKIP: a whisper-tiny-sized conversion is too slow under an emulator");
  return;
#endif
  const std::string dir = test::run_reference_script(XATTN_GGML_PARITY_SCRIPT, "whisper-ggml-parity");
  if (dir.empty()) return;
  ImportResult imported;
  const std::string error = import_ggml_file(dir + "/f16/ggml-model.bin", WeightType::kFloat32, &imported);
  REQUIRE_MESSAGE(error.empty(), error);
  const std::vector<std::string>& vocab = imported.model.target_vocab;
  REQUIRE(vocab.size() == 51865);
  CHECK(vocab[0] == "!");
  CHECK(vocab[220] == "\xc4\xa0");  // " " in GPT-2's spelling
  CHECK(vocab[50256] == "<|empty_50256|>");
  CHECK(vocab[50257] == "<|endoftext|>");
  CHECK(vocab[50258] == "<|startoftranscript|>");
  CHECK(vocab[50259] == "<|en|>");
  CHECK(vocab[50357] == "<|su|>");
  CHECK(vocab[50358] == "<|translate|>");
  CHECK(vocab[50359] == "<|transcribe|>");
  CHECK(vocab[50363] == "<|notimestamps|>");
  CHECK(vocab[50364] == "<|0.00|>");
  CHECK(vocab[51864] == "<|30.00|>");
  const ModelConfig& c = imported.model.config;
  CHECK(c.target_tokens.bos == 50258);
  CHECK(c.target_tokens.eos == 50257);
  // The filter bank is the file's (whisper's mel_filters.npz, as the converter wrote it).
  const HostTensor* filters = find_tensor(imported, GlobalRole::kMelFilters);
  REQUIRE(filters != nullptr);
  GgmlModel file;
  REQUIRE(read_ggml_file(dir + "/f16/ggml-model.bin", &file) == "");
  CHECK(filters->values == file.mel_filters);
  file = GgmlModel();
  // Through the command with int8 weights: written, and it opens.
  const std::string output = output_path("ggml-random-tiny-int8.xattn");
  std::string out, err;
  CHECK(convert_command(dir + "/f16/ggml-model.bin", output, "int8", &out, &err) == 0);
  CHECK(err.empty());
  CHECK(out.find("int8 weights") != std::string::npos);
  {
    xattn_test::AlignedBytes bytes(file_bytes(output));
    ModelView view;
    const Status s = open_model(bytes.data(), bytes.size(), &view);
    CHECK_MESSAGE(s.is_ok(), s.message());
    CHECK(view.config.target_vocab_size == 51865);
  }
  std::remove(output.c_str());
  // The same blob as `convert ct2 --tokenizer multilingual.tiktoken` builds.
  const std::string tiktoken = reference_file("openai-whisper/whisper/assets/multilingual.tiktoken");
  if (tiktoken.empty()) return;
  TokenizerSpec spec;
  REQUIRE(read_tiktoken_file(tiktoken, &spec) == "");
  std::vector<uint8_t> expected;
  REQUIRE(build_model_tokenizer(spec, vocab, "target", &expected) == "");
  const HostTensor* blob = find_tensor(imported, kTokenizerRole);
  REQUIRE(blob != nullptr);
  CHECK(c.has_tokenizer);
  CHECK(c.tokenizer_bytes == expected.size());
  CHECK(blob->blob == expected);
}
