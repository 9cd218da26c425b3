// The C API (xattn/xattn.h): the whole flow on the shared aren model, from
// C++ and from a C translation unit, and every error path a C caller meets.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "test_support.h"
#include "whisper_model_support.h"
#include "xattn/xattn.h"

extern "C" int xattn_c_smoke(const void* bytes, size_t size, void* buffer, size_t buffer_size,
                             const char* input, char* out, size_t capacity);
extern "C" uint32_t xattn_c_vocab_size_of(const xattn_model* model, int side);
extern "C" int xattn_c_tokenize_on(const xattn_model* model, int side);
extern "C" size_t xattn_c_detokenize_on(const xattn_model* model, int side, uint32_t id, char* out, size_t capacity);
extern "C" size_t xattn_c_buffer_bytes_with(const xattn_model* model, int kv_cache, int self_kv_cache);
extern "C" int xattn_c_session_create_with(const xattn_model* model, int kv_cache, int self_kv_cache, void* buffer,
                                           size_t size);

namespace xattn {
namespace {

// 64-byte aligned storage for model bytes and session buffers.
struct alignas(64) Block {
  uint8_t bytes[64];
};

struct Aligned {
  std::vector<Block> blocks;
  explicit Aligned(size_t size) : blocks((size + 63) / 64) {}
  Aligned(const std::vector<uint8_t>& data) : blocks((data.size() + 63) / 64) {
    std::memcpy(data_(), data.data(), data.size());
  }
  uint8_t* data_() { return blocks.empty() ? nullptr : blocks[0].bytes; }
};

struct CModel {
  std::vector<uint8_t> raw;
  Aligned bytes;
  xattn_model_storage storage;
  xattn_model* model = nullptr;
  explicit CModel(const std::vector<uint8_t>& data) : raw(data), bytes(data) {
    xattn_error error;
    const xattn_status s = xattn_model_open(bytes.data_(), raw.size(), &storage, &model, &error);
    REQUIRE_MESSAGE(s == XATTN_OK, std::string(error.message));
  }
};

std::string run(xattn_session* session, const xattn_model* model, const char* input,
                const xattn_generate_options& options, float* score = nullptr) {
  uint32_t ids[64];
  size_t count = 0;
  REQUIRE(xattn_tokenize(model, XATTN_SOURCE, input, std::strlen(input), ids, 64, &count) == XATTN_OK);
  REQUIRE_MESSAGE(xattn_encode(session, ids, count) == XATTN_OK, std::string(xattn_session_message(session)));
  REQUIRE_MESSAGE(xattn_generate(session, &options) == XATTN_OK, std::string(xattn_session_message(session)));
  REQUIRE(xattn_hypothesis_count(session) >= 1);
  xattn_hypothesis best;
  REQUIRE(xattn_get_hypothesis(session, 0, &best) == XATTN_OK);
  if (score) *score = best.score;
  char text[256];
  xattn_detokenize(model, XATTN_TARGET, best.tokens, best.length, text, sizeof text);
  return text;
}

TEST_CASE("c api: the aren model transliterates through the C API (float32 and int8)") {
  if (!test::have_shared_models()) return;
  for (convert::WeightType weights : {convert::WeightType::kFloat32, convert::WeightType::kInt8}) {
    CModel m(test::convert_variant("v2-aren-transliteration", weights));
    xattn_limits limits = xattn_default_limits();
    limits.max_beam = 5;
    const size_t need = xattn_session_buffer_bytes(m.model, &limits);
    Limits cpp;
    cpp.max_beam = 5;
    CHECK(need == XATTN_SESSION_HANDLE_BYTES + arena_bytes(m.model ? reinterpret_cast<const ModelView*>(m.model)->config
                                                                 : ModelConfig(), cpp));
    Aligned buffer(need);
    xattn_session* session = nullptr;
    xattn_error error;
    REQUIRE_MESSAGE(xattn_session_create(m.model, &limits, buffer.data_(), need, &session, &error) == XATTN_OK,
                    std::string(error.message));
    CHECK(std::string(xattn_session_kernel_name(session)).size() > 0);

    xattn_generate_options options = xattn_default_options();
    float score = 0;
    CHECK(run(session, m.model, "آ ت ز م و ن", options, &score) == "a t z m o n");
    CHECK(score < 0.0f);
    options.beam_size = 4;
    CHECK(run(session, m.model, "آ ز ا", options) == "a z z a");

    uint32_t prefix[8];
    size_t prefix_count = 0;
    REQUIRE(xattn_tokenize_known(m.model, XATTN_TARGET, "u l i s e", 9, prefix, 8, &prefix_count) == XATTN_OK);
    options.beam_size = 5;
    options.prefix.ids = prefix;
    options.prefix.length = static_cast<uint32_t>(prefix_count);
    CHECK(run(session, m.model, "أ و ل ي س س", options) == "u l i s e s");

    options = xattn_default_options();
    uint32_t o_id[1], tzm[3];
    size_t n1 = 0, n3 = 0;
    REQUIRE(xattn_tokenize_known(m.model, XATTN_TARGET, "o", 1, o_id, 1, &n1) == XATTN_OK);
    REQUIRE(xattn_tokenize_known(m.model, XATTN_TARGET, "t z m", 5, tzm, 3, &n3) == XATTN_OK);
    const xattn_token_span suppress[2] = {{o_id, 1}, {tzm, 3}};
    options.suppress = suppress;
    options.suppress_count = 2;
    CHECK(run(session, m.model, "آ ت ز م و ن", options) == "a t z u m u n");

    options = xattn_default_options();
    REQUIRE(xattn_tokenize_known(m.model, XATTN_TARGET, "m", 1, &options.end_token, 1, &n1) == XATTN_OK);
    CHECK(run(session, m.model, "آ ت ز م و ن", options) == "a t z");
    CHECK(std::string(xattn_session_message(session)) == "ok");
  }
}

TEST_CASE("c api: a C translation unit runs the whole flow") {
  if (!test::have_shared_models()) return;
  CModel m(test::convert_variant("v2-aren-transliteration-i8", convert::WeightType::kInt8));
  const xattn_limits limits = xattn_default_limits();
  const size_t need = xattn_session_buffer_bytes(m.model, &limits);
  Aligned buffer(need);
  char out[128] = {};
  CHECK(xattn_c_smoke(m.bytes.data_(), m.raw.size(), buffer.data_(), need, "آ ز ا", out, sizeof out) == 0);
  CHECK(std::string(out) == "a z z a");
}

TEST_CASE("c api: errors come back as status codes with specific messages") {
  CHECK(std::string(xattn_status_name(XATTN_BAD_MODEL)).size() > 0);
  CHECK(std::string(xattn_status_name(static_cast<xattn_status>(99))) == "unknown status");

  Aligned junk(256);
  std::memset(junk.data_(), 0x5a, 256);
  xattn_model_storage storage;
  xattn_model* model = reinterpret_cast<xattn_model*>(&storage);
  xattn_error error;
  CHECK(xattn_model_open(junk.data_(), 256, &storage, &model, &error) == XATTN_BAD_MODEL);
  CHECK(model == nullptr);
  CHECK(std::strlen(error.message) > 0);
  CHECK(xattn_model_open(junk.data_(), 256, nullptr, &model, nullptr) == XATTN_INVALID_ARGUMENT);
  CHECK(xattn_session_buffer_bytes(nullptr, nullptr) == 0);
  CHECK(xattn_encode(nullptr, nullptr, 0) == XATTN_INVALID_ARGUMENT);
  CHECK(xattn_hypothesis_count(nullptr) == 0);

  if (!test::have_shared_models()) return;
  CModel m(test::convert_variant("v2-aren-transliteration-i8", convert::WeightType::kInt8));
  const xattn_limits limits = xattn_default_limits();
  const size_t need = xattn_session_buffer_bytes(m.model, &limits);
  Aligned buffer(need + 64);
  xattn_session* session = nullptr;
  CHECK(xattn_session_create(m.model, &limits, buffer.data_() + 8, need, &session, &error) == XATTN_MISALIGNED);
  CHECK(session == nullptr);
  CHECK(xattn_session_create(m.model, &limits, buffer.data_(), 1024, &session, &error) == XATTN_ARENA_TOO_SMALL);
  CHECK(xattn_session_create(m.model, &limits, buffer.data_(), need - 64, &session, &error) ==
        XATTN_ARENA_TOO_SMALL);
  CHECK(std::strlen(error.message) > 0);
  REQUIRE(xattn_session_create(m.model, &limits, buffer.data_(), need, &session, &error) == XATTN_OK);

  const xattn_generate_options options = xattn_default_options();
  CHECK(xattn_generate(session, &options) == XATTN_NOT_READY);
  CHECK(std::string(xattn_session_message(session)) != "ok");
  CHECK(xattn_hypothesis_count(session) == 0);
  xattn_hypothesis h;
  CHECK(xattn_get_hypothesis(session, 0, &h) == XATTN_LIMIT_EXCEEDED);
  uint32_t ids[65] = {};
  for (uint32_t& id : ids) id = 4;
  CHECK(xattn_encode(session, ids, 65) == XATTN_LIMIT_EXCEEDED);
  CHECK(xattn_generate(session, nullptr) == XATTN_INVALID_ARGUMENT);
}

TEST_CASE("c api: the KV-cache precision shrinks the buffer, and an unknown one is refused") {
  if (!test::have_shared_models()) return;
  CModel m(test::convert_variant("v2-aren-transliteration-i8", convert::WeightType::kInt8));
  xattn_limits limits = xattn_default_limits();
  const size_t f32 = xattn_session_buffer_bytes(m.model, &limits);
  limits.kv_cache = XATTN_KV_F16;
  const size_t f16 = xattn_session_buffer_bytes(m.model, &limits);
  limits.kv_cache = XATTN_KV_INT8;
  const size_t i8 = xattn_session_buffer_bytes(m.model, &limits);
  CHECK(f16 < f32);
  CHECK(i8 <= f16);  // equal for heads of 4: an int8 row's scale costs its 4 bytes
  Aligned buffer(f32);
  xattn_session* session = nullptr;
  xattn_error error;
  REQUIRE_MESSAGE(xattn_session_create(m.model, &limits, buffer.data_(), i8, &session, &error) == XATTN_OK,
                  std::string(error.message));
  float score = 0;
  CHECK(run(session, m.model, "آ ت ز م و ن", xattn_default_options(), &score) == "a t z m o n");
  limits.kv_cache = static_cast<xattn_kv_precision>(3);
  CHECK(xattn_session_buffer_bytes(m.model, &limits) == 0);
  CHECK(xattn_session_create(m.model, &limits, buffer.data_(), f32, &session, &error) == XATTN_INVALID_ARGUMENT);
  CHECK(std::string(error.message).find("KV-cache precision") != std::string::npos);
}

TEST_CASE("c api: the self-attention cache precision shrinks the buffer, and an unknown one is refused") {
  if (!test::have_shared_models()) return;
  CModel m(test::convert_variant("v2-aren-transliteration-i8", convert::WeightType::kInt8));
  xattn_limits limits = xattn_default_limits();
  CHECK(limits.self_kv_cache == XATTN_KV_F32);
  const size_t f32 = xattn_session_buffer_bytes(m.model, &limits);
  limits.self_kv_cache = XATTN_KV_F16;
  const size_t f16 = xattn_session_buffer_bytes(m.model, &limits);
  limits.self_kv_cache = XATTN_KV_INT8;
  const size_t i8 = xattn_session_buffer_bytes(m.model, &limits);
  CHECK(f16 < f32);
  CHECK(i8 < f32);
  Aligned buffer(f32);
  xattn_session* session = nullptr;
  xattn_error error;
  REQUIRE_MESSAGE(xattn_session_create(m.model, &limits, buffer.data_(), i8, &session, &error) == XATTN_OK,
                  std::string(error.message));
  xattn_generate_options beam = xattn_default_options();
  beam.beam_size = 4;  // reorders the int8 rows and their scales
  float score = 0;
  CHECK(run(session, m.model, "آ ت ز م و ن", beam, &score) == "a t z m o n");
  limits.self_kv_cache = static_cast<xattn_kv_precision>(3);
  CHECK(xattn_session_buffer_bytes(m.model, &limits) == 0);
  CHECK(xattn_session_create(m.model, &limits, buffer.data_(), f32, &session, &error) == XATTN_INVALID_ARGUMENT);
  CHECK(std::string(error.message).find("self-attention KV-cache precision") != std::string::npos);
}

// The committed date normalizer (1024 positions, a 15-token target vocabulary): always present.
std::vector<uint8_t> datenorm_bytes() {
  std::ifstream file(std::string(XATTN_DATENORM_DIR) + "/datenorm-int8.xattn", std::ios::binary);
  REQUIRE(file);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

TEST_CASE("c api: buffer bytes are 0 for every limit a session would refuse, and never wrap") {
  CModel m(datenorm_bytes());
  xattn_limits limits = xattn_default_limits();
  limits.max_beam = 7;  // half of 15 target tokens, rounded down: the largest beam generate accepts
  CHECK(xattn_session_buffer_bytes(m.model, &limits) > XATTN_SESSION_HANDLE_BYTES);
  const xattn_limits valid = limits;
  limits.max_beam = 0;
  CHECK(xattn_session_buffer_bytes(m.model, &limits) == 0);
  limits.max_beam = 8;  // generate() refuses beams over half the vocabulary: so does the planner's answer
  CHECK(xattn_session_buffer_bytes(m.model, &limits) == 0);
  limits = valid;
  limits.max_source_length = 1025;  // beyond the model's 1024 positions
  CHECK(xattn_session_buffer_bytes(m.model, &limits) == 0);
  limits = valid;
  limits.max_target_length = 0;
  CHECK(xattn_session_buffer_bytes(m.model, &limits) == 0);
  xattn_limits huge;
  std::memset(&huge, 0xff, sizeof huge);  // every field 0xffffffff, the enums included
  CHECK(xattn_session_buffer_bytes(m.model, &huge) == 0);
  huge.kv_cache = XATTN_KV_F32;
  huge.self_kv_cache = XATTN_KV_F32;
  CHECK(xattn_session_buffer_bytes(m.model, &huge) == 0);
  // And session_create refuses them with the same words.
  Aligned buffer(xattn_session_buffer_bytes(m.model, &valid));
  xattn_session* session = nullptr;
  xattn_error error;
  limits = valid;
  limits.max_beam = 8;
  CHECK(xattn_session_create(m.model, &limits, buffer.data_(), buffer.blocks.size() * 64, &session, &error) ==
        XATTN_INVALID_ARGUMENT);
  CHECK(std::string(error.message) == "limits: max beam 8 exceeds 7, half the target vocabulary");
}

TEST_CASE("c api: out-of-range enum values from C are refused, never read as enums") {
  CModel m(datenorm_bytes());
  CHECK(xattn_c_vocab_size_of(m.model, XATTN_SOURCE) == 101);
  CHECK(xattn_c_vocab_size_of(m.model, XATTN_TARGET) == 15);
  for (int side : {-1, 2, 9}) {
    CAPTURE(side);
    CHECK(xattn_c_vocab_size_of(m.model, side) == 0);
    CHECK(xattn_c_tokenize_on(m.model, side) == XATTN_INVALID_ARGUMENT);
    char text[8] = "junk";
    CHECK(xattn_c_detokenize_on(m.model, side, 4, text, sizeof text) == XATTN_DETOKENIZE_ERROR);
    CHECK(text[0] == '\0');
  }
  CHECK(xattn_c_tokenize_on(m.model, XATTN_SOURCE) == XATTN_OK);
  const size_t need = xattn_c_buffer_bytes_with(m.model, XATTN_KV_INT8, XATTN_KV_F16);
  CHECK(need > 0);
  Aligned buffer(need);
  CHECK(xattn_c_session_create_with(m.model, XATTN_KV_INT8, XATTN_KV_F16, buffer.data_(), need) == XATTN_OK);
  for (int bad : {-1, 3, 9, 0x7fffffff}) {
    CAPTURE(bad);
    CHECK(xattn_c_buffer_bytes_with(m.model, bad, XATTN_KV_F32) == 0);
    CHECK(xattn_c_buffer_bytes_with(m.model, XATTN_KV_F32, bad) == 0);
    CHECK(xattn_c_session_create_with(m.model, bad, XATTN_KV_F32, buffer.data_(), need) == XATTN_INVALID_ARGUMENT);
    CHECK(xattn_c_session_create_with(m.model, XATTN_KV_F32, bad, buffer.data_(), need) == XATTN_INVALID_ARGUMENT);
  }
}

TEST_CASE("c api: detokenize reports ids outside the vocabulary instead of printing nothing") {
  CModel m(datenorm_bytes());
  char text[16] = "junk";
  const uint32_t good[2] = {4, 5};
  const size_t length = xattn_detokenize(m.model, XATTN_TARGET, good, 2, text, sizeof text);
  CHECK(length != XATTN_DETOKENIZE_ERROR);
  CHECK(std::strlen(text) == length);
  for (uint32_t bad : {15u, 16u, 0xffffffffu}) {
    const uint32_t ids[3] = {4, bad, 5};
    std::strcpy(text, "junk");
    CHECK(xattn_detokenize(m.model, XATTN_TARGET, ids, 3, text, sizeof text) == XATTN_DETOKENIZE_ERROR);
    CHECK(text[0] == '\0');
  }
  const uint32_t source_only = 100;  // inside the source vocabulary of 101, outside the target's 15
  CHECK(xattn_detokenize(m.model, XATTN_SOURCE, &source_only, 1, text, sizeof text) != XATTN_DETOKENIZE_ERROR);
  CHECK(xattn_detokenize(m.model, XATTN_TARGET, &source_only, 1, text, sizeof text) == XATTN_DETOKENIZE_ERROR);
  CHECK(xattn_detokenize(nullptr, XATTN_TARGET, good, 2, text, sizeof text) == XATTN_DETOKENIZE_ERROR);
  CHECK(xattn_detokenize(m.model, XATTN_TARGET, nullptr, 2, text, sizeof text) == XATTN_DETOKENIZE_ERROR);
  CHECK(xattn_detokenize(m.model, XATTN_TARGET, nullptr, 0, text, sizeof text) == 0);
}

// The planner stays a compile-time answer, and limits beyond the runtime's bounds give no plan (never a wrapped size).
constexpr ModelConfig kPlannerConfig = [] {
  ModelConfig c;
  c.d_model = 64;
  c.num_heads = 4;
  c.ffn_dim = 128;
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.source_vocab_size = 100;
  c.target_vocab_size = 100;
  return c;
}();
constexpr Limits kHugeLimits = [] {
  Limits l;
  l.max_source_length = 0xffffffffu;
  l.max_target_length = 0xffffffffu;
  l.max_beam = 0xffffffffu;
  return l;
}();
static_assert(arena_bytes(kPlannerConfig, Limits()) > 0 && arena_bytes(kPlannerConfig, Limits()) != kArenaTooLarge,
              "the planner must stay constexpr");
static_assert(arena_bytes(kPlannerConfig, kHugeLimits) == kArenaTooLarge, "limits past the bounds: no plan");

TEST_CASE("c api: the planner gives no plan past the bounds, at compile time and at run time") {
  CHECK(arena_bytes(kPlannerConfig, kHugeLimits) == kArenaTooLarge);
  Limits l;
  l.max_beam = kMaxBeam + 1;
  CHECK(arena_bytes(kPlannerConfig, l) == kArenaTooLarge);
  l.max_beam = kMaxBeam;
  CHECK(arena_bytes(kPlannerConfig, l) != kArenaTooLarge);
}

TEST_CASE("c api: an audio model has no source text: tokenize and detokenize refuse that side") {
  // As `xattn tokenize --model whisper.xattn --side source` refuses it: the
  // encoder reads features, so no source text maps to its ids.
  if (!test::have_whisper()) return;
  test::OpenWhisper opened;
  test::open_whisper("model-f32", convert::WeightType::kFloat32, &opened);
  xattn_model_storage storage;
  xattn_model* model = nullptr;
  xattn_error error;
  REQUIRE(xattn_model_open(opened.bytes->data(), opened.bytes->size(), &storage, &model, &error) == XATTN_OK);
  uint32_t ids[8];
  size_t count = 7;
  CHECK(xattn_tokenize(model, XATTN_SOURCE, "a", 1, ids, 8, &count) == XATTN_INVALID_ARGUMENT);
  CHECK(count == 7);
  CHECK(xattn_tokenize_known(model, XATTN_SOURCE, "a", 1, ids, 8, &count) == XATTN_INVALID_ARGUMENT);
  alignas(8) unsigned char scratch[256];
  CHECK(xattn_tokenize_text(model, XATTN_SOURCE, "a", 1, scratch, sizeof scratch, ids, 8, &count) ==
        XATTN_INVALID_ARGUMENT);
  CHECK(xattn_tokenize_scratch_bytes(model, XATTN_SOURCE, 16) == 0);
  const uint32_t id = 0;
  char out[32] = "x";
  CHECK(xattn_detokenize(model, XATTN_SOURCE, &id, 1, out, sizeof out) == XATTN_DETOKENIZE_ERROR);
  CHECK(out[0] == '\0');
  // The target side (the decoder's text) still works.
  CHECK(xattn_tokenize(model, XATTN_TARGET, "a", 1, ids, 8, &count) == XATTN_OK);
  CHECK(count >= 1);
  CHECK(xattn_detokenize(model, XATTN_TARGET, ids, count, out, sizeof out) != XATTN_DETOKENIZE_ERROR);
}

}  // namespace
}  // namespace xattn
