// open_model on corrupted files: every bit flip is caught by the checksum;
// then, with the checksum repaired after each edit (so only the structural
// checks can catch it), every header, config, vocabulary and tensor-table
// rule, each asserting the StatusCode and the message. Plus a no-crash sweep
// of flips and random edits with the checksum off (meant for ASan runs too).
#include <doctest/doctest.h>

#ifdef XATTN_HAVE_CONVERT

#include <cmath>
#include <limits>
#include <random>

#include "model_test_support.h"
#include "int4_weights.h"

using namespace model_test;
using xattn::StatusCode;

namespace {

namespace h = fmt::header;
namespace cf = fmt::config;
namespace tn = fmt::tensor;
const size_t kCfg = h::kSize;  // the config block's offset
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

// Applies `edit` to a copy of `base`, repairs the checksum, and expects the
// same rejection with and without checksum verification.
template <class Edit>
void rejects(const Bytes& base, Edit edit, StatusCode code, const std::string& want) {
  Bytes b = base;
  edit(b);
  fix_checksum(b);
  for (bool verify : {true, false}) {
    const xattn::Status s = open_copy(b, xattn::OpenOptions{verify});
    INFO("want [" << xattn::status_code_name(code) << "] '" << want << "', verify_checksum " << verify << ", got ["
                  << xattn::status_code_name(s.code()) << "] '" << s.message() << "'");
    CHECK(s.code() == code);
    CHECK(std::string(s.message()).find(want) != std::string::npos);
  }
}
template <class Edit>
void bad(const Bytes& base, Edit edit, const std::string& want) {
  rejects(base, edit, StatusCode::kBadModel, want);
}

auto set_u32(size_t at, uint32_t v) { return [=](Bytes& b) { put_u32(b, at, v); }; }
auto set_u64(size_t at, uint64_t v) { return [=](Bytes& b) { put_u64(b, at, v); }; }
auto set_u8(size_t at, uint8_t v) { return [=](Bytes& b) { b.at(at) = v; }; }
auto set_f32(size_t at, float v) { return [=](Bytes& b) { put_f32(b, at, v); }; }

bool acceptable(StatusCode c) { return c == StatusCode::kOk || c == StatusCode::kBadModel || c == StatusCode::kUnsupported; }

}  // namespace

TEST_CASE("model reader corruption: every single bit flip is rejected by the checksum") {
  const Bytes base = synthetic_model(tiny_options());
  const Layout l(base);
  const size_t data_start = get_u64(base, l.entry(0) + tn::kDataOffset);
  AlignedBytes copy(base);
  auto view = new_view();
  size_t flips = 0, failures = 0;
  // Every bit of header, config, vocabularies and table; every bit of every 5th
  // byte of tensor data and the last byte (each flip costs a CRC of the file).
  for (size_t i = 0; i < base.size(); i += (i < data_start || i + 1 == base.size()) ? 1 : 5) {
    for (int bit = 0; bit < 8; ++bit) {
      copy.data()[i] ^= uint8_t(1u << bit);
      const xattn::Status s = xattn::open_model(copy.data(), copy.size(), view.get());
      copy.data()[i] ^= uint8_t(1u << bit);
      ++flips;
      // Fields checked before the checksum fail on their own; all else must be the checksum.
      const bool early = i < h::kChecksum || (i >= h::kReserved && i < h::kSize);
      const bool ok = early ? !s.is_ok() && acceptable(s.code())
                            : s.code() == StatusCode::kBadModel && std::strstr(s.message(), "checksum mismatch");
      if (!ok && ++failures <= 5) FAIL_CHECK("flip byte " << i << " bit " << bit << ": " << s.message());
    }
  }
  CHECK(failures == 0);
  CHECK(flips > 8 * data_start);
  CHECK(xattn::open_model(copy.data(), copy.size(), view.get()).is_ok());  // restored
}

TEST_CASE("model reader corruption: bit flips and random edits without the checksum never crash") {
  for (bool int8 : {false, true}) {
    SyntheticOptions o;
    o.int8 = int8;
    const Bytes base = synthetic_model(o);
    AlignedBytes copy(base);
    auto view = new_view();
    const xattn::OpenOptions no_crc{false};
    size_t accepted = 0, failures = 0;
    // Every bit up to the first tensor's data, then every bit of every 7th byte.
    const size_t data_start = get_u64(base, Layout(base).entry(0) + tn::kDataOffset);
    for (size_t i = 0; i < base.size(); i += i < data_start ? 1 : 7) {
      for (int bit = 0; bit < 8; ++bit) {
        copy.data()[i] ^= uint8_t(1u << bit);
        const xattn::Status s = xattn::open_model(copy.data(), copy.size(), view.get(), no_crc);
        copy.data()[i] ^= uint8_t(1u << bit);
        accepted += s.is_ok();
        if (!acceptable(s.code()) && ++failures <= 5) FAIL_CHECK("flip " << i << "/" << bit << ": " << s.message());
      }
    }
    // Random multi-byte edits, mostly in the structural part of the file.
    const size_t structural = Layout(base).table_end();
    std::mt19937 rng(7);
    for (int round = 0; round < 20000; ++round) {
      std::memcpy(copy.data(), base.data(), base.size());
      const int edits = 1 + round % 4;
      for (int e = 0; e < edits; ++e) {
        const size_t at = (round % 5 ? rng() % structural : rng() % base.size());
        copy.data()[at] = uint8_t(round % 3 ? rng() : (rng() % 2 ? 0xff : 0x00));
      }
      const xattn::Status s = xattn::open_model(copy.data(), copy.size(), view.get(), no_crc);
      if (!acceptable(s.code()) && ++failures <= 5) FAIL_CHECK("random edit round " << round << ": " << s.message());
    }
    CHECK(failures == 0);
    CHECK(accepted > 0);  // tensor data flips are structurally fine: only the checksum can see them
  }
}

TEST_CASE("model reader corruption: header fields") {
  const Bytes b = synthetic_model();
  const size_t n = b.size();
  bad(b, set_u8(0, 'Y'), "not an xattn model (bad magic)");
  bad(b, set_u8(7, 'l'), "bad magic");
  rejects(b, set_u32(h::kVersion, 2), StatusCode::kUnsupported, "format version 2 is not supported");
  rejects(b, set_u32(h::kVersion, 0), StatusCode::kUnsupported, "format version 0 is not supported");
  bad(b, set_u32(h::kHeaderSize, 128), "header size field is not 64");
  bad(b, set_u64(h::kFileSize, n + 1), "truncated: " + std::to_string(n) + " bytes, header says " + std::to_string(n + 1));
  bad(b, set_u64(h::kFileSize, n - 1), "trailing bytes: " + std::to_string(n) + " bytes, header says " + std::to_string(n - 1));
  bad(b, [](Bytes& x) { x.resize(x.size() + 64, 0); }, "trailing bytes");
  bad(b, set_u32(h::kReserved, 1), "reserved header field is not zero");
  bad(b, set_u32(h::kConfigOffset, 128), "config block misplaced or truncated");
  bad(b, set_u32(h::kConfigSize, 64), "config block misplaced or truncated");
  const Layout l(b);
  bad(b, set_u32(h::kTensorCount, l.count + 1), "tensor table has 73 entries, the config needs 72");
  bad(b, set_u32(h::kTensorCount, 0), "tensor table has 0 entries");
  bad(b, set_u32(h::kTensorTableOffset, l.table + 4), "tensor table misplaced or outside the file");
  bad(b, set_u32(h::kTensorTableOffset, l.table - 8), "tensor table misplaced or outside the file");
  bad(b, set_u32(h::kTensorTableOffset, 0xfffffff8u), "tensor table misplaced or outside the file");
  bad(b, set_u32(h::kSourceVocabOffset, l.source_vocab - 4), "source vocabulary: block misplaced or outside the file");
  bad(b, set_u32(h::kSourceVocabOffset, l.source_vocab + 2), "source vocabulary: block misplaced");
  bad(b, set_u32(h::kSourceVocabSize, 0xffffffffu), "source vocabulary: block misplaced");
  bad(b, set_u32(h::kSourceVocabSize, 4), "source vocabulary: block truncated");
  bad(b, set_u32(h::kTargetVocabOffset, l.source_vocab), "target vocabulary: block misplaced");
  bad(b, set_u32(h::kTargetVocabOffset, 0xfffffffcu), "target vocabulary: block misplaced");
}

TEST_CASE("model reader corruption: config out of range") {
  const Bytes b = synthetic_model();
  bad(b, set_u32(kCfg + cf::kEncoderLayers, 0), "config: layer counts must be 1..64");
  bad(b, set_u32(kCfg + cf::kDecoderLayers, 0), "config: layer counts must be 1..64");
  bad(b, set_u32(kCfg + cf::kEncoderLayers, 65), "config: layer counts must be 1..64");
  bad(b, set_u32(kCfg + cf::kNumHeads, 3), "config: d_model 16 and heads 3 are out of range or do not divide");
  bad(b, set_u32(kCfg + cf::kNumHeads, 0), "config: d_model 16 and heads 0");
  bad(b, set_u32(kCfg + cf::kDModel, 0), "config: d_model 0 and heads 2");
  bad(b, set_u32(kCfg + cf::kDModel, 16386), "config: d_model 16386");
  bad(b, set_u32(kCfg + cf::kFfnDim, 0), "config: ffn size out of range");
  bad(b, set_u32(kCfg + cf::kSourceVocabSize, 0), "config: vocabulary sizes out of range");
  bad(b, set_u32(kCfg + cf::kTargetVocabSize, (1u << 22) + 1), "config: vocabulary sizes out of range");
  bad(b, set_u32(kCfg + cf::kMaxPositions, 0), "config: max positions out of range");
  bad(b, set_u8(kCfg + cf::kActivation, 4), "config: unknown activation");
  bad(b, set_u8(kCfg + cf::kNorm, 2), "config: unknown norm placement");
  bad(b, set_u8(kCfg + cf::kPosition, 4), "config: unknown position encoding");
  // The model-family fields (bytes 81..107).
  bad(b, set_u8(kCfg + cf::kNormKind, 2), "config: unknown norm kind");
  bad(b, set_u8(kCfg + cf::kStackFlags, 0x20), "config: unknown stack flags");
  bad(b, set_u8(kCfg + cf::kFfnGated, 2), "config: gated FFN flag is not 0 or 1");
  bad(b, set_u8(kCfg + cf::kBiasFlags, 4), "config: unknown bias flags");
  bad(b, set_u8(kCfg + cf::kStartMode, 3), "config: unknown decoder start mode");
  bad(b, set_u8(kCfg + cf::kEncoderInput, 2), "config: unknown encoder input");
  bad(b, set_u8(kCfg + cf::kHasTokenizer, 2), "config: tokenizer flag is not 0 or 1");
  bad(b, set_u8(kCfg + cf::kHasTokenizer, 1), "config: tokenizer size must be 1..2^30 bytes");
  bad(b, set_u32(kCfg + cf::kTargetTokenizerBytes, 64), "config: target tokenizer size must be 0..2^30 bytes");
  for (float v : {-1.0f, kNaN, kInf, 1e7f}) bad(b, set_f32(kCfg + cf::kQueriesScale, v), "config: queries scale out of range");
  bad(b, set_u8(kCfg + cf::kRelativeBuckets, 32), "config: relative position fields set without relative positions");
  bad(b, set_u8(kCfg + cf::kPosition, 3), "config: relative position buckets");
  bad(b, [](Bytes& x) { x[kCfg + cf::kPosition] = 3; x[kCfg + cf::kRelativeBuckets] = 32; x[kCfg + cf::kRelativeMaxDistance] = 16; },
      "max distance (> buckets / 2) out of range");
  bad(b, set_u8(kCfg + cf::kNMels, 80), "config: mel bins set on a token encoder");
  bad(b, set_u8(kCfg + cf::kEncoderInput, 1), "config: mel bins must be 1..512");
  bad(b, set_u8(kCfg + cf::kNMels + 2, 1), "config: reserved bytes are not zero");
  bad(b, set_u32(kCfg + cf::kSourcePositions, (1u << 14) + 1), "config: source positions out of range");
  bad(b, set_u8(kCfg + cf::kTextMode, 2), "config: unknown text mode");
  bad(b, set_u8(kCfg + cf::kActivationRounding, 2), "config: unknown activation rounding");
  for (float v : {0.0f, -1.0f, kNaN, kInf, 1e7f}) bad(b, set_f32(kCfg + cf::kEmbeddingScale, v), "config: embedding scale out of range");
  for (float v : {0.0f, -1e-5f, 1.0f, kNaN, kInf}) bad(b, set_f32(kCfg + cf::kLayerNormEpsilon, v), "config: layer norm epsilon out of range");
  bad(b, set_u32(kCfg + cf::kAlignmentLayer, 2), "config: alignment layer beyond the decoder");
  bad(b, set_u32(kCfg + cf::kSourceTokens + 12, 10), "config: source special token id 10 is outside the vocabulary of 10");
  bad(b, set_u32(kCfg + cf::kTargetTokens + 0, 10), "config: target special token id 10 is outside the vocabulary of 10");
  bad(b, set_u32(kCfg + cf::kTargetTokens + 8, 0xffffffffu), "config: target special token id 4294967295");
  bad(b, set_u8(kCfg + cf::kReservedFrom, 1), "config: reserved bytes are not zero");
  bad(b, set_u8(kCfg + cf::kReservedTo - 1, 0x80), "config: reserved bytes are not zero");
  // Bytes 124..127: the whisper ids size, only on an audio model and in range.
  bad(b, set_u8(kCfg + cf::kSize - 1, 0x80), "config: whisper ids size must be 0, or 12..2^24 bytes");
  bad(b, set_u32(kCfg + cf::kWhisperIdsBytes, 12), "config: whisper ids size must be 0, or 12..2^24 bytes");
  // Sinusoidal positions pair channels: an odd d_model (or 2) is not a valid model.
  bad(b, [](Bytes& x) { put_u32(x, kCfg + cf::kDModel, 15); put_u32(x, kCfg + cf::kNumHeads, 3); },
      "config: sinusoidal positions need an even d_model >= 4");
  bad(b, [](Bytes& x) { put_u32(x, kCfg + cf::kDModel, 2); put_u32(x, kCfg + cf::kNumHeads, 1); },
      "config: sinusoidal positions need an even d_model >= 4");
  // Valid configs that no longer match the tensors.
  bad(b, set_u32(kCfg + cf::kFfnDim, 64), "tensor encoder/layer_0/ffn/linear_0/weight: expected 64x16, got 32x16");
  bad(b, set_u8(kCfg + cf::kNorm, 1), "tensor table has 72 entries, the config needs 68");
  bad(b, set_u32(kCfg + cf::kSourceVocabSize, 9), "source vocabulary: has 10 tokens, the config says 9");
}

TEST_CASE("model reader corruption: vocabulary blocks") {
  const Bytes b = synthetic_model();
  const Layout l(b);
  // Source block: count, string_bytes, offsets[11], sorted[10], strings.
  const size_t v = l.source_vocab, off = v + 8, sorted = off + 44, strings = sorted + 40;
  const uint32_t string_bytes = get_u32(b, v + 4);
  auto token_at = [&](uint32_t id) { return strings + get_u32(b, off + 4 * id); };
  REQUIRE(get_u32(b, sorted + 16) == 5);  // "a", then "ab"
  REQUIRE(get_u32(b, sorted + 20) == 8);
  bad(b, set_u32(v, 11), "source vocabulary: has 11 tokens, the config says 10");
  bad(b, set_u32(l.target_vocab, 9), "target vocabulary: has 9 tokens, the config says 10");
  bad(b, set_u32(v + 4, string_bytes + 1), "source vocabulary: block size does not match its counts");
  bad(b, set_u32(h::kSourceVocabSize, l.source_vocab_size - 1), "source vocabulary: block size does not match its counts");
  bad(b, set_u32(off, 1), "source vocabulary: offsets do not span the strings");
  bad(b, set_u32(off + 40, string_bytes - 1), "source vocabulary: offsets do not span the strings");
  bad(b, set_u32(off + 20, get_u32(b, off + 16)), "source vocabulary: token 4 is empty or out of bounds");
  bad(b, set_u32(off + 20, string_bytes + 1), "source vocabulary: token 4 is empty or out of bounds");
  bad(b, set_u32(off + 20, 0xffffffffu), "source vocabulary: token 4 is empty or out of bounds");
  bad(b, set_u8(token_at(4), ' '), "source vocabulary: token 4 holds a separator byte");
  bad(b, set_u8(token_at(6), '\n'), "source vocabulary: token 6 holds a separator byte");
  bad(b, set_u8(token_at(7), 0), "source vocabulary: token 7 holds a separator byte");
  bad(b, [&](Bytes& x) { put_u32(x, sorted + 16, 8); put_u32(x, sorted + 20, 5); },
      "source vocabulary: sorted index out of order or duplicate token at 5");
  bad(b, set_u32(sorted + 20, 5), "source vocabulary: sorted index out of order or duplicate token at 5");
  bad(b, set_u8(token_at(7), '0'), "source vocabulary: sorted index out of order or duplicate token at 7");  // "c" -> "0"
  // "c" -> "b" repeats a token: legal (CTranslate2 vocabularies do), the index orders equal tokens by id.
  {
    Bytes x = b;
    set_u8(token_at(7), 'b')(x);
    fix_checksum(x);
    CHECK(open_copy(x, xattn::OpenOptions{true}).is_ok());
  }
  bad(b, set_u32(sorted, 10), "source vocabulary: sorted index holds an id out of range");
  bad(b, set_u32(sorted + 36, 0xffffffffu), "source vocabulary: sorted index holds an id out of range");
  // A space is a token like any other in character mode (given a sorted index
  // that puts " " first), and a separator in space-separated mode.
  Bytes space = b;
  space[token_at(4)] = ' ';
  const uint32_t order[] = {4, 2, 0, 1, 3, 5, 8, 7, 6, 9};
  for (uint32_t i = 0; i < 10; ++i) put_u32(space, sorted + 4 * i, order[i]);
  bad(space, [](Bytes&) {}, "source vocabulary: token 4 holds a separator byte");
  space[kCfg + cf::kTextMode] = 1;
  fix_checksum(space);
  const xattn::Status s = open_copy(space);
  CHECK_MESSAGE(s.is_ok(), s.message());
}

TEST_CASE("model reader corruption: tensor table entries") {
  const Bytes b = synthetic_model();
  const Layout l(b);
  using xattn::global_id;
  using xattn::layer_id;
  using xattn::GlobalRole;
  using xattn::LayerRole;
  using xattn::Section;
  const size_t ffn_in = entry_of(b, layer_id(Section::kEncoderLayer, 1, LayerRole::kFfnInWeight));
  const size_t qkv_bias = entry_of(b, layer_id(Section::kEncoderLayer, 0, LayerRole::kSelfQkvBias));
  const size_t out_bias = entry_of(b, global_id(GlobalRole::kOutputBias));
  const size_t second = l.entry(1), last = l.entry(l.count - 1);
  bad(b, [&](Bytes& x) { put_u32(x, l.entry(0), get_u32(b, second)); put_u32(x, second, get_u32(b, l.entry(0))); },
      "tensor table: missing or out of order: expected encoder/embeddings/weight");
  bad(b, set_u32(l.entry(2), 0x63), "tensor table: missing or out of order: expected encoder/layer_norm/gamma");
  bad(b, set_u32(ffn_in, layer_id(Section::kEncoderLayer, 7, LayerRole::kFfnInWeight)),
      "missing or out of order: expected encoder/layer_1/ffn/linear_0/weight");
  bad(b, [&](Bytes& x) { put_u32(x, ffn_in + tn::kRows, 16); put_u32(x, ffn_in + tn::kCols, 32); },
      "tensor encoder/layer_1/ffn/linear_0/weight: expected 32x16, got 16x32");
  bad(b, set_u32(out_bias + tn::kRows, 11), "tensor decoder/projection/bias: expected 10x1, got 11x1");
  bad(b, set_u32(qkv_bias + tn::kCols, 0), "tensor encoder/layer_0/self_attention/linear_0/bias: expected 48x1, got 48x0");
  bad(b, set_u8(ffn_in + tn::kDType, 4), "tensor encoder/layer_1/ffn/linear_0/weight: unknown dtype 4");
  bad(b, set_u8(ffn_in + tn::kDType, 3), "tensor encoder/layer_1/ffn/linear_0/weight: int4 goes with layout 3 and layout 3 with int4");
  bad(b, set_u8(ffn_in + tn::kDType, 2), "tensor encoder/layer_1/ffn/linear_0/weight: u8 is allowed only for byte blobs");
  // A shared entry must repeat an earlier entry exactly.
  bad(b, set_u8(ffn_in + tn::kFlags, fmt::kTensorShared), "encoder/layer_1/ffn/linear_0/weight: shared, but no earlier tensor");
  bad(b, set_u8(ffn_in + tn::kFlags, 2), "unknown layout or non-zero reserved fields");
  bad(b, set_u8(ffn_in + tn::kDType, 255), "unknown dtype 255");
  bad(b, set_u8(qkv_bias + tn::kDType, 1), "tensor encoder/layer_0/self_attention/linear_0/bias: int8 is not allowed here");
  bad(b, set_u8(l.entry(2) + tn::kDType, 1), "tensor encoder/layer_norm/gamma: int8 is not allowed here");
  bad(b, set_u8(ffn_in + tn::kDType, 1), "tensor encoder/layer_1/ffn/linear_0/weight: packed float layout needs a float32 linear weight");
  bad(b, [&](Bytes& x) { x[ffn_in + tn::kDType] = 1; x[ffn_in + tn::kLayout] = fmt::kLayoutRowMajor; },
      "tensor encoder/layer_1/ffn/linear_0/weight: byte count does not match its shape");
  REQUIRE(b[ffn_in + tn::kLayout] == fmt::kLayoutPacked16x1);  // float32 linear weights are written packed
  bad(b, set_u8(ffn_in + tn::kLayout, 4), "unknown layout or non-zero reserved fields");
  bad(b, set_u8(ffn_in + tn::kLayout, 3), "tensor encoder/layer_1/ffn/linear_0/weight: int4 goes with layout 3 and layout 3 with int4");
  bad(b, set_u8(l.entry(2) + tn::kLayout, fmt::kLayoutPacked16x1),
      "tensor encoder/layer_norm/gamma: packed float layout needs a float32 linear weight or token embedding");
  bad(b, set_u8(ffn_in + tn::kLayout, 1),
      "tensor encoder/layer_1/ffn/linear_0/weight: packed layout needs an int8 linear weight or token embedding with "
      "columns % 4 == 0");
  bad(b, set_u8(ffn_in + tn::kReserved16 + 1, 1), "unknown layout or non-zero reserved fields");
  bad(b, set_u64(ffn_in + tn::kRowSumsOffset, 1ull << 63), "tensor encoder/layer_1/ffn/linear_0/weight: row sums on an unpacked tensor");
  bad(b, set_u64(ffn_in + tn::kDataBytes, 32 * 16 * 4 + 4), "byte count does not match its shape");
  const std::string placement = "tensor encoder/layer_1/ffn/linear_0/weight: data offset misaligned, overlapping or outside the file";
  const uint64_t ffn_in_data = get_u64(b, ffn_in + tn::kDataOffset);
  bad(b, set_u64(ffn_in + tn::kDataOffset, ffn_in_data + 4), placement);                         // misaligned
  bad(b, set_u64(ffn_in + tn::kDataOffset, ffn_in_data - 64), placement);                        // overlaps the previous tensor
  bad(b, set_u64(ffn_in + tn::kDataOffset, 0), placement);                                       // overlaps the header
  bad(b, set_u64(ffn_in + tn::kDataOffset, (b.size() + 63) / 64 * 64), placement);               // beyond the file
  bad(b, set_u64(ffn_in + tn::kDataOffset, 0xffffffffffffffc0ull), placement);                  // would wrap
  bad(b, set_u64(last + tn::kDataOffset, get_u64(b, last + tn::kDataOffset) + 64), "data offset misaligned, overlapping or outside the file");
  bad(b, set_u64(ffn_in + tn::kScaleOffset, 64), "tensor encoder/layer_1/ffn/linear_0/weight: float32 tensor with a scale offset");
}

TEST_CASE("model reader corruption: int8 scales") {
  SyntheticOptions o;
  o.int8 = true;
  const Bytes b = synthetic_model(o);
  const size_t qkv = entry_of(b, xattn::layer_id(xattn::Section::kDecoderLayer, 1, xattn::LayerRole::kSelfQkvWeight));
  REQUIRE(b[qkv + tn::kDType] == 1);
  const uint64_t scales = get_u64(b, qkv + tn::kScaleOffset);
  const std::string name = "tensor decoder/layer_1/self_attention/linear_0/weight";
  for (float v : {0.0f, -0.0f, -1.0f, kNaN, -kNaN, kInf, -kInf, 3.1e38f})
    bad(b, set_f32(scales + 4 * 3, v), name + ": row 3 has an invalid scale");
  bad(b, set_f32(scales, 0.0f), name + ": row 0 has an invalid scale");
  bad(b, set_f32(scales + 4 * 47, kNaN), name + ": row 47 has an invalid scale");
  const std::string placement = name + ": scale offset misaligned, overlapping or outside the file";
  bad(b, set_u64(qkv + tn::kScaleOffset, scales + 4), placement);
  bad(b, set_u64(qkv + tn::kScaleOffset, 0), placement);
  bad(b, set_u64(qkv + tn::kScaleOffset, get_u64(b, qkv + tn::kDataOffset)), placement);
  bad(b, set_u64(qkv + tn::kScaleOffset, (b.size() + 63) / 64 * 64), placement);
  bad(b, set_u64(qkv + tn::kScaleOffset, 0xffffffffffffffc0ull), placement);
  // A tiny positive (denormal) scale is finite and positive: accepted.
  Bytes tiny = b;
  put_f32(tiny, scales, 1e-40f);
  fix_checksum(tiny);
  CHECK(open_copy(tiny).is_ok());
}

TEST_CASE("model reader corruption: packed int8 weights (layout 1) and their row sums") {
  SyntheticOptions o;
  o.int8 = true;
  const Bytes b = synthetic_model(o);
  const size_t qkv = entry_of(b, xattn::layer_id(xattn::Section::kDecoderLayer, 1, xattn::LayerRole::kSelfQkvWeight));
  const size_t out = entry_of(b, xattn::global_id(xattn::GlobalRole::kOutputWeight));
  const size_t embedding = entry_of(b, xattn::global_id(xattn::GlobalRole::kTargetEmbedding));
  REQUIRE(b[qkv + tn::kLayout] == fmt::kLayoutPacked16x4);
  REQUIRE(b[out + tn::kLayout] == fmt::kLayoutPacked16x4);  // 10 rows: one narrow block
  REQUIRE(b[embedding + tn::kLayout] == fmt::kLayoutRowMajor);  // read by row, never packed
  const std::string name = "tensor decoder/layer_1/self_attention/linear_0/weight";
  const uint64_t sums = get_u64(b, qkv + tn::kRowSumsOffset);
  const uint64_t data = get_u64(b, qkv + tn::kDataOffset);
  REQUIRE(sums != 0);
  // A stored sum off by one, and a weight byte changed under a correct sum.
  bad(b, set_u32(sums + 4 * 5, get_u32(b, sums + 4 * 5) + 1), name + ": row 5 has a wrong row sum");
  bad(b, set_u32(sums + 4 * 47, get_u32(b, sums + 4 * 47) - 1), name + ": row 47 has a wrong row sum");
  // Byte 4 * 16 + 4 * 3 + 1 of a packed block is row 3, column 5 (column group 1).
  bad(b, [&](Bytes& x) { x[data + 4 * 16 + 4 * 3 + 1] = static_cast<uint8_t>(x[data + 4 * 16 + 4 * 3 + 1] ^ 1); },
      name + ": row 3 has a wrong row sum");
  const uint64_t out_sums = get_u64(b, out + tn::kRowSumsOffset);
  bad(b, set_u32(out_sums + 4 * 9, get_u32(b, out_sums + 4 * 9) + 7),
      "tensor decoder/projection/weight: row 9 has a wrong row sum");
  const std::string placement = name + ": row sums offset misaligned, overlapping or outside the file";
  bad(b, set_u64(qkv + tn::kRowSumsOffset, sums + 4), placement);
  bad(b, set_u64(qkv + tn::kRowSumsOffset, 0), placement);
  bad(b, set_u64(qkv + tn::kRowSumsOffset, get_u64(b, qkv + tn::kScaleOffset)), placement);
  bad(b, set_u64(qkv + tn::kRowSumsOffset, (b.size() + 63) / 64 * 64), placement);
  bad(b, set_u64(qkv + tn::kRowSumsOffset, 0xffffffffffffffc0ull), placement);
  bad(b, set_u8(qkv + tn::kLayout, fmt::kLayoutRowMajor), name + ": row sums on an unpacked tensor");
  bad(b, set_u8(entry_of(b, xattn::global_id(xattn::GlobalRole::kDecoderNormGamma)) + tn::kLayout, fmt::kLayoutPacked16x4),
      "tensor decoder/layer_norm/gamma: packed layout needs an int8 linear weight or token embedding");
  bad(b, set_u8(qkv + tn::kLayout, fmt::kLayoutPacked16x1), name + ": row sums on an unpacked tensor");
  bad(b, [&](Bytes& x) { x[qkv + tn::kLayout] = fmt::kLayoutPacked16x1; put_u64(x, qkv + tn::kRowSumsOffset, 0); },
      name + ": packed float layout needs a float32 linear weight");
}

TEST_CASE("model reader corruption: int4 weights (layout 3), their group scales and row sums") {
  SyntheticOptions o;
  o.d_model = 32;  // columns of 32 and 64: int4 everywhere but the biases and norms
  o.ffn_dim = 64;
  xattn::convert::XattnModelContents contents = synthetic_contents(o);
  REQUIRE(xattn::convert::quantize_int4_weights(&contents) > 0);
  const Bytes b = write_model(contents);
  REQUIRE(open_copy(b).is_ok());
  const size_t qkv = entry_of(b, xattn::layer_id(xattn::Section::kDecoderLayer, 1, xattn::LayerRole::kSelfQkvWeight));
  const size_t gamma = entry_of(b, xattn::global_id(xattn::GlobalRole::kDecoderNormGamma));
  REQUIRE(b[qkv + tn::kDType] == static_cast<uint8_t>(fmt::DType::kInt4));
  REQUIRE(b[qkv + tn::kLayout] == fmt::kLayoutInt4Groups);
  const std::string name = "tensor decoder/layer_1/self_attention/linear_0/weight";
  const uint64_t data = get_u64(b, qkv + tn::kDataOffset), sums = get_u64(b, qkv + tn::kRowSumsOffset);
  const uint64_t subs = data + fmt::int4_nibble_bytes(96, 32);
  // A sum off by one; a nibble and a group scale changed under correct sums.
  bad(b, set_u32(sums + 4 * 5, get_u32(b, sums + 4 * 5) + 1), name + ": row 5 has a wrong row sum");
  bad(b, [&](Bytes& x) { x[data + fmt::int4_nibble_offset(32, 3, 13)] ^= 0x10; }, name + ": row 3 has a wrong row sum");
  bad(b, [&](Bytes& x) { x[subs + fmt::int4_group_scale_offset(32, 40, 0)] ^= 1; }, name + ": row 40 has a wrong row sum");
  bad(b, set_u64(qkv + tn::kRowSumsOffset, 0), name + ": row sums offset misaligned, overlapping or outside the file");
  bad(b, set_u64(qkv + tn::kDataBytes, fmt::int4_data_bytes(96, 32) - 16), name + ": byte count does not match its shape");
  bad(b, set_u8(qkv + tn::kLayout, fmt::kLayoutPacked16x4), name + ": int4 goes with layout 3 and layout 3 with int4");
  bad(b, set_u8(qkv + tn::kDType, static_cast<uint8_t>(fmt::DType::kInt8)), name + ": int4 goes with layout 3 and layout 3 with int4");
  bad(b, [&](Bytes& x) { x[gamma + tn::kDType] = 3; x[gamma + tn::kLayout] = fmt::kLayoutInt4Groups; },
      "tensor decoder/layer_norm/gamma: int4 is allowed only for linear weights and token embeddings");
  const std::string scale = name + ": row 7 has an invalid scale";
  bad(b, set_f32(get_u64(b, qkv + tn::kScaleOffset) + 4 * 7, 0.0f), scale);
  // A matrix whose columns are not a multiple of 32 cannot be int4: d_model 16 -> 48 x 16.
  SyntheticOptions narrow;
  xattn::convert::XattnModelContents small = synthetic_contents(narrow);
  for (xattn::convert::HostTensor& t : small.tensors)
    if (t.id == xattn::layer_id(xattn::Section::kDecoderLayer, 1, xattn::LayerRole::kSelfQkvWeight)) {
      t.dtype = fmt::DType::kInt4;
      t.values.clear();
      t.q.assign(48 * 16, 1);
      t.scales.assign(48, 1.0f);
      t.group_scales.assign(48 * 16 / 32, 1);
    }
  Bytes ignored;
  CHECK(xattn::convert::write_xattn_model(small, &ignored).find("int4 needs columns a multiple of 32") != std::string::npos);
}

TEST_CASE("model reader: packed and row-major int8 files open to the same weights") {
  SyntheticOptions o;
  o.int8 = true;
  const Bytes packed_bytes = synthetic_model(o);
  o.pack_weights = false;
  const Bytes row_major_bytes = synthetic_model(o);
  AlignedBytes packed(packed_bytes.data(), packed_bytes.size());
  AlignedBytes row_major(row_major_bytes.data(), row_major_bytes.size());
  auto p = new_view();
  auto r = new_view();
  REQUIRE(xattn::open_model(packed.data(), packed.size(), p.get()).is_ok());
  REQUIRE(xattn::open_model(row_major.data(), row_major.size(), r.get()).is_ok());
  const xattn::MatrixView& pw = p->decoder[0].ffn_in.weight;
  const xattn::MatrixView& rw = r->decoder[0].ffn_in.weight;
  REQUIRE(pw.layout == fmt::kLayoutPacked16x4);
  REQUIRE(rw.layout == fmt::kLayoutRowMajor);
  REQUIRE(rw.row_sums == nullptr);
  const auto* pq = static_cast<const int8_t*>(pw.data);
  const auto* rq = static_cast<const int8_t*>(rw.data);
  size_t mismatches = 0;
  for (uint32_t row = 0; row < rw.rows; ++row) {
    int32_t sum = 0;
    for (uint32_t col = 0; col < rw.cols; ++col) {
      const int8_t v = rq[size_t(row) * rw.cols + col];
      sum += v;
      mismatches += pq[fmt::packed_offset(pw.rows, pw.cols, row, col)] != v;
    }
    CHECK(pw.row_sums[row] == sum);
  }
  CHECK(mismatches == 0);
}

#endif  // XATTN_HAVE_CONVERT
