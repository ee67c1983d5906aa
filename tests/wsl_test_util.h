/* Helpers shared by the Check runners. */
#ifndef WSL_TEST_UTIL_H
#define WSL_TEST_UTIL_H

#include <check.h>
#include <stddef.h>

#include "wsl/wsl.h"

/* Run one suite, print Check's summary, return the process exit status. */
int wsl_test_run_suite(Suite *s);

/* A failing allocator: fails every allocation from the fail_at-th (1-based) on; 0 never fails.
 * Counts live allocations so tests can assert that nothing leaked. */
typedef struct wsl_test_alloc {
    size_t n_calls;    /* allocations attempted */
    size_t fail_at;    /* 0 = never fail */
    long live;         /* blocks currently allocated */
} wsl_test_alloc;

wsl_allocator wsl_test_allocator(wsl_test_alloc *state);

/* Write bytes to a fresh temporary file; returns its malloc'ed path (caller frees + unlinks). */
char *wsl_test_write_temp(const char *suffix, const char *data, size_t len);

/* Assert a status and that wsl_last_error() is non-empty when it is an error. */
#define WSL_ASSERT_STATUS(expr, expected)                                                       \
    do {                                                                                        \
        wsl_status wsl_t_st_ = (expr);                                                          \
        ck_assert_msg(wsl_t_st_ == (expected), "%s returned %d (%s), expected %d; last error: %s", \
                      #expr, (int)wsl_t_st_, wsl_strerror(wsl_t_st_), (int)(expected),           \
                      wsl_last_error());                                                        \
        if ((expected) != WSL_OK)                                                               \
            ck_assert_msg(wsl_last_error()[0] != '\0', "%s: no error message", #expr);          \
    } while (0)

#define WSL_ASSERT_OK(expr) WSL_ASSERT_STATUS(expr, WSL_OK)

#endif
