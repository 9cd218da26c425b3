// ModelConfig and Limits: the two plain-data descriptions everything else is
// sized from. A ModelConfig is read from a model file (or written out by hand
// for a known model, so firmware can size its arena at compile time); Limits
// are the caller's choice of the largest work a session must hold.
#pragma once

#include <cstdint>

namespace xattn {

enum class Activation : uint8_t { kRelu = 0, kGeluTanh = 1, kGeluErf = 2, kSwish = 3 };
enum class NormPlacement : uint8_t { kPreNorm = 0, kPostNorm = 1 };
// kSinusoidal: generated, positions start at 1, channels concat(sin, cos),
// timescale of pair j is exp(-j * ln(10000) / (d/2 - 1)) (CTranslate2/OpenNMT).
// kStoredTable: a [positions x d_model] table per stack (learned, as BART and
// Whisper's decoder, or a converted sinusoid, as Marian and M2M100): encoder
// index i adds row i, decoder step t adds row t.
// kRelativeBias: T5's bucketed relative position bias added to the
// self-attention scores (ModelConfig::relative_buckets, relative_max_distance).
enum class PositionEncoding : uint8_t { kSinusoidal = 0, kNone = 1, kStoredTable = 2, kRelativeBias = 3 };
// kLayerNorm: (x - mean) / sqrt(var + eps) * gamma + beta. kRmsNorm (T5):
// x / sqrt(mean(x^2) + eps) * gamma, no beta.
enum class NormKind : uint8_t { kLayerNorm = 0, kRmsNorm = 1 };
// What the decoder starts from. kToken: target_tokens.bos (the decoder start
// token). kFirstPrefixToken: the first target-prefix token (mBART cc25: the
// language code; an empty prefix is an error). kZeroEmbedding: step 0 adds
// its position to a zero vector, whatever the token (Marian).
enum class StartMode : uint8_t { kToken = 0, kFirstPrefixToken = 1, kZeroEmbedding = 2 };
// The encoder's input: token ids through the source embedding, or log-mel
// audio through two Conv1d layers (Whisper; room in the format, not run yet).
enum class EncoderInput : uint8_t { kTokens = 0, kAudio = 1 };

// ModelConfig::stack_flags bits. Zero keeps version-1 behaviour: final norms
// exactly in pre-norm models, no layernorm_embedding.
constexpr uint8_t kExplicitFinalNorms = 1u << 0;  // bits 1-2 decide the final norms
constexpr uint8_t kEncoderFinalNorm = 1u << 1;
constexpr uint8_t kDecoderFinalNorm = 1u << 2;
constexpr uint8_t kEncoderEmbeddingNorm = 1u << 3;  // layernorm_embedding after embedding + position
constexpr uint8_t kDecoderEmbeddingNorm = 1u << 4;
constexpr uint8_t kKnownStackFlags = 0x1f;
// ModelConfig::bias_flags bits (zero: every bias present, as in version 1).
constexpr uint8_t kNoLinearBiases = 1u << 0;  // attention and FFN linear layers have no bias (T5)
constexpr uint8_t kNoOutputBias = 1u << 1;    // the output projection has no bias
constexpr uint8_t kKnownBiasFlags = 0x03;
// How text becomes tokens and back: space-separated tokens (the CTranslate2
// models), or one token per Unicode character (spaces become a token).
enum class TextMode : uint8_t { kSpaceSeparated = 0, kCharacters = 1 };
// How int8 activations are rounded after scaling. kNearestEven: unbiased.
// kFloor: CTranslate2's x86 int8 for model files of binary version < 5, which
// computes trunc(x * scale + 128) - 128 in float; the + 128 also lifts values
// within half an ulp below an integer (a row's largest element, 126.99999)
// up to it, and that is reproduced exactly.
enum class Rounding : uint8_t { kNearestEven = 0, kFloor = 1 };
// How a KV cache (Limits::kv_cache, Limits::self_kv_cache) is stored. kFloat16:
// IEEE binary16, rounded to nearest even. kInt8: symmetric, one scale per row
// of one head (a key or value vector): scale = 127 / max|row|, value = q / scale.
enum class KvPrecision : uint8_t { kFloat32 = 0, kFloat16 = 1, kInt8 = 2 };

// The tools' spellings: "f32", "f16", "int8".
constexpr const char* kv_precision_name(KvPrecision p) {
  return p == KvPrecision::kInt8 ? "int8" : p == KvPrecision::kFloat16 ? "f16" : "f32";
}
// Sets *out and returns true when `name` is one of those spellings.
inline bool parse_kv_precision(const char* name, KvPrecision* out) {
  for (uint8_t i = 0; i <= static_cast<uint8_t>(KvPrecision::kInt8); ++i) {
    const KvPrecision p = static_cast<KvPrecision>(i);
    const char* a = kv_precision_name(p);
    const char* b = name;
    while (*a && *a == *b) ++a, ++b;
    if (*a == 0 && *b == 0) {
      *out = p;
      return true;
    }
  }
  return false;
}

struct SpecialTokens {
  uint32_t pad = 0;
  uint32_t bos = 1;
  uint32_t eos = 2;
  uint32_t unk = 3;
};

struct ModelConfig {
  uint32_t encoder_layers = 0;
  uint32_t decoder_layers = 0;
  uint32_t d_model = 0;
  uint32_t num_heads = 0;
  uint32_t ffn_dim = 0;
  uint32_t source_vocab_size = 0;  // entries, including <unk>
  uint32_t target_vocab_size = 0;
  uint32_t max_positions = 0;      // longest sequence the position encoding covers
  Activation activation = Activation::kRelu;
  NormPlacement norm = NormPlacement::kPreNorm;
  PositionEncoding position = PositionEncoding::kSinusoidal;
  TextMode text_mode = TextMode::kSpaceSeparated;
  float embedding_scale = 1.0f;    // embeddings are multiplied by this before positions are added
  float layer_norm_epsilon = 1e-5f;
  SpecialTokens source_tokens;
  SpecialTokens target_tokens;
  uint32_t alignment_layer = 0;    // decoder layer whose cross-attention is returned
  Rounding activation_rounding = Rounding::kNearestEven;  // int8 activation quantization
  // Model families (format bytes 81..107; all zero = the version-1 model).
  NormKind norm_kind = NormKind::kLayerNorm;
  uint8_t stack_flags = 0;         // kExplicitFinalNorms, ...
  bool ffn_gated = false;          // ffn/linear_0 holds 2F rows: act(first F) * second F (T5 v1.1 gated GELU)
  uint8_t bias_flags = 0;          // kNoLinearBiases, kNoOutputBias
  StartMode start_mode = StartMode::kToken;
  EncoderInput encoder_input = EncoderInput::kTokens;
  bool has_tokenizer = false;      // a u8 "tokenizer" blob of tokenizer_bytes bytes is stored (the source
                                   // side's; also the target side's unless target_tokenizer_bytes != 0)
  float queries_scale = 0.0f;      // attention score scale; 0 = 1/sqrt(head_dim) (T5: 1)
  uint16_t relative_buckets = 0;   // kRelativeBias: buckets of the bias tables
  uint16_t relative_max_distance = 0;
  uint32_t tokenizer_bytes = 0;
  uint16_t n_mels = 0;             // kAudio: mel bins of the filter bank and the first conv
  uint32_t source_positions = 0;   // rows of the encoder's stored position table; 0 = max_positions
  uint32_t target_tokenizer_bytes = 0;  // a separate u8 "target_tokenizer" blob (OPUS-MT); 0 = none
  // Values per attention head; 0 = d_model / num_heads. T5 v1.1, flan-T5 and
  // mT5 attend in num_heads x head_size values that need not be d_model
  // (flan-t5-small: 6 x 64 = 384 beside d_model 512): the projections then
  // map d_model to that attention width and back (attention_width()).
  uint32_t head_size = 0;
  uint32_t whisper_ids_bytes = 0;  // a u8 "whisper_ids" blob (Whisper's suppress and language ids); 0 = none
  // Not config bytes: open_model copies them from the source tokenizer blob's
  // header, so the arena planner can size encode_text's scratch (firmware
  // with a constexpr config sets them as xattn inspect prints them).
  uint8_t source_tokenizer_model = 0;       // a TokenizerModel value; 0 = no tokenizer
  uint32_t source_tokenizer_expansion = 0;  // its normalizer's bound on bytes out per byte in

  constexpr uint32_t head_dim() const { return head_size ? head_size : num_heads ? d_model / num_heads : 0; }
  // Values of one token's queries, keys, values or attention output: every
  // head side by side (d_model unless head_size says otherwise).
  constexpr uint32_t attention_width() const { return head_size ? num_heads * head_size : d_model; }
  constexpr bool has_final_norm(bool decoder) const {
    return (stack_flags & kExplicitFinalNorms) ? (stack_flags & (decoder ? kDecoderFinalNorm : kEncoderFinalNorm)) != 0
                                               : norm == NormPlacement::kPreNorm;
  }
  constexpr bool has_embedding_norm(bool decoder) const {
    return (stack_flags & (decoder ? kDecoderEmbeddingNorm : kEncoderEmbeddingNorm)) != 0;
  }
  constexpr bool has_linear_biases() const { return (bias_flags & kNoLinearBiases) == 0; }
  constexpr bool has_output_bias() const { return (bias_flags & kNoOutputBias) == 0; }
  constexpr bool has_target_tokenizer() const { return target_tokenizer_bytes != 0; }
  constexpr uint32_t encoder_positions() const { return source_positions ? source_positions : max_positions; }
  // Rows of ffn/linear_0: F, or 2F for a gated FFN (both halves in one matrix).
  constexpr uint32_t ffn_in_rows() const { return ffn_gated ? 2 * ffn_dim : ffn_dim; }
  // The widest input of a layer's linear projections (d, the attention output,
  // the FFN's hidden): a row of quantized activations holds any of them.
  constexpr uint32_t linear_input_width() const {
    const uint32_t a = attention_width() > d_model ? attention_width() : d_model;
    return ffn_dim > a ? ffn_dim : a;
  }
};

// The largest work one session holds. Everything in the arena scales with these.
struct Limits {
  uint32_t max_source_length = 64;  // source tokens per encode()
  uint32_t max_target_length = 64;  // decoding steps per hypothesis (prefix and end token included, as CTranslate2 counts)
  uint32_t max_beam = 4;            // 1 = greedy only
  bool alignment = true;            // reserve room to return cross-attention alignments
  // The two KV caches get a precision each, not one for both. Their sizes
  // follow different limits (the static encoder cache the source length, the
  // self-attention cache beam x target length), and rounding both moves
  // outputs the most (README, "KV-cache precision", has each and both
  // measured): a caller short of memory shrinks the one that is large at its
  // limits and keeps the other exact. kv_cache keeps the meaning (and the
  // outputs) it had before the self-attention cache had a choice.
  KvPrecision kv_cache = KvPrecision::kFloat32;       // the static encoder (cross-attention) cache
  KvPrecision self_kv_cache = KvPrecision::kFloat32;  // the decoder self-attention cache
  // Tasks a linear layer or an attention call is split into, 1..kMaxThreads
  // (xattn/parallel.h). More than 1 needs a ParallelFor with at least this
  // many workers (Session::set_parallel) and adds per-thread scratch to the
  // arena; outputs are the same bits for every value.
  uint32_t threads = 1;
  // The longest text Session::encode_text takes, in bytes, 0..kMaxTextBytes:
  // room for the model's source tokenizer to work in and for the ids it
  // makes. 0 reserves nothing (encode_text is then refused).
  uint32_t max_text_bytes = 0;
  // Audio models: room for Session::encode_pcm to compute the log-mel of one
  // window (n_mels x 2 x max_source_length floats) and its DFT scratch in the
  // arena. false reserves nothing (encode_pcm is then refused).
  bool pcm_input = false;
};

// Upper bounds the format accepts; they keep every size computation in 32/64
// bits far from overflow and fixed-size views small. A ModelView holds
// kMaxLayers layer views (tens of KiB): firmware may lower it with
// -DXATTN_MAX_LAYERS=N (every translation unit must agree; CMake's
// XATTN_MAX_LAYERS option makes it a public definition of the library).
#ifndef XATTN_MAX_LAYERS
#define XATTN_MAX_LAYERS 64
#endif
constexpr uint32_t kMaxLayers = XATTN_MAX_LAYERS;
constexpr uint32_t kMaxDModel = 16384;
constexpr uint32_t kMaxHeads = 256;
constexpr uint32_t kMaxFfn = 65536;
constexpr uint32_t kMaxVocab = 1u << 22;
constexpr uint32_t kMaxSequence = 1u << 14;
constexpr uint32_t kMaxTextBytes = 1u << 16;  // Limits::max_text_bytes
constexpr uint32_t kMaxBeam = 64;

}  // namespace xattn
