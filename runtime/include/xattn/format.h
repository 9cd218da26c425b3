// The xattn model file layout, as constants: the one place the reader (in the
// runtime) and the writer (in the converter) take byte offsets from.
// models/FORMAT.md describes the same layout in prose; keep the two together.
#pragma once

#include <cstdint>

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
constexpr uint32_t kReservedFrom = 81;   // bytes 81..127 must be 0
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
constexpr uint32_t kLayout = 5;       // u8, 0 = row-major [rows x cols]
constexpr uint32_t kReserved16 = 6;   // u16, must be 0
constexpr uint32_t kRows = 8;         // u32
constexpr uint32_t kCols = 12;        // u32 (1 for vectors)
constexpr uint32_t kDataOffset = 16;  // u64, absolute, 64-aligned
constexpr uint32_t kDataBytes = 24;   // u64
constexpr uint32_t kScaleOffset = 32; // u64, absolute, 64-aligned; int8 only, else 0
constexpr uint32_t kReserved64 = 40;  // u64, must be 0
constexpr uint32_t kSize = 48;
}  // namespace tensor

enum class DType : uint8_t { kFloat32 = 0, kInt8 = 1 };
constexpr uint8_t kLayoutRowMajor = 0;

}  // namespace format
}  // namespace xattn
