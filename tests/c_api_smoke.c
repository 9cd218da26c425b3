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

/* Out-of-range enum values, as only a C caller can pass them (in C++ the
 * conversion itself would be undefined): test_c_api.cpp checks the results. */
uint32_t xattn_c_vocab_size_of(const xattn_model* model, int side);
int xattn_c_tokenize_on(const xattn_model* model, int side);
size_t xattn_c_detokenize_on(const xattn_model* model, int side, uint32_t id, char* out, size_t capacity);
size_t xattn_c_buffer_bytes_with(const xattn_model* model, int kv_cache, int self_kv_cache);
int xattn_c_session_create_with(const xattn_model* model, int kv_cache, int self_kv_cache, void* buffer, size_t size);

uint32_t xattn_c_vocab_size_of(const xattn_model* model, int side) {
  return xattn_model_vocab_size(model, (xattn_side)side);
}

int xattn_c_tokenize_on(const xattn_model* model, int side) {
  uint32_t ids[8];
  size_t count = 0;
  return (int)xattn_tokenize(model, (xattn_side)side, "1", 1, ids, 8, &count);
}

size_t xattn_c_detokenize_on(const xattn_model* model, int side, uint32_t id, char* out, size_t capacity) {
  return xattn_detokenize(model, (xattn_side)side, &id, 1, out, capacity);
}

size_t xattn_c_buffer_bytes_with(const xattn_model* model, int kv_cache, int self_kv_cache) {
  xattn_limits limits = xattn_default_limits();
  limits.max_beam = 1;
  limits.kv_cache = (xattn_kv_precision)kv_cache;
  limits.self_kv_cache = (xattn_kv_precision)self_kv_cache;
  return xattn_session_buffer_bytes(model, &limits);
}

int xattn_c_session_create_with(const xattn_model* model, int kv_cache, int self_kv_cache, void* buffer,
                                size_t size) {
  xattn_limits limits = xattn_default_limits();
  xattn_session* session = NULL;
  limits.max_beam = 1;
  limits.kv_cache = (xattn_kv_precision)kv_cache;
  limits.self_kv_cache = (xattn_kv_precision)self_kv_cache;
  return (int)xattn_session_create(model, &limits, buffer, size, &session, NULL);
}
