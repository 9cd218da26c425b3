// The xattn model file layout, as constants, and the little-endian loads of
// its fields: the one place the reader (in the runtime), the writer and the
// importer (in the converter) take byte offsets and field decoding from.
// models/FORMAT.md describes the same layout in prose; keep the two together.
#pragma once

#include <cstdint>
#include <cstring>

namespace xattn {
namespace format {

constexpr char kMagic[8] = {'X', 'A', 'T', 'T', 'N', 'M', 'D', 'L'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kAlignment = 64;  // every tensor (and scale vector) starts on this boundary

// Header: 64 bytes at offset 0.
namespace header {
constexpr uint32_t kMagic = 0;          // 8 bytes
constexpr uint32_t kVersion = 8;        // u32
constexpr uint32_t kHeaderSize = 12;    // u32, = kSize
constexpr uint32_t kFileSize = 16;      // u64
constexpr uint32_t kChecksum = 24;      // u32 CRC-32 of every other byte of the file
constexpr uint32_t kConfigOffset = 28;  // u32
constexpr uint32_t kConfigSize = 32;    // u32, = config::kSize
constexpr uint32_t kSourceVocabOffset = 36;
constexpr uint32_t kSourceVocabSize = 40;
constexpr uint32_t kTargetVocabOffset = 44;
constexpr uint32_t kTargetVocabSize = 48;
constexpr uint32_t kTensorTableOffset = 52;
constexpr uint32_t kTensorCount = 56;
constexpr uint32_t kReserved = 60;      // u32, must be 0
constexpr uint32_t kSize = 64;
}  // namespace header

// Config block: 128 bytes.
namespace config {
constexpr uint32_t kEncoderLayers = 0;
constexpr uint32_t kDecoderLayers = 4;
constexpr uint32_t kDModel = 8;
constexpr uint32_t kNumHeads = 12;
constexpr uint32_t kFfnDim = 16;
constexpr uint32_t kSourceVocabSize = 20;
constexpr uint32_t kTargetVocabSize = 24;
constexpr uint32_t kMaxPositions = 28;
constexpr uint32_t kActivation = 32;     // u8
constexpr uint32_t kNorm = 33;           // u8
constexpr uint32_t kPosition = 34;       // u8
constexpr uint32_t kTextMode = 35;       // u8
constexpr uint32_t kEmbeddingScale = 36; // f32
constexpr uint32_t kLayerNormEpsilon = 40;  // f32
constexpr uint32_t kSourceTokens = 44;   // u32 pad, bos, eos, unk
constexpr uint32_t kTargetTokens = 60;   // u32 pad, bos, eos, unk
constexpr uint32_t kAlignmentLayer = 76; // u32
constexpr uint32_t kActivationRounding = 80;  // u8
// Model families: zero in files written before them, which keeps their meaning.
constexpr uint32_t kNormKind = 81;       // u8 NormKind
constexpr uint32_t kStackFlags = 82;     // u8 kExplicitFinalNorms, ... (config.h)
constexpr uint32_t kFfnGated = 83;       // u8 0/1
constexpr uint32_t kBiasFlags = 84;      // u8 kNoLinearBiases, kNoOutputBias
constexpr uint32_t kStartMode = 85;      // u8 StartMode
constexpr uint32_t kEncoderInput = 86;   // u8 EncoderInput
constexpr uint32_t kHasTokenizer = 87;   // u8 0/1
constexpr uint32_t kQueriesScale = 88;   // f32, 0 = 1/sqrt(head size)
constexpr uint32_t kRelativeBuckets = 92;      // u16
constexpr uint32_t kRelativeMaxDistance = 94;  // u16
constexpr uint32_t kTokenizerBytes = 96; // u32
constexpr uint32_t kNMels = 100;         // u16 (bytes 102..103 reserved)
constexpr uint32_t kSourcePositions = 104;  // u32
constexpr uint32_t kTargetTokenizerBytes = 108;  // u32, 0 = the target side uses the "tokenizer" blob
constexpr uint32_t kHeadSize = 112;      // u32, 0 = d_model / heads
constexpr uint32_t kReservedFrom = 116;  // bytes 116..123 (and 102..103) must be 0
constexpr uint32_t kReservedTo = 124;
constexpr uint32_t kWhisperIdsBytes = 124;  // u32, 0 = no "whisper_ids" blob
constexpr uint32_t kSize = 128;
}  // namespace config

// Vocabulary block: u32 count, u32 string_bytes, u32 offsets[count + 1],
// u32 sorted_ids[count], then the token bytes (UTF-8, no terminators).
namespace vocab {
constexpr uint32_t kCount = 0;
constexpr uint32_t kStringBytes = 4;
constexpr uint32_t kOffsets = 8;
}  // namespace vocab

// Tensor table entry: 48 bytes.
namespace tensor {
constexpr uint32_t kId = 0;           // u32, see tensor_id.h
constexpr uint32_t kDType = 4;        // u8
constexpr uint32_t kLayout = 5;       // u8, kLayoutRowMajor or kLayoutPacked16x4
constexpr uint32_t kReserved16 = 6;   // u16 flags: kTensorShared, other bits 0
constexpr uint32_t kFlags = 6;
constexpr uint32_t kRows = 8;         // u32
constexpr uint32_t kCols = 12;        // u32 (1 for vectors)
constexpr uint32_t kDataOffset = 16;  // u64, absolute, 64-aligned
constexpr uint32_t kDataBytes = 24;   // u64
constexpr uint32_t kScaleOffset = 32; // u64, absolute, 64-aligned; int8 only, else 0
constexpr uint32_t kRowSumsOffset = 40;  // u64, absolute, 64-aligned; packed int8 only, else 0
constexpr uint32_t kSize = 48;
}  // namespace tensor

enum class DType : uint8_t { kFloat32 = 0, kInt8 = 1, kUInt8 = 2, kInt4 = 3 };

// Tensor flag: the entry's data (and scales, row sums) are those of an
// earlier entry with the same offsets, dtype, layout and shape: a matrix the
// model uses in two roles (tied embeddings and output projection) is stored once.
constexpr uint16_t kTensorShared = 1;

// Layout 0: row-major [rows x cols].
constexpr uint8_t kLayoutRowMajor = 0;

// Layout 1, int8 linear weights only (cols % 4 == 0): rows in blocks of 16
// (the last block may be narrower), and inside a block of width r the 4
// consecutive columns of each row side by side, row after row:
//   block b (rows 16b .. 16b + r), column group g, row o, column c:
//   byte 16b * cols + (g * r + o) * 4 + c
// A dot-product kernel then streams the matrix once, front to back: one
// 64-byte load is 16 rows x 4 columns, exactly what vpdpbusd (or 4 NEON sdot)
// consumes against 4 broadcast activation bytes, with no horizontal sums.
// Packed tensors carry int32 row sums (for VNNI's unsigned-offset correction).
constexpr uint8_t kLayoutPacked16x4 = 1;
constexpr uint32_t kPackRows = 16;
constexpr uint32_t kPackCols = 4;

// Layout 2, float32 linear weights only: the same blocks of 16 rows, one
// column per group: inside a block of width r, column after column, each
// column's r values side by side:
//   block b, column c, row o:  element 16b * cols + c * r + o
// One 64-byte line is 16 rows of one column: one broadcast multiply-add per
// input value, and again no horizontal sums.
constexpr uint8_t kLayoutPacked16x1 = 2;

// Layout 3, int4 linear weights only (dtype kInt4, cols % 32 == 0, cols <=
// kInt4MaxCols): group-wise quantization in groups of 32 columns, two levels
// of scale. w[r][c] = q4 * sub / scale: q4 a signed 4-bit value (two's
// complement nibble, the writer uses [-7, 7]), sub the u8 scale of the
// row's group of 32 columns, scale the row's float32 scale (the tensor's
// scale vector). Every product is an integer until the row's one division, so
// a kernel accumulates acc = sum_groups sub * sum_columns q4 * x exactly in
// int32 and finishes as int8 does (float(acc) / (x_scale * scale) + bias).
// The data holds the nibbles, then the group scales, both in blocks of 16
// rows (the row count rounded up to 16; padding rows are zero):
//   nibbles, block b, group g, chunk t (0..3), row o, pair p (0..3):
//     byte (b * cols / 32 + g) * 256 + t * 64 + o * 4 + p
//     low nibble: column 32g + 8t + p, high nibble: column 32g + 8t + 4 + p
//   group scales, after all the nibbles: byte (b * cols / 32 + g) * 16 + o
// One 64-byte chunk is 16 rows x 4 columns twice (low and high nibbles):
// layout 1's pattern, so the int8 kernels' shape carries over. The row sums
// (int32) are sum_g sub_g * sum_c q4[c], for kernels that shift activations
// to unsigned bytes.
constexpr uint8_t kLayoutInt4Groups = 3;
constexpr uint32_t kInt4Group = 32;
constexpr uint32_t kInt4GroupBytes = kPackRows * kInt4Group / 2;  // nibbles of one block's group
// |sum over one group of q4 * x| <= 32 * 8 * 127, times sub <= 255, times
// 256 groups stays below 2^31: exact int32 for every byte a file may hold.
constexpr uint32_t kInt4MaxCols = 8192;

// Rows of an int4 matrix as stored: rounded up to whole blocks of 16.
constexpr uint64_t int4_padded_rows(uint32_t rows) { return (rows + kPackRows - 1) / kPackRows * kPackRows; }
// Bytes of an int4 matrix's data: the nibbles, then the group scales.
constexpr uint64_t int4_nibble_bytes(uint32_t rows, uint32_t cols) { return int4_padded_rows(rows) * cols / 2; }
constexpr uint64_t int4_data_bytes(uint32_t rows, uint32_t cols) {
  return int4_nibble_bytes(rows, cols) + int4_padded_rows(rows) * cols / kInt4Group;
}
// The nibble byte of (row, col) (low nibble when col % 8 < 4), and the byte
// of its group scale within the group-scale part.
constexpr uint64_t int4_nibble_offset(uint32_t cols, uint32_t row, uint32_t col) {
  return ((static_cast<uint64_t>(row / kPackRows) * (cols / kInt4Group) + col / kInt4Group) * kInt4GroupBytes) +
         (col % kInt4Group) / 8 * 64 + (row % kPackRows) * 4 + col % 4;
}
constexpr uint64_t int4_group_scale_offset(uint32_t cols, uint32_t row, uint32_t col) {
  return (static_cast<uint64_t>(row / kPackRows) * (cols / kInt4Group) + col / kInt4Group) * kPackRows + row % kPackRows;
}

// The signed values of a nibble byte's low and high halves, and the byte of two values in [-8, 7].
constexpr int32_t int4_low(uint8_t byte) { return static_cast<int8_t>(static_cast<uint8_t>(byte << 4)) >> 4; }
constexpr int32_t int4_high(uint8_t byte) { return static_cast<int8_t>(byte) >> 4; }
constexpr uint8_t int4_byte(int32_t low, int32_t high) {
  return static_cast<uint8_t>((static_cast<uint32_t>(low) & 0xFu) | (static_cast<uint32_t>(high) & 0xFu) << 4);
}
static_assert(int4_low(int4_byte(-8, 7)) == -8 && int4_high(int4_byte(-8, 7)) == 7, "nibbles are two's complement");
static_assert(int4_low(int4_byte(5, -1)) == 5 && int4_high(int4_byte(5, -1)) == -1, "nibbles are two's complement");

// Element offset of (row, col) in a [rows x cols] matrix cut into blocks of
// 16 rows with `group` consecutive columns of a row side by side.
constexpr uint64_t blocked_offset(uint32_t rows, uint32_t cols, uint32_t row, uint32_t col, uint32_t group) {
  const uint32_t base = row - row % kPackRows;
  const uint32_t width = rows - base < kPackRows ? rows - base : kPackRows;
  return static_cast<uint64_t>(base) * cols +
         (static_cast<uint64_t>(col / group) * width + (row - base)) * group + col % group;
}

// The byte offset of element (row, col) of a [rows x cols] layout-1 matrix.
constexpr uint64_t packed_offset(uint32_t rows, uint32_t cols, uint32_t row, uint32_t col) {
  return blocked_offset(rows, cols, row, col, kPackCols);
}

// The element (float) offset of (row, col) of a [rows x cols] layout-2 matrix.
constexpr uint64_t packed_f32_offset(uint32_t rows, uint32_t cols, uint32_t row, uint32_t col) {
  return blocked_offset(rows, cols, row, col, 1);
}

// Little-endian loads from unaligned bytes: a model byte pointer is never
// cast to a wider type, so any alignment and any host byte order work.
inline uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

inline uint64_t load_u64(const uint8_t* p) {
  return static_cast<uint64_t>(load_u32(p)) | (static_cast<uint64_t>(load_u32(p + 4)) << 32);
}

inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

inline float load_f32(const uint8_t* p) {
  const uint32_t bits = load_u32(p);
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace format
}  // namespace xattn
