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
constexpr Extent k2D{2, Dim::kDModel};
constexpr Extent k3D{3, Dim::kDModel};
constexpr Extent kF{1, Dim::kFfn};
constexpr Extent kVs{1, Dim::kSourceVocab};
constexpr Extent kVt{1, Dim::kTargetVocab};

uint32_t extent(const ModelConfig& c, Extent e) {
  switch (e.dim) {
    case Dim::kOne: return e.times;
    case Dim::kDModel: return e.times * c.d_model;
    case Dim::kFfn: return e.times * c.ffn_dim;
    case Dim::kSourceVocab: return e.times * c.source_vocab_size;
    case Dim::kTargetVocab: return e.times * c.target_vocab_size;
  }
  return 0;
}

// Presence predicates (the present column): a tensor that only some configs
// hold gets one here.
bool always(const ModelConfig&) { return true; }
bool pre_norm(const ModelConfig& c) { return c.norm == NormPlacement::kPreNorm; }

// The member column, checked against the kind: vectors bind a float pointer,
// everything else a MatrixView.
template <TensorKind kind, class Member>
Binding bind_to(Member& member) {
  constexpr bool vector = std::is_same<Member, const float*>::value;
  static_assert(vector == (kind == TensorKind::kVector), "a row's kind does not match its member's type");
  static_assert(vector || std::is_same<Member, MatrixView>::value, "a row binds a float vector or a MatrixView");
  if constexpr (vector) {
    return Binding{nullptr, &member};
  } else {
    return Binding{&member, nullptr};
  }
}

constexpr Scope kEveryLayer = Scope::kEveryLayer;
constexpr Scope kDecoderLayer = Scope::kDecoderLayer;
constexpr TensorKind kVector = TensorKind::kVector;
constexpr TensorKind kEmbedding = TensorKind::kEmbedding;
constexpr TensorKind kLinear = TensorKind::kLinear;

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
  slot->matrix = b.matrix;
  slot->vector = b.vector;
  return true;
}

}  // namespace format

bool tensor_shape(const ModelConfig& config, uint32_t id, TensorShape* shape) {
  const format::TensorRow* row = format::row_in_model(config, id);
  if (row == nullptr) return false;
  shape->rows = format::extent(config, row->rows);
  shape->cols = format::extent(config, row->cols);
  shape->int8_allowed = row->kind != format::TensorKind::kVector;
  shape->packable = row->kind == format::TensorKind::kLinear;
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
