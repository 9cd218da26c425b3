#include "spm_model.h"

#include <fstream>
#include <sstream>

#include "file_safety.h"
#include "protobuf_reader.h"

namespace xattn {
namespace convert {
namespace {

// ModelProto field numbers (sentencepiece_model.proto).
constexpr uint32_t kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3;
constexpr uint32_t kPieceText = 1, kPieceScore = 2, kPieceType = 3;
constexpr uint32_t kTrainerModelType = 3, kTrainerTreatWhitespaceAsSuffix = 24, kTrainerByteFallback = 35;
constexpr uint32_t kNormalizerCharsmap = 2, kNormalizerAddDummyPrefix = 3,
                   kNormalizerRemoveExtraWhitespaces = 4, kNormalizerEscapeWhitespaces = 5;

std::string parse_piece(const ProtoField& f, TokenizerPiece* piece) {
  ProtoReader r(f.data, f.size);
  ProtoField g;
  piece->type = 1;  // NORMAL is the default
  while (r.next(&g)) {
    if (g.number == kPieceText && g.type == WireType::kBytes) {
      piece->text.assign(reinterpret_cast<const char*>(g.data), g.size);
    } else if (g.number == kPieceScore && g.type == WireType::kFixed32) {
      piece->score = proto_float(g);
    } else if (g.number == kPieceType && g.type == WireType::kVarint) {
      if (g.value < 1 || g.value > 6) return "piece type " + std::to_string(g.value) + " unknown";
      piece->type = static_cast<uint8_t>(g.value);
    }
  }
  return r.error();
}

}  // namespace

std::string parse_sentencepiece_model(const std::string& bytes, TokenizerSpec* spec) {
  *spec = TokenizerSpec{};
  ProtoReader r(bytes.data(), bytes.size());
  ProtoField f;
  uint64_t model_type = 1;  // UNIGRAM is the default
  bool byte_fallback = false, suffix = false;
  bool add_dummy_prefix = true, remove_extra = true, escape = true;
  while (r.next(&f)) {
    if (f.number == kPieces && f.type == WireType::kBytes) {
      TokenizerPiece piece;
      const std::string error = parse_piece(f, &piece);
      if (!error.empty()) return "piece " + std::to_string(spec->pieces.size()) + ": " + error;
      spec->pieces.push_back(piece);
    } else if (f.number == kTrainerSpec && f.type == WireType::kBytes) {
      ProtoReader t(f.data, f.size);
      ProtoField g;
      while (t.next(&g)) {
        if (g.type != WireType::kVarint) continue;
        if (g.number == kTrainerModelType) model_type = g.value;
        if (g.number == kTrainerByteFallback) byte_fallback = g.value != 0;
        if (g.number == kTrainerTreatWhitespaceAsSuffix) suffix = g.value != 0;
      }
      if (!t.error().empty()) return "trainer_spec: " + t.error();
    } else if (f.number == kNormalizerSpec && f.type == WireType::kBytes) {
      ProtoReader n(f.data, f.size);
      ProtoField g;
      while (n.next(&g)) {
        if (g.number == kNormalizerCharsmap && g.type == WireType::kBytes) {
          spec->charsmap.assign(reinterpret_cast<const char*>(g.data), g.size);
        } else if (g.type == WireType::kVarint) {
          if (g.number == kNormalizerAddDummyPrefix) add_dummy_prefix = g.value != 0;
          if (g.number == kNormalizerRemoveExtraWhitespaces) remove_extra = g.value != 0;
          if (g.number == kNormalizerEscapeWhitespaces) escape = g.value != 0;
        }
      }
      if (!n.error().empty()) return "normalizer_spec: " + n.error();
    }
  }
  if (!r.error().empty()) return r.error();
  if (spec->pieces.empty()) return "not a SentencePiece model (no pieces)";
  if (model_type != 1 && model_type != 2) {
    return "SentencePiece model type " + std::to_string(model_type) + " (word/char) is not supported";
  }
  if (suffix) return "treat_whitespace_as_suffix models are not supported";
  spec->model = static_cast<uint8_t>(model_type);
  spec->flags = static_cast<uint8_t>((add_dummy_prefix ? 1 : 0) | (remove_extra ? 2 : 0) | (escape ? 4 : 0) |
                                     (byte_fallback ? 8 : 0));
  return "";
}

std::string read_sentencepiece_model(const std::string& path, TokenizerSpec* spec) {
  const std::string refused = refuse_unreadable(path);
  if (!refused.empty()) return refused;
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + path;
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string error = parse_sentencepiece_model(bytes.str(), spec);
  return error.empty() ? "" : path + ": " + error;
}

}  // namespace convert
}  // namespace xattn
