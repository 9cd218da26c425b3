// The tensor table (the rows in xattn/tensor_id.h) as data the reader walks:
// for an id, its row, its required shape and dtypes under a config, and
// where its data goes in a ModelView; and the ids a config requires, in file
// order. The converter reaches the same rows through xattn/tensor_id.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "xattn/model.h"
#include "xattn/tensor_id.h"

namespace xattn {
namespace format {

enum class Scope : uint8_t { kGlobal, kEveryLayer, kDecoderLayer };
enum class TensorKind : uint8_t { kVector, kTable, kEmbedding, kLinear, kBytes };

// A shape rule for one dimension: `times` x a config dimension.
enum class Dim : uint8_t {
  kOne, kDModel, kAttention, kFfn, kFfnIn, kSourceVocab, kTargetVocab, kEncoderPositions, kDecoderPositions,
  kBuckets, kHeads, kMels, kTokenizerBytes, kTargetTokenizerBytes, kWhisperIdsBytes
};
struct Extent {
  uint32_t times;
  Dim dim;
};

// Where a tensor's data goes in the view: a matrix, a float vector or table,
// or a byte blob.
struct Binding {
  MatrixView* matrix = nullptr;
  const float** vector = nullptr;
  const uint8_t** bytes = nullptr;
};

struct TensorRow {
  Scope scope;
  uint16_t role;
  const char* name;
  Extent rows, cols;
  TensorKind kind;
  bool (*present)(const ModelConfig& config);
  Binding (*bind)(ModelView& view, Section section, uint32_t layer);
};

// The row of a tensor id's section and role, or null. Ignores the layer.
const TensorRow* find_row(uint32_t id);

// Every row, globals first, each part by increasing role (file order).
const TensorRow* rows_begin();
const TensorRow* rows_end();

// A tensor's required shape and where its data goes in the view.
struct TensorSlot {
  uint32_t rows = 0;
  uint32_t cols = 0;
  bool int8_allowed = false;
  bool packable = false;           // may use layout 1 (int8) or 2 (float32): linear weights, token embeddings
  bool int4_allowed = false;       // may be int4 in layout 3: linear weights, token embeddings
  bool bytes_only = false;         // a u8 blob
  MatrixView* matrix = nullptr;    // for matrices
  const float** vector = nullptr;  // for float vectors and tables (bias, gamma, beta, positions)
  const uint8_t** bytes = nullptr; // for u8 blobs
};

// Fills `slot` for `id` under `config`; false when no tensor with that id
// belongs in such a model (unknown role, layer beyond the config, a row
// absent under this config such as a final norm in a post-norm model).
bool tensor_slot(const ModelConfig& config, uint32_t id, ModelView* view, TensorSlot* slot);

// Calls visit(id) for every id a model with this config must contain, in
// increasing order. Returns the count.
template <class Visit>
uint32_t for_each_required_tensor(const ModelConfig& config, Visit visit) {
  uint32_t count = 0;
  auto section = [&](Section s, uint32_t layers) {
    for (uint32_t layer = 0; layer < layers; ++layer) {
      for (const TensorRow* r = rows_begin(); r != rows_end(); ++r) {
        const bool in_section = s == Section::kGlobal ? r->scope == Scope::kGlobal
                                : s == Section::kEncoderLayer ? r->scope == Scope::kEveryLayer
                                                              : r->scope != Scope::kGlobal;
        if (!in_section || !r->present(config)) continue;
        visit(tensor_id(s, layer, r->role));
        ++count;
      }
    }
  };
  section(Section::kGlobal, 1);
  section(Section::kEncoderLayer, config.encoder_layers);
  section(Section::kDecoderLayer, config.decoder_layers);
  return count;
}

}  // namespace format
}  // namespace xattn
