/* A thread pool for the C API on hosted targets (library xattn_threads):
 * threads are created by create and joined by destroy; the pool's
 * xattn_parallel goes into xattn_limits.parallel.
 *
 *   xattn_thread_pool* pool = xattn_thread_pool_create(2);
 *   limits.threads = 2;
 *   limits.parallel = xattn_thread_pool_parallel(pool);
 *   xattn_session_create(model, &limits, buffer, size, &session, NULL);
 *   ...
 *   xattn_thread_pool_destroy(pool);   // after the last call on the session
 */
#ifndef XATTN_THREAD_POOL_H_
#define XATTN_THREAD_POOL_H_

#include <stdint.h>

#include "xattn/xattn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xattn_thread_pool xattn_thread_pool;

/* `threads` (1..XATTN_MAX_THREADS) threads, the caller's included; NULL when
 * out of range or the threads cannot be started. */
xattn_thread_pool* xattn_thread_pool_create(uint32_t threads);
const xattn_parallel* xattn_thread_pool_parallel(const xattn_thread_pool* pool);
void xattn_thread_pool_destroy(xattn_thread_pool* pool);

#ifdef __cplusplus
}
#endif

#endif /* XATTN_THREAD_POOL_H_ */
