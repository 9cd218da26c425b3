// The shared random Whisper (../shared/data/ct2-families/whisper) for tests:
// where it is, skipping when it is absent, its mel inputs, and the model
// converted in memory and opened (float32 or int8 weights).
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "aligned_bytes.h"
#include "ct2_import.h"
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

constexpr uint32_t kWhisperMels = 80, kWhisperFrames = 200, kWhisperInputs = 20;

inline std::vector<float> whisper_mel(size_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "/mel/mel-%03zu.f32", index);
  return read_f32_file(whisper_dir() + name);
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
