// The shared random Whisper (../shared/data/ct2-families/whisper) for tests:
// where it is, skipping when it is absent, its mel inputs, and the model
// converted in memory and opened (float32 or int8 weights).
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "aligned_bytes.h"
#include "ct2_import.h"
#include "json.h"
#include "test_support.h"
#include "xattn/model.h"
#include "xattn_writer.h"

namespace xattn {
namespace test {

inline std::string whisper_dir() {
  const char* env = std::getenv("XATTN_DATA_DIR");
  return std::string(env ? env : XATTN_DATA_DIR) + "/ct2-families/whisper";
}

inline bool have_whisper() {
  if (directory_exists(whisper_dir())) return true;
  const std::string note = "XATTN-SKIP: Whisper data absent at " + whisper_dir() + " (set XATTN_DATA_DIR or -DXATTN_DATA_DIR)";
  MESSAGE(note);
  return false;
}

// Little-endian float32 values of a whole file (empty when unreadable).
inline std::vector<float> read_f32_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> values(bytes.size() / 4);
  std::memcpy(values.data(), bytes.data(), values.size() * 4);
  return values;
}

inline std::string whisper_mel_path(size_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "/mel/mel-%03zu.f32", index);
  return whisper_dir() + name;
}

inline std::vector<float> whisper_mel(size_t index) { return read_f32_file(whisper_mel_path(index)); }

// What the data folder says about itself, so the tests hold for any random
// Whisper written the same way (other sizes, seeds, input counts): the mel
// shape (mel/shape.txt: "... shape [n_mels=N, frames=F] ..."), the number of
// inputs, and token ids by name from vocabulary.json.
struct WhisperData {
  uint32_t n_mels = 0, frames = 0, inputs = 0;
  std::vector<std::string> vocabulary;
  uint32_t token(const std::string& name) const {
    for (size_t i = 0; i < vocabulary.size(); ++i)
      if (vocabulary[i] == name) return static_cast<uint32_t>(i);
    FAIL("vocabulary.json has no " << name);
    return 0;
  }
  size_t mel_values() const { return size_t{n_mels} * frames; }
};

inline uint32_t number_after(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  REQUIRE_MESSAGE(at != std::string::npos, "mel/shape.txt has no " << key);
  return static_cast<uint32_t>(std::stoul(text.substr(at + key.size())));
}

inline WhisperData whisper_data() {
  WhisperData d;
  std::ifstream shape(whisper_dir() + "/mel/shape.txt");
  const std::string text((std::istreambuf_iterator<char>(shape)), std::istreambuf_iterator<char>());
  d.n_mels = number_after(text, "n_mels=");
  d.frames = number_after(text, "frames=");
  while (std::ifstream(whisper_mel_path(d.inputs)).good()) ++d.inputs;
  REQUIRE(d.inputs > 0);
  std::ifstream vocab(whisper_dir() + "/model-f32/vocabulary.json");
  const std::string json((std::istreambuf_iterator<char>(vocab)), std::istreambuf_iterator<char>());
  convert::JsonValue root;
  REQUIRE(convert::parse_json(json, &root).empty());
  for (const convert::JsonValue& v : root.array) d.vocabulary.push_back(v.string);
  REQUIRE(!d.vocabulary.empty());
  return d;
}

// config.json's list `key` (suppress_ids, suppress_ids_begin) as ids.
inline std::vector<uint32_t> whisper_config_ids(const std::string& key) {
  std::ifstream file(whisper_dir() + "/model-f32/config.json");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  convert::JsonValue root;
  REQUIRE(convert::parse_json(text, &root).empty());
  const convert::JsonValue* list = root.get(key);
  REQUIRE_MESSAGE(list != nullptr, "config.json has no " << key);
  std::vector<uint32_t> ids;
  for (const convert::JsonValue& v : list->array) ids.push_back(static_cast<uint32_t>(v.number));
  return ids;
}

// A converted model's bytes (64-byte aligned) and its open view.
struct OpenWhisper {
  std::unique_ptr<xattn_test::AlignedBytes> bytes;
  std::unique_ptr<ModelView> view{new ModelView};
};

inline void open_whisper(const char* model_dir, convert::WeightType weights, OpenWhisper* out) {
  convert::ImportResult imported;
  std::string error = convert::import_ct2_directory(whisper_dir() + "/" + model_dir, weights, &imported);
  REQUIRE_MESSAGE(error.empty(), error);
  std::vector<uint8_t> file;
  error = convert::write_xattn_model(imported.model, &file);
  REQUIRE_MESSAGE(error.empty(), error);
  out->bytes.reset(new xattn_test::AlignedBytes(file));
  const Status s = open_model(out->bytes->data(), out->bytes->size(), out->view.get());
  REQUIRE_MESSAGE(s.is_ok(), s.message());
}

}  // namespace test
}  // namespace xattn
