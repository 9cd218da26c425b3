/* The family firmware's data (family_main.c): per model family, a model from
 * ../shared/data/ct2-families converted to int8 and embedded by `xattn
 * convert embed`, the limits its session buffer was planned for, and rows:
 * the first lines of the family's shared inputs (and target prefixes, for
 * mBART and M2M100) with the host's `xattn translate` output for each
 * (greedy and beam 4), generated at build time by
 * family_rows.cmake. The list of families is generated at configure time
 * (family_list.c): XATTN_FAMILY_FIRMWARE_FAMILIES in CMakeLists.txt. */
#ifndef XATTN_BAREMETAL_FAMILY_ROWS_H_
#define XATTN_BAREMETAL_FAMILY_ROWS_H_

#include <stddef.h>
#include <stdint.h>

typedef struct xattn_family_row {
  const char* input;    /* source tokens, space separated, as in inputs.txt */
  const char* prefix;   /* forced target tokens (target_prefix.txt), "" = none */
  uint32_t beam;        /* 1 = greedy */
  uint32_t line;        /* 0-based line of inputs.txt */
  const char* expected; /* the host's output tokens */
} xattn_family_row;

typedef struct xattn_family {
  const char* name; /* the family's folder in ct2-families */
  const uint8_t* model;
  size_t model_bytes;
  size_t session_bytes; /* xattn_session_buffer_bytes() for the limits below */
  uint32_t max_source, max_target, max_beam;
  const xattn_family_row* rows;
  size_t row_count;
} xattn_family;

extern const xattn_family* const xattn_families[];
extern const size_t xattn_family_count;
/* One session buffer for every family in turn, as large as the largest need. */
extern uint8_t xattn_family_session_buffer[];
extern const size_t xattn_family_session_buffer_bytes;

#endif
