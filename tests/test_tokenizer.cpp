// The runtime tokenizer on small hand-made tokenizers whose results follow
// from the published algorithms by hand (Viterbi over piece scores, BPE by
// merge score, byte fallback, SentencePiece's whitespace rules), plus the
// blob's validation (truncations, bit flips), invalid UTF-8, buffer limits,
// no allocation, and the converter's protobuf and vocabulary mapping errors.
// Exactness against python3-sentencepiece is tests/tokenizer/spm_exactness.py.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "allocation_counter.h"
#include "protobuf_reader.h"
#include "spm_model.h"
#include "text/gpt2_pretokenizer.h"
#include "tokenizer_blob_writer.h"
#include "xattn/tokenizer.h"

namespace xattn {
namespace {

using convert::TokenizerPiece;
using convert::TokenizerSpec;

const std::string kSp = "\xe2\x96\x81";  // ▁

// A blob kept in 8-aligned storage.
struct Blob {
  std::vector<uint64_t> words;
  size_t size = 0;
  explicit Blob(const std::vector<uint8_t>& bytes) : words((bytes.size() + 7) / 8), size(bytes.size()) {
    if (!bytes.empty()) std::memcpy(words.data(), bytes.data(), bytes.size());  // an empty vector may hold null
  }
  const void* data() const { return words.data(); }
};

Blob make_blob(const TokenizerSpec& spec) {
  std::vector<uint8_t> bytes;
  const std::string error = convert::build_tokenizer_blob(spec, &bytes);
  REQUIRE(error == "");
  return Blob(bytes);
}

Tokenizer open_ok(const Blob& blob) {
  Tokenizer t;
  const Status s = Tokenizer::open(blob.data(), blob.size, &t);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  return t;
}

struct Encoded {
  Status status;
  std::vector<uint32_t> ids;
};

Encoded encode(const Tokenizer& t, const std::string& text) {
  std::vector<uint64_t> scratch((t.scratch_bytes(text.size()) + 7) / 8);
  std::vector<uint32_t> ids(t.max_ids(text.size()));
  size_t count = 0;
  Encoded e;
  e.status = t.encode(text.data(), text.size(), scratch.data(), scratch.size() * 8, ids.data(), ids.size(), &count);
  ids.resize(e.status.is_ok() ? count : 0);
  e.ids = ids;
  return e;
}

std::string decode(const Tokenizer& t, const std::vector<uint32_t>& ids) {
  char out[256];
  size_t length = 0;
  const Status s = t.decode(ids.data(), ids.size(), out, sizeof out, &length);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  return std::string(out, length);
}

// Unigram: <unk> 0, ▁ 1, a 2, b 3, ab 4, ▁ab 5, c-less; SentencePiece's default whitespace flags.
TokenizerSpec unigram_spec(uint8_t flags = 1 | 2 | 4) {
  TokenizerSpec spec;
  spec.model = 1;
  spec.flags = flags;
  spec.pieces = {{"<unk>", 0.0f, 2}, {kSp, -1.0f, 1}, {"a", -2.0f, 1}, {"b", -2.0f, 1},
                 {"ab", -3.0f, 1},  {kSp + "ab", -2.5f, 1}, {"<s>", 0.0f, 3}};
  return spec;
}

TEST_CASE("tokenizer: unigram picks the best-scoring segmentation") {
  const Blob blob = make_blob(unigram_spec());
  const Tokenizer t = open_ok(blob);
  CHECK(t.model() == TokenizerModel::kUnigram);
  // "▁ab" (-2.5) beats "▁" + "ab" (-4) and "▁" + "a" + "b" (-5).
  CHECK(encode(t, "ab").ids == std::vector<uint32_t>{5});
  // Extra spaces collapse; the second word gets its own "▁ab".
  CHECK(encode(t, "  ab   ab  ").ids == std::vector<uint32_t>{5, 5});
  // "ba": "▁" then b, a (no "▁b" piece).
  CHECK(encode(t, "ba").ids == std::vector<uint32_t>{1, 3, 2});
  // Unknown characters: one <unk> for a run (SentencePiece merges them).
  CHECK(encode(t, "abxyz").ids == std::vector<uint32_t>{5, 0});
  CHECK(encode(t, "").ids.empty());
  CHECK(encode(t, "   ").ids.empty());
}

TEST_CASE("tokenizer: whitespace flags off keep spaces as they are") {
  const Blob blob = make_blob(unigram_spec(0));
  const Tokenizer t = open_ok(blob);
  // No dummy prefix, no escaping: " " is not a piece, so it is <unk>.
  CHECK(encode(t, "ab").ids == std::vector<uint32_t>{4});
  CHECK(encode(t, "a b").ids == std::vector<uint32_t>{2, 0, 3});
}

TEST_CASE("tokenizer: decode undoes the whitespace escaping") {
  const Blob blob = make_blob(unigram_spec());
  const Tokenizer t = open_ok(blob);
  CHECK(decode(t, {5, 5}) == "ab ab");
  CHECK(decode(t, {6, 5, 1, 3}) == "ab b");        // control pieces are invisible
  CHECK(decode(t, {5, 0, 2}) == "ab \xe2\x81\x87 a");  // <unk> reads " ⁇ "
  size_t length = 0;
  const uint32_t bad = 99;
  CHECK(t.decode(&bad, 1, nullptr, 0, &length).code() == StatusCode::kInvalidArgument);
  const uint32_t two[] = {5, 5};
  char small[3];
  CHECK(t.decode(two, 2, small, sizeof small, &length).code() == StatusCode::kLimitExceeded);
  CHECK(length == 5);
}

TEST_CASE("tokenizer: byte fallback spells unknown characters as byte pieces") {
  TokenizerSpec spec = unigram_spec();
  spec.flags |= 8;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    spec.pieces.push_back(TokenizerPiece{name, 0.0f, 6});
  }
  const Blob blob = make_blob(spec);
  const Tokenizer t = open_ok(blob);
  const uint32_t base = 7;  // <0x00>
  // "é" is C3 A9.
  CHECK(encode(t, "ab\xc3\xa9").ids == std::vector<uint32_t>{5, base + 0xc3, base + 0xa9});
  CHECK(decode(t, {5, base + 0xc3, base + 0xa9}) == "ab\xc3\xa9");
  // A lone byte piece that is not UTF-8 decodes as U+FFFD.
  CHECK(decode(t, {5, base + 0xc3}) == "ab\xef\xbf\xbd");
  // Runs of byte pieces longer than decode's 64-byte buffer keep characters whole.
  std::vector<uint32_t> run{5};
  std::string expected = "ab";
  for (int i = 0; i < 45; ++i) {
    run.push_back(base + 0xc3);
    run.push_back(base + 0xa9);
    expected += "\xc3\xa9";
  }
  CHECK(decode(t, run) == expected);
}

TEST_CASE("tokenizer: SentencePiece BPE merges the best-scoring pair first") {
  TokenizerSpec spec;
  spec.model = 2;
  spec.flags = 0;
  spec.pieces = {{"<unk>", 0.0f, 2}, {"a", -5.0f, 1}, {"b", -5.0f, 1}, {"ab", -1.0f, 1},
                 {"aa", -2.0f, 1},   {"aab", -0.5f, 1}, {"<x>", 0.0f, 4}};
  const Blob blob = make_blob(spec);
  const Tokenizer t = open_ok(blob);
  CHECK(t.model() == TokenizerModel::kSentencePieceBpe);
  // (a,b) -> ab scores -1 above (a,a) -> aa at -2; then (a,ab) -> aab.
  CHECK(encode(t, "aab").ids == std::vector<uint32_t>{5});
  // "aaa": (a,a) pairs tie at -2, the leftmost merges first: aa, a.
  CHECK(encode(t, "aaa").ids == std::vector<uint32_t>{4, 1});
  // A user-defined symbol stays whole and never merges with its neighbours.
  CHECK(encode(t, "a<x>b").ids == std::vector<uint32_t>{1, 6, 2});
  CHECK(encode(t, "zz").ids == std::vector<uint32_t>{0});
}

std::vector<std::string> pretokens(const std::string& text) {
  std::vector<std::string> out;
  for (size_t at = 0; at < text.size();) {
    const size_t n = text::gpt2_pretoken_length(text.data() + at, text.size() - at);
    REQUIRE(n > 0);
    out.push_back(text.substr(at, n));
    at += n;
  }
  return out;
}

TEST_CASE("tokenizer: GPT-2 pre-tokenization follows the pattern's alternatives in order") {
  using V = std::vector<std::string>;
  CHECK(pretokens("Hello world's end") == V{"Hello", " world", "'s", " end"});
  // Contractions are lower-case only; other apostrophes join the symbol run.
  CHECK(pretokens("it'S ''s") == V{"it", "'", "S", " ''", "s"});
  // A space run before a word gives its last space to the word; at the end it stays whole.
  CHECK(pretokens("a   b  ") == V{"a", "  ", " b", "  "});
  // Tabs and newlines are not the optional space: one whitespace token each side.
  CHECK(pretokens("a\t\tb\nc") == V{"a", "\t", "\t", "b", "\n", "c"});
  CHECK(pretokens(" 123abc ,.!") == V{" 123", "abc", " ,.!"});
  // Letters and numbers beyond ASCII: Cyrillic, Devanagari digits, U+3000 is white space.
  CHECK(pretokens("Привет\xe3\x80\x80\xe0\xa5\xa7\xe0\xa5\xa8") ==
        V{"Привет", "\xe3\x80\x80", "\xe0\xa5\xa7\xe0\xa5\xa8"});
}

TEST_CASE("tokenizer: byte-level BPE joins the lowest-ranked pair first") {
  TokenizerSpec spec;
  spec.model = 3;
  for (int b = 0; b < 256; ++b) spec.pieces.push_back(TokenizerPiece{std::string(1, static_cast<char>(b)), 0.0f, 1});
  spec.pieces.push_back(TokenizerPiece{"ab", 0.0f, 1});   // 256
  spec.pieces.push_back(TokenizerPiece{"bc", 0.0f, 1});   // 257
  spec.pieces.push_back(TokenizerPiece{"abc", 0.0f, 1});  // 258
  spec.pieces.push_back(TokenizerPiece{" x", 0.0f, 1});   // 259
  const Blob blob = make_blob(spec);
  const Tokenizer t = open_ok(blob);
  CHECK(t.model() == TokenizerModel::kByteLevelBpe);
  // ab (256) before bc (257); then ab + c is abc (258); d stays a byte.
  CHECK(encode(t, "abcd").ids == std::vector<uint32_t>{258, 'd'});
  // "bcab": bc and ab both apply; ab ranks lower, so it joins first, then bc.
  CHECK(encode(t, "bcab").ids == std::vector<uint32_t>{257, 256});
  CHECK(encode(t, "abc x").ids == std::vector<uint32_t>{258, 259});
  // Bytes of a character outside every merge: one id per byte.
  CHECK(encode(t, "\xc3\xa9").ids == std::vector<uint32_t>{0xc3, 0xa9});
  CHECK(decode(t, {258, 259, 0xc3, 0xa9}) == "abc x\xc3\xa9");
  CHECK(encode(t, "\xc3").status.code() == StatusCode::kInvalidArgument);
}

TEST_CASE("tokenizer: invalid UTF-8 is a named error") {
  const Blob blob = make_blob(unigram_spec());
  const Tokenizer t = open_ok(blob);
  const char* const bad[] = {"a\x80", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe2\x96", "\xff"};
  for (const char* text : bad) {
    const Encoded e = encode(t, text);
    CHECK(e.status.code() == StatusCode::kInvalidArgument);
    CHECK(std::strstr(e.status.message(), "invalid UTF-8") != nullptr);
  }
}

TEST_CASE("tokenizer: scratch and output limits") {
  const Blob blob = make_blob(unigram_spec());
  const Tokenizer t = open_ok(blob);
  // The header alone gives the same scratch size (expansion 3 without a charsmap).
  CHECK(t.scratch_bytes(100) == tokenizer_scratch_bytes(TokenizerModel::kUnigram, 3, 100));
  CHECK(t.scratch_bytes(100) == 304 + 12 * 304);
  const std::string text = "ab ab ab";
  std::vector<uint64_t> scratch((t.scratch_bytes(text.size()) + 7) / 8);
  uint32_t ids[8];
  size_t count = 0;
  CHECK(t.encode(text.data(), text.size(), scratch.data(), t.scratch_bytes(text.size()) - 1, ids, 8, &count).code() ==
        StatusCode::kArenaTooSmall);
  CHECK(t.encode(text.data(), text.size(), scratch.data(), scratch.size() * 8, ids, 2, &count).code() ==
        StatusCode::kLimitExceeded);
  CHECK(count == 3);
  posix::allocation_window_open();
  const Status s = t.encode(text.data(), text.size(), scratch.data(), scratch.size() * 8, ids, 8, &count);
  const long allocations = posix::allocation_window_close();
  CHECK(s.is_ok());
  CHECK(allocations == 0);
}

TEST_CASE("tokenizer: every truncation and bit flip of a blob is caught or harmless") {
  TokenizerSpec spec = unigram_spec();
  spec.pieces.push_back(TokenizerPiece{"<x>", 0.0f, 4});
  std::vector<uint8_t> bytes;
  REQUIRE(convert::build_tokenizer_blob(spec, &bytes) == "");
  for (size_t n = 0; n < bytes.size(); n += 4) {
    Tokenizer t;
    const Blob cut(std::vector<uint8_t>(bytes.begin(), bytes.begin() + n));
    CHECK(Tokenizer::open(cut.data(), n, &t).code() == StatusCode::kBadModel);
  }
  size_t rejected = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; bit += 3) {
      std::vector<uint8_t> flipped = bytes;
      flipped[i] ^= static_cast<uint8_t>(1u << bit);
      const Blob blob(flipped);
      Tokenizer t;
      if (!Tokenizer::open(blob.data(), blob.size, &t)) {
        ++rejected;
        continue;
      }
      // Accepted: encoding and decoding must still stay in bounds.
      const Encoded e = encode(t, " ab <x>ba  xy ");
      char out[64];
      size_t length = 0;
      if (e.status) (void)t.decode(e.ids.data(), e.ids.size(), out, sizeof out, &length);
    }
  }
  CHECK(rejected > 0);
}

TEST_CASE("tokenizer: protobuf reader rejects malformed messages") {
  const auto error_of = [](const std::string& bytes) {
    convert::ProtoReader r(bytes.data(), bytes.size());
    convert::ProtoField f;
    while (r.next(&f)) {
    }
    return r.error();
  };
  CHECK(error_of(std::string("\x08\x96\x01", 3)) == "");           // field 1 = 150
  CHECK(error_of(std::string("\x08\x96", 2)).find("truncated varint") != std::string::npos);
  CHECK(error_of(std::string("\x0a\x05" "abc", 5)).find("past the end") != std::string::npos);
  CHECK(error_of(std::string("\x0b", 1)).find("wire type 3") != std::string::npos);
  CHECK(error_of(std::string("\x15\x01\x02", 3)).find("past the end") != std::string::npos);
}

TEST_CASE("tokenizer: a hand-written ModelProto is read field by field") {
  // pieces {piece "<unk>" type UNKNOWN}, {piece "a" score -1.5}, trainer_spec
  // {model_type BPE, byte_fallback true}, normalizer_spec {add_dummy_prefix false}.
  std::string proto;
  proto += std::string("\x0a\x09\x0a\x05<unk>\x18\x02", 11);
  proto += std::string("\x0a\x08\x0a\x01" "a\x15\x00\x00\xc0\xbf", 10);
  proto += std::string("\x12\x05\x18\x02\x98\x02\x01", 7);
  proto += std::string("\x1a\x02\x18\x00", 4);
  TokenizerSpec spec;
  REQUIRE(convert::parse_sentencepiece_model(proto, &spec) == "");
  REQUIRE(spec.pieces.size() == 2);
  CHECK(spec.pieces[0].text == "<unk>");
  CHECK(spec.pieces[0].type == 2);
  CHECK(spec.pieces[1].type == 1);
  CHECK(spec.pieces[1].score == -1.5f);
  CHECK(spec.model == 2);
  CHECK(spec.flags == (2 | 4 | 8));  // remove_extra_whitespaces and escape_whitespaces default on
  CHECK(convert::parse_sentencepiece_model(proto.substr(0, 15), &spec) != "");
}

TEST_CASE("tokenizer: pieces map to model ids by string, missing ones named") {
  TokenizerSpec spec = unigram_spec();
  std::vector<std::string> vocab = {"</s>", "ab", "<unk>", kSp + "ab", "a", "b", kSp};
  REQUIRE(convert::map_to_vocabulary(vocab, &spec) == "");  // <s> (control) may be absent
  const Blob blob = make_blob(spec);
  const Tokenizer t = open_ok(blob);
  CHECK(encode(t, "ab ba").ids == std::vector<uint32_t>{3, 6, 5, 4});
  CHECK(decode(t, {3, 6, 5, 4}) == "ab ba");
  vocab.pop_back();
  const std::string error = convert::map_to_vocabulary(vocab, &spec);
  CHECK(error.find("'" + kSp + "'") != std::string::npos);
  CHECK(error.find("not in the model vocabulary") != std::string::npos);
}

}  // namespace
}  // namespace xattn
