// Shared helpers for the model-family tests (test_family_conformance.cpp,
// test_family_options.cpp): where ../shared/data/ct2-families is, skipping
// when it is absent, reading its line files, and converting a family's
// CTranslate2 directory to xattn bytes in memory (`xattn convert ct2`).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ct2_import.h"
#include "test_support.h"
#include "xattn_writer.h"

namespace xattn {
namespace test {

// The seven families of ct2-families (Whisper has its own tests).
constexpr const char* kFamilyNames[] = {"t5-v1_0", "t5-v1_1", "bart", "mbart-50", "mbart-cc25", "marian", "m2m100"};

inline std::string families_dir() {
  const char* env = std::getenv("XATTN_DATA_DIR");
  return std::string(env ? env : XATTN_DATA_DIR) + "/ct2-families";
}

// True when the family data is present; otherwise prints the marker ctest
// turns into "skipped".
inline bool have_families() {
  if (directory_exists(families_dir())) return true;
  const std::string note =
      "XATTN-SKIP: model-family data absent at " + families_dir() + " (set XATTN_DATA_DIR or -DXATTN_DATA_DIR)";
  MESSAGE(note);
  return false;
}

// The lines of a text file (none when it does not exist: target_prefix.txt
// exists only for the families that have prefixes).
inline std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// `family`'s `model` directory (model-f32 or model-i8) as xattn bytes.
inline std::vector<uint8_t> convert_family(const std::string& family, const std::string& model,
                                           convert::WeightType weights) {
  convert::ImportResult imported;
  std::string error = convert::import_ct2_directory(families_dir() + "/" + family + "/" + model, weights, &imported);
  REQUIRE_MESSAGE(error.empty(), error);
  std::vector<uint8_t> bytes;
  error = convert::write_xattn_model(imported.model, &bytes);
  REQUIRE_MESSAGE(error.empty(), error);
  return bytes;
}

// Tokens of `gold` (space-separated) that `out` repeats before the first
// difference; *gold_count gets the golden's token count.
inline size_t common_prefix_tokens(const std::string& out, const std::string& gold, size_t* gold_count) {
  std::istringstream a(out), b(gold);
  std::string x, y;
  size_t common = 0, count = 0;
  bool same = true;
  while (b >> y) {
    ++count;
    same = same && (a >> x) && x == y;
    common += same;
  }
  *gold_count = count;
  return common;
}

}  // namespace test
}  // namespace xattn
