// Shared helpers for the test suite: where the shared CTranslate2 models are,
// and loading one of them (converted in memory) into a Translator.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <sys/stat.h>

#include "ct2_import.h"
#include "translator.h"

namespace xattn {
namespace test {

inline std::string data_dir() {
  const char* env = std::getenv("XATTN_DATA_DIR");
  return std::string(env ? env : XATTN_DATA_DIR) + "/ct2-aren-transliteration";
}

inline bool directory_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// True when the shared models are present; otherwise prints the marker ctest
// turns into "skipped" (never a silent pass).
inline bool have_shared_models() {
  if (directory_exists(data_dir())) return true;
  const std::string note = "XATTN-SKIP: shared test models absent at " + data_dir() +
                           " (set XATTN_DATA_DIR or -DXATTN_DATA_DIR)";
  MESSAGE(note);
  return false;
}

// The five CTranslate2 variants of the aren model.
inline const char* const* variant_names() {
  static const char* const names[] = {"v1-aren-transliteration", "v1-aren-transliteration-i16",
                                      "v2-aren-transliteration", "v2-aren-transliteration-i16",
                                      "v2-aren-transliteration-i8", nullptr};
  return names;
}

inline std::vector<uint8_t> convert_variant(const std::string& variant, convert::WeightType weights,
                                            bool pack_weights = true) {
  convert::ImportResult imported;
  std::string error = convert::import_ct2_directory(data_dir() + "/" + variant, weights, &imported);
  REQUIRE_MESSAGE(error.empty(), error);
  imported.model.pack_weights = pack_weights;
  std::vector<uint8_t> bytes;
  error = convert::write_xattn_model(imported.model, &bytes);
  REQUIRE_MESSAGE(error.empty(), error);
  return bytes;
}

inline std::unique_ptr<posix::Translator> load_variant(const std::string& variant, convert::WeightType weights,
                                                       Limits limits,
                                                       const kernels::KernelTable* table = nullptr) {
  auto t = std::make_unique<posix::Translator>();
  const std::string error = t->open_bytes(convert_variant(variant, weights));
  REQUIRE_MESSAGE(error.empty(), error);
  const std::string started = t->start(limits, table);
  REQUIRE_MESSAGE(started.empty(), started);
  return t;
}

inline Limits small_limits(uint32_t beam = 5) {
  Limits l;
  l.max_source_length = 32;
  l.max_target_length = 32;
  l.max_beam = beam;
  l.alignment = true;
  return l;
}

}  // namespace test
}  // namespace xattn
