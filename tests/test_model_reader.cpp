// open_model on valid files (a synthetic model built with the writer, always;
// the converted CTranslate2 aren model when the data is present), the
// vocabulary lookups, truncation at every section boundary and at many other
// lengths, and buffer alignment. Corruption tests: test_model_corruption.cpp.
#include <doctest/doctest.h>

#include <string>

#ifdef XATTN_HAVE_CONVERT

#include <set>
#include <sys/stat.h>

#include "ct2_import.h"
#include "format/tensor_table.h"
#include "model_test_support.h"

using namespace model_test;
using xattn::ModelView;
using xattn::StatusCode;

namespace {

void check_config(const xattn::ModelConfig& got, const xattn::ModelConfig& want) {
  CHECK(got.encoder_layers == want.encoder_layers);
  CHECK(got.decoder_layers == want.decoder_layers);
  CHECK(got.d_model == want.d_model);
  CHECK(got.num_heads == want.num_heads);
  CHECK(got.ffn_dim == want.ffn_dim);
  CHECK(got.source_vocab_size == want.source_vocab_size);
  CHECK(got.target_vocab_size == want.target_vocab_size);
  CHECK(got.max_positions == want.max_positions);
  CHECK(got.activation == want.activation);
  CHECK(got.norm == want.norm);
  CHECK(got.position == want.position);
  CHECK(got.text_mode == want.text_mode);
  CHECK(got.activation_rounding == want.activation_rounding);
  CHECK(got.embedding_scale == want.embedding_scale);
  CHECK(got.layer_norm_epsilon == want.layer_norm_epsilon);
  const xattn::SpecialTokens* g[] = {&got.source_tokens, &got.target_tokens};
  const xattn::SpecialTokens* w[] = {&want.source_tokens, &want.target_tokens};
  for (int s = 0; s < 2; ++s) {
    CHECK(g[s]->pad == w[s]->pad);
    CHECK(g[s]->bos == w[s]->bos);
    CHECK(g[s]->eos == w[s]->eos);
    CHECK(g[s]->unk == w[s]->unk);
  }
  CHECK(got.alignment_layer == want.alignment_layer);
}

void check_vocab(const xattn::VocabView& v, const std::vector<std::string>& tokens, uint32_t unk) {
  REQUIRE(v.size() == tokens.size());
  for (uint32_t id = 0; id < tokens.size(); ++id) {
    const xattn::TokenText t = v.token(id);
    CHECK(std::string(t.data, t.size) == tokens[id]);
    CHECK(v.find(tokens[id].data(), tokens[id].size(), unk) == id);
    CHECK(v.contains(tokens[id].data(), tokens[id].size()));
  }
  for (const std::string& absent : {std::string("no such token"), std::string(), std::string("\xff")}) {
    CHECK(v.find(absent.data(), absent.size(), unk) == unk);
    CHECK_FALSE(v.contains(absent.data(), absent.size()));
  }
  CHECK(v.token(v.size()).data == nullptr);
  CHECK(v.token(v.size()).size == 0);
  CHECK(v.token(0xffffffffu).size == 0);
}

// Every tensor's view: the shape, dtype and the very values the writer was given.
void check_tensors(ModelView* view, const xattn::convert::XattnModelContents& m) {
  CHECK(view->tensor_count == m.tensors.size());
  for (const xattn::convert::HostTensor& t : m.tensors) {
    INFO("tensor " << tensor_name(t.id));
    xattn::format::TensorSlot slot;
    REQUIRE(xattn::format::tensor_slot(view->config, t.id, view, &slot));
    const size_t n = size_t(t.rows) * t.cols;
    if (slot.matrix) {
      const xattn::MatrixView& mv = *slot.matrix;
      CHECK(mv.dtype == t.dtype);
      CHECK(mv.rows == t.rows);
      CHECK(mv.cols == t.cols);
      REQUIRE(mv.data != nullptr);
      CHECK(reinterpret_cast<uintptr_t>(mv.data) % 64 == 0);
      if (t.dtype == xattn::format::DType::kInt8) {
        REQUIRE(mv.scales != nullptr);
        if (mv.layout == fmt::kLayoutPacked16x4) {
          // Layout 1 holds the same values, each at packed_offset, and exact row sums.
          REQUIRE(mv.row_sums != nullptr);
          const auto* q = static_cast<const int8_t*>(mv.data);
          size_t moved = 0, wrong_sums = 0;
          for (uint32_t r = 0; r < t.rows; ++r) {
            int32_t sum = 0;
            for (uint32_t c = 0; c < t.cols; ++c) {
              const int8_t v = t.q[size_t(r) * t.cols + c];
              sum += v;
              moved += q[fmt::packed_offset(t.rows, t.cols, r, c)] != v;
            }
            wrong_sums += mv.row_sums[r] != sum;
          }
          CHECK(moved == 0);
          CHECK(wrong_sums == 0);
        } else {
          CHECK(mv.row_sums == nullptr);
          CHECK(std::memcmp(mv.data, t.q.data(), n) == 0);
        }
        CHECK(std::memcmp(mv.scales, t.scales.data(), 4 * t.rows) == 0);
      } else if (mv.layout == fmt::kLayoutPacked16x1) {
        CHECK(mv.scales == nullptr);
        const auto* w = static_cast<const float*>(mv.data);
        size_t moved = 0;
        for (uint32_t r = 0; r < t.rows; ++r)
          for (uint32_t c = 0; c < t.cols; ++c)
            moved += std::memcmp(&w[fmt::packed_f32_offset(t.rows, t.cols, r, c)], &t.values[size_t(r) * t.cols + c],
                                 4) != 0;
        CHECK(moved == 0);
      } else {
        CHECK(mv.scales == nullptr);
        CHECK(std::memcmp(mv.data, t.values.data(), 4 * n) == 0);
      }
    } else {
      REQUIRE(*slot.vector != nullptr);
      CHECK(t.dtype == xattn::format::DType::kFloat32);
      CHECK(std::memcmp(*slot.vector, t.values.data(), 4 * n) == 0);
    }
  }
}

void check_opens(const Bytes& bytes, const xattn::convert::XattnModelContents& m) {
  AlignedBytes copy(bytes);
  auto view = new_view();
  const xattn::Status s = xattn::open_model(copy.data(), copy.size(), view.get());
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  CHECK(view->bytes == copy.data());
  CHECK(view->size == bytes.size());
  check_config(view->config, m.config);
  check_vocab(view->source_vocab, m.source_vocab, m.config.source_tokens.unk);
  check_vocab(view->target_vocab, m.target_vocab, m.config.target_tokens.unk);
  check_tensors(view.get(), m);
  CHECK(xattn::open_model(copy.data(), copy.size(), view.get(), xattn::OpenOptions{false}).is_ok());
}

// What open_model must say about the first n bytes once the header's file
// size (and checksum) are patched to n: the first part that no longer fits.
std::string consistent_truncation_error(const Bytes& b, size_t n) {
  const Layout l(b);
  if (n < fmt::header::kSize + fmt::config::kSize) return "config block misplaced or truncated";
  if (n < uint64_t(l.source_vocab) + l.source_vocab_size) return "source vocabulary: block misplaced";
  if (n < uint64_t(l.target_vocab) + l.target_vocab_size) return "target vocabulary: block misplaced";
  if (n < l.table_end()) return "tensor table misplaced or outside the file";
  for (uint32_t i = 0; i < l.count; ++i) {
    const size_t e = l.entry(i);
    const std::string name = tensor_name(get_u32(b, e + fmt::tensor::kId));
    if (get_u64(b, e + fmt::tensor::kDataOffset) + get_u64(b, e + fmt::tensor::kDataBytes) > n)
      return name + ": data offset misaligned, overlapping or outside the file";
    const uint64_t scales = get_u64(b, e + fmt::tensor::kScaleOffset);
    if (scales && scales + 4ull * get_u32(b, e + fmt::tensor::kRows) > n)
      return name + ": scale offset misaligned, overlapping or outside the file";
    const uint64_t sums = get_u64(b, e + fmt::tensor::kRowSumsOffset);
    if (sums && sums + 4ull * get_u32(b, e + fmt::tensor::kRows) > n)
      return name + ": row sums offset misaligned, overlapping or outside the file";
  }
  return "";
}

// Lengths worth cutting at: every section boundary and tensor data start (+-1),
// all of 0..256, and every `step`-th length.
std::set<size_t> truncation_lengths(const Bytes& b, size_t step) {
  const Layout l(b);
  std::set<size_t> cuts{fmt::header::kSize + fmt::config::kSize, l.source_vocab, l.source_vocab + 8,
                        l.source_vocab + l.source_vocab_size, l.target_vocab, l.target_vocab + 8,
                        l.target_vocab + l.target_vocab_size, l.table, l.table_end(), b.size()};
  for (uint32_t i = 0; i < l.count; ++i) {
    cuts.insert(l.entry(i) + 20);
    cuts.insert(get_u64(b, l.entry(i) + fmt::tensor::kDataOffset));
    if (uint64_t s = get_u64(b, l.entry(i) + fmt::tensor::kScaleOffset)) cuts.insert(s);
    if (uint64_t s = get_u64(b, l.entry(i) + fmt::tensor::kRowSumsOffset)) cuts.insert(s);
  }
  std::set<size_t> out;
  for (size_t c : cuts)
    for (size_t d : {c - 1, c, c + 1})
      if (c > 0 && d < b.size()) out.insert(d);
  for (size_t n = 0; n <= 256; ++n) out.insert(n);
  for (size_t n = 0; n < b.size(); n += step) out.insert(n);
  return out;
}

// Both a plain cut (the header's size disagrees) and a cut with the header
// patched to agree (so the structural checks themselves must catch it).
void check_truncations(const Bytes& b, size_t step) {
  size_t failures = 0;
  for (size_t n : truncation_lengths(b, step)) {
    const std::string raw_want = n < 64 ? "smaller than the 64-byte header"
                                        : "truncated: " + std::to_string(n) + " bytes, header says " +
                                              std::to_string(b.size());
    const xattn::Status raw = open_copy(b, n);
    std::string cut_want, cut_got = "(none)";
    StatusCode cut_code = StatusCode::kBadModel;
    if (n >= 64) {
      Bytes cut(b.begin(), b.begin() + n);
      put_u64(cut, fmt::header::kFileSize, n);
      fix_checksum(cut);
      const xattn::Status s = open_copy(cut);
      cut_want = consistent_truncation_error(b, n);
      cut_got = s.message();
      cut_code = s.code();
    }
    const bool ok = raw.code() == StatusCode::kBadModel && std::string(raw.message()).find(raw_want) != std::string::npos &&
                    cut_code == StatusCode::kBadModel && cut_got.find(cut_want) != std::string::npos;
    if (!ok && ++failures <= 5) {
      FAIL_CHECK("cut at " << n << " of " << b.size() << ": plain -> " << raw.message() << " (want " << raw_want
                           << "); consistent -> " << cut_got << " (want " << cut_want << ")");
    }
  }
  CHECK(failures == 0);
}

std::string aren_dir() { return std::string(XATTN_DATA_DIR) + "/ct2-aren-transliteration/v2-aren-transliteration"; }

bool have_aren() {
  struct stat st;
  if (stat((aren_dir() + "/model.bin").c_str(), &st) == 0) return true;
  const std::string note = "SKIPPED: " + aren_dir() + "/model.bin is absent; the real-model reader tests did not run";
  WARN_MESSAGE(false, note);
  return false;
}

}  // namespace

TEST_CASE("model reader: a synthetic model opens, with its config, vocabularies and tensors") {
  for (bool int8 : {false, true}) {
    for (auto norm : {xattn::NormPlacement::kPreNorm, xattn::NormPlacement::kPostNorm}) {
      CAPTURE(int8);
      CAPTURE(static_cast<int>(norm));
      SyntheticOptions o;
      o.int8 = int8;
      o.norm = norm;
      const auto contents = synthetic_contents(o);
      const Bytes bytes = write_model(contents);
      check_opens(bytes, contents);

      AlignedBytes copy(bytes);
      auto view = new_view();
      REQUIRE(xattn::open_model(copy.data(), copy.size(), view.get()).is_ok());
      CHECK(view->tensor_count == (norm == xattn::NormPlacement::kPreNorm ? 72u : 68u));
      CHECK((view->encoder_norm.gamma != nullptr) == (norm == xattn::NormPlacement::kPreNorm));
      CHECK((view->decoder_norm.beta != nullptr) == (norm == xattn::NormPlacement::kPreNorm));
      CHECK(view->encoder[1].ffn_in.weight.rows == 32);
      CHECK(view->encoder[1].ffn_in.weight.cols == 16);
      CHECK(view->decoder[1].cross_kv.weight.rows == 32);
      CHECK(view->decoder[0].cross_q.bias != nullptr);
      CHECK(view->encoder[2].self_qkv.weight.data == nullptr);  // beyond the config: untouched
      CHECK(view->output.weight.rows == 10);
      CHECK(view->source_embedding.dtype == (int8 ? fmt::DType::kInt8 : fmt::DType::kFloat32));
      // Lookups through the view as a caller uses them.
      const xattn::VocabView& src = view->source_vocab;
      CHECK(src.find("ab", 2, 3) == 8);
      CHECK(src.find("a", 1, 3) == 5);
      CHECK(src.find("abc", 3, 3) == 3);
      CHECK(src.find("\xc3\xa9", 2, 3) == 9);
      CHECK(view->target_vocab.find("nope", 4, view->config.target_tokens.unk) == 9);
      CHECK(std::string(view->target_vocab.token(3).data, 2) == "zz");
    }
  }
}

TEST_CASE("model reader: the converted CTranslate2 v2 aren model opens (float32 and int8)") {
  if (!have_aren()) return;
  for (auto weights : {xattn::convert::WeightType::kFloat32, xattn::convert::WeightType::kInt8}) {
    const bool int8 = weights == xattn::convert::WeightType::kInt8;
    CAPTURE(int8);
    xattn::convert::ImportResult result;
    const std::string error = xattn::convert::import_ct2_directory(aren_dir(), weights, &result);
    REQUIRE_MESSAGE(error.empty(), error);
    const Bytes bytes = write_model(result.model);
    check_opens(bytes, result.model);
    CHECK(result.model.config.d_model > 0);
    AlignedBytes copy(bytes);
    auto view = new_view();
    REQUIRE(xattn::open_model(copy.data(), copy.size(), view.get()).is_ok());
    CHECK(view->source_embedding.dtype == (int8 ? fmt::DType::kInt8 : fmt::DType::kFloat32));
    const xattn::VocabView& tgt = view->target_vocab;
    const uint32_t unk = view->config.target_tokens.unk;
    CHECK(std::string(tgt.token(unk).data, tgt.token(unk).size) == "<unk>");
    CHECK(tgt.find("</s>", 4, unk) == view->config.target_tokens.eos);
    CHECK(tgt.find("qq-not-a-token", 14, unk) == unk);
    if (!int8) check_truncations(bytes, 4099);
  }
}

TEST_CASE("model reader: truncation anywhere is rejected as kBadModel, naming what is cut") {
  SUBCASE("tiny synthetic float32, every length") { check_truncations(synthetic_model(tiny_options()), 1); }
  SUBCASE("tiny synthetic int8, every length") {
    SyntheticOptions o = tiny_options();
    o.int8 = true;
    check_truncations(synthetic_model(o), 1);
  }
  SUBCASE("synthetic int8 (2+2 layers), every 13th length and every boundary") {
    SyntheticOptions o;
    o.int8 = true;
    check_truncations(synthetic_model(o), 13);
  }
}

TEST_CASE("model reader: misaligned and null bytes") {
  const Bytes bytes = synthetic_model();
  std::unique_ptr<uint8_t[]> storage(new uint8_t[bytes.size() + 128]);
  uint8_t* aligned = storage.get() + (64 - reinterpret_cast<uintptr_t>(storage.get()) % 64) % 64;
  auto view = new_view();
  for (size_t shift : {1, 4, 8, 32}) {
    std::memcpy(aligned + shift, bytes.data(), bytes.size());
    const xattn::Status s = xattn::open_model(aligned + shift, bytes.size(), view.get());
    CHECK(s.code() == StatusCode::kMisaligned);
    CHECK(std::string(s.message()).find("64-byte aligned") != std::string::npos);
  }
  std::memcpy(aligned, bytes.data(), bytes.size());
  CHECK(xattn::open_model(aligned, bytes.size(), view.get()).is_ok());
  CHECK(xattn::open_model(nullptr, bytes.size(), view.get()).code() == StatusCode::kInvalidArgument);
  CHECK(xattn::open_model(aligned, bytes.size(), nullptr).code() == StatusCode::kInvalidArgument);
}

#else

TEST_CASE("model reader: skipped") {
  WARN_MESSAGE(false, std::string("SKIPPED: the model reader tests need the converter (XATTN_BUILD_TOOLS=ON)"));
}

#endif  // XATTN_HAVE_CONVERT

TEST_CASE("crc32: the standard check value, and bit-by-bit agreement at every length and split") {
  const char* check = "123456789";
  CHECK(xattn::crc32_update(0, reinterpret_cast<const uint8_t*>(check), 9) == 0xCBF43926u);
  std::vector<uint8_t> data(300);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 97 + 13);
  size_t mismatches = 0;
  for (size_t n = 0; n <= data.size(); n += (n < 40 ? 1 : 37)) {
    uint32_t bitwise = 0xffffffffu;  // the definition, one bit at a time
    for (size_t i = 0; i < n; ++i) {
      bitwise ^= data[i];
      for (int b = 0; b < 8; ++b) bitwise = (bitwise & 1u) ? 0xEDB88320u ^ (bitwise >> 1) : bitwise >> 1;
    }
    bitwise = ~bitwise;
    mismatches += xattn::crc32_update(0, data.data(), n) != bitwise;
    for (size_t split = 0; split <= n; split += 3)  // and in two pieces, at any offset
      mismatches += xattn::crc32_update(xattn::crc32_update(0, data.data(), split), data.data() + split, n - split) !=
                    bitwise;
  }
  CHECK(mismatches == 0);
}
