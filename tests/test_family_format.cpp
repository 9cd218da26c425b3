// The model-family fields of the format (models/FORMAT.md, "Model families"):
// every new config field and tensor row written by the converter's writer and
// read back by open_model, shared tensors stored once, and the presence rules.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <new>
#include <random>
#include <vector>

#include "tensor_layout.h"
#include "tokenizer_blob_writer.h"
#include "xattn/model.h"
#include "xattn/tensor_id.h"
#include "xattn_writer.h"

using namespace xattn;
using namespace xattn::convert;

namespace {

ModelConfig small_config() {
  ModelConfig c;
  c.encoder_layers = 2;
  c.decoder_layers = 1;
  c.d_model = 16;
  c.num_heads = 2;
  c.ffn_dim = 12;
  c.source_vocab_size = 8;
  c.target_vocab_size = 8;
  c.max_positions = 20;
  c.target_tokens = SpecialTokens{0, 1, 2, 3};
  c.source_tokens = SpecialTokens{0, 1, 2, 3};
  return c;
}

// A unigram tokenizer blob whose pieces are the words "s0".."s{n-1}" (piece
// i = model id i, "s3" the unknown piece), with `bonus` added to piece 5's
// score so that two blobs over one vocabulary can differ.
std::vector<uint8_t> word_tokenizer(uint32_t n, float bonus) {
  TokenizerSpec spec;
  spec.model = 1;
  for (uint32_t i = 0; i < n; ++i) {
    TokenizerPiece p;
    p.text = "s" + std::to_string(i);
    p.score = -1.0f - static_cast<float>(i) + (i == 5 ? bonus : 0.0f);
    p.type = i == 3 ? 2 : 1;
    spec.pieces.push_back(p);
  }
  std::vector<uint8_t> blob;
  REQUIRE(build_tokenizer_blob(spec, &blob) == "");
  return blob;
}

// Every tensor the config requires, random values (a tokenizer row gets a
// word_tokenizer blob of the size the config says); optionally the target
// embedding and output projection share the source embedding.
XattnModelContents contents(const ModelConfig& c, bool share, bool int8) {
  XattnModelContents m;
  m.config = c;
  for (uint32_t i = 0; i < c.source_vocab_size; ++i) m.source_vocab.push_back("s" + std::to_string(i));
  for (uint32_t i = 0; i < c.target_vocab_size; ++i) m.target_vocab.push_back("s" + std::to_string(i));
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> shared_values;
  for (const ExpectedTensor& e : expected_tensors(c)) {
    HostTensor t;
    t.id = e.id;
    t.rows = e.rows;
    t.cols = e.cols;
    if (e.bytes) {
      t.dtype = format::DType::kUInt8;
      t.blob = word_tokenizer(c.source_vocab_size, e.id == global_id(GlobalRole::kTargetTokenizer) ? 2.0f : 0.0f);
      REQUIRE(t.blob.size() == e.rows);
    } else {
      t.values.resize(static_cast<size_t>(e.rows) * e.cols);
      for (float& v : t.values) v = u(rng);
    }
    const bool embedding_like = e.id == global_id(GlobalRole::kSourceEmbedding) ||
                                e.id == global_id(GlobalRole::kTargetEmbedding) ||
                                e.id == global_id(GlobalRole::kOutputWeight);
    if (share && embedding_like) {
      if (shared_values.empty()) shared_values = t.values;
      t.values = shared_values;
      if (e.id != global_id(GlobalRole::kSourceEmbedding)) t.shares = global_id(GlobalRole::kSourceEmbedding);
    }
    if (int8 && e.may_be_int8) {
      t.dtype = format::DType::kInt8;
      t.q.assign(t.values.size(), 3);
      t.scales.assign(t.rows, 2.0f);
      t.values.clear();
    }
    m.tensors.push_back(std::move(t));
  }
  return m;
}

struct Opened {
  std::vector<uint8_t> file;
  uint8_t* aligned = nullptr;
  std::vector<uint8_t> storage;
  ModelView* view = nullptr;
  Status status;
};

void open(const XattnModelContents& m, Opened* o) {
  REQUIRE(write_xattn_model(m, &o->file) == "");
  o->storage.assign(o->file.size() + 64 + sizeof(ModelView) + 64, 0);
  uintptr_t p = reinterpret_cast<uintptr_t>(o->storage.data());
  o->aligned = reinterpret_cast<uint8_t*>((p + 63) / 64 * 64);
  std::memcpy(o->aligned, o->file.data(), o->file.size());
  uintptr_t v = reinterpret_cast<uintptr_t>(o->aligned + o->file.size());
  o->view = new (reinterpret_cast<void*>((v + 63) / 64 * 64)) ModelView();
  o->status = open_model(o->aligned, o->file.size(), o->view);
}

}  // namespace

TEST_CASE("family format: version-1 configs keep their tensor set") {
  ModelConfig c = small_config();
  // Pre-norm: final norms with betas, every bias, no position or family tensors.
  CHECK(expected_tensors(c).size() == 4 + 4 + 12 * 2 + 20);
  c.norm = NormPlacement::kPostNorm;
  CHECK(expected_tensors(c).size() == 4 + 12 * 2 + 20);
}

TEST_CASE("family format: T5-style RMSNorm, no biases, relative bias, gated FFN, shared embeddings") {
  ModelConfig c = small_config();
  c.norm_kind = NormKind::kRmsNorm;
  c.bias_flags = kNoLinearBiases | kNoOutputBias;
  c.position = PositionEncoding::kRelativeBias;
  c.relative_buckets = 32;
  c.relative_max_distance = 128;
  c.ffn_gated = true;
  c.queries_scale = 1.0f;
  // Globals: 3 embedding/projection + 2 final gammas + 2 bias tables; layers:
  // encoder 2 x (2 gammas + 4 weights), decoder 3 gammas + 7 weights.
  CHECK(expected_tensors(c).size() == 3 + 2 + 2 + 2 * 6 + 10);
  for (bool int8 : {false, true}) {
    Opened o;
    open(contents(c, true, int8), &o);
    REQUIRE_MESSAGE(o.status.is_ok(), o.status.message());
    const ModelView& v = *o.view;
    CHECK(v.config.norm_kind == NormKind::kRmsNorm);
    CHECK(v.config.ffn_gated);
    CHECK(v.config.queries_scale == 1.0f);
    CHECK(v.config.relative_buckets == 32);
    CHECK(v.config.relative_max_distance == 128);
    CHECK(v.encoder[0].self_norm.beta == nullptr);
    CHECK(v.encoder[0].self_qkv.bias == nullptr);
    CHECK(v.output.bias == nullptr);
    CHECK(v.encoder[1].ffn_in.weight.rows == 24);
    CHECK(v.encoder_relative_bias != nullptr);
    CHECK(v.decoder_relative_bias != nullptr);
    // Stored once: all three roles read the same bytes, in the layout the
    // output projection's kernel streams (the embeddings gather rows from it).
    CHECK(v.target_embedding.data == v.source_embedding.data);
    CHECK(v.output.weight.data == v.source_embedding.data);
    CHECK(v.output.weight.layout == (int8 ? format::kLayoutPacked16x4 : format::kLayoutPacked16x1));
    CHECK(v.source_embedding.layout == v.output.weight.layout);
    CHECK(v.output.weight.kernel == (int8 ? LinearKernel::kInt8Packed : LinearKernel::kFloat32Packed));
    CHECK(v.output.weight.scales == v.source_embedding.scales);
    // The saving is the two copies' bytes.
    Opened unshared;
    open(contents(c, false, int8), &unshared);
    REQUIRE(unshared.status.is_ok());
    const size_t copy = (int8 ? 8u * 16 : 8u * 16 * 4) + (int8 ? 64 : 0);
    CHECK(unshared.file.size() >= o.file.size() + 2 * copy);
  }
}

TEST_CASE("family format: BART-style stored positions, layernorm_embedding, explicit final norms, tokenizer blob") {
  ModelConfig c = small_config();
  c.norm = NormPlacement::kPostNorm;
  c.position = PositionEncoding::kStoredTable;
  c.stack_flags = kExplicitFinalNorms | kDecoderFinalNorm | kEncoderEmbeddingNorm | kDecoderEmbeddingNorm;
  c.start_mode = StartMode::kZeroEmbedding;
  c.has_tokenizer = true;
  c.tokenizer_bytes = static_cast<uint32_t>(word_tokenizer(8, 0.0f).size());
  c.source_positions = 11;
  Opened o;
  open(contents(c, false, false), &o);
  REQUIRE_MESSAGE(o.status.is_ok(), o.status.message());
  const ModelView& v = *o.view;
  CHECK(v.encoder_norm.gamma == nullptr);  // post-norm, yet the decoder has a final norm
  CHECK(v.decoder_norm.gamma != nullptr);
  CHECK(v.decoder_norm.beta != nullptr);
  CHECK(v.encoder_embedding_norm.beta != nullptr);
  CHECK(v.decoder_embedding_norm.gamma != nullptr);
  CHECK(v.encoder_positions != nullptr);
  CHECK(v.decoder_positions != nullptr);
  CHECK(v.config.start_mode == StartMode::kZeroEmbedding);
  REQUIRE(v.tokenizer != nullptr);
  CHECK(std::memcmp(v.tokenizer, "XATTNTOK", 8) == 0);
  CHECK(v.target_tokenizer == nullptr);
  CHECK(v.source_text.piece_count() == 8);  // opened in place, and shared by the target side
  CHECK(v.target_text.piece_count() == 8);
  CHECK(v.target_text.piece(4).size == 2);
  TensorShape shape;
  REQUIRE(tensor_shape(c, global_id(GlobalRole::kEncoderPositions), &shape));
  CHECK(shape.rows == 11);
  REQUIRE(tensor_shape(c, global_id(GlobalRole::kDecoderPositions), &shape));
  CHECK(shape.rows == 20);
}

TEST_CASE("family format: separate source and target tokenizer blobs, opened and validated with the model") {
  ModelConfig c = small_config();
  c.has_tokenizer = true;
  c.tokenizer_bytes = static_cast<uint32_t>(word_tokenizer(8, 0.0f).size());
  c.target_tokenizer_bytes = static_cast<uint32_t>(word_tokenizer(8, 2.0f).size());
  TensorShape shape;
  REQUIRE(tensor_shape(c, global_id(GlobalRole::kTargetTokenizer), &shape));
  CHECK(shape.bytes);
  CHECK(shape.rows == c.target_tokenizer_bytes);
  Opened o;
  open(contents(c, false, false), &o);
  REQUIRE_MESSAGE(o.status.is_ok(), o.status.message());
  const ModelView& v = *o.view;
  REQUIRE(v.target_tokenizer != nullptr);
  CHECK(v.target_tokenizer != v.tokenizer);
  CHECK(v.source_text.sections().scores[5] == -6.0f);
  CHECK(v.target_text.sections().scores[5] == -4.0f);

  // A blob that does not hold together fails the model's opening (checksum
  // skipped so that the tokenizer's own check is the one that speaks).
  uint8_t* model_byte = o.aligned + (v.target_tokenizer - o.aligned) + 20;
  *model_byte = 9;
  OpenOptions no_checksum;
  no_checksum.verify_checksum = false;
  const Status broken = open_model(o.aligned, o.file.size(), o.view, no_checksum);
  CHECK_FALSE(broken.is_ok());
  CHECK(std::string(broken.message()).find("tokenizer") != std::string::npos);

  // A target blob needs the "tokenizer" blob beside it.
  ModelConfig lone = small_config();
  lone.target_tokenizer_bytes = 64;
  CHECK_FALSE(validate_config(lone).is_ok());
}

TEST_CASE("family format: Whisper-style audio encoder rows") {
  ModelConfig c = small_config();
  c.encoder_input = EncoderInput::kAudio;
  c.n_mels = 10;
  c.position = PositionEncoding::kStoredTable;
  TensorShape shape;
  CHECK_FALSE(tensor_shape(c, global_id(GlobalRole::kSourceEmbedding), &shape));
  REQUIRE(tensor_shape(c, global_id(GlobalRole::kConv1Weight), &shape));
  CHECK(shape.rows == 16);
  CHECK(shape.cols == 30);
  REQUIRE(tensor_shape(c, global_id(GlobalRole::kMelFilters), &shape));
  CHECK(shape.rows == 10);
  CHECK(shape.cols == 201);
  CHECK_FALSE(shape.int8_allowed);
  Opened o;
  open(contents(c, false, false), &o);
  REQUIRE_MESSAGE(o.status.is_ok(), o.status.message());
  CHECK(o.view->conv2.weight.cols == 48);
  CHECK(o.view->mel_filters != nullptr);
}

TEST_CASE("family format: the writer refuses a share whose values differ") {
  ModelConfig c = small_config();
  XattnModelContents m = contents(c, true, false);
  for (HostTensor& t : m.tensors)
    if (t.id == global_id(GlobalRole::kOutputWeight)) t.values[3] += 1.0f;
  std::vector<uint8_t> file;
  CHECK(write_xattn_model(m, &file).find("values differ") != std::string::npos);
}
