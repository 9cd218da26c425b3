/* The family firmware: models of the CTranslate2 families (a T5, a BART and
 * an mBART-50 by default, see family_rows.h) in flash, each run through the C API on the
 * first inputs of its shared inputs file, greedy and beam 4, in one static
 * session buffer. Prints each output in the line format `.ci/baremetal.sh`
 * diffs against the host's `xattn translate`, and exits 0 only when every
 * output equals the host's (compiled in at build time), 1 otherwise. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "family_rows.h"
#include "xattn/xattn.h"

#ifndef XATTN_BOARD
#define XATTN_BOARD "unknown board"
#endif

enum { kMaxIds = 128 };

static xattn_model_storage model_storage;

/* Runs one row in `session`; writes the best hypothesis's tokens to `out`. */
static xattn_status run_row(xattn_session* session, const xattn_model* model, const xattn_family* family,
                            const xattn_family_row* row, char* out, size_t capacity) {
  uint32_t source[kMaxIds], prefix[kMaxIds];
  size_t count = 0, prefix_count = 0;
  xattn_generate_options options = xattn_default_options();
  xattn_hypothesis best;
  xattn_status s = xattn_tokenize(model, XATTN_SOURCE, row->input, strlen(row->input), source, kMaxIds, &count);
  /* The target-language token (mBART, M2M100), strict as the host's --prefix. */
  if (s == XATTN_OK && row->prefix[0] != '\0')
    s = xattn_tokenize_known(model, XATTN_TARGET, row->prefix, strlen(row->prefix), prefix, kMaxIds, &prefix_count);
  options.beam_size = row->beam;
  options.max_length = family->max_target;
  options.prefix.ids = prefix;
  options.prefix.length = (uint32_t)prefix_count;
  if (s == XATTN_OK) s = xattn_encode(session, source, count);
  if (s == XATTN_OK) s = xattn_generate(session, &options);
  if (s == XATTN_OK) s = xattn_get_hypothesis(session, 0, &best);
  if (s != XATTN_OK) return s;
  if (xattn_detokenize(model, XATTN_TARGET, best.tokens, best.length, out, capacity) >= capacity)
    return XATTN_LIMIT_EXCEEDED;
  return XATTN_OK;
}

/* Runs every row of one family; returns the number of failed rows. */
static int run_family(const xattn_family* family, uint64_t* cycles) {
  xattn_model* model = NULL;
  xattn_session* session = NULL;
  xattn_error error;
  xattn_limits limits = xattn_default_limits();
  size_t i;
  int failures = 0;
  limits.max_source_length = family->max_source;
  limits.max_target_length = family->max_target;
  limits.max_beam = family->max_beam;
  limits.alignment = 0;
  limits.kv_cache = XATTN_KV_F32;
  limits.self_kv_cache = XATTN_KV_F32;
  printf("# %s: model %u bytes at %p, session %u of %u buffer bytes\n", family->name,
         (unsigned)family->model_bytes, (const void*)family->model, (unsigned)family->session_bytes,
         (unsigned)xattn_family_session_buffer_bytes);
  if (xattn_model_open(family->model, family->model_bytes, &model_storage, &model, &error) != XATTN_OK ||
      xattn_session_create(model, &limits, xattn_family_session_buffer, xattn_family_session_buffer_bytes, &session,
                           &error) != XATTN_OK) {
    printf("FAIL: %s: %s\n", family->name, error.message);
    return 1;
  }
  for (i = 0; i < family->row_count; ++i) {
    const xattn_family_row* row = &family->rows[i];
    char text[1024];
    const uint64_t start = clock_cycles();
    const xattn_status s = run_row(session, model, family, row, text, sizeof text);
    const uint64_t spent = clock_cycles() - start;
    int same;
    *cycles += spent;
    if (s != XATTN_OK) {
      printf("FAIL: %s line %u beam %u: %s: %s\n", family->name, (unsigned)row->line, (unsigned)row->beam,
             xattn_status_name(s), xattn_session_message(session));
      ++failures;
      continue;
    }
    same = strcmp(text, row->expected) == 0;
    /* The line format .ci/baremetal.sh rebuilds from the host's outputs. */
    printf("%s/beam%u\t%u\t%s\n", family->name, (unsigned)row->beam, (unsigned)row->line, text);
    printf("#   [%s] %" PRIu64 " cycles%s\n", same ? "ok" : "FAIL", spent, same ? "" : ", not the host's output");
    failures += !same;
  }
  return failures;
}

int main(void) {
  uint64_t cycles = 0;
  size_t i, rows = 0;
  int failures = 0;
  clock_start();
  printf("xattn family firmware on %s: %u families\n", XATTN_BOARD, (unsigned)xattn_family_count);
  for (i = 0; i < xattn_family_count; ++i) {
    failures += run_family(xattn_families[i], &cycles);
    rows += xattn_families[i]->row_count;
  }
  printf("%u rows, %d failed, %" PRIu64 " cycles in all (%s; emulated time under QEMU)\n", (unsigned)rows, failures,
         cycles, clock_source());
  printf(failures || rows == 0 ? "FAIL\n" : "PASS\n");
  return failures || rows == 0 ? 1 : 0;
}
