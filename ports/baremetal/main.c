/* The xattn example firmware: the shared aren model (int8) linked into flash
 * as a const array, one session in a static buffer sized at build time by the
 * planner (`xattn convert embed`), the README's known inputs and more names
 * transliterated, outputs and cycle counts printed over semihosting. Exits 0
 * when every output equals the known output and the host's golden output
 * (tests/golden/aren.txt), 1 otherwise. Written in C against xattn/xattn.h;
 * no heap, no exceptions, no RTTI. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aren_model.h"
#include "aren_rows.h"
#include "clock.h"
#include "golden_int8.h"
#include "xattn/xattn.h"

#ifndef XATTN_BOARD
#define XATTN_BOARD "unknown board"
#endif

static xattn_model_storage model_storage;
static uint8_t session_buffer[AREN_MODEL_SESSION_BYTES] __attribute__((aligned(64)));

int main(void) {
  xattn_model* model = NULL;
  xattn_session* session = NULL;
  xattn_error error;
  const xattn_limits limits = xattn_aren_row_limits();
  uint64_t total = 0;
  size_t i;
  int failures = 0;

  clock_start();
  printf("xattn firmware on %s: model %u bytes in flash, session buffer %u bytes\n", XATTN_BOARD,
         (unsigned)AREN_MODEL_BYTES, (unsigned)sizeof session_buffer);
  if (xattn_model_open(aren_model, AREN_MODEL_BYTES, &model_storage, &model, &error) != XATTN_OK ||
      xattn_session_create(model, &limits, session_buffer, sizeof session_buffer, &session, &error) != XATTN_OK) {
    printf("FAIL: %s\n", error.message);
    return 1;
  }
  printf("kernels: %s; limits: source %u, target %u, beam %u\n", xattn_session_kernel_name(session),
         (unsigned)limits.max_source_length, (unsigned)limits.max_target_length, (unsigned)limits.max_beam);
  if (xattn_aren_row_count != XATTN_GOLDEN_COUNT) {
    printf("FAIL: %u rows but %u golden outputs\n", (unsigned)xattn_aren_row_count, (unsigned)XATTN_GOLDEN_COUNT);
    return 1;
  }
  for (i = 0; i < xattn_aren_row_count; ++i) {
    const xattn_row* row = &xattn_aren_rows[i];
    char text[128];
    uint32_t length = 0;
    const uint64_t start = clock_cycles();
    const xattn_status s = xattn_run_row(session, model, row, text, sizeof text, &length);
    const uint64_t cycles = clock_cycles() - start;
    int known, golden;
    total += cycles;
    if (s != XATTN_OK) {
      printf("FAIL: row %u: %s: %s\n", (unsigned)i, xattn_status_name(s), xattn_session_message(session));
      ++failures;
      continue;
    }
    known = xattn_row_known_ok(row, text, length);
    golden = strcmp(text, xattn_golden[i]) == 0;
    /* The same line format as tests/golden/aren.txt, so CI can diff it. */
    printf("v2-aren-transliteration-i8/int8\t%u\t%s\n", (unsigned)i, text);
    printf("#   [%s] \"%s\" beam %u: %" PRIu64 " cycles%s%s\n", known && golden ? "ok" : "FAIL", row->input,
           (unsigned)row->beam, cycles, known ? "" : ", not the known output", golden ? "" : ", not the host's output");
    failures += !(known && golden);
  }
  printf("%u rows, %d failed, %" PRIu64 " cycles in all (%s; emulated time under QEMU)\n",
         (unsigned)xattn_aren_row_count, failures, total, clock_source());
  printf(failures ? "FAIL\n" : "PASS\n");
  return failures ? 1 : 0;
}
