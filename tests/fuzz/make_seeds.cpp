// xattn_fuzz_seeds OUTDIR: writes the seed corpora of the fuzz targets.
//
//   OUTDIR/model_reader/  synthetic xattn files (float32 and int8, token and
//                         character text, 1 and 2 layers; 8 to 19 KB each, so
//                         the reader runs thousands of inputs a second), and
//                         the test Whisper (synth.h; 98 and 137 KB, the 64 KB filter bank the most of it)
//   OUTDIR/ct2_import/    synthetic model.bin of every binary version 1..6
//                         (and int16 ones in versions 1 and 2; 5 to 9 KB each),
//                         and config.json / vocabulary JSON documents
//   OUTDIR/session/       a few fixed pseudo-random inputs
//   OUTDIR/tokenizer/     a SentencePiece-style blob (mode byte 0) and texts (mode byte 1)
//   OUTDIR/spm_model/     a hand-written ModelProto (see tokenizer_seeds.h)
//
// Seeds are generated (at CI time) rather than committed: the converter that
// makes them is the code under test. None needs the shared models: the real
// ones (230 to 740 KB) slowed the targets four- to fivefold.
#include <sys/stat.h>

#include <fstream>
#include <random>
#include <string>

#include "ct2_model.h"
#include "fuzz_support.h"
#include "synth.h"
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
  // An audio model (the test Whisper: conv stem, mel filters, whisper_ids), f32 and int8.
  for (int int8 = 0; int8 < 2; ++int8) {
    convert::XattnModelContents whisper;
    std::vector<uint8_t> bytes;
    std::string error = convert::synth_test_whisper(int8 ? convert::WeightType::kInt8 : convert::WeightType::kFloat32, 1, &whisper);
    if (error.empty()) error = convert::write_xattn_model(whisper, &bytes);
    if (!error.empty()) {
      std::fprintf(stderr, "xattn_fuzz_seeds: the test Whisper: %s\n", error.c_str());
      ok = false;
      continue;
    }
    put(out + "/model_reader/whisper-" + (int8 ? "int8" : "f32") + ".xattn", bytes);
  }
  // ct2_import
  for (uint32_t version = 1; version <= convert::kCt2MaxBinaryVersion; ++version) {
    put(out + "/ct2_import/synthetic-v" + std::to_string(version) + ".bin", fuzz::synthetic_ct2_model(version));
  }
  for (uint32_t version = 1; version <= 2; ++version) {
    put(out + "/ct2_import/synthetic-v" + std::to_string(version) + "-int16.bin",
        fuzz::synthetic_ct2_model(version, 5, true));
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

  std::printf("xattn_fuzz_seeds: %d files in %s\n", files, out.c_str());
  return ok ? 0 : 1;
}
