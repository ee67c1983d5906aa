/* Helpers shared by the Check runners. */
#ifndef WSL_TEST_UTIL_H
#define WSL_TEST_UTIL_H

#include <check.h>
#include <stddef.h>

#include "wsl/wsl.h"

/* Run one suite, print Check's summary, return the process exit status. */
int wsl_test_run_suite(Suite *s);

/* A failing allocator: fails every allocation from the fail_at-th (1-based) on, or with once
 * only the fail_at-th; 0 never fails. Counts live allocations so tests can assert that nothing
 * leaked. */
typedef struct wsl_test_alloc {
    size_t n_calls;    /* allocations attempted */
    size_t fail_at;    /* 0 = never fail */
    long live;         /* blocks currently allocated */
    int once;          /* 1: fail only allocation fail_at, later ones succeed */
} wsl_test_alloc;

wsl_allocator wsl_test_allocator(wsl_test_alloc *state);

/* A case for wsl_test_oom_walk: allocate only through a (objects it creates take it), free
 * everything before returning, and return the first failing status (WSL_OK when all went
 * through). A case may retry a call that failed with WSL_ENOMEM, to show that the object it
 * was called on is still usable (the retry succeeds when only one allocation fails). */
typedef wsl_status (*wsl_test_alloc_case)(const wsl_allocator *a, void *ctx);

/*
 * The out-of-memory walk. A clean run counts the case's allocations (T); then for N = 1..T it
 * runs the case failing allocation N only, and again failing every allocation from N on. Each
 * run must return WSL_OK or WSL_ENOMEM (with a message), leak nothing, and at least one run per
 * mode must fail. Returns T.
 */
size_t wsl_test_oom_walk(const char *name, wsl_test_alloc_case fn, void *ctx);

/* A label model for L's classes fitted on L with o (NULL: defaults); asserts success. */
wsl_label_model *wsl_test_fit(const wsl_label_matrix *L, const wsl_fit_options *o);

/* M's probabilities of L's rows (malloc'ed, n x k); asserts that each row is a distribution. */
double *wsl_test_proba(const wsl_label_model *M, const wsl_label_matrix *L);

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
