// Seeds for fuzz_tokenizer and fuzz_spm_model: a small ModelProto written
// field by field (unigram, identity normalizer, byte fallback, a control
// and a user-defined symbol), the blob the converter builds from it, and
// a few texts. Used by make_seeds.cpp; host code.
#pragma once

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "spm_model.h"
#include "tokenizer_blob_writer.h"

namespace {

void proto_varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void proto_bytes(std::string* out, uint32_t field, const std::string& bytes) {
  proto_varint(out, (uint64_t{field} << 3) | 2);
  proto_varint(out, bytes.size());
  *out += bytes;
}

std::string proto_piece(const std::string& text, float score, int type) {
  std::string piece;
  proto_bytes(&piece, 1, text);
  piece.push_back(0x15);  // field 2, fixed32
  uint32_t bits;
  std::memcpy(&bits, &score, 4);
  for (int i = 0; i < 4; ++i) piece.push_back(static_cast<char>(bits >> (8 * i)));
  if (type != 1) {
    proto_varint(&piece, 3 << 3);
    proto_varint(&piece, static_cast<uint64_t>(type));
  }
  return piece;
}

std::string seed_model_proto() {
  std::string model;
  proto_bytes(&model, 1, proto_piece("<unk>", 0, 2));
  proto_bytes(&model, 1, proto_piece("<s>", 0, 3));
  proto_bytes(&model, 1, proto_piece("<sep>", 0, 4));
  const char* normal[] = {"\xe2\x96\x81", "a", "b", "ab", ("\xe2\x96\x81" "ab"), "\xc3\xa9", "\xe4\xbd\xa0"};
  float score = -1.0f;
  for (const char* text : normal) proto_bytes(&model, 1, proto_piece(text, score -= 0.5f, 1));
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    proto_bytes(&model, 1, proto_piece(name, 0, 6));
  }
  std::string trainer;  // model_type UNIGRAM, byte_fallback
  proto_varint(&trainer, 3 << 3);
  proto_varint(&trainer, 1);
  proto_varint(&trainer, 35 << 3);
  proto_varint(&trainer, 1);
  proto_bytes(&model, 2, trainer);
  std::string normalizer;
  proto_bytes(&normalizer, 1, "identity");
  proto_bytes(&model, 3, normalizer);
  return model;
}

int write_tokenizer_seeds(const std::string& out, bool* ok) {
  int files = 0;
  auto put = [&](const std::string& path, const std::string& bytes) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    *ok = static_cast<bool>(file) && *ok;
    ++files;
  };
  const std::string proto = seed_model_proto();
  put(out + "/spm_model/unigram.model", proto);
  xattn::convert::TokenizerSpec spec;
  std::vector<uint8_t> blob;
  if (xattn::convert::parse_sentencepiece_model(proto, &spec).empty() &&
      xattn::convert::build_tokenizer_blob(spec, &blob).empty()) {
    put(out + "/tokenizer/blob-unigram", std::string(1, '\0') + std::string(blob.begin(), blob.end()));
  } else {
    *ok = false;
  }
  const char* texts[] = {"ab ab  a\tb", "\xc3\xa9\xe4\xbd\xa0 <sep> x", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                         "\xf0\x9f\x98\x80\xe2\x80\x8d \xef\xbf\xbd\xc3"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; ++i) {
    put(out + "/tokenizer/text-" + std::to_string(i), std::string(1, '\1') + texts[i]);
  }
  return files;
}

}  // namespace
