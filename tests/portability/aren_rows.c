/* The portability rows (see aren_rows.h), in C so firmware shares them. */
#include "aren_rows.h"

#include <string.h>

#define ATZMON "\xd8\xa2 \xd8\xaa \xd8\xb2 \xd9\x85 \xd9\x88 \xd9\x86" /* آ ت ز م و ن */

const xattn_row xattn_aren_rows[] = {
    {ATZMON, 1, NULL, 0, 1, NULL, {NULL, NULL}, "a t z m o n", 0},
    {ATZMON, 4, NULL, 0, 1, NULL, {NULL, NULL}, "a t z m o n", 0},
    {"آ ز ا", 1, NULL, 0, 1, NULL, {NULL, NULL}, "a z z a", 0},
    {"آ ز ا", 4, NULL, 0, 1, NULL, {NULL, NULL}, "a z z a", 0},
    {ATZMON, 1, "a t s", 0, 1, NULL, {NULL, NULL}, "a t s u m o n", 0},
    {ATZMON, 2, "a t z o", 0, 1, NULL, {NULL, NULL}, "a t z o m o n", 0},
    {"أ و ل ي س س", 5, "u l i s e", 0, 1, NULL, {NULL, NULL}, "u l i s e s", 0},
    {ATZMON, 1, NULL, 3, 1, NULL, {NULL, NULL}, NULL, 3},
    {ATZMON, 1, NULL, 0, 8, NULL, {NULL, NULL}, NULL, 8},
    {ATZMON, 1, NULL, 0, 1, "m", {NULL, NULL}, "a t z", 0},
    {ATZMON, 1, NULL, 0, 1, NULL, {"o", "t z m"}, "a t z u m u n", 0},
    {"", 1, NULL, 0, 1, NULL, {NULL, NULL}, "", 0},
    {"", 4, NULL, 0, 1, NULL, {NULL, NULL}, "", 0},
    {"م ح م د", 1, NULL, 0, 1, NULL, {NULL, NULL}, NULL, 0},
    {"ع ل ي", 1, NULL, 0, 1, NULL, {NULL, NULL}, NULL, 0},
    {"ف ا ط م ة", 4, NULL, 0, 1, NULL, {NULL, NULL}, NULL, 0},
    {"ي و س ف", 1, NULL, 0, 1, NULL, {NULL, NULL}, NULL, 0},
    {"خ ا ل د", 4, NULL, 0, 1, NULL, {NULL, NULL}, NULL, 0},
    {"ب ر ل ي ن", 1, NULL, 0, 1, NULL, {NULL, NULL}, NULL, 0},
    {"ل ن د ن", 2, NULL, 0, 1, NULL, {NULL, NULL}, NULL, 0},
    {"ش ك س ب ي ر", 1, NULL, 0, 1, NULL, {NULL, NULL}, NULL, 0},
};
const size_t xattn_aren_row_count = sizeof xattn_aren_rows / sizeof xattn_aren_rows[0];

xattn_limits xattn_aren_row_limits(void) {
  /* From the defaults, so fields added later (threads, parallel) start valid. */
  xattn_limits l = xattn_default_limits();
  l.max_source_length = 16;
  l.max_target_length = 16;
  l.max_beam = 5;
  l.alignment = 0;
  l.kv_cache = XATTN_KV_F32;
  l.self_kv_cache = XATTN_KV_F32;
  return l;
}

static xattn_status target_ids(const xattn_model* model, const char* text, uint32_t* ids, size_t capacity,
                               xattn_token_span* span) {
  size_t count = 0;
  xattn_status s = xattn_tokenize_known(model, XATTN_TARGET, text, strlen(text), ids, capacity, &count);
  span->ids = ids;
  span->length = (uint32_t)count;
  return s;
}

xattn_status xattn_run_row(xattn_session* session, const xattn_model* model, const xattn_row* row,
                           char* out, size_t capacity, uint32_t* length) {
  uint32_t source[16], prefix[16], end[1], suppress_ids[2][8];
  xattn_token_span suppress[2];
  xattn_generate_options options = xattn_default_options();
  xattn_hypothesis best;
  size_t count = 0;
  uint32_t i;
  xattn_status s = xattn_tokenize(model, XATTN_SOURCE, row->input, strlen(row->input), source, 16, &count);
  options.beam_size = row->beam;
  options.max_length = row->max_length;
  options.min_length = row->min_length;
  if (s == XATTN_OK && row->prefix) s = target_ids(model, row->prefix, prefix, 16, &options.prefix);
  if (s == XATTN_OK && row->end_token) {
    xattn_token_span span;
    s = target_ids(model, row->end_token, end, 1, &span);
    options.end_token = end[0];
  }
  for (i = 0; i < 2 && s == XATTN_OK && row->suppress[i]; ++i) {
    s = target_ids(model, row->suppress[i], suppress_ids[i], 8, &suppress[i]);
    options.suppress = suppress;
    options.suppress_count = i + 1;
  }
  if (s == XATTN_OK) s = xattn_encode(session, source, count);
  if (s == XATTN_OK) s = xattn_generate(session, &options);
  if (s == XATTN_OK) s = xattn_get_hypothesis(session, 0, &best);
  if (s != XATTN_OK) return s;
  xattn_detokenize(model, XATTN_TARGET, best.tokens, best.length, out, capacity);
  *length = best.length;
  return XATTN_OK;
}

int xattn_row_known_ok(const xattn_row* row, const char* output, uint32_t length) {
  if (row->expected) return strcmp(row->expected, output) == 0;
  if (row->expected_length) return row->expected_length == length;
  return 1;
}
