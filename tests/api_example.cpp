#include <cstdio>
#include <cstring>

#include "xattn/xattn.hpp"

alignas(64) static uint8_t model_bytes[8 << 20];  // or: a const array in flash
alignas(64) static uint8_t arena[4 << 20];        // or: arena_bytes(config, limits)

int main(int argc, char** argv) {  // api_example MODEL.xattn "آ ز ا"
  std::FILE* file = argc == 3 ? std::fopen(argv[1], "rb") : nullptr;
  if (!file) return 2;
  const size_t size = std::fread(model_bytes, 1, sizeof model_bytes, file);
  std::fclose(file);
  xattn::ModelView model;
  xattn::Session session;
  xattn::Limits limits;  // 64 source tokens, 64 decoding steps, beam up to 4
  xattn::GenerateOptions options;
  options.beam_size = 4;
  xattn::Result result;
  uint32_t ids[64];
  size_t count = 0;
  xattn::Status s = xattn::open_model(model_bytes, size, &model);
  if (s) s = session.init(model, limits, arena, sizeof arena);
  if (s) s = xattn::tokenize(model, xattn::Side::kSource, argv[2], std::strlen(argv[2]), ids, 64, &count);
  if (s) s = session.encode(ids, count);
  if (s) s = session.generate(options, &result);
  if (!s) return std::fprintf(stderr, "error: %s\n", s.message()), 1;
  const xattn::Hypothesis& best = result.hypotheses[0];
  char text[256];
  xattn::detokenize(model, xattn::Side::kTarget, best.tokens, best.length, text, sizeof text);
  std::printf("%s\t%.4f\n", text, best.score);
}
