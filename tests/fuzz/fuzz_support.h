// Helpers shared by the fuzz targets and the seed writer: exact-size aligned
// copies (so a read one byte past the input is an ASan report, not a read of
// slack), a small synthetic xattn model, a synthetic CTranslate2 model.bin,
// a bounded run of a session on any model that opened, and where the shared
// models are. Host-only code: it uses the standard library freely.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "../aligned_bytes.h"
#include "../synthetic_tensors.h"
#include "ct2_model.h"
#include "tensor_layout.h"
#include "xattn/model.h"
#include "xattn/session.h"
#include "xattn/tensor_id.h"
#include "xattn_writer.h"

namespace xattn {
namespace fuzz {

// Crashes loudly (libFuzzer records the input) when an invariant fails.
#define XATTN_FUZZ_ASSERT(cond, what)                                              \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "xattn fuzz invariant failed: %s (%s)\n", what, #cond); \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

using AlignedCopy = xattn_test::AlignedBytes;

inline std::string data_dir() {
  const char* env = std::getenv("XATTN_DATA_DIR");
#ifdef XATTN_DATA_DIR
  const char* built_in = XATTN_DATA_DIR;
#else
  const char* built_in = "../shared/data";
#endif
  return std::string(env && *env ? env : built_in) + "/ct2-aren-transliteration";
}

// A small synthetic model: `layers` + `layers`, d_model 8, 2 heads, ffn 16,
// 10-token vocabularies (ids deliberately not in sorted order).
inline convert::XattnModelContents synthetic_contents(bool int8, TextMode mode, uint32_t layers = 1,
                                                      uint32_t seed = 1) {
  convert::XattnModelContents m;
  ModelConfig& c = m.config;
  c.encoder_layers = layers;
  c.decoder_layers = layers;
  c.d_model = 8;
  c.num_heads = 2;
  c.ffn_dim = 16;
  c.source_vocab_size = 10;
  c.target_vocab_size = 10;
  c.max_positions = 64;
  c.activation = Activation::kGeluTanh;
  c.embedding_scale = 2.0f;
  c.layer_norm_epsilon = 1e-6f;
  c.text_mode = mode;
  c.target_tokens = SpecialTokens{0, 1, 2, 9};
  c.alignment_layer = layers - 1;
  xattn_test::set_test_vocabularies(&m);
  xattn_test::add_random_tensors(&m, int8, seed);
  return m;
}

inline std::vector<uint8_t> synthetic_model(bool int8, TextMode mode, uint32_t layers = 1, uint32_t seed = 1) {
  std::vector<uint8_t> out;
  const std::string error = convert::write_xattn_model(synthetic_contents(int8, mode, layers, seed), &out);
  XATTN_FUZZ_ASSERT(error.empty(), "the synthetic model must be writable");
  return out;
}

// A CTranslate2 model.bin (binary version 1..6) of a 1+1 layer Transformer,
// d_model 8 (TransformerBase: 8 heads), ffn 16, source embedding of
// `source_rows` rows, target 6. Version >= 4 stores the weight matrices as
// int8 with a per-row `weight_scale`, and version 5 the biases as float16.
// With `int16` (versions 1..3) the matrices are int16, as CTranslate2 wrote
// them: no scale in version 1, one scalar `weight_scale` from version 2.
inline std::vector<uint8_t> synthetic_ct2_model(uint32_t version, uint32_t source_rows = 5, bool int16 = false) {
  std::vector<uint8_t> b;
  auto u32 = [&b](uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  auto str = [&b](const std::string& s) {
    const size_t n = s.size() + 1;
    b.push_back(static_cast<uint8_t>(n));
    b.push_back(static_cast<uint8_t>(n >> 8));
    b.insert(b.end(), s.begin(), s.end());
    b.push_back(0);
  };
  // (name, shape, dtype, data)
  struct Var {
    std::string name;
    std::vector<uint32_t> shape;
    convert::Ct2DType dtype;
    std::vector<uint8_t> data;
  };
  ModelConfig c;
  c.encoder_layers = c.decoder_layers = 1;
  c.d_model = 8;
  c.num_heads = 8;
  c.ffn_dim = 16;
  c.source_vocab_size = source_rows;
  c.target_vocab_size = 6;
  std::vector<Var> vars;
  uint32_t seed = 1;
  for (const convert::ExpectedTensor& e : convert::expected_tensors(c)) {
    const std::string name = convert::tensor_display_name(e.id);
    const bool vector = e.cols == 1 && !e.may_be_int8;
    const size_t n = size_t(e.rows) * e.cols;
    Var v{name, vector ? std::vector<uint32_t>{e.rows} : std::vector<uint32_t>{e.rows, e.cols},
          convert::Ct2DType::kFloat32, {}};
    if (int16 && version <= 3 && e.may_be_int8) {
      v.dtype = convert::Ct2DType::kInt16;
      for (size_t i = 0; i < n; ++i) {
        const uint16_t q = static_cast<uint16_t>(static_cast<int16_t>((i * 613 + seed * 7) % 2001) - 1000);
        v.data.push_back(static_cast<uint8_t>(q));
        v.data.push_back(static_cast<uint8_t>(q >> 8));
      }
      vars.push_back(std::move(v));
      if (version >= 2) {
        const float x = 1000.0f;
        vars.push_back(Var{name + "_scale", {}, convert::Ct2DType::kFloat32,
                           std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(&x), reinterpret_cast<const uint8_t*>(&x) + 4)});
      }
      ++seed;
      continue;
    }
    if (version >= 4 && e.may_be_int8) {
      v.dtype = convert::Ct2DType::kInt8;
      for (size_t i = 0; i < n; ++i) v.data.push_back(static_cast<uint8_t>(static_cast<int8_t>((i * 37 + seed) % 255 - 127)));
      Var s{name + "_scale", {e.rows}, convert::Ct2DType::kFloat32, {}};
      for (uint32_t r = 0; r < e.rows; ++r) {
        const float x = 100.0f + r;
        s.data.insert(s.data.end(), reinterpret_cast<const uint8_t*>(&x), reinterpret_cast<const uint8_t*>(&x) + 4);
      }
      vars.push_back(std::move(v));
      vars.push_back(std::move(s));
      ++seed;
      continue;
    }
    if (version == 5 && vector) {
      v.dtype = convert::Ct2DType::kFloat16;
      for (size_t i = 0; i < n; ++i) {
        const uint16_t half = static_cast<uint16_t>(0x3800 + (i * 7 + seed) % 64);  // about 0.5
        v.data.push_back(static_cast<uint8_t>(half));
        v.data.push_back(static_cast<uint8_t>(half >> 8));
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        const float x = std::sin(static_cast<float>(seed * 131 + i) * 0.37f) * 0.5f;
        v.data.insert(v.data.end(), reinterpret_cast<const uint8_t*>(&x), reinterpret_cast<const uint8_t*>(&x) + 4);
      }
    }
    vars.push_back(std::move(v));
    ++seed;
  }
  if (version >= 3) {  // the target embedding becomes an alias of the projection, as CTranslate2 writes shared ones
    const std::string shared = "decoder/embeddings/weight";
    std::vector<Var> kept;
    for (Var& v : vars)
      if (v.name != shared && v.name != shared + "_scale") kept.push_back(std::move(v));
    vars = std::move(kept);
  }
  u32(version);
  if (version >= 2) {
    str("TransformerBase");
    u32(2);
  }
  u32(static_cast<uint32_t>(vars.size()));
  for (const Var& v : vars) {
    str(v.name);
    b.push_back(static_cast<uint8_t>(v.shape.size()));
    for (uint32_t d : v.shape) u32(d);
    const size_t item = convert::ct2_dtype_size(v.dtype);
    if (version >= 4) {
      b.push_back(static_cast<uint8_t>(v.dtype));
      u32(static_cast<uint32_t>(v.data.size()));
    } else {
      b.push_back(static_cast<uint8_t>(item));
      u32(static_cast<uint32_t>(v.data.size() / item));
    }
    b.insert(b.end(), v.data.begin(), v.data.end());
  }
  if (version >= 3) {
    u32(1);
    str("decoder/embeddings/weight");
    str("decoder/projection/weight");
  }
  return b;
}

// Checks what must hold for any successful result.
inline void check_result(const ModelView& m, const GenerateOptions& o, uint32_t max_length, const Result& r) {
  XATTN_FUZZ_ASSERT(r.count >= 1 && r.count <= o.num_hypotheses, "result count within 1..num_hypotheses");
  for (uint32_t i = 0; i < r.count; ++i) {
    const Hypothesis& h = r.hypotheses[i];
    XATTN_FUZZ_ASSERT(h.length <= max_length, "hypothesis no longer than max length");
    XATTN_FUZZ_ASSERT(h.length == 0 || h.tokens != nullptr, "tokens present");
    for (uint32_t t = 0; t < h.length; ++t) {
      XATTN_FUZZ_ASSERT(h.tokens[t] < m.config.target_vocab_size, "token inside the target vocabulary");
    }
    XATTN_FUZZ_ASSERT(!o.return_alignment || r.source_length == 0 || h.alignment != nullptr, "alignment present");
  }
}

// Runs a bounded session (a few source tokens, a few steps, greedy and beam
// 2) on a model that opened: any model the reader accepts must run without
// a crash. Skips models whose arena would exceed `max_arena` bytes.
inline void run_small_session(const ModelView& m, size_t max_arena = size_t(64) << 20) {
  Limits limits;
  const bool audio = m.config.encoder_input == EncoderInput::kAudio;
  const uint32_t source_positions = audio ? m.config.encoder_positions() : m.config.max_positions;
  limits.max_source_length = source_positions < 4 ? source_positions : 4;
  limits.max_target_length = m.config.max_positions < 5 ? m.config.max_positions : 5;
  limits.max_beam = m.config.target_vocab_size >= 4 ? 2 : 1;
  limits.alignment = true;
  const size_t need = arena_bytes(m.config, limits);
  if (need > max_arena) return;
  AlignedCopy arena(nullptr, need);
  Session session;
  const Status s = session.init(m, limits, arena.data(), need);
  XATTN_FUZZ_ASSERT(s.is_ok(), "a session on an opened model with fitting limits must start");
  if (audio) {
    // An audio (Whisper) model's encoder reads log-mel frames, two per position.
    const uint32_t frames = 2 * limits.max_source_length;
    std::vector<float> mel(size_t{m.config.n_mels} * frames);
    for (size_t i = 0; i < mel.size(); ++i) mel[i] = 0.1f * static_cast<float>(i % 9) - 0.4f;
    XATTN_FUZZ_ASSERT(session.encode_features(mel.data(), m.config.n_mels, frames).is_ok(),
                      "encode of finite log-mel frames");
  } else {
    uint32_t ids[4];
    for (uint32_t i = 0; i < 4; ++i) ids[i] = (i * 7 + 1) % m.config.source_vocab_size;
    XATTN_FUZZ_ASSERT(session.encode(ids, limits.max_source_length).is_ok(), "encode of in-range ids");
  }
  for (uint32_t beam = 1; beam <= limits.max_beam; ++beam) {
    GenerateOptions o;
    o.beam_size = beam;
    o.num_hypotheses = beam;
    o.return_alignment = true;
    // mBART cc25's layout starts from the first prefix token (the language code).
    const uint32_t language = m.config.target_vocab_size - 1;
    if (m.config.start_mode == StartMode::kFirstPrefixToken) o.prefix = TokenSpan{&language, 1};
    Result r;
    const Status g = session.generate(o, &r);
    // Weights the reader accepts may still overflow (NaN, 1e30): a named error.
    if (g.code() == StatusCode::kBadModel && std::strstr(g.message(), "not finite") != nullptr) {
      XATTN_FUZZ_ASSERT(r.count == 0, "no hypotheses from scores that are not finite");
      continue;
    }
    XATTN_FUZZ_ASSERT(g.is_ok(), "generate with default options");
    check_result(m, o, limits.max_target_length, r);
  }
}

}  // namespace fuzz
}  // namespace xattn
