/*
 * Failing C-library allocations, for the few public functions that take no allocator
 * (wsl_gold_write, wsl_probs_write, wsl_metrics_compute without a confusion buffer): the test
 * binaries that include this are linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
 * (tests/libc_fail.cmake), so every malloc the test and libwsl objects call goes through here.
 * Only while armed are calls counted and failed; allocations inside shared libraries (the C
 * library's own, cJSON, OpenBLAS) are not affected.
 */
#ifndef WSL_TEST_LIBC_FAIL_H
#define WSL_TEST_LIBC_FAIL_H

#include "wsl_test_util.h"

/* Count malloc/calloc/realloc calls from now on, failing call fail_at (1-based; 0 = none), or
 * with once = 0 every call from fail_at on. */
void wsl_test_libc_arm(size_t fail_at, int once);
/* Stop counting and failing; returns the calls counted while armed. */
size_t wsl_test_libc_disarm(void);

/*
 * wsl_test_oom_walk for a call that allocates from the C library: call(ctx) runs armed (it
 * should be the library call alone), then after(status, ctx) runs disarmed to check what the
 * call left and to set up the next one. Returns the allocations of a clean call.
 */
size_t wsl_test_libc_walk(const char *name, wsl_status (*call)(void *ctx),
                          void (*after)(wsl_status st, void *ctx), void *ctx);

#endif
