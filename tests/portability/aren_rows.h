/* The portability rows: inputs and options run on every target (host, x86
 * levels, aarch64, armhf, each Cortex-M firmware) through the C API. The
 * host's outputs are committed in tests/golden/aren.txt; every target must
 * print the same tokens. The first rows are the known outputs of
 * ../shared/data/README.md (from CTranslate2's test suite); the rest are
 * more names, checked only against the host's golden file. */
#ifndef XATTN_TESTS_AREN_ROWS_H_
#define XATTN_TESTS_AREN_ROWS_H_

#include <stddef.h>
#include <stdint.h>

#include "xattn/xattn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xattn_row {
  const char* input;       /* source tokens, space separated */
  uint32_t beam;
  const char* prefix;      /* target tokens or NULL */
  uint32_t max_length;     /* 0 = the session's */
  uint32_t min_length;
  const char* end_token;   /* NULL = </s> */
  const char* suppress[2]; /* target token sequences or NULL */
  const char* expected;    /* the known output, or NULL (golden file only) */
  uint32_t expected_length;/* when the known output is a length */
} xattn_row;

extern const xattn_row xattn_aren_rows[];
extern const size_t xattn_aren_row_count;

/* Limits every target's session uses for these rows. */
xattn_limits xattn_aren_row_limits(void);

/* Runs one row; writes the best hypothesis's text and its token count. */
xattn_status xattn_run_row(xattn_session* session, const xattn_model* model, const xattn_row* row,
                           char* out, size_t capacity, uint32_t* length);

/* 1 when `output` (of `length` tokens) is what the README says for the row
 * (rows without a known output pass). */
int xattn_row_known_ok(const xattn_row* row, const char* output, uint32_t length);

#ifdef __cplusplus
}
#endif

#endif
