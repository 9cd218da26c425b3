/* The C API from a C translation unit (the header must stay valid C):
 * transliterates `input` greedily and writes the output text. Called by
 * test_c_api.cpp. Returns 0 or the failing xattn_status. */
#include <string.h>

#include "xattn/xattn.h"

int xattn_c_smoke(const void* bytes, size_t size, void* buffer, size_t buffer_size, const char* input,
                  char* out, size_t capacity);

int xattn_c_smoke(const void* bytes, size_t size, void* buffer, size_t buffer_size, const char* input,
                  char* out, size_t capacity) {
  static xattn_model_storage storage;
  xattn_model* model = NULL;
  xattn_session* session = NULL;
  xattn_limits limits = xattn_default_limits();
  xattn_generate_options options = xattn_default_options();
  xattn_hypothesis best;
  uint32_t ids[64];
  size_t count = 0;
  xattn_status s = xattn_model_open(bytes, size, &storage, &model, NULL);
  if (s == XATTN_OK) s = xattn_session_create(model, &limits, buffer, buffer_size, &session, NULL);
  if (s == XATTN_OK) s = xattn_tokenize(model, XATTN_SOURCE, input, strlen(input), ids, 64, &count);
  if (s == XATTN_OK) s = xattn_encode(session, ids, count);
  if (s == XATTN_OK) s = xattn_generate(session, &options);
  if (s == XATTN_OK) s = xattn_get_hypothesis(session, 0, &best);
  if (s == XATTN_OK) xattn_detokenize(model, XATTN_TARGET, best.tokens, best.length, out, capacity);
  return (int)s;
}
