// The C API with a model that carries its tokenizers (one per side, mapped
// to the vocabularies by string as the converter maps them): tokenize and
// detokenize go through them. Expected ids follow by hand from unigram
// Viterbi over the piece scores in model_with_tokenizers.h.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "model_with_tokenizers.h"
#include "xattn/xattn.h"

namespace xattn {
namespace {

struct alignas(64) Block {
  uint8_t bytes[64];
};

// The ids a call wrote (count read through a pointer: after the call).
std::vector<uint32_t> ids_of(xattn_status status, const uint32_t* ids, const size_t* count) {
  REQUIRE(status == XATTN_OK);
  return std::vector<uint32_t>(ids, ids + *count);
}

// The tokenizer model opened through the C API, in 64-aligned storage.
struct OpenModel {
  std::vector<uint8_t> file = model_with_tokenizers();
  std::vector<Block> bytes = std::vector<Block>((file.size() + 63) / 64);
  xattn_model_storage storage;
  xattn_model* model = nullptr;
  xattn_error error;
  OpenModel() {
    std::memcpy(bytes.data(), file.data(), file.size());
    REQUIRE_MESSAGE(xattn_model_open(bytes.data(), file.size(), &storage, &model, &error) == XATTN_OK,
                    std::string(error.message));
  }
};

}  // namespace

TEST_CASE("C API: tokenize and detokenize through the tokenizers a model carries") {
  OpenModel opened;
  xattn_model* model = opened.model;
  CHECK(xattn_model_has_tokenizer(model) == 1);

  uint32_t ids[32];
  size_t count = 0;
  // Source vocabulary: <pad> <s> </s> <unk> b a d c ab é.
  CHECK(ids_of(xattn_tokenize(model, XATTN_SOURCE, "abc", 3, ids, 32, &count), ids, &count) ==
        std::vector<uint32_t>{8, 7});  // ab(-1) + c(-2) beats a + b + c
  CHECK(ids_of(xattn_tokenize(model, XATTN_SOURCE, "ba\xc3\xa9", 4, ids, 32, &count), ids, &count) ==
        std::vector<uint32_t>{4, 5, 9});
  // Target vocabulary: <pad> <s> </s> zz x y z xy yz <unk>; x + yz (-4) beats xy + z (-4.5).
  CHECK(ids_of(xattn_tokenize_known(model, XATTN_TARGET, "xyz", 3, ids, 32, &count), ids, &count) ==
        std::vector<uint32_t>{4, 8});

  // Caller scratch: exactly xattn_tokenize_scratch_bytes, and refused when smaller.
  const size_t need = xattn_tokenize_scratch_bytes(model, XATTN_TARGET, 3);
  REQUIRE(need > 0);
  std::vector<uint64_t> scratch((need + 7) / 8);
  CHECK(ids_of(xattn_tokenize_text(model, XATTN_TARGET, "zzx", 3, scratch.data(), need, ids, 32, &count), ids,
               &count) == std::vector<uint32_t>{3, 4});
  CHECK(xattn_tokenize_text(model, XATTN_TARGET, "zzx", 3, scratch.data(), need - 1, ids, 32, &count) ==
        XATTN_ARENA_TOO_SMALL);
  CHECK(xattn_tokenize(model, XATTN_SOURCE, "a\xff", 2, ids, 32, &count) == XATTN_INVALID_ARGUMENT);
  CHECK(xattn_tokenize(model, XATTN_SOURCE, "abab", 4, ids, 1, &count) == XATTN_LIMIT_EXCEEDED);
  const std::string long_text(XATTN_TOKENIZE_STACK_BYTES, 'a');
  CHECK(xattn_tokenize(model, XATTN_SOURCE, long_text.data(), long_text.size(), ids, 32, &count) ==
        XATTN_LIMIT_EXCEEDED);

  // Decoding: pieces concatenated; <pad> (no piece) and </s> (control) left out.
  char text[16];
  const uint32_t target_ids[] = {0, 4, 8, 3, 2};
  CHECK(xattn_detokenize(model, XATTN_TARGET, target_ids, 5, text, sizeof text) == 5);
  CHECK(std::string(text) == "xyzzz");
  CHECK(xattn_detokenize(model, XATTN_TARGET, target_ids, 5, text, 3) == 5);  // cut, NUL-terminated
  CHECK(std::string(text) == "xy");
  const uint32_t source_ids[] = {8, 9, 3};
  CHECK(xattn_detokenize(model, XATTN_SOURCE, source_ids, 3, text, sizeof text) == 9);
  CHECK(std::string(text) == "ab\xc3\xa9 \xe2\x81\x87 ");  // <unk> decodes as SentencePiece's " ⁇ "
  const uint32_t outside[] = {10};
  CHECK(xattn_detokenize(model, XATTN_TARGET, outside, 1, text, sizeof text) == XATTN_DETOKENIZE_ERROR);
}

TEST_CASE("C API: xattn_encode_text works in the session buffer, as tokenize + end token + encode") {
  OpenModel opened;
  xattn_model* model = opened.model;
  xattn_error error;
  xattn_limits limits = xattn_default_limits();
  CHECK(limits.max_text_bytes == 0);
  limits.max_text_bytes = 16;
  const size_t need = xattn_session_buffer_bytes(model, &limits);
  xattn_limits no_text = limits;
  no_text.max_text_bytes = 0;
  CHECK(need > xattn_session_buffer_bytes(model, &no_text));
  std::vector<Block> buffer((need + 63) / 64);
  xattn_session* session = nullptr;
  REQUIRE(xattn_session_create(model, &limits, buffer.data(), need, &session, &error) == XATTN_OK);
  const xattn_generate_options options = xattn_default_options();
  auto best = [&]() {
    REQUIRE_MESSAGE(xattn_generate(session, &options) == XATTN_OK, std::string(xattn_session_message(session)));
    xattn_hypothesis h;
    REQUIRE(xattn_get_hypothesis(session, 0, &h) == XATTN_OK);
    return std::vector<uint32_t>(h.tokens, h.tokens + h.length);
  };
  REQUIRE(xattn_encode_text(session, "abcd", 4) == XATTN_OK);
  const std::vector<uint32_t> from_text = best();
  uint32_t ids[8];
  size_t count = 0;
  REQUIRE(xattn_tokenize(model, XATTN_SOURCE, "abcd", 4, ids, 8, &count) == XATTN_OK);
  ids[count++] = 2;  // </s>
  REQUIRE(xattn_encode(session, ids, count) == XATTN_OK);
  CHECK(best() == from_text);
  CHECK(xattn_encode_text(session, "a\xff", 2) == XATTN_INVALID_ARGUMENT);
  CHECK(std::string(xattn_session_message(session)).find("invalid UTF-8") != std::string::npos);
  const std::string too_long(17, 'a');
  CHECK(xattn_encode_text(session, too_long.data(), too_long.size()) == XATTN_LIMIT_EXCEEDED);
  CHECK(xattn_encode_text(nullptr, "a", 1) == XATTN_INVALID_ARGUMENT);
}

}  // namespace xattn
