/* consumer_c MODEL.xattn "آ ز ا": the C API from an installed xattn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xattn/xattn.h"

static uint8_t model_bytes[1 << 20] __attribute__((aligned(64)));
static uint8_t buffer[4 << 20] __attribute__((aligned(64)));
static xattn_model_storage storage;

int main(int argc, char** argv) {
  FILE* file = argc == 3 ? fopen(argv[1], "rb") : NULL;
  xattn_model* model = NULL;
  xattn_session* session = NULL;
  xattn_limits limits = xattn_default_limits();
  xattn_generate_options options = xattn_default_options();
  xattn_error error = {{0}};
  xattn_hypothesis best;
  uint32_t ids[64];
  size_t count = 0, size;
  char text[256];
  xattn_status s;
  if (!file) return 2;
  size = fread(model_bytes, 1, sizeof model_bytes, file);
  fclose(file);
  s = xattn_model_open(model_bytes, size, &storage, &model, &error);
  if (s == XATTN_OK) s = xattn_session_create(model, &limits, buffer, sizeof buffer, &session, &error);
  if (s == XATTN_OK) s = xattn_tokenize(model, XATTN_SOURCE, argv[2], strlen(argv[2]), ids, 64, &count);
  if (s == XATTN_OK) s = xattn_encode(session, ids, count);
  if (s == XATTN_OK) s = xattn_generate(session, &options);
  if (s == XATTN_OK) s = xattn_get_hypothesis(session, 0, &best);
  if (s != XATTN_OK) {
    fprintf(stderr, "error: %s: %s\n", xattn_status_name(s), session ? xattn_session_message(session) : error.message);
    return 1;
  }
  xattn_detokenize(model, XATTN_TARGET, best.tokens, best.length, text, sizeof text);
  printf("%s\n", text);
  return 0;
}
