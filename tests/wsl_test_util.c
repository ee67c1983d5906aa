#define _GNU_SOURCE /* mkstemps */
#include "wsl_test_util.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int wsl_test_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Each block carries a header with its size class so free can count live blocks. */
static void *t_malloc(size_t size, void *payload)
{
    wsl_test_alloc *st = payload;
    st->n_calls++;
    if (st->fail_at && (st->once ? st->n_calls == st->fail_at : st->n_calls >= st->fail_at))
        return NULL;
    void *p = malloc(size);
    if (p)
        st->live++;
    return p;
}

static void *t_realloc(void *ptr, size_t size, void *payload)
{
    wsl_test_alloc *st = payload;
    st->n_calls++;
    if (st->fail_at && (st->once ? st->n_calls == st->fail_at : st->n_calls >= st->fail_at))
        return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr)
        st->live++;
    return p;
}

static void t_free(void *ptr, void *payload)
{
    wsl_test_alloc *st = payload;
    if (ptr)
        st->live--;
    free(ptr);
}

wsl_allocator wsl_test_allocator(wsl_test_alloc *state)
{
    wsl_allocator a = {t_malloc, t_realloc, t_free, state};
    return a;
}

size_t wsl_test_oom_walk(const char *name, wsl_test_alloc_case fn, void *ctx)
{
    wsl_test_alloc clean = {0, 0, 0, 0};
    wsl_allocator ca = wsl_test_allocator(&clean);
    wsl_status s = fn(&ca, ctx);
    size_t total = clean.n_calls;
    ck_assert_msg(s == WSL_OK, "%s: fails without any allocation failure: %d (%s): %s", name,
                  (int)s, wsl_strerror(s), wsl_last_error());
    ck_assert_msg(clean.live == 0, "%s: %ld blocks leaked without failures", name, clean.live);
    ck_assert_msg(total > 0, "%s: allocates nothing through the allocator", name);
    for (int once = 0; once < 2; once++) {
        size_t failed = 0;
        for (size_t n = 1; n <= total; n++) {
            wsl_test_alloc st = {0, n, 0, once};
            wsl_allocator a = wsl_test_allocator(&st);
            wsl_clear_error();
            s = fn(&a, ctx);
            ck_assert_msg(st.live == 0, "%s: allocation %zu%s failing: %ld blocks leaked", name, n,
                          once ? " alone" : " on", st.live);
            if (s == WSL_OK)
                continue;
            ck_assert_msg(s == WSL_ENOMEM, "%s: allocation %zu%s failing: status %d (%s): %s",
                          name, n, once ? " alone" : " on", (int)s, wsl_strerror(s),
                          wsl_last_error());
            ck_assert_msg(wsl_last_error()[0] != '\0', "%s: allocation %zu: no message", name, n);
            failed++;
        }
        ck_assert_msg(failed > 0, "%s: no failing allocation was reported (%s)", name,
                      once ? "alone" : "from N on");
    }
    return total;
}

char *wsl_test_write_temp(const char *suffix, const char *data, size_t len)
{
    const char *dir = getenv("TMPDIR");
    size_t cap;
    char *path;
    int fd;
    FILE *f;
    if (!dir || !*dir)
        dir = "/tmp";
    cap = strlen(dir) + strlen(suffix) + 32;
    path = malloc(cap);
    ck_assert_ptr_nonnull(path);
    snprintf(path, cap, "%s/wsltestXXXXXX%s", dir, suffix);
    fd = mkstemps(path, (int)strlen(suffix));
    ck_assert_msg(fd >= 0, "mkstemps failed");
    f = fdopen(fd, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

wsl_label_model *wsl_test_fit(const wsl_label_matrix *L, const wsl_fit_options *o)
{
    wsl_label_model *M = NULL;
    WSL_ASSERT_OK(wsl_label_model_create(&M, wsl_label_matrix_cardinality(L), NULL));
    WSL_ASSERT_OK(wsl_label_model_fit(M, L, o));
    return M;
}

double *wsl_test_proba(const wsl_label_model *M, const wsl_label_matrix *L)
{
    size_t n = wsl_label_matrix_n_points(L), k = (size_t)wsl_label_matrix_cardinality(L);
    double *p = malloc(n * k * sizeof *p);
    ck_assert_ptr_nonnull(p);
    WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, p, n * k, NULL, 0));
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t c = 0; c < k; c++) {
            ck_assert(isfinite(p[i * k + c]));
            ck_assert(p[i * k + c] >= 0);
            s += p[i * k + c];
        }
        ck_assert_double_eq_tol(s, 1.0, 1e-9);
    }
    return p;
}
