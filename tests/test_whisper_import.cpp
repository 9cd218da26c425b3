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
#include "xattn/tensor_id.h"
#include "xattn_writer.h"

using namespace xattn;

namespace {

std::string whisper_dir() {
  const char* env = std::getenv("XATTN_DATA_DIR");
  return std::string(env ? env : XATTN_DATA_DIR) + "/ct2-families/whisper";
}

bool have_whisper() {
  if (test::directory_exists(whisper_dir())) return true;
  const std::string note = "XATTN-SKIP: Whisper data absent at " + whisper_dir() + " (set XATTN_DATA_DIR or -DXATTN_DATA_DIR)";
  MESSAGE(note);
  return false;
}

const convert::HostTensor* find(const convert::ImportResult& r, GlobalRole role) {
  for (const convert::HostTensor& t : r.model.tensors)
    if (t.id == global_id(role)) return &t;
  return nullptr;
}

void check_config(const convert::ImportResult& r) {
  const ModelConfig& c = r.model.config;
  CHECK(c.encoder_input == EncoderInput::kAudio);
  CHECK(c.n_mels == 80);
  CHECK(c.d_model == 64);
  CHECK(c.num_heads == 4);
  CHECK(c.ffn_dim == 128);
  CHECK(c.encoder_layers == 2);
  CHECK(c.decoder_layers == 2);
  CHECK(c.position == PositionEncoding::kStoredTable);
  CHECK(c.encoder_positions() == 100);
  CHECK(c.max_positions == 448);
  CHECK(c.activation == Activation::kGeluErf);
  CHECK(c.norm == NormPlacement::kPreNorm);
  CHECK(c.embedding_scale == 1.0f);
  CHECK_FALSE(c.has_output_bias());
  CHECK(c.target_vocab_size == 300);  // no <unk> appended: <|endoftext|> stands for it
  CHECK(c.target_tokens.bos == 201);  // <|startoftranscript|>
  CHECK(c.target_tokens.eos == 200);  // <|endoftext|>
  CHECK(c.target_tokens.unk == 200);
  CHECK(c.alignment_layer == 1);
  CHECK(find(r, GlobalRole::kSourceEmbedding) == nullptr);
  const convert::HostTensor* bank = find(r, GlobalRole::kMelFilters);
  REQUIRE(bank != nullptr);
  CHECK(bank->rows == 80);
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
  if (!have_whisper()) return;
  convert::ImportResult r;
  const std::string error = convert::import_ct2_directory(whisper_dir() + "/model-f32", convert::WeightType::kFloat32, &r);
  REQUIRE_MESSAGE(error.empty(), error);
  check_config(r);
  // The conv stem keeps CTranslate2's [out][in][kernel] order, one row per output channel.
  convert::Ct2Model model;
  REQUIRE(convert::read_ct2_model(whisper_dir() + "/model-f32/model.bin", &model).empty());
  const convert::Ct2Variable* conv1 = model.find_variable("encoder/conv1/weight");
  REQUIRE(conv1 != nullptr);
  REQUIRE(conv1->shape == std::vector<uint32_t>{64, 80, 3});
  const convert::HostTensor* t = find(r, GlobalRole::kConv1Weight);
  REQUIRE(t != nullptr);
  CHECK(t->rows == 64);
  CHECK(t->cols == 240);
  for (size_t i : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{239}, size_t{240}, size_t{64 * 240 - 1}}) {
    float expected;
    std::memcpy(&expected, conv1->data.data() + 4 * i, 4);
    CHECK(t->values[i] == expected);
  }
}

TEST_CASE("whisper import: the int8 directory keeps its quantized weights, conv stem included") {
  if (!have_whisper()) return;
  convert::ImportResult r;
  const std::string error = convert::import_ct2_directory(whisper_dir() + "/model-i8", convert::WeightType::kInt8, &r);
  REQUIRE_MESSAGE(error.empty(), error);
  check_config(r);
  for (GlobalRole role : {GlobalRole::kConv1Weight, GlobalRole::kConv2Weight, GlobalRole::kTargetEmbedding}) {
    const convert::HostTensor* t = find(r, role);
    REQUIRE(t != nullptr);
    CHECK(t->dtype == format::DType::kInt8);
    CHECK(t->scales.size() == t->rows);
  }
}
