// Importing CTranslate2's Whisper directories (`xattn convert ct2`): the
// shared random Whisper in ../shared/data/ct2-families/whisper, float32 and
// int8, becomes an audio-encoder model whose config and stem follow the
// spec options its README lists (conv stem [d, n_mels, 3], 100 encoder and
// 448 decoder position rows, <|startoftranscript|> / <|endoftext|>, the
// projection tied to the token embedding without bias).
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ct2_import.h"
#include "ct2_model.h"
#include "test_support.h"
#include "whisper_model_support.h"
#include "xattn/tensor_id.h"
#include "synth.h"
#include "xattn/limits_check.h"
#include "xattn_writer.h"

using namespace xattn;

namespace {

const convert::HostTensor* find(const convert::ImportResult& r, GlobalRole role) {
  for (const convert::HostTensor& t : r.model.tensors)
    if (t.id == global_id(role)) return &t;
  return nullptr;
}

// The expected config, read from the directory itself (variable shapes and
// scalars, vocabulary names), so it holds for any Whisper written this way.
void check_config(const convert::ImportResult& r) {
  convert::Ct2Model ct2;
  REQUIRE(convert::read_ct2_model(test::whisper_dir() + "/model-f32/model.bin", &ct2).empty());
  const convert::Ct2Variable* conv1 = ct2.find_variable("encoder/conv1/weight");
  const convert::Ct2Variable* enc_pos = ct2.find_variable("encoder/position_encodings/encodings");
  const convert::Ct2Variable* dec_pos = ct2.find_variable("decoder/position_encodings/encodings");
  const convert::Ct2Variable* ffn = ct2.find_variable("encoder/layer_0/ffn/linear_0/weight");
  const convert::Ct2Variable* heads = ct2.find_variable("decoder/num_heads");
  REQUIRE((conv1 && enc_pos && dec_pos && ffn && heads));
  REQUIRE(conv1->shape.size() == 3);
  double num_heads = 0;
  REQUIRE(convert::ct2_scalar_value(*heads, &num_heads));
  const test::WhisperData data = test::whisper_data();
  const ModelConfig& c = r.model.config;
  CHECK(c.encoder_input == EncoderInput::kAudio);
  CHECK(c.n_mels == conv1->shape[1]);
  CHECK(c.n_mels == data.n_mels);
  CHECK(c.d_model == conv1->shape[0]);
  CHECK(c.num_heads == static_cast<uint32_t>(num_heads));
  CHECK(c.ffn_dim == ffn->shape[0]);
  CHECK(c.position == PositionEncoding::kStoredTable);
  CHECK(c.encoder_positions() == enc_pos->shape[0]);
  CHECK(c.max_positions == dec_pos->shape[0]);
  CHECK(c.activation == Activation::kGeluErf);
  CHECK(c.norm == NormPlacement::kPreNorm);
  CHECK(c.embedding_scale == 1.0f);
  CHECK_FALSE(c.has_output_bias());
  CHECK(c.target_vocab_size == data.vocabulary.size());  // no <unk> appended: <|endoftext|> stands for it
  CHECK(c.target_tokens.bos == data.token("<|startoftranscript|>"));
  CHECK(c.target_tokens.eos == data.token("<|endoftext|>"));
  CHECK(c.target_tokens.unk == data.token("<|endoftext|>"));
  CHECK(c.alignment_layer == c.decoder_layers - 1);
  CHECK(find(r, GlobalRole::kSourceEmbedding) == nullptr);
  const convert::HostTensor* bank = find(r, GlobalRole::kMelFilters);
  REQUIRE(bank != nullptr);
  CHECK(bank->rows == c.n_mels);
  CHECK(bank->cols == 201);
  const convert::HostTensor* output = find(r, GlobalRole::kOutputWeight);
  REQUIRE(output != nullptr);
  CHECK(output->shares == global_id(GlobalRole::kTargetEmbedding));  // tied: stored once
  std::vector<uint8_t> bytes;
  const std::string error = convert::write_xattn_model(r.model, &bytes);
  CHECK_MESSAGE(error.empty(), error);
}

}  // namespace

TEST_CASE("whisper import: the CTranslate2 float32 directory becomes an audio model") {
  if (!test::have_whisper()) return;
  convert::ImportResult r;
  const std::string error = convert::import_ct2_directory(test::whisper_dir() + "/model-f32", convert::WeightType::kFloat32, &r);
  REQUIRE_MESSAGE(error.empty(), error);
  check_config(r);
  // The conv stem keeps CTranslate2's [out][in][kernel] order, one row per output channel.
  convert::Ct2Model model;
  REQUIRE(convert::read_ct2_model(test::whisper_dir() + "/model-f32/model.bin", &model).empty());
  const convert::Ct2Variable* conv1 = model.find_variable("encoder/conv1/weight");
  REQUIRE(conv1 != nullptr);
  REQUIRE(conv1->shape.size() == 3);
  const uint32_t out = conv1->shape[0], cols = conv1->shape[1] * conv1->shape[2];
  const convert::HostTensor* t = find(r, GlobalRole::kConv1Weight);
  REQUIRE(t != nullptr);
  CHECK(t->rows == out);
  CHECK(t->cols == cols);
  for (size_t i : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{cols - 1}, size_t{cols}, size_t{out * cols - 1}}) {
    float expected;
    std::memcpy(&expected, conv1->data.data() + 4 * i, 4);
    CHECK(t->values[i] == expected);
  }
}

TEST_CASE("whisper import: the int8 directory keeps its quantized weights, conv stem included") {
  if (!test::have_whisper()) return;
  convert::ImportResult r;
  const std::string error = convert::import_ct2_directory(test::whisper_dir() + "/model-i8", convert::WeightType::kInt8, &r);
  REQUIRE_MESSAGE(error.empty(), error);
  check_config(r);
  for (GlobalRole role : {GlobalRole::kConv1Weight, GlobalRole::kConv2Weight, GlobalRole::kTargetEmbedding}) {
    const convert::HostTensor* t = find(r, role);
    REQUIRE(t != nullptr);
    CHECK(t->dtype == format::DType::kInt8);
    CHECK(t->scales.size() == t->rows);
  }
}

// The benchmark's synthetic Whispers (no data needed): valid audio configs
// whose 30 s window (1500 positions, 448 decoder steps) the limits accept.
TEST_CASE("whisper import: the synthetic whisper-tiny and whisper-base presets are Whisper-shaped") {
  for (const char* preset : {"whisper-tiny", "whisper-base"}) {
    CAPTURE(std::string(preset));
    ModelConfig c;
    REQUIRE(convert::synth_config(preset, &c).empty());
    CHECK(validate_config(c).is_ok());
    CHECK(c.encoder_input == EncoderInput::kAudio);
    CHECK(c.n_mels == 80);
    CHECK(c.encoder_positions() == 1500);
    CHECK(c.max_positions == 448);
    CHECK(c.target_vocab_size == 51865);
    Limits l;
    l.max_source_length = 1500;
    l.max_target_length = 448;
    CHECK(check_limits(c, l).is_ok());
  }
}
