// open_model: bytes -> validated ModelView. Every number read from the file is
// checked before it is used as an offset, size or count; all arithmetic is in
// 64 bits on values already bounded, so nothing can wrap.
#include <cstring>
#include <new>

#include "format/tensor_table.h"
#include "format/vocab_reader.h"
#include "xattn/format.h"
#include "xattn/model.h"
#include "xattn/tensor_id.h"

namespace xattn {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "tensor data is read in place: xattn needs a little-endian CPU");

using format::load_f32;
using format::load_u32;
using format::load_u64;

Status bad(const char* what) { return Status::error(StatusCode::kBadModel).add("model: ").add(what); }

Status check_header(const uint8_t* b, size_t size, const OpenOptions& options) {
  namespace h = format::header;
  if (size < h::kSize) {
    return bad("truncated: ").add(static_cast<uint64_t>(size)).add(" bytes, smaller than the 64-byte header");
  }
  if (std::memcmp(b + h::kMagic, format::kMagic, sizeof format::kMagic) != 0) {
    return bad("not an xattn model (bad magic)");
  }
  const uint32_t version = load_u32(b + h::kVersion);
  if (version != format::kVersion) {
    return Status::error(StatusCode::kUnsupported)
        .add("model: format version ").add(static_cast<uint64_t>(version))
        .add(" is not supported (this build reads version ").add(static_cast<uint64_t>(format::kVersion)).add(")");
  }
  if (load_u32(b + h::kHeaderSize) != h::kSize) return bad("header size field is not 64");
  const uint64_t file_size = load_u64(b + h::kFileSize);
  if (file_size != size) {
    return bad(file_size > size ? "truncated: " : "trailing bytes: ")
        .add(static_cast<uint64_t>(size)).add(" bytes, header says ").add(file_size);
  }
  if (load_u32(b + h::kReserved) != 0) return bad("reserved header field is not zero");
  if (options.verify_checksum) {
    const uint32_t stored = load_u32(b + h::kChecksum);
    if (model_checksum(b, size) != stored) return bad("checksum mismatch: the file is corrupted");
  }
  return Status::ok();
}

template <class Enum>
bool read_enum(const uint8_t* p, uint8_t limit, Enum* out) {
  if (*p >= limit) return false;
  *out = static_cast<Enum>(*p);
  return true;
}

SpecialTokens read_tokens(const uint8_t* p) {
  SpecialTokens t;
  t.pad = load_u32(p);
  t.bos = load_u32(p + 4);
  t.eos = load_u32(p + 8);
  t.unk = load_u32(p + 12);
  return t;
}

Status check_tokens(const SpecialTokens& t, uint32_t vocab, const char* side) {
  const uint32_t ids[] = {t.pad, t.bos, t.eos, t.unk};
  for (uint32_t id : ids) {
    if (id >= vocab) {
      return bad("config: ").add(side).add(" special token id ").add(static_cast<uint64_t>(id))
          .add(" is outside the vocabulary of ").add(static_cast<uint64_t>(vocab));
    }
  }
  return Status::ok();
}

// The model-family fields (format bytes 81..107): enums in range, no unknown
// flag bits, and the fields of a feature zero unless the feature is on.
Status validate_family_fields(const ModelConfig& c) {
  if (static_cast<uint8_t>(c.norm_kind) > 1) return bad("config: unknown norm kind");
  if (static_cast<uint8_t>(c.start_mode) > 2) return bad("config: unknown decoder start mode");
  if (static_cast<uint8_t>(c.encoder_input) > 1) return bad("config: unknown encoder input");
  if ((c.stack_flags & ~kKnownStackFlags) != 0) return bad("config: unknown stack flags");
  if ((c.bias_flags & ~kKnownBiasFlags) != 0) return bad("config: unknown bias flags");
  if (!(c.queries_scale == 0.0f || (c.queries_scale > 0.0f && c.queries_scale < 1e6f))) {
    return bad("config: queries scale out of range");
  }
  if (c.position == PositionEncoding::kRelativeBias) {
    // Buckets split in two halves (the encoder's directions), each with an
    // exact half; the log-spaced buckets need max_distance beyond them.
    if (c.relative_buckets < 4 || c.relative_buckets % 4 != 0 || c.relative_buckets > 4096 ||
        c.relative_max_distance <= c.relative_buckets / 2) {
      return bad("config: relative position buckets (a multiple of 4, 4..4096) or max distance (> buckets / 2) out of range");
    }
  } else if (c.relative_buckets != 0 || c.relative_max_distance != 0) {
    return bad("config: relative position fields set without relative positions");
  }
  if (c.source_positions > kMaxSequence) return bad("config: source positions out of range");
  if (c.encoder_input == EncoderInput::kAudio) {
    if (c.n_mels == 0 || c.n_mels > 512) return bad("config: mel bins must be 1..512");
  } else if (c.n_mels != 0) {
    return bad("config: mel bins set on a token encoder");
  }
  if (c.has_tokenizer ? (c.tokenizer_bytes == 0 || c.tokenizer_bytes > (1u << 30)) : c.tokenizer_bytes != 0) {
    return bad("config: tokenizer size must be 1..2^30 bytes exactly when a tokenizer is stored");
  }
  if (c.target_tokenizer_bytes > (1u << 30) || (c.target_tokenizer_bytes != 0 && !c.has_tokenizer)) {
    return bad("config: target tokenizer size must be 0..2^30 bytes, and nonzero only beside a tokenizer");
  }
  if (c.whisper_ids_bytes != 0 && (c.encoder_input != EncoderInput::kAudio || c.whisper_ids_bytes < 12 ||
                                   c.whisper_ids_bytes > (1u << 24) || c.whisper_ids_bytes % 4 != 0)) {
    return bad("config: whisper ids size must be 0, or 12..2^24 bytes, a multiple of 4, on an audio model");
  }
  return Status::ok();
}

}  // namespace

Status validate_config(const ModelConfig& c) {
  if (static_cast<uint8_t>(c.activation) > 3 || static_cast<uint8_t>(c.norm) > 1 ||
      static_cast<uint8_t>(c.position) > 3 || static_cast<uint8_t>(c.text_mode) > 1 ||
      static_cast<uint8_t>(c.activation_rounding) > 1) {
    return bad("config: unknown activation, norm, position, text mode or rounding");
  }
  Status family = validate_family_fields(c);
  if (!family) return family;
  if (c.encoder_layers == 0 || c.encoder_layers > kMaxLayers || c.decoder_layers == 0 ||
      c.decoder_layers > kMaxLayers) {
    return bad("config: layer counts must be 1..").add(static_cast<uint64_t>(kMaxLayers));
  }
  if (c.d_model == 0 || c.d_model > kMaxDModel || c.num_heads == 0 || c.num_heads > kMaxHeads ||
      (c.head_size == 0 && c.d_model % c.num_heads != 0)) {
    return bad("config: d_model ").add(static_cast<uint64_t>(c.d_model)).add(" and heads ")
        .add(static_cast<uint64_t>(c.num_heads)).add(" are out of range or do not divide");
  }
  // An explicit head size: the attention width it makes (in 64 bits, so a
  // hostile head size cannot wrap) is bounded as d_model is.
  if (c.head_size != 0 && static_cast<uint64_t>(c.num_heads) * c.head_size > kMaxDModel) {
    return bad("config: ").add(static_cast<uint64_t>(c.num_heads)).add(" heads of ")
        .add(static_cast<uint64_t>(c.head_size)).add(" values exceed the attention width limit ")
        .add(static_cast<uint64_t>(kMaxDModel));
  }
  // The sinusoidal table pairs channels (sin, cos) and divides by d/2 - 1.
  if (c.position == PositionEncoding::kSinusoidal && (c.d_model % 2 != 0 || c.d_model < 4)) {
    return bad("config: sinusoidal positions need an even d_model >= 4");
  }
  if (c.ffn_dim == 0 || c.ffn_dim > kMaxFfn) return bad("config: ffn size out of range");
  if (c.source_vocab_size == 0 || c.source_vocab_size > kMaxVocab || c.target_vocab_size == 0 ||
      c.target_vocab_size > kMaxVocab) {
    return bad("config: vocabulary sizes out of range");
  }
  if (c.max_positions == 0 || c.max_positions > kMaxSequence) return bad("config: max positions out of range");
  if (!(c.embedding_scale > 0.0f && c.embedding_scale < 1e6f)) return bad("config: embedding scale out of range");
  if (!(c.layer_norm_epsilon > 0.0f && c.layer_norm_epsilon < 1.0f)) return bad("config: layer norm epsilon out of range");
  if (c.alignment_layer >= c.decoder_layers) return bad("config: alignment layer beyond the decoder");
  Status s = check_tokens(c.source_tokens, c.source_vocab_size, "source");
  if (!s) return s;
  return check_tokens(c.target_tokens, c.target_vocab_size, "target");
}

namespace {

Status read_config(const uint8_t* b, ModelConfig* c) {
  namespace k = format::config;
  c->encoder_layers = load_u32(b + k::kEncoderLayers);
  c->decoder_layers = load_u32(b + k::kDecoderLayers);
  c->d_model = load_u32(b + k::kDModel);
  c->num_heads = load_u32(b + k::kNumHeads);
  c->ffn_dim = load_u32(b + k::kFfnDim);
  c->source_vocab_size = load_u32(b + k::kSourceVocabSize);
  c->target_vocab_size = load_u32(b + k::kTargetVocabSize);
  c->max_positions = load_u32(b + k::kMaxPositions);
  if (!read_enum(b + k::kActivation, 4, &c->activation)) return bad("config: unknown activation");
  if (!read_enum(b + k::kNorm, 2, &c->norm)) return bad("config: unknown norm placement");
  if (!read_enum(b + k::kPosition, 4, &c->position)) return bad("config: unknown position encoding");
  if (!read_enum(b + k::kTextMode, 2, &c->text_mode)) return bad("config: unknown text mode");
  if (!read_enum(b + k::kActivationRounding, 2, &c->activation_rounding)) {
    return bad("config: unknown activation rounding");
  }
  c->embedding_scale = load_f32(b + k::kEmbeddingScale);
  c->layer_norm_epsilon = load_f32(b + k::kLayerNormEpsilon);
  c->source_tokens = read_tokens(b + k::kSourceTokens);
  c->target_tokens = read_tokens(b + k::kTargetTokens);
  c->alignment_layer = load_u32(b + k::kAlignmentLayer);
  if (!read_enum(b + k::kNormKind, 2, &c->norm_kind)) return bad("config: unknown norm kind");
  c->stack_flags = b[k::kStackFlags];
  if (b[k::kFfnGated] > 1) return bad("config: gated FFN flag is not 0 or 1");
  c->ffn_gated = b[k::kFfnGated] != 0;
  c->bias_flags = b[k::kBiasFlags];
  if (!read_enum(b + k::kStartMode, 3, &c->start_mode)) return bad("config: unknown decoder start mode");
  if (!read_enum(b + k::kEncoderInput, 2, &c->encoder_input)) return bad("config: unknown encoder input");
  if (b[k::kHasTokenizer] > 1) return bad("config: tokenizer flag is not 0 or 1");
  c->has_tokenizer = b[k::kHasTokenizer] != 0;
  c->queries_scale = load_f32(b + k::kQueriesScale);
  c->relative_buckets = format::load_u16(b + k::kRelativeBuckets);
  c->relative_max_distance = format::load_u16(b + k::kRelativeMaxDistance);
  c->tokenizer_bytes = load_u32(b + k::kTokenizerBytes);
  c->n_mels = format::load_u16(b + k::kNMels);
  c->source_positions = load_u32(b + k::kSourcePositions);
  c->target_tokenizer_bytes = load_u32(b + k::kTargetTokenizerBytes);
  c->head_size = load_u32(b + k::kHeadSize);
  c->whisper_ids_bytes = load_u32(b + k::kWhisperIdsBytes);
  if (format::load_u16(b + k::kNMels + 2) != 0) return bad("config: reserved bytes are not zero");
  for (uint32_t i = k::kReservedFrom; i < k::kReservedTo; ++i) {
    if (b[i] != 0) return bad("config: reserved bytes are not zero");
  }

  return validate_config(*c);
}

// Claims [offset, offset + count) for one tensor part: 64-aligned, after
// everything placed before it, inside the file. Advances *end.
bool place(uint64_t offset, uint64_t count, size_t size, uint64_t* end) {
  if (offset % format::kAlignment != 0 || offset < *end || offset > size || count > size - offset) return false;
  *end = offset + count;
  return true;
}

// Points the view's member at a validated tensor and fixes its linear kernel.
void bind_tensor(const uint8_t* bytes, const format::TensorSlot& slot, uint8_t dtype, uint8_t layout, uint32_t rows,
                 uint32_t cols, uint64_t offset, uint64_t scale_offset, uint64_t sums_offset) {
  const bool int8 = dtype == static_cast<uint8_t>(format::DType::kInt8);
  const bool int4 = dtype == static_cast<uint8_t>(format::DType::kInt4);
  const bool packed = layout == format::kLayoutPacked16x4;
  if (slot.matrix) {
    slot.matrix->dtype = static_cast<format::DType>(dtype);
    slot.matrix->rows = rows;
    slot.matrix->cols = cols;
    slot.matrix->data = bytes + offset;
    slot.matrix->scales = int8 || int4 ? reinterpret_cast<const float*>(bytes + scale_offset) : nullptr;
    slot.matrix->layout = layout;
    slot.matrix->row_sums = packed || int4 ? reinterpret_cast<const int32_t*>(bytes + sums_offset) : nullptr;
    slot.matrix->group_scales = int4 ? bytes + offset + format::int4_nibble_bytes(rows, cols) : nullptr;
    slot.matrix->kernel = int4   ? LinearKernel::kInt4
                          : int8 ? (packed ? LinearKernel::kInt8Packed : LinearKernel::kInt8)
                                 : (layout == format::kLayoutPacked16x1 ? LinearKernel::kFloat32Packed
                                                                        : LinearKernel::kFloat32);
  } else if (slot.bytes) {
    *slot.bytes = bytes + offset;
  } else {
    *slot.vector = reinterpret_cast<const float*>(bytes + offset);
  }
}

// The first row of a layout-1 matrix whose stored sum differs from the sum
// of its weights, or `rows` when all agree. Walks the blocks in file order.
uint32_t first_wrong_row_sum(const int8_t* w, uint32_t rows, uint32_t cols, const int32_t* sums) {
  for (uint32_t base = 0; base < rows; base += format::kPackRows) {
    const uint32_t width = rows - base < format::kPackRows ? rows - base : format::kPackRows;
    int32_t block[format::kPackRows] = {};
    const int8_t* p = w + static_cast<uint64_t>(base) * cols;
    for (uint32_t g = 0; g < cols / format::kPackCols; ++g) {
      for (uint32_t o = 0; o < width; ++o, p += format::kPackCols) block[o] += p[0] + p[1] + p[2] + p[3];
    }
    for (uint32_t o = 0; o < width; ++o) {
      if (block[o] != sums[base + o]) return base + o;
    }
  }
  return rows;
}

// The first row of a layout-3 (int4) matrix whose stored sum differs from
// sum_g sub_g * sum_c q4, or `rows` when all agree. Walks the nibbles and the
// group scales in file order, a block of 16 rows at a time (padding rows are
// summed but not compared).
// low + high nibble of every byte value, so the check costs a lookup per byte.
struct NibblePairSums {
  int8_t of[256];
};
constexpr NibblePairSums nibble_pair_sums() {
  NibblePairSums t{};
  for (int b = 0; b < 256; ++b)
    t.of[b] = static_cast<int8_t>(format::int4_low(static_cast<uint8_t>(b)) + format::int4_high(static_cast<uint8_t>(b)));
  return t;
}
constexpr NibblePairSums kNibblePairSums = nibble_pair_sums();

uint32_t first_wrong_int4_row_sum(const uint8_t* data, uint32_t rows, uint32_t cols, const int32_t* sums) {
  const uint32_t groups = cols / format::kInt4Group;
  const uint8_t* nibbles = data;
  const uint8_t* subs = data + format::int4_nibble_bytes(rows, cols);
  for (uint32_t base = 0; base < rows; base += format::kPackRows) {
    int64_t block[format::kPackRows] = {};
    for (uint32_t g = 0; g < groups; ++g, subs += format::kPackRows) {
      int32_t group[format::kPackRows] = {};
      for (uint32_t t = 0; t < 4; ++t)
        for (uint32_t o = 0; o < format::kPackRows; ++o, nibbles += 4)
          group[o] += kNibblePairSums.of[nibbles[0]] + kNibblePairSums.of[nibbles[1]] + kNibblePairSums.of[nibbles[2]] +
                      kNibblePairSums.of[nibbles[3]];
      for (uint32_t o = 0; o < format::kPackRows; ++o) block[o] += static_cast<int64_t>(subs[o]) * group[o];
    }
    const uint32_t width = rows - base < format::kPackRows ? rows - base : format::kPackRows;
    for (uint32_t o = 0; o < width; ++o) {
      if (block[o] != sums[base + o]) return base + o;
    }
  }
  return rows;
}

// For an entry flagged kTensorShared: an earlier entry (in [table, entry))
// whose data, scales and row sums it reuses, with the same dtype, layout and
// shape. Null when there is none.
const uint8_t* shared_source(const uint8_t* table, const uint8_t* entry) {
  namespace t = format::tensor;
  for (const uint8_t* e = table; e < entry; e += t::kSize) {
    if (load_u64(e + t::kDataOffset) != load_u64(entry + t::kDataOffset)) continue;
    const bool same = e[t::kDType] == entry[t::kDType] && e[t::kLayout] == entry[t::kLayout] &&
                      load_u32(e + t::kRows) == load_u32(entry + t::kRows) &&
                      load_u32(e + t::kCols) == load_u32(entry + t::kCols) &&
                      load_u64(e + t::kDataBytes) == load_u64(entry + t::kDataBytes) &&
                      load_u64(e + t::kScaleOffset) == load_u64(entry + t::kScaleOffset) &&
                      load_u64(e + t::kRowSumsOffset) == load_u64(entry + t::kRowSumsOffset);
    return same ? e : nullptr;
  }
  return nullptr;
}

Status read_tensor(const uint8_t* bytes, size_t size, const uint8_t* table, const uint8_t* entry, ModelView* view,
                   uint64_t* data_end) {
  namespace t = format::tensor;
  const uint32_t id = load_u32(entry + t::kId);
  char name[64];
  if (!tensor_name(id, name, sizeof name)) {
    return bad("unknown tensor id ").add(static_cast<uint64_t>(id));
  }
  format::TensorSlot slot;
  if (!format::tensor_slot(view->config, id, view, &slot)) {
    return bad("tensor ").add(name).add(" does not belong in a model with this config");
  }
  const uint8_t dtype = entry[t::kDType];
  const uint32_t rows = load_u32(entry + t::kRows);
  const uint32_t cols = load_u32(entry + t::kCols);
  const uint64_t offset = load_u64(entry + t::kDataOffset);
  const uint64_t nbytes = load_u64(entry + t::kDataBytes);
  const uint64_t scale_offset = load_u64(entry + t::kScaleOffset);
  const uint64_t sums_offset = load_u64(entry + t::kRowSumsOffset);
  const uint8_t layout = entry[t::kLayout];
  const uint16_t flags = format::load_u16(entry + t::kFlags);
  if (layout > format::kLayoutInt4Groups || (flags & ~format::kTensorShared) != 0) {
    return bad("tensor ").add(name).add(": unknown layout or non-zero reserved fields");
  }
  if (dtype > static_cast<uint8_t>(format::DType::kInt4)) {
    return bad("tensor ").add(name).add(": unknown dtype ").add(static_cast<uint64_t>(dtype));
  }
  const bool int8 = dtype == static_cast<uint8_t>(format::DType::kInt8);
  const bool u8 = dtype == static_cast<uint8_t>(format::DType::kUInt8);
  const bool int4 = dtype == static_cast<uint8_t>(format::DType::kInt4);
  if (int8 && !slot.int8_allowed) return bad("tensor ").add(name).add(": int8 is not allowed here");
  if (int4 && !slot.int4_allowed) return bad("tensor ").add(name).add(": int4 is allowed only for linear weights and token embeddings");
  if (int4 != (layout == format::kLayoutInt4Groups)) {
    return bad("tensor ").add(name).add(": int4 goes with layout 3 and layout 3 with int4");
  }
  if (u8 != slot.bytes_only) {
    return bad("tensor ").add(name).add(u8 ? ": u8 is allowed only for byte blobs" : ": a byte blob must be u8");
  }
  if (u8 && layout != format::kLayoutRowMajor) return bad("tensor ").add(name).add(": a byte blob is row-major");
  if (rows != slot.rows || cols != slot.cols) {
    return bad("tensor ").add(name).add(": expected ").add_dims(slot.rows, slot.cols).add(", got ")
        .add_dims(rows, cols);
  }
  const bool packed = layout == format::kLayoutPacked16x4;
  if (packed && !(int8 && slot.packable && cols % format::kPackCols == 0)) {
    return bad("tensor ").add(name).add(": packed layout needs an int8 linear weight or token embedding with columns % 4 == 0");
  }
  if (!packed && !int4 && sums_offset != 0) return bad("tensor ").add(name).add(": row sums on an unpacked tensor");
  if (layout == format::kLayoutPacked16x1 && !(!int8 && slot.packable)) {
    return bad("tensor ").add(name).add(": packed float layout needs a float32 linear weight or token embedding");
  }
  if (int4 && (cols % format::kInt4Group != 0 || cols > format::kInt4MaxCols)) {
    return bad("tensor ").add(name).add(": int4 needs columns a multiple of 32 and at most 8192");
  }
  const uint64_t expected_bytes = int4 ? format::int4_data_bytes(rows, cols)
                                       : static_cast<uint64_t>(rows) * cols * (int8 || u8 ? 1u : 4u);
  if (nbytes != expected_bytes) return bad("tensor ").add(name).add(": byte count does not match its shape");
  if ((flags & format::kTensorShared) != 0) {
    // Data, scales and row sums were placed and checked with the earlier entry.
    if (shared_source(table, entry) == nullptr) {
      return bad("tensor ").add(name).add(": shared, but no earlier tensor has the same data, dtype, layout and shape");
    }
    bind_tensor(bytes, slot, dtype, layout, rows, cols, offset, scale_offset, sums_offset);
    return Status::ok();
  }
  if (!place(offset, nbytes, size, data_end)) {
    return bad("tensor ").add(name).add(": data offset misaligned, overlapping or outside the file");
  }
  const float* scales = nullptr;
  if (int8 || int4) {
    if (!place(scale_offset, static_cast<uint64_t>(rows) * 4u, size, data_end)) {
      return bad("tensor ").add(name).add(": scale offset misaligned, overlapping or outside the file");
    }
    scales = reinterpret_cast<const float*>(bytes + scale_offset);
    for (uint32_t r = 0; r < rows; ++r) {
      if (!(scales[r] > 0.0f && scales[r] < 3.0e38f)) {
        return bad("tensor ").add(name).add(": row ").add(static_cast<uint64_t>(r)).add(" has an invalid scale");
      }
    }
  } else if (scale_offset != 0) {
    return bad("tensor ").add(name).add(": float32 tensor with a scale offset");
  }
  const int32_t* row_sums = nullptr;
  if (packed || int4) {
    if (!place(sums_offset, static_cast<uint64_t>(rows) * 4u, size, data_end)) {
      return bad("tensor ").add(name).add(": row sums offset misaligned, overlapping or outside the file");
    }
    row_sums = reinterpret_cast<const int32_t*>(bytes + sums_offset);
    // The sums feed VNNI's offset correction and nothing else, so a wrong one
    // would corrupt results on some CPUs only: check them all once, here.
    const uint32_t bad_row =
        int4 ? first_wrong_int4_row_sum(bytes + offset, rows, cols, row_sums)
             : first_wrong_row_sum(reinterpret_cast<const int8_t*>(bytes + offset), rows, cols, row_sums);
    if (bad_row < rows) {
      return bad("tensor ").add(name).add(": row ").add(static_cast<uint64_t>(bad_row)).add(" has a wrong row sum");
    }
  }
  bind_tensor(bytes, slot, dtype, layout, rows, cols, offset, scale_offset, sums_offset);
  return Status::ok();
}

Status read_tensor_table(const uint8_t* b, size_t size, uint64_t table_offset, uint32_t count,
                         uint64_t table_floor, ModelView* view) {
  namespace t = format::tensor;
  const uint32_t required = format::for_each_required_tensor(view->config, [](uint32_t) {});
  if (count != required) {
    return bad("tensor table has ").add(static_cast<uint64_t>(count)).add(" entries, the config needs ")
        .add(static_cast<uint64_t>(required));
  }
  const uint64_t table_bytes = static_cast<uint64_t>(count) * t::kSize;
  if (table_offset % 8 != 0 || table_offset < table_floor || table_offset > size ||
      table_bytes > size - table_offset) {
    return bad("tensor table misplaced or outside the file");
  }
  // Entries must list exactly the required ids in increasing order; walking the
  // required list alongside the table proves that without a "seen" bitmap.
  uint32_t index = 0;
  uint64_t data_end = table_offset + table_bytes;
  Status status;
  format::for_each_required_tensor(view->config, [&](uint32_t want) {
    if (!status) return;
    const uint8_t* entry = b + table_offset + static_cast<uint64_t>(index++) * t::kSize;
    const uint32_t id = load_u32(entry + t::kId);
    if (id != want) {
      char name[64];
      tensor_name(want, name, sizeof name);
      status = bad("tensor table: missing or out of order: expected ").add(name);
      return;
    }
    status = read_tensor(b, size, b + table_offset, entry, view, &data_end);
  });
  return status;
}

// Opens the stored tokenizer blob(s) in place: the "tokenizer" blob serves
// the source side and, unless a target blob is stored, the target side too;
// its ids must then fit every vocabulary it serves.
Status open_tokenizers(ModelView* view) {
  const ModelConfig& c = view->config;
  if (!c.has_tokenizer) return Status::ok();
  Status s = Tokenizer::open(view->tokenizer, c.tokenizer_bytes, &view->source_text);
  if (!s) return s;
  view->target_text = view->source_text;
  view->config.source_tokenizer_model = static_cast<uint8_t>(view->source_text.model());
  view->config.source_tokenizer_expansion = view->source_text.expansion();
  if (c.has_target_tokenizer()) {
    s = Tokenizer::open(view->target_tokenizer, c.target_tokenizer_bytes, &view->target_text);
    if (!s) return s;
  }
  const bool source_side = c.encoder_input == EncoderInput::kTokens;
  if (source_side && view->source_text.model_vocab_size() != c.source_vocab_size) {
    return bad("tokenizer: its vocabulary size is not the source vocabulary's");
  }
  if (view->target_text.model_vocab_size() != c.target_vocab_size) {
    return bad("tokenizer: the target side's tokenizer vocabulary size is not the target vocabulary's");
  }
  return Status::ok();
}

// Splits the "whisper_ids" blob (three u32 counts, then the ids of each
// list in turn; 64-aligned in the file, so read in place) and checks it.
Status open_whisper_ids(ModelView* view) {
  const ModelConfig& c = view->config;
  if (c.whisper_ids_bytes == 0) return Status::ok();
  const uint8_t* b = view->whisper_ids_bytes;
  const uint64_t counts[3] = {load_u32(b), load_u32(b + 4), load_u32(b + 8)};
  if (12 + 4 * (counts[0] + counts[1] + counts[2]) != c.whisper_ids_bytes) {
    return bad("whisper ids: the counts do not match the blob's size");
  }
  const uint32_t* ids = reinterpret_cast<const uint32_t*>(b + 12);
  for (uint64_t i = 0; i < counts[0] + counts[1] + counts[2]; ++i) {
    if (load_u32(b + 12 + 4 * i) >= c.target_vocab_size) return bad("whisper ids: an id outside the target vocabulary");
  }
  IdList* lists[3] = {&view->whisper.suppress, &view->whisper.suppress_begin, &view->whisper.languages};
  for (int l = 0; l < 3; ++l) {
    lists[l]->ids = ids;
    lists[l]->count = static_cast<uint32_t>(counts[l]);
    ids += counts[l];
  }
  return Status::ok();
}

}  // namespace

Status open_model(const uint8_t* bytes, size_t size, ModelView* out, const OpenOptions& options) {
  namespace h = format::header;
  if (bytes == nullptr || out == nullptr) return Status::error(StatusCode::kInvalidArgument).add("model: null bytes");
  if (reinterpret_cast<uintptr_t>(bytes) % format::kAlignment != 0) {
    return Status::error(StatusCode::kMisaligned).add("model: bytes must be 64-byte aligned");
  }
  new (out) ModelView();  // reset in place: a ModelView is tens of KiB, too big for a stack temporary
  Status s = check_header(bytes, size, options);
  if (!s) return s;

  const uint32_t config_offset = load_u32(bytes + h::kConfigOffset);
  if (config_offset != h::kSize || load_u32(bytes + h::kConfigSize) != format::config::kSize ||
      size < h::kSize + format::config::kSize) {
    return bad("config block misplaced or truncated");
  }
  s = read_config(bytes + config_offset, &out->config);
  if (!s) return s;

  uint64_t cursor = h::kSize + format::config::kSize;
  s = format::read_vocab_block(bytes, size, load_u32(bytes + h::kSourceVocabOffset),
                               load_u32(bytes + h::kSourceVocabSize), out->config.source_vocab_size,
                               out->config.text_mode, "source", &cursor, &out->source_vocab);
  if (!s) return s;
  s = format::read_vocab_block(bytes, size, load_u32(bytes + h::kTargetVocabOffset),
                               load_u32(bytes + h::kTargetVocabSize), out->config.target_vocab_size,
                               out->config.text_mode, "target", &cursor, &out->target_vocab);
  if (!s) return s;

  s = read_tensor_table(bytes, size, load_u32(bytes + h::kTensorTableOffset),
                        load_u32(bytes + h::kTensorCount), cursor, out);
  if (!s) return s;
  s = open_tokenizers(out);
  if (!s) return s;
  s = open_whisper_ids(out);
  if (!s) return s;
  out->bytes = bytes;
  out->size = size;
  out->tensor_count = load_u32(bytes + h::kTensorCount);
  return Status::ok();
}

}  // namespace xattn
