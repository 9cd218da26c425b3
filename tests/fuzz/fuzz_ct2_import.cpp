// Fuzz target: the CTranslate2 importer (host tool), from bytes to an xattn file.
//
// An input that starts with '{' or '[' is a JSON document: parsed, and then
// read as config.json (an object) or as a vocabulary list (an array) feeding a
// small synthetic model. Anything else is a model.bin: parsed; its source and
// target vocabularies are made up to fit its embedding tables (with <unk>
// appended, as for the shared models), so mutations reach the importer; an
// imported model is written (int8 or float32 weights, by the input's size)
// and the result must open in the runtime's reader: the converter must never
// write a file the runtime rejects. Errors are fine; crashes, UB, leaks and
// exceptions escaping the converter's "" / error-string API are not.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "ct2_config.h"
#include "ct2_import.h"
#include "fuzz_support.h"
#include "json.h"
#include "vocabulary.h"
#include "xattn/text.h"

using namespace xattn;
using namespace xattn::convert;

namespace {

// The written file must open, with its checksum, in the runtime.
void check_opens(const std::vector<uint8_t>& bytes) {
  fuzz::AlignedCopy copy(bytes.data(), bytes.size());
  static ModelView* const view = new ModelView;
  const Status s = open_model(copy.data(), copy.size(), view);
  if (!s) std::fprintf(stderr, "reader: %s\n", s.message());
  XATTN_FUZZ_ASSERT(s.is_ok(), "what the converter writes, the runtime reads");
}

uint32_t rows_of(const Ct2Model& m, const char* name) {
  const Ct2Variable* v = m.find_variable(name);
  if (v == nullptr) {
    for (const auto& alias : m.aliases)
      if (alias.first == name) v = m.find_variable(alias.second);
  }
  return v && !v->shape.empty() ? v->shape[0] : 0;
}

Vocabulary made_up_vocabulary(uint32_t rows) {
  if (rows > 4096) rows = 4096;
  std::vector<std::string> tokens = {"<blank>", "<s>", "</s>"};
  for (uint32_t i = 3; i < rows; ++i) tokens.push_back("t" + std::to_string(i));
  Vocabulary v;
  make_vocabulary(tokens, "<unk>", "fuzz", &v);
  return v;
}

void fuzz_model_bin(const uint8_t* data, size_t size) {
  Ct2Model model;
  if (!parse_ct2_model(data, size, &model).empty()) return;
  const Vocabulary source = made_up_vocabulary(rows_of(model, "encoder/embeddings/weight"));
  const Vocabulary target = made_up_vocabulary(rows_of(model, "decoder/embeddings/weight"));
  ImportResult imported;
  const WeightType weights = size % 2 ? WeightType::kInt8 : WeightType::kFloat32;
  if (!import_ct2_model(model, source, target, Ct2Options(), weights, &imported).empty()) return;
  std::vector<uint8_t> bytes;
  const std::string error = write_xattn_model(imported.model, &bytes);
  if (!error.empty()) return;  // e.g. a config beyond the format's limits: named, not written
  check_opens(bytes);
}

// A vocabulary list: make_vocabulary's rules, then a tiny model around it.
void fuzz_vocabulary(const JsonValue& root) {
  std::vector<std::string> tokens;
  for (const JsonValue& v : root.array) {
    if (v.kind != JsonValue::Kind::kString) return;
    tokens.push_back(v.string);
  }
  if (tokens.size() > 4096) return;
  Vocabulary vocab;
  if (!make_vocabulary(tokens, "<unk>", "fuzz", &vocab).empty()) return;
  if (vocab.tokens.size() < 3) return;
  for (TextMode mode : {TextMode::kSpaceSeparated, TextMode::kCharacters}) {
    XattnModelContents m = fuzz::synthetic_contents(false, mode);
    m.config.target_vocab_size = static_cast<uint32_t>(vocab.tokens.size());
    m.config.target_tokens = SpecialTokens{0, 1, 2, static_cast<uint32_t>(vocab.tokens.size() - 1)};
    m.target_vocab = vocab.tokens;
    m.tensors.clear();
    for (const ExpectedTensor& e : expected_tensors(m.config)) {
      HostTensor t;
      t.id = e.id;
      t.rows = e.rows;
      t.cols = e.cols;
      t.values.assign(size_t(e.rows) * e.cols, 0.25f);
      m.tensors.push_back(std::move(t));
    }
    std::vector<uint8_t> bytes;
    if (!write_xattn_model(m, &bytes).empty()) continue;
    check_opens(bytes);
  }
}

// A config.json: written to a private folder and read as the importer does.
void fuzz_config_json(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    char name[] = "/tmp/xattn-fuzz-ct2-XXXXXX";
    const char* made = mkdtemp(name);
    return std::string(made ? made : "/tmp");
  }();
  {
    std::ofstream file(dir + "/config.json", std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  Ct2Options options;
  read_ct2_options(dir, &options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 0 && (data[0] == '{' || data[0] == '[')) {
    JsonValue root;
    if (!parse_json(std::string(reinterpret_cast<const char*>(data), size), &root).empty()) return 0;
    if (root.kind == JsonValue::Kind::kArray) fuzz_vocabulary(root);
    if (root.kind == JsonValue::Kind::kObject) fuzz_config_json(data, size);
    return 0;
  }
  fuzz_model_bin(data, size);
  return 0;
}
