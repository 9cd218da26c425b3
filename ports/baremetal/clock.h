/* A cycle clock for Cortex-M: DWT_CYCCNT when the core has one that counts,
 * else SysTick on the core clock; both extended to 64 bits. QEMU leaves
 * DWT_CYCCNT at 0, so there SysTick is the source. Under QEMU the counts are
 * emulated time, not what a board would take. */
#ifndef XATTN_BAREMETAL_CLOCK_H_
#define XATTN_BAREMETAL_CLOCK_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void clock_start(void);
uint64_t clock_cycles(void);
/* "DWT CYCCNT" or "SysTick": which counter clock_start() chose. */
const char* clock_source(void);

#ifdef __cplusplus
}
#endif

#endif
