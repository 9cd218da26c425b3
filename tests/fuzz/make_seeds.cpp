// xattn_fuzz_seeds OUTDIR: writes the seed corpora of the fuzz targets.
//
//   OUTDIR/model_reader/  synthetic xattn files (float32 and int8, token and
//                         character text, 1 and 2 layers) and, when the shared
//                         models are present, the aren int8 model converted
//   OUTDIR/ct2_import/    synthetic model.bin of every binary version 1..6, the
//                         shared model.bin files, and config.json / vocabulary
//                         JSON documents
//   OUTDIR/session/       a few fixed pseudo-random inputs
//   OUTDIR/tokenizer/     a SentencePiece-style blob (mode byte 0) and texts (mode byte 1)
//   OUTDIR/spm_model/     a hand-written ModelProto (see tokenizer_seeds.h)
//
// Seeds are generated (at CI time) rather than committed: the real ones are
// hundreds of KB, and the converter that makes them is the code under test.
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "ct2_import.h"
#include "fuzz_support.h"
#include "tokenizer_seeds.h"

using namespace xattn;

namespace {

bool write(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(file);
}

bool write_text(const std::string& path, const std::string& text) {
  return write(path, std::vector<uint8_t>(text.begin(), text.end()));
}

std::vector<uint8_t> read(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: xattn_fuzz_seeds OUTDIR\n");
    return 2;
  }
  const std::string out = argv[1];
  for (const char* sub : {"", "/model_reader", "/ct2_import", "/session", "/tokenizer", "/spm_model"}) mkdir((out + sub).c_str(), 0755);
  bool ok = true;
  int files = 0;
  auto put = [&](const std::string& path, const std::vector<uint8_t>& bytes) {
    ok = write(path, bytes) && ok;
    ++files;
  };

  // model_reader
  for (int int8 = 0; int8 < 2; ++int8) {
    for (int chars = 0; chars < 2; ++chars) {
      for (uint32_t layers = 1; layers <= 2; ++layers) {
        const std::string name = std::string(int8 ? "int8" : "f32") + (chars ? "-chars" : "-tokens") + "-" +
                                 std::to_string(layers) + "layer.xattn";
        put(out + "/model_reader/" + name,
            fuzz::synthetic_model(int8, chars ? TextMode::kCharacters : TextMode::kSpaceSeparated, layers, layers));
      }
    }
  }
  const std::string dir = fuzz::data_dir();
  const char* variants[] = {"v1-aren-transliteration", "v1-aren-transliteration-i16", "v2-aren-transliteration",
                            "v2-aren-transliteration-i16", "v2-aren-transliteration-i8"};
  bool shared = false;
  for (const char* variant : {"v2-aren-transliteration", "v2-aren-transliteration-i8"}) {
    for (convert::WeightType w : {convert::WeightType::kFloat32, convert::WeightType::kInt8}) {
      // int8 from the int8 file (CTranslate2's scales kept); the 740 KB float32
      // conversion would slow the reader target ~3x (float32 paths have the synthetic seeds)
      if (w != convert::WeightType::kInt8 || std::string(variant).find("-i8") == std::string::npos) continue;
      convert::ImportResult imported;
      std::vector<uint8_t> bytes;
      if (!convert::import_ct2_directory(dir + "/" + variant, w, &imported).empty()) continue;
      if (!convert::write_xattn_model(imported.model, &bytes).empty()) continue;
      shared = true;
      put(out + "/model_reader/aren-" + variant + (w == convert::WeightType::kInt8 ? "-int8" : "-f32") + ".xattn",
          bytes);
    }
  }

  // ct2_import
  for (uint32_t version = 1; version <= convert::kCt2MaxBinaryVersion; ++version) {
    put(out + "/ct2_import/synthetic-v" + std::to_string(version) + ".bin", fuzz::synthetic_ct2_model(version));
  }
  for (const char* variant : variants) {
    const std::vector<uint8_t> bytes = read(dir + "/" + variant + "/model.bin");
    if (!bytes.empty()) put(out + "/ct2_import/" + variant + ".bin", bytes);
  }
  const char* json[] = {
      ("{\"unk_token\": \"<unk>\", \"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"decoder_start_token\": \"</s>\","
       " \"layer_norm_epsilon\": 1e-06, \"add_source_bos\": false}"),
      "{\"unk_token\": null, \"bos_token\": 3, \"nested\": {\"a\": [1, 2.5e3, true, false, null, \"\\u00e9\\n\"]}}",
      "[\"<blank>\", \"<s>\", \"</s>\", \"a\", \"b\", \"\\u0622\", \"ab\", \"<unk>\"]",
      "[\"<blank>\", \"<s>\", \"</s>\", \"a b\", \"\\t\", \"x\\ny\"]",
  };
  for (size_t i = 0; i < sizeof json / sizeof json[0]; ++i) {
    ok = write_text(out + "/ct2_import/json-" + std::to_string(i) + ".json", json[i]) && ok;
    ++files;
  }

  // session
  std::mt19937 rng(20240601);
  for (int i = 0; i < 24; ++i) {
    std::vector<uint8_t> bytes(16 + static_cast<size_t>(i) * 6);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    put(out + "/session/seed-" + std::to_string(i), bytes);
  }

  files += write_tokenizer_seeds(out, &ok);

  std::printf("xattn_fuzz_seeds: %d files in %s (%s)\n", files, out.c_str(),
              shared ? "with the shared models" : "synthetic only: shared models absent");
  return ok ? 0 : 1;
}
