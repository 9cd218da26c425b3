// The rows of xattn/tensor_id.h expanded into one constexpr table, and
// everything the reader and tools ask of it: shapes under a config, presence,
// binding into a ModelView.
#include "format/tensor_table.h"

#include <type_traits>
#include <utility>

namespace xattn {
namespace format {
namespace {

// Row shapes (the rows/cols columns).
constexpr Extent kOne{1, Dim::kOne};
constexpr Extent kD{1, Dim::kDModel};
constexpr Extent k3D{3, Dim::kDModel};
constexpr Extent kA{1, Dim::kAttention};
constexpr Extent k2A{2, Dim::kAttention};
constexpr Extent k3A{3, Dim::kAttention};
constexpr Extent kF{1, Dim::kFfn};
constexpr Extent kFin{1, Dim::kFfnIn};
constexpr Extent kVs{1, Dim::kSourceVocab};
constexpr Extent kVt{1, Dim::kTargetVocab};
constexpr Extent kPe{1, Dim::kEncoderPositions};
constexpr Extent kPt{1, Dim::kDecoderPositions};
constexpr Extent kBuckets{1, Dim::kBuckets};
constexpr Extent kHeads{1, Dim::kHeads};
constexpr Extent kMels{1, Dim::kMels};
constexpr Extent kMels3{3, Dim::kMels};
constexpr Extent kFftBins{201, Dim::kOne};  // a 400-point real FFT's bins (Whisper's filter bank)
constexpr Extent kTokenizerBytes{1, Dim::kTokenizerBytes};
constexpr Extent kTargetTokenizerBytes{1, Dim::kTargetTokenizerBytes};
constexpr Extent kWhisperIdsBytes{1, Dim::kWhisperIdsBytes};

uint32_t extent(const ModelConfig& c, Extent e) {
  switch (e.dim) {
    case Dim::kOne: return e.times;
    case Dim::kDModel: return e.times * c.d_model;
    case Dim::kAttention: return e.times * c.attention_width();
    case Dim::kFfn: return e.times * c.ffn_dim;
    case Dim::kFfnIn: return e.times * c.ffn_in_rows();
    case Dim::kSourceVocab: return e.times * c.source_vocab_size;
    case Dim::kTargetVocab: return e.times * c.target_vocab_size;
    case Dim::kEncoderPositions: return e.times * c.encoder_positions();
    case Dim::kDecoderPositions: return e.times * c.max_positions;
    case Dim::kBuckets: return e.times * c.relative_buckets;
    case Dim::kHeads: return e.times * c.num_heads;
    case Dim::kMels: return e.times * c.n_mels;
    case Dim::kTokenizerBytes: return e.times * c.tokenizer_bytes;
    case Dim::kTargetTokenizerBytes: return e.times * c.target_tokenizer_bytes;
    case Dim::kWhisperIdsBytes: return e.times * c.whisper_ids_bytes;
  }
  return 0;
}

// Presence predicates (the present column): a tensor that only some configs
// hold gets one here.
bool always(const ModelConfig&) { return true; }
bool layer_norm(const ModelConfig& c) { return c.norm_kind == NormKind::kLayerNorm; }
bool norm_beta(const ModelConfig& c) { return layer_norm(c); }
bool token_encoder(const ModelConfig& c) { return c.encoder_input == EncoderInput::kTokens; }
bool audio_encoder(const ModelConfig& c) { return c.encoder_input == EncoderInput::kAudio; }
bool encoder_final_norm(const ModelConfig& c) { return c.has_final_norm(false); }
bool decoder_final_norm(const ModelConfig& c) { return c.has_final_norm(true); }
bool encoder_final_norm_beta(const ModelConfig& c) { return encoder_final_norm(c) && layer_norm(c); }
bool decoder_final_norm_beta(const ModelConfig& c) { return decoder_final_norm(c) && layer_norm(c); }
bool encoder_embedding_norm(const ModelConfig& c) { return c.has_embedding_norm(false); }
bool decoder_embedding_norm(const ModelConfig& c) { return c.has_embedding_norm(true); }
bool encoder_embedding_norm_beta(const ModelConfig& c) { return encoder_embedding_norm(c) && layer_norm(c); }
bool decoder_embedding_norm_beta(const ModelConfig& c) { return decoder_embedding_norm(c) && layer_norm(c); }
bool output_bias(const ModelConfig& c) { return c.has_output_bias(); }
bool linear_biases(const ModelConfig& c) { return c.has_linear_biases(); }
bool stored_positions(const ModelConfig& c) { return c.position == PositionEncoding::kStoredTable; }
bool relative_bias(const ModelConfig& c) { return c.position == PositionEncoding::kRelativeBias; }
bool tokenizer_blob(const ModelConfig& c) { return c.has_tokenizer; }
bool target_tokenizer_blob(const ModelConfig& c) { return c.has_target_tokenizer(); }
bool whisper_ids_blob(const ModelConfig& c) { return c.whisper_ids_bytes != 0; }

// The member column, checked against the kind: vectors and tables bind a
// float pointer, blobs a byte pointer, everything else a MatrixView.
template <TensorKind kind, class Member>
Binding bind_to(Member& member) {
  constexpr bool floats = std::is_same<Member, const float*>::value;
  constexpr bool bytes = std::is_same<Member, const uint8_t*>::value;
  static_assert(floats == (kind == TensorKind::kVector || kind == TensorKind::kTable),
                "a row's kind does not match its member's type");
  static_assert(bytes == (kind == TensorKind::kBytes), "a row's kind does not match its member's type");
  static_assert(floats || bytes || std::is_same<Member, MatrixView>::value,
                "a row binds a float vector, a byte blob or a MatrixView");
  if constexpr (floats) {
    return Binding{nullptr, &member, nullptr};
  } else if constexpr (bytes) {
    return Binding{nullptr, nullptr, &member};
  } else {
    return Binding{&member, nullptr, nullptr};
  }
}

constexpr Scope kEveryLayer = Scope::kEveryLayer;
constexpr Scope kDecoderLayer = Scope::kDecoderLayer;
constexpr TensorKind kVector = TensorKind::kVector;
constexpr TensorKind kTable = TensorKind::kTable;
constexpr TensorKind kEmbedding = TensorKind::kEmbedding;
constexpr TensorKind kLinear = TensorKind::kLinear;
constexpr TensorKind kBytes = TensorKind::kBytes;

// A layer row binds into the layer its id names; decoder-only rows never see
// an encoder layer (their member does not exist there).
#define XATTN_BIND_kEveryLayer(kind, member)                                                    \
  [](ModelView& v, Section s, uint32_t l) {                                                     \
    return s == Section::kEncoderLayer ? bind_to<kind>(v.encoder[l].member) : bind_to<kind>(v.decoder[l].member); \
  }
#define XATTN_BIND_kDecoderLayer(kind, member) \
  [](ModelView& v, Section, uint32_t l) { return bind_to<kind>(v.decoder[l].member); }

#define XATTN_GLOBAL_ROW(role, number, name, rows, cols, kind, present, member)                              \
  TensorRow{Scope::kGlobal, number, name, rows, cols, kind, present,                                         \
            [](ModelView& v, Section, uint32_t) { return bind_to<kind>(v.member); }},
#define XATTN_LAYER_ROW(role, number, name, scope, rows, cols, kind, present, member) \
  TensorRow{scope, number, name, rows, cols, kind, present, XATTN_BIND_##scope(kind, member)},

constexpr TensorRow kRows[] = {XATTN_GLOBAL_TENSORS(XATTN_GLOBAL_ROW) XATTN_LAYER_TENSORS(XATTN_LAYER_ROW)};

#undef XATTN_GLOBAL_ROW
#undef XATTN_LAYER_ROW
#undef XATTN_BIND_kEveryLayer
#undef XATTN_BIND_kDecoderLayer

constexpr size_t kRowCount = sizeof kRows / sizeof kRows[0];

// File order is id order: roles strictly increase within the globals and
// within the layer rows, and no role is 0.
constexpr bool rows_in_file_order() {
  for (size_t i = 0; i < kRowCount; ++i) {
    if (kRows[i].role == 0) return false;
    if (i > 0 && (kRows[i - 1].scope == Scope::kGlobal) == (kRows[i].scope == Scope::kGlobal) &&
        kRows[i - 1].role >= kRows[i].role) {
      return false;
    }
    if (i > 0 && kRows[i - 1].scope != Scope::kGlobal && kRows[i].scope == Scope::kGlobal) return false;
  }
  return true;
}
static_assert(rows_in_file_order(), "tensor rows: globals first, then layer rows, each by increasing role number");

}  // namespace

const TensorRow* rows_begin() { return kRows; }
const TensorRow* rows_end() { return kRows + kRowCount; }

const TensorRow* find_row(uint32_t id) {
  const uint32_t section = id >> 24;
  const uint16_t role = static_cast<uint16_t>(id & 0xffffu);
  for (const TensorRow& r : kRows) {
    if (r.role != role) continue;
    if (section == static_cast<uint32_t>(Section::kGlobal) && r.scope == Scope::kGlobal) return &r;
    if (section == static_cast<uint32_t>(Section::kEncoderLayer) && r.scope == Scope::kEveryLayer) return &r;
    if (section == static_cast<uint32_t>(Section::kDecoderLayer) && r.scope != Scope::kGlobal) return &r;
  }
  return nullptr;
}

namespace {

// The row of `id` when such a tensor belongs in a model with this config.
const TensorRow* row_in_model(const ModelConfig& config, uint32_t id) {
  const TensorRow* row = find_row(id);
  if (row == nullptr || !row->present(config)) return nullptr;
  const uint32_t section = id >> 24, layer = (id >> 16) & 0xffu;
  const uint32_t layers = section == static_cast<uint32_t>(Section::kGlobal) ? 1
                          : section == static_cast<uint32_t>(Section::kEncoderLayer) ? config.encoder_layers
                                                                                   : config.decoder_layers;
  return layer < layers ? row : nullptr;
}

}  // namespace

bool tensor_slot(const ModelConfig& config, uint32_t id, ModelView* view, TensorSlot* slot) {
  *slot = TensorSlot();
  TensorShape shape;
  if (!tensor_shape(config, id, &shape)) return false;
  const TensorRow& row = *find_row(id);
  const Binding b = row.bind(*view, static_cast<Section>(id >> 24), (id >> 16) & 0xffu);
  slot->rows = shape.rows;
  slot->cols = shape.cols;
  slot->int8_allowed = shape.int8_allowed;
  slot->packable = shape.packable;
  slot->int4_allowed = shape.int4_allowed;
  slot->bytes_only = shape.bytes;
  slot->matrix = b.matrix;
  slot->vector = b.vector;
  slot->bytes = b.bytes;
  return true;
}

}  // namespace format

bool tensor_shape(const ModelConfig& config, uint32_t id, TensorShape* shape) {
  const format::TensorRow* row = format::row_in_model(config, id);
  if (row == nullptr) return false;
  shape->rows = format::extent(config, row->rows);
  shape->cols = format::extent(config, row->cols);
  shape->int8_allowed = row->kind == format::TensorKind::kEmbedding || row->kind == format::TensorKind::kLinear;
  shape->packable = row->kind == format::TensorKind::kLinear || id == global_id(GlobalRole::kSourceEmbedding) ||
                    id == global_id(GlobalRole::kTargetEmbedding);
  shape->int4_allowed = shape->packable;
  shape->bytes = row->kind == format::TensorKind::kBytes;
  return true;
}

uint32_t required_tensors(const ModelConfig& config, uint32_t* ids, uint32_t capacity) {
  uint32_t n = 0;
  format::for_each_required_tensor(config, [&](uint32_t id) {
    if (n < capacity) ids[n] = id;
    ++n;
  });
  return n;
}

}  // namespace xattn
