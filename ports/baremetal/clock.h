/* A cycle clock for Cortex-M: SysTick on the core clock, extended to 64 bits
 * by counting its wraps. DWT_CYCCNT would be the natural choice on M4/M7/M55
 * hardware, but QEMU leaves it at 0; SysTick runs everywhere. Under QEMU the
 * counts are emulated time, not what a board would take. */
#ifndef XATTN_BAREMETAL_CLOCK_H_
#define XATTN_BAREMETAL_CLOCK_H_

#include <stdint.h>

void clock_start(void);
uint64_t clock_cycles(void);

#endif
