// What `xattn convert ct2` refuses (tests/families/SEMANTICS.md section 8):
// a real family directory from ../shared/data/ct2-families is copied to a
// temporary folder, its config.json edited or an offending variable written
// into its model.bin, and the converter must answer with the exact one-line
// error naming the variable or key (and, through the CLI, exit non-zero)
// instead of producing a model. Skipped when the shared data is absent.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "convert_command.h"
#include "ct2_import.h"
#include "ct2_model.h"
#include "xattn_writer.h"
#include "xattn/tensor_id.h"

#include <unistd.h>

using namespace xattn;
using namespace xattn::convert;
namespace fs = std::filesystem;

namespace {

std::string families_dir() {
  const char* env = std::getenv("XATTN_DATA_DIR");
  return std::string(env && *env ? env : XATTN_DATA_DIR) + "/ct2-families";
}

bool have_families() {
  if (fs::is_directory(families_dir() + "/bart/model-f32")) return true;
  const std::string note =
      "XATTN-SKIP: model-family data absent at " + families_dir() + " (set XATTN_DATA_DIR or -DXATTN_DATA_DIR)";
  MESSAGE(note);
  return false;
}

// A private copy of FAMILY/model-f32, removed when the test ends.
struct FamilyCopy {
  explicit FamilyCopy(const std::string& family) {
    static int counter = 0;
    dir = (fs::temp_directory_path() / ("xattn-refusal-" + std::to_string(::getpid()) + "-" + std::to_string(++counter)))
              .string();
    fs::remove_all(dir);
    fs::copy(families_dir() + "/" + family + "/model-f32", dir);
    REQUIRE(read_ct2_model(dir + "/model.bin", &model).empty());
  }
  ~FamilyCopy() { fs::remove_all(dir); }
  FamilyCopy(const FamilyCopy&) = delete;
  FamilyCopy& operator=(const FamilyCopy&) = delete;

  Ct2Variable* find(const std::string& name) {
    for (Ct2Variable& v : model.variables)
      if (v.name == name) return &v;
    return nullptr;
  }
  // Sets an existing variable's data (or adds a new one), then rewrites model.bin.
  void put(Ct2Variable v) {
    Ct2Variable* old = find(v.name);
    if (old) *old = std::move(v);
    else model.variables.push_back(std::move(v));
  }
  void write_model() const;
  void edit_config(const std::string& key, const std::string& json_value) const;
  std::string convert() const {
    ImportResult result;
    return import_ct2_directory(dir, WeightType::kFloat32, &result);
  }
  std::string model_error(const std::string& tail) const { return dir + "/model.bin: " + tail; }

  std::string dir;
  Ct2Model model;
};

void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_string(std::vector<uint8_t>& b, const std::string& s) {
  const size_t n = s.size() + 1;
  b.push_back(static_cast<uint8_t>(n));
  b.push_back(static_cast<uint8_t>(n >> 8));
  b.insert(b.end(), s.begin(), s.end());
  b.push_back(0);
}

// model.bin as CTranslate2 writes binary versions 4+ (the families are version 6).
void FamilyCopy::write_model() const {
  REQUIRE(model.binary_version >= 4);
  std::vector<uint8_t> b;
  put32(b, model.binary_version);
  put_string(b, model.spec);
  put32(b, model.spec_revision);
  put32(b, static_cast<uint32_t>(model.variables.size()));
  for (const Ct2Variable& v : model.variables) {
    put_string(b, v.name);
    b.push_back(static_cast<uint8_t>(v.shape.size()));
    for (uint32_t d : v.shape) put32(b, d);
    b.push_back(static_cast<uint8_t>(v.dtype));
    put32(b, static_cast<uint32_t>(v.data.size()));
    b.insert(b.end(), v.data.begin(), v.data.end());
  }
  put32(b, static_cast<uint32_t>(model.aliases.size()));
  for (const auto& a : model.aliases) {
    put_string(b, a.first);
    put_string(b, a.second);
  }
  std::ofstream out(dir + "/model.bin", std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  REQUIRE(out.good());
}

// Adds (or replaces) "key": value as the first member of config.json.
void FamilyCopy::edit_config(const std::string& key, const std::string& json_value) const {
  const std::string path = dir + "/config.json";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  const std::string quoted = "\"" + key + "\"";
  const size_t at = text.find(quoted);
  if (at != std::string::npos) {
    const size_t end = text.find_first_of(",}", at);
    text.replace(at, end - at, quoted + ": " + json_value);
  } else {
    text.insert(text.find('{') + 1, quoted + ": " + json_value + ",");
  }
  std::ofstream(path, std::ios::trunc) << text;
}

Ct2Variable scalar_int8(const std::string& name, int8_t value) {
  return Ct2Variable{name, {}, Ct2DType::kInt8, {static_cast<uint8_t>(value)}};
}
Ct2Variable scalar_int32(const std::string& name, int32_t value) {
  Ct2Variable v{name, {}, Ct2DType::kInt32, std::vector<uint8_t>(4)};
  std::memcpy(v.data.data(), &value, 4);
  return v;
}
Ct2Variable scalar_float(const std::string& name, float value) {
  Ct2Variable v{name, {}, Ct2DType::kFloat32, std::vector<uint8_t>(4)};
  std::memcpy(v.data.data(), &value, 4);
  return v;
}
Ct2Variable floats(const std::string& name, std::vector<uint32_t> shape) {
  size_t n = 1;
  for (uint32_t d : shape) n *= d;
  Ct2Variable v{name, shape, Ct2DType::kFloat32, std::vector<uint8_t>(n * 4)};
  for (size_t i = 0; i < n; ++i) {
    const float x = 0.01f * static_cast<float>(i % 7);
    std::memcpy(v.data.data() + 4 * i, &x, 4);
  }
  return v;
}

// Injects `v` into FAMILY's model.bin and checks the exact error.
void check_variable_refused(const std::string& family, const Ct2Variable& v, const std::string& expected_tail) {
  FamilyCopy copy(family);
  copy.put(v);
  copy.write_model();
  INFO(family << " + " << v.name);
  CHECK(copy.convert() == copy.model_error(expected_tail));
}

}  // namespace

TEST_CASE("convert refusals: the unmodified family directories convert (baseline of every refusal test)") {
  if (!have_families()) return;
  for (const char* family : {"bart", "t5-v1_0", "t5-v1_1", "marian", "m2m100", "mbart-50", "mbart-cc25"}) {
    FamilyCopy copy(family);
    copy.write_model();  // our rewrite of model.bin reads back as the original
    INFO(family);
    CHECK(copy.convert() == "");
  }
}

TEST_CASE("convert refusals: ALiBi, multi-query flags and unsupported activations in model.bin") {
  if (!have_families()) return;
  check_variable_refused("bart", scalar_int8("decoder/alibi", 1),
                         "variable decoder/alibi = 1: not supported by xattn (ALiBi)");
  check_variable_refused("bart", scalar_int8("decoder/multi_query_attention", 1),
                         "variable decoder/multi_query_attention = 1: not supported by xattn (multi-query attention)");
  check_variable_refused("t5-v1_0", scalar_int8("encoder/multi_query_attention", 1),
                         "variable encoder/multi_query_attention = 1: not supported by xattn (multi-query attention)");
  check_variable_refused("marian", scalar_int8("with_relative_position", 1),
                         "variable with_relative_position = 1: not supported by xattn (Shaw relative positions)");
  check_variable_refused("marian", scalar_int8("with_source_eos", 1),
                         "variable with_source_eos = 1: not supported by xattn (a source EOS)");
  const char* names[] = {"GELUSigmoid", "Tanh", "Sigmoid"};
  for (int code = 4; code <= 6; ++code) {
    FamilyCopy copy("bart");
    copy.put(scalar_int8("encoder/activation", static_cast<int8_t>(code)));
    copy.put(scalar_int8("decoder/activation", static_cast<int8_t>(code)));
    copy.write_model();
    CHECK(copy.convert() == copy.model_error("variable activation = " + std::to_string(code) +
                                             ": not supported by xattn (" + names[code - 4] + ")"));
  }
}

TEST_CASE("convert refusals: variables selecting features xattn does not run are named") {
  if (!have_families()) return;
  const struct { Ct2Variable v; const char* feature; } cases[] = {
      {scalar_int32("decoder/rotary_dim", 16), "rotary position embeddings"},
      {scalar_int8("decoder/rotary_interleave", 1), "rotary position embeddings"},
      {scalar_float("decoder/rotary_base", 10000.0f), "rotary position embeddings"},
      {scalar_int8("decoder/rotary_scaling_type", 0), "rotary position embeddings"},
      {scalar_int32("decoder/num_heads_kv", 1), "multi-query / grouped-query attention"},
      {scalar_int8("decoder/layer_0/self_attention/multi_query", 1), "multi-query / grouped-query attention"},
      {floats("encoder/layer_0/self_attention/relative_position_keys", {9, 16}), "Shaw relative positions"},
      {floats("encoder/layer_0/self_attention/relative_position_values", {9, 16}), "Shaw relative positions"},
      {floats("encoder/layer_0/self_attention/relative_asymmetric_position_keys", {9, 16}), "Shaw relative positions"},
      {floats("decoder/layer_0/self_attention/q_norm/gamma", {16}), "query/key/value norms"},
      {floats("decoder/layer_1/attention/k_norm/gamma", {16}), "query/key/value norms"},
      {floats("encoder/layer_0/self_attention/v_norm/gamma", {16}), "query/key/value norms"},
      {floats("decoder/layer_0/input_layer_norm/gamma", {64}), "Gemma-style layer norms"},
      {floats("decoder/layer_0/post_attention_layer_norm/gamma", {64}), "Gemma-style layer norms"},
      {floats("encoder/layer_1/pre_feedforward_layer_norm/gamma", {64}), "Gemma-style layer norms"},
      {floats("encoder/layer_1/post_feedforward_layer_norm/gamma", {64}), "Gemma-style layer norms"},
      {scalar_int8("decoder/layer_0/layer_norm_use_residual", 1), "Gemma-style layer norms"},
      {scalar_float("decoder/layer_0/layer_scalar", 0.5f), "Gemma-style layer norms"},
      {floats("decoder/layer_0/shared_layer_norm/gamma", {64}), "parallel residual (shared_layer_norm)"},
      {floats("decoder/project_in/weight", {64, 64}), "decoder input/output projections"},
      {floats("decoder/project_out/weight", {64, 64}), "decoder input/output projections"},
      {scalar_int32("decoder/sliding_window", 128), "sliding-window attention"},
      {scalar_float("decoder/final_logit_softcapping", 30.0f), "logit softcapping"},
      {floats("decoder/layer_0/attention/memory_kv", {4, 64}), "merged encoder attention"},
      {scalar_int8("decoder/merged_encoder_attention", 1), "merged encoder attention"},
      {floats("encoder/embeddings_1/weight", {10, 64}), "source factors"},
      {floats("decoder/layer_0/ffn/linear_0/weight_zero", {256}), "AWQ / low-bit quantization (weight_zero)"},
  };
  for (const auto& c : cases) {
    for (const char* family : {"bart", "t5-v1_1"}) {
      check_variable_refused(family, c.v, "variable " + c.v.name + ": not supported by xattn (" + c.feature + ")");
    }
  }
}

TEST_CASE("convert refusals: narrower key/value projections are multi-query attention") {
  if (!have_families()) return;
  FamilyCopy copy("bart");
  // Keep the queries and one 16-wide key and value head: [64 + 2 x 16, 64], as MQA would store them.
  for (const char* name : {"decoder/layer_1/self_attention/linear_0/weight", "decoder/layer_1/self_attention/linear_0/bias"}) {
    Ct2Variable* v = copy.find(name);
    REQUIRE(v != nullptr);
    const size_t row_bytes = v->data.size() / v->shape[0];
    v->shape[0] = 64 + 2 * 16;
    v->data.resize(row_bytes * v->shape[0]);
  }
  copy.write_model();
  CHECK(copy.convert() == copy.model_error("decoder/layer_1/self_attention/linear_0/weight has 96 rows, not 3 x d_model "
                                           "= 192: not supported by xattn (multi-query / grouped-query attention)"));

  FamilyCopy cross("t5-v1_0");
  Ct2Variable* kv = cross.find("decoder/layer_0/attention/linear_1/weight");
  REQUIRE(kv != nullptr);
  kv->data.resize(kv->data.size() / kv->shape[0] * 32);
  kv->shape[0] = 32;
  cross.write_model();
  CHECK(cross.convert() == cross.model_error("decoder/layer_0/attention/linear_1/weight has 32 rows, not 2 x d_model "
                                             "= 128: not supported by xattn (multi-query / grouped-query attention)"));
}

// Gives every attention projection of t5-v1_1's copy (d_model 64, 4 heads)
// the shapes of an attention width `width`: [3w, 64] fused QKV, [w, 64]
// cross queries, [2w, 64] cross keys and values, [64, w] outputs.
static void set_attention_width(FamilyCopy& copy, uint32_t width) {
  for (const char* stack : {"encoder", "decoder"}) {
    for (int layer = 0; layer < 2; ++layer) {
      const std::string p = std::string(stack) + "/layer_" + std::to_string(layer) + "/";
      copy.put(floats(p + "self_attention/linear_0/weight", {3 * width, 64}));
      copy.put(floats(p + "self_attention/linear_1/weight", {64, width}));
      if (std::string(stack) == "encoder") continue;
      copy.put(floats(p + "attention/linear_0/weight", {width, 64}));
      copy.put(floats(p + "attention/linear_1/weight", {2 * width, 64}));
      copy.put(floats(p + "attention/linear_2/weight", {64, width}));
    }
  }
}

TEST_CASE("convert: an attention width apart from d_model becomes the head size (flan-t5-small's 6 x 64 of 512)") {
  if (!have_families()) return;
  for (uint32_t width : {32u, 96u}) {  // narrower and wider than d_model 64
    FamilyCopy copy("t5-v1_1");
    set_attention_width(copy, width);
    copy.write_model();
    ImportResult result;
    REQUIRE(import_ct2_directory(copy.dir, WeightType::kFloat32, &result) == "");
    const ModelConfig& c = result.model.config;
    CHECK(c.d_model == 64);
    CHECK(c.num_heads == 4);
    CHECK(c.head_size == width / 4);
    CHECK(c.attention_width() == width);
    for (const HostTensor& t : result.model.tensors) {
      if (t.id == layer_id(Section::kDecoderLayer, 1, LayerRole::kCrossKvWeight)) CHECK(t.rows == 2 * width);
      if (t.id == layer_id(Section::kEncoderLayer, 0, LayerRole::kSelfOutWeight)) CHECK(t.cols == width);
    }
  }
}

// The xattn file `copy` converts to (float32 weights), or an empty vector and the error.
static std::vector<uint8_t> converted_bytes(const FamilyCopy& copy, std::string* error) {
  ImportResult result;
  std::vector<uint8_t> bytes;
  *error = import_ct2_directory(copy.dir, WeightType::kFloat32, &result);
  if (error->empty()) *error = write_xattn_model(result.model, &bytes);
  return bytes;
}

TEST_CASE("convert: a stored head_dim that the shapes agree with is accepted, any other is refused with both numbers") {
  if (!have_families()) return;
  // CTranslate2's MultiHeadAttentionSpec stores head_dim as an int32 scalar per attention layer.
  const char* names[] = {"encoder/layer_0/self_attention/head_dim", "decoder/layer_1/attention/head_dim", "head_dim"};
  for (uint32_t width : {64u, 96u}) {  // d_model's own width, and flan-T5's kind (4 x 24 of 64)
    FamilyCopy plain("t5-v1_1");
    if (width != 64) set_attention_width(plain, width);
    plain.write_model();
    std::string error;
    const std::vector<uint8_t> expected = converted_bytes(plain, &error);
    REQUIRE(error == "");
    for (const char* name : names) {
      INFO(width << " " << name);
      FamilyCopy with("t5-v1_1");
      if (width != 64) set_attention_width(with, width);
      with.put(scalar_int32(name, static_cast<int32_t>(width / 4)));
      with.write_model();
      const std::vector<uint8_t> bytes = converted_bytes(with, &error);
      CHECK(error == "");
      CHECK(bytes == expected);  // the same file as without the variable

      FamilyCopy wrong("t5-v1_1");
      if (width != 64) set_attention_width(wrong, width);
      wrong.put(scalar_int32(name, 32));
      wrong.write_model();
      CHECK(wrong.convert() == wrong.model_error("variable " + std::string(name) + " = 32 x 4 heads disagrees with the "
                                                 "attention width " + std::to_string(width) + " the projections give"));
    }
  }
}

TEST_CASE("convert refusals: attention projections that disagree on their width are named") {
  if (!have_families()) return;
  // Encoder layer 0 alone at 2 heads' worth of 8 (width 32): layer 1 still has 3 x 64 rows.
  FamilyCopy copy("t5-v1_1");
  copy.put(floats("encoder/layer_0/self_attention/linear_0/weight", {96, 64}));
  copy.put(floats("encoder/layer_0/self_attention/linear_1/weight", {64, 32}));
  copy.write_model();
  CHECK(copy.convert() == copy.model_error("encoder/layer_1/self_attention/linear_0/weight has 192 rows, not 3 x "
                                           "attention width = 96: not supported by xattn (multi-query / "
                                           "grouped-query attention)"));
  // A width that 4 heads do not divide.
  FamilyCopy odd("t5-v1_1");
  set_attention_width(odd, 30);
  odd.write_model();
  CHECK(odd.convert() == odd.model_error("encoder/layer_0/self_attention/linear_0/weight: attention width 30 is not "
                                         "a multiple of num_heads 4"));
  // Cross-attention queries narrower than the width the self-attention gives.
  FamilyCopy cross("t5-v1_1");
  set_attention_width(cross, 96);
  cross.put(floats("decoder/layer_1/attention/linear_0/weight", {64, 64}));
  cross.write_model();
  ImportResult imported;
  REQUIRE(import_ct2_directory(cross.dir, WeightType::kFloat32, &imported) == "");
  std::vector<uint8_t> bytes;
  const std::string error = write_xattn_model(imported.model, &bytes);
  CHECK(error == "tensor decoder/layer_1/attention/linear_0/weight: expected 96x64, got 64x64");
}

TEST_CASE("convert refusals: config.json multi-query attention and quantization configs") {
  if (!have_families()) return;
  FamilyCopy mqa("marian");
  mqa.edit_config("multi_query_attention", "true");
  CHECK(mqa.convert() == mqa.dir + "/config.json: multi_query_attention = true: not supported by xattn (multi-query attention)");
  FamilyCopy bos("bart");
  bos.edit_config("add_source_bos", "true");
  CHECK(bos.convert() == bos.dir + "/config.json: add_source_bos = true: not supported by xattn");
  for (const char* key : {"quantization_type", "quantization_bits", "quantization_group_size"}) {
    FamilyCopy copy("m2m100");
    copy.edit_config(key, std::string(key) == "quantization_type" ? "\"awq\"" : "4");
    INFO(key);
    CHECK(copy.convert() == copy.dir + "/config.json: " + key + ": not supported by xattn (AWQ / low-bit quantization)");
  }
}

TEST_CASE("convert refusals: disagreeing scales, other specs and unknown variables") {
  if (!have_families()) return;
  {
    FamilyCopy copy("t5-v1_0");
    REQUIRE(copy.find("decoder/layer_1/self_attention/queries_scale") != nullptr);
    REQUIRE(copy.find("decoder/layer_1/attention/queries_scale") != nullptr);
    copy.put(scalar_float("decoder/layer_1/self_attention/queries_scale", 0.5f));
    copy.write_model();
    CHECK(copy.convert() == copy.model_error("variables decoder/layer_1/attention/queries_scale and "
                                             "decoder/layer_1/self_attention/queries_scale differ; xattn uses one "
                                             "queries scale"));
  }
  {
    FamilyCopy copy("bart");
    const Ct2Variable* enc = copy.find("encoder/scale_embeddings");
    REQUIRE(enc != nullptr);
    double value = 0;
    REQUIRE(ct2_scalar_value(*enc, &value));
    copy.put(scalar_float("decoder/scale_embeddings", static_cast<float>(value) + 2.0f));
    copy.write_model();
    CHECK(copy.convert() == copy.model_error("variables encoder/scale_embeddings and decoder/scale_embeddings disagree (" +
                                             std::to_string(value) + " vs " + std::to_string(value + 2.0) +
                                             "); xattn uses one value for both stacks"));
  }
  {
    FamilyCopy copy("mbart-50");
    copy.model.spec = "TransformerDecoderModelSpec";
    copy.write_model();
    CHECK(copy.convert() == copy.model_error("unsupported CTranslate2 spec 'TransformerDecoderModelSpec' (xattn "
                                             "converts Transformer encoder-decoder models and Whisper)"));
  }
  {
    // A Whisper spec needs the conv stem its encoder starts with.
    FamilyCopy copy("mbart-50");
    copy.model.spec = "WhisperSpec";
    copy.write_model();
    CHECK(copy.convert() == copy.model_error("model.bin has no encoder/conv1/weight"));
  }
  check_variable_refused("whisper", floats("encoder/conv1/weight", {64, 80, 5}),
                         "variable encoder/conv1/weight has shape [64, 80, 5]: only kernel size 3 is supported by xattn");
  check_variable_refused("whisper", floats("encoder/conv2/weight", {64, 32, 3}),
                         "encoder/conv2/weight must be [d_model, d_model, 3] after conv1's d_model 64");
  check_variable_refused("marian", floats("decoder/layer_0/ffn/mystery/weight", {4}),
                         "unsupported or unknown CTranslate2 variable decoder/layer_0/ffn/mystery/weight [4] float32");
}

TEST_CASE("convert refusals: the CLI exits non-zero with the one-line message and writes no file") {
  if (!have_families()) return;
  FamilyCopy copy("bart");
  copy.put(scalar_int32("decoder/rotary_dim", 16));
  copy.write_model();
  std::string input = copy.dir, output = copy.dir + "/out.xattn";
  char arg0[] = "convert", fmt[] = "ct2", o[] = "-o", weights[] = "--weights", int8[] = "int8";
  char* argv[] = {arg0, fmt, &input[0], o, &output[0], weights, int8};
  std::ostringstream out, err;
  CHECK(run_convert(7, argv, out, err) != 0);
  const std::string message = err.str();
  CHECK(message.find(copy.model_error("variable decoder/rotary_dim: not supported by xattn (rotary position embeddings)")) !=
        std::string::npos);
  CHECK(std::count(message.begin(), message.end(), '\n') == 1);
  CHECK(!fs::exists(output));
}
