#include "clock.h"

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)
#define SYST_CSR_ENABLE 1u
#define SYST_CSR_TICKINT 2u
#define SYST_CSR_CLKSOURCE 4u /* the core clock */
#define SYST_CSR_COUNTFLAG (1u << 16)
#define RELOAD 0x00FFFFFFu

#define DEMCR (*(volatile uint32_t*)0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL (*(volatile uint32_t*)0xE0001000u)
#define DWT_CTRL_CYCCNTENA 1u
#define DWT_CTRL_NOCYCCNT (1u << 25)
#define DWT_CYCCNT (*(volatile uint32_t*)0xE0001004u)

static volatile uint32_t wraps;
static int use_dwt;
static uint32_t dwt_last, dwt_high;

/* Overrides picolibc's weak handler in its vector table. */
void arm_systick_isr(void);
void arm_systick_isr(void) { ++wraps; }

/* DWT_CYCCNT is optional (NOCYCCNT), may be locked (some Cortex-M7 parts) and
 * does not count under QEMU: use it only when it is seen to advance. */
static int dwt_counts(void) {
  volatile uint32_t spin;
  uint32_t before;
  DEMCR |= DEMCR_TRCENA;
  if (DWT_CTRL & DWT_CTRL_NOCYCCNT) return 0;
  DWT_CYCCNT = 0;
  DWT_CTRL |= DWT_CTRL_CYCCNTENA;
  before = DWT_CYCCNT;
  for (spin = 0; spin < 100; ++spin) {
  }
  return DWT_CYCCNT != before;
}

void clock_start(void) {
  use_dwt = dwt_counts();
  if (use_dwt) {
    dwt_last = DWT_CYCCNT;
    return;
  }
  SYST_RVR = RELOAD;
  SYST_CVR = 0;
  SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
}

uint64_t clock_cycles(void) {
  uint32_t high, low;
  if (use_dwt) {
    /* 32 bits wrap in seconds: a read lower than the last one is a wrap, so
     * callers must read at least once per 2^32 cycles (every timed call does). */
    low = DWT_CYCCNT;
    if (low < dwt_last) ++dwt_high;
    dwt_last = low;
    return (uint64_t)dwt_high << 32 | low;
  }
  do { /* a wrap between the two reads would pair the wrong halves */
    high = wraps;
    low = SYST_CVR;
  } while (high != wraps);
  return (uint64_t)high * (RELOAD + 1u) + (RELOAD - low);
}

const char* clock_source(void) { return use_dwt ? "DWT CYCCNT" : "SysTick"; }
