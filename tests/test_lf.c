/* LF sets and the applier: names, preprocessors, threads, streams, faults, progress, OOM. */
#include "wsl_test_util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct rec {
    int value;
    const char *text;
} rec;

static int32_t lf_parity(const wsl_lf_input *in, void *payload)
{
    const rec *r = in->record;
    (void)payload;
    return r->value % 3 == 0 ? WSL_ABSTAIN : r->value % 2;
}

static int32_t lf_big(const wsl_lf_input *in, void *payload)
{
    const rec *r = in->record;
    int threshold = *(const int *)payload;
    return r->value > threshold ? 1 : WSL_ABSTAIN;
}

static int32_t lf_index(const wsl_lf_input *in, void *payload)
{
    (void)payload;
    return (int32_t)(in->index % 5 == 0 ? 0 : WSL_ABSTAIN);
}

/* A view: the value doubled, computed once per record by a preprocessor. */
typedef struct doubled {
    int v2;
} doubled;
static atomic_long pp_calls;

static int pp_double(const wsl_lf_input *in, void *view, void *payload)
{
    const rec *r = in->record;
    (void)payload;
    atomic_fetch_add(&pp_calls, 1);
    ((doubled *)view)->v2 = 2 * r->value;
    return r->value == -7 ? -1 : 0;
}

static int32_t lf_view(const wsl_lf_input *in, void *payload)
{
    const doubled *d = in->views[0];
    (void)payload;
    return d->v2 % 4 == 0 ? 0 : 1;
}

static int32_t lf_bad_value(const wsl_lf_input *in, void *payload)
{
    const rec *r = in->record;
    (void)payload;
    return r->value == 13 || r->value == 40 ? 7 : WSL_ABSTAIN;
}

static int32_t lf_error(const wsl_lf_input *in, void *payload)
{
    const rec *r = in->record;
    (void)payload;
    return r->value % 50 == 49 ? WSL_LF_ERROR : 0;
}

static rec *make_records(size_t n)
{
    rec *r = malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        r[i].value = (int)((i * 7919) % 1000);
        r[i].text = "x";
    }
    return r;
}

static wsl_lf_set *basic_set(void)
{
    static int threshold = 500;
    wsl_lf_set *set = NULL;
    WSL_ASSERT_OK(wsl_lf_set_create(&set, 2, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "parity", lf_parity, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "big", lf_big, &threshold));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "every_fifth", lf_index, NULL));
    return set;
}

START_TEST(test_apply_values)
{
    rec *r = make_records(100);
    wsl_lf_set *set = basic_set();
    wsl_label_matrix *L = NULL;
    wsl_apply_report rep;
    memset(&rep, 0, sizeof rep);
    WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, 100, sizeof *r, NULL, &rep));
    ck_assert_uint_eq(wsl_label_matrix_n_points(L), 100);
    ck_assert_uint_eq(wsl_label_matrix_n_sources(L), 3);
    ck_assert_uint_eq(rep.n_records, 100);
    ck_assert_uint_eq(rep.n_faults, 0);
    for (size_t i = 0; i < 100; i++) {
        int32_t row[3];
        WSL_ASSERT_OK(wsl_label_matrix_row(L, i, row, 3));
        ck_assert_int_eq(row[0], r[i].value % 3 == 0 ? -1 : r[i].value % 2);
        ck_assert_int_eq(row[1], r[i].value > 500 ? 1 : -1);
        ck_assert_int_eq(row[2], i % 5 == 0 ? 0 : -1);
    }
    ck_assert_str_eq(wsl_lf_set_name(set, 1), "big");
    ck_assert_ptr_null(wsl_lf_set_name(set, 3));
    {
        size_t idx;
        WSL_ASSERT_OK(wsl_lf_set_find(set, "every_fifth", &idx));
        ck_assert_uint_eq(idx, 2);
        WSL_ASSERT_STATUS(wsl_lf_set_find(set, "nope", &idx), WSL_ERANGE);
    }
    wsl_label_matrix_free(L);
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

START_TEST(test_threads_identical)
{
    size_t n = 100000;
    rec *r = make_records(n);
    wsl_lf_set *set = basic_set();
    wsl_label_matrix *ref = NULL;
    int32_t *a = malloc(n * 3 * sizeof *a), *b = malloc(n * 3 * sizeof *b);
    const int threads[] = {2, 3, 8};
    WSL_ASSERT_OK(wsl_lf_apply(&ref, set, r, n, sizeof *r, NULL, NULL));
    WSL_ASSERT_OK(wsl_label_matrix_to_buffer(ref, a, n * 3));
    for (size_t t = 0; t < 3; t++) {
        wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
        wsl_label_matrix *L = NULL;
        o.n_threads = threads[t];
        o.chunk_size = 777;
        WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, NULL));
        WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, b, n * 3));
        ck_assert_mem_eq(a, b, n * 3 * sizeof *a);
        wsl_label_matrix_free(L);
    }
    free(a);
    free(b);
    wsl_label_matrix_free(ref);
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

typedef struct iter_state {
    const rec *r;
    size_t n, pos, max_step;
    int fail_at;
} iter_state;

static long next_records(const void **out, size_t max, void *payload)
{
    iter_state *s = payload;
    size_t k = 0;
    if (s->fail_at >= 0 && s->pos >= (size_t)s->fail_at)
        return -3;
    while (k < max && k < s->max_step && s->pos < s->n)
        out[k++] = &s->r[s->pos++];
    return (long)k;
}

START_TEST(test_stream_equals_array)
{
    size_t n = 10007;
    rec *r = make_records(n);
    wsl_lf_set *set = basic_set();
    wsl_label_matrix *A = NULL, *S = NULL;
    int32_t *a = malloc(n * 3 * sizeof *a), *b = malloc(n * 3 * sizeof *b);
    for (int threads = 1; threads <= 2; threads++) {
        iter_state st = {r, n, 0, 333, -1};
        wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
        o.n_threads = threads;
        o.chunk_size = 1000;
        o.storage = WSL_STORAGE_SPARSE;
        WSL_ASSERT_OK(wsl_lf_apply(&A, set, r, n, sizeof *r, NULL, NULL));
        WSL_ASSERT_OK(wsl_lf_apply_stream(&S, set, next_records, &st, &o, NULL));
        ck_assert_int_eq(wsl_label_matrix_storage(S), WSL_STORAGE_SPARSE);
        WSL_ASSERT_OK(wsl_label_matrix_to_buffer(A, a, n * 3));
        WSL_ASSERT_OK(wsl_label_matrix_to_buffer(S, b, n * 3));
        ck_assert_mem_eq(a, b, n * 3 * sizeof *a);
        wsl_label_matrix_free(A);
        wsl_label_matrix_free(S);
    }
    {
        iter_state st = {r, n, 0, 100, 500};
        WSL_ASSERT_STATUS(wsl_lf_apply_stream(&S, set, next_records, &st, NULL, NULL),
                          WSL_ECALLBACK);
        ck_assert_ptr_null(S);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "iterator"));
    }
    {
        iter_state st = {r, 0, 0, 100, -1}; /* empty stream */
        WSL_ASSERT_OK(wsl_lf_apply_stream(&S, set, next_records, &st, NULL, NULL));
        ck_assert_uint_eq(wsl_label_matrix_n_points(S), 0);
        wsl_label_matrix_free(S);
    }
    free(a);
    free(b);
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

START_TEST(test_preprocessor_once)
{
    size_t n = 5000;
    rec *r = make_records(n);
    wsl_lf_set *set = NULL;
    wsl_label_matrix *L = NULL;
    wsl_preprocessor pp = {"double", sizeof(doubled), pp_double, NULL, NULL};
    size_t idx = 99;
    WSL_ASSERT_OK(wsl_lf_set_create(&set, 2, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add_preprocessor(set, &pp, &idx));
    ck_assert_uint_eq(idx, 0);
    WSL_ASSERT_OK(wsl_lf_set_add(set, "view_a", lf_view, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "view_b", lf_view, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "view_c", lf_view, NULL));
    atomic_store(&pp_calls, 0);
    WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, n, sizeof *r, NULL, NULL));
    ck_assert_int_eq(atomic_load(&pp_calls), (long)n); /* once per record, not per LF */
    for (size_t i = 0; i < n; i++) {
        int32_t v;
        WSL_ASSERT_OK(wsl_label_matrix_get(L, i, 2, &v));
        ck_assert_int_eq(v, (2 * r[i].value) % 4 == 0 ? 0 : 1);
    }
    wsl_label_matrix_free(L);
    /* A failing preprocessor: fatal by default, all-abstain and counted when tolerant. */
    r[123].value = -7;
    WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, n, sizeof *r, NULL, NULL), WSL_ECALLBACK);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "preprocessor \"double\""));
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "record 123"));
    {
        wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
        size_t faults[3];
        wsl_apply_report rep;
        int32_t row[3];
        memset(&rep, 0, sizeof rep);
        rep.lf_faults = faults;
        rep.lf_faults_len = 3;
        o.fault_tolerant = 1;
        WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, &rep));
        ck_assert_uint_eq(rep.n_faults, 3);
        ck_assert_uint_eq(rep.first_fault_record, 123);
        ck_assert_uint_eq(faults[0], 1);
        WSL_ASSERT_OK(wsl_label_matrix_row(L, 123, row, 3));
        ck_assert_int_eq(row[0], -1);
        ck_assert_int_eq(row[2], -1);
        wsl_label_matrix_free(L);
    }
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

START_TEST(test_faults)
{
    size_t n = 1000;
    rec *r = make_records(n);
    wsl_lf_set *set = basic_set();
    wsl_label_matrix *L = NULL;
    size_t first13 = SIZE_MAX, n_bad = 0, n_err = 0;
    for (size_t i = 0; i < n; i++) {
        if ((r[i].value == 13 || r[i].value == 40) && first13 == SIZE_MAX)
            first13 = i;
        n_bad += r[i].value == 13 || r[i].value == 40;
        n_err += r[i].value % 50 == 49;
    }
    WSL_ASSERT_OK(wsl_lf_set_add(set, "bad_value", lf_bad_value, NULL));
    for (int threads = 1; threads <= 4; threads *= 2) {
        wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
        char expect[64];
        o.n_threads = threads;
        o.chunk_size = 10;
        WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, NULL), WSL_ECALLBACK);
        ck_assert_ptr_null(L);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "\"bad_value\" returned 7"));
        snprintf(expect, sizeof expect, "record %zu", first13); /* the first, whatever threads */
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), expect));
    }
    {
        wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
        size_t faults[5];
        wsl_apply_report rep;
        memset(&rep, 0, sizeof rep);
        rep.lf_faults = faults;
        rep.lf_faults_len = 5;
        o.fault_tolerant = 1;
        o.n_threads = 2;
        WSL_ASSERT_OK(wsl_lf_set_add(set, "error", lf_error, NULL));
        WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, &rep));
        ck_assert_uint_eq(faults[3], n_bad);
        ck_assert_uint_eq(faults[4], n_err);
        ck_assert_uint_eq(rep.n_faults, n_bad + n_err);
        rep.lf_faults_len = 4;
        wsl_label_matrix_free(L);
        WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, &rep), WSL_EBUFS);
        o.fault_tolerant = 0;
        WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, NULL), WSL_ECALLBACK);
    }
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

static int progress_cancel(uint64_t done, uint64_t total, void *payload)
{
    uint64_t *last = payload;
    ck_assert_uint_ge(done, *last);
    ck_assert_uint_eq(total, 10000);
    *last = done;
    return done >= 3000;
}

START_TEST(test_progress)
{
    rec *r = make_records(10000);
    wsl_lf_set *set = basic_set();
    wsl_label_matrix *L = NULL;
    wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
    uint64_t last = 0;
    o.chunk_size = 1000;
    o.progress = progress_cancel;
    o.progress_payload = &last;
    WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, 10000, sizeof *r, &o, NULL), WSL_ECALLBACK);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "cancelled"));
    ck_assert_uint_eq(last, 3000);
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

START_TEST(test_errors)
{
    wsl_lf_set *set = NULL;
    wsl_label_matrix *L = NULL;
    rec r[2] = {{1, "a"}, {2, "b"}};
    wsl_preprocessor pp = {"pp", 8, pp_double, NULL, NULL};
    wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
    WSL_ASSERT_STATUS(wsl_lf_set_create(NULL, 2, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_create(&set, 0, NULL), WSL_EINVAL);
    ck_assert_ptr_null(set);
    WSL_ASSERT_OK(wsl_lf_set_create(&set, 2, NULL));
    WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, 2, sizeof *r, NULL, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "empty"));
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, "", lf_parity, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, NULL, lf_parity, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, "a,b", lf_parity, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, "tab\there", lf_parity, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, "ok", NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_lf_set_add(set, "ok", lf_parity, NULL));
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, "ok", lf_parity, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "\"ok\" is already"));
    WSL_ASSERT_STATUS(wsl_lf_set_add_preprocessor(set, NULL, NULL), WSL_EINVAL);
    pp.view_size = 0;
    WSL_ASSERT_STATUS(wsl_lf_set_add_preprocessor(set, &pp, NULL), WSL_EINVAL);
    pp.view_size = 8;
    pp.run = NULL;
    WSL_ASSERT_STATUS(wsl_lf_set_add_preprocessor(set, &pp, NULL), WSL_EINVAL);
    pp.run = pp_double;
    pp.name = "ok";
    WSL_ASSERT_STATUS(wsl_lf_set_add_preprocessor(set, &pp, NULL), WSL_EINVAL);
    o.n_threads = 0;
    WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, 2, sizeof *r, &o, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "n_threads"));
    o = (wsl_apply_options)WSL_APPLY_OPTIONS_INIT;
    o.chunk_size = 0;
    WSL_ASSERT_STATUS(wsl_apply_options_validate(&o), WSL_EINVAL);
    o = (wsl_apply_options)WSL_APPLY_OPTIONS_INIT;
    o.version = 0;
    WSL_ASSERT_STATUS(wsl_apply_options_validate(&o), WSL_EINVAL);
    o = (wsl_apply_options)WSL_APPLY_OPTIONS_INIT;
    o.fault_tolerant = 2;
    WSL_ASSERT_STATUS(wsl_apply_options_validate(&o), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, NULL, 2, sizeof *r, NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, 2, 0, NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_apply(NULL, set, r, 2, sizeof *r, NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_apply_stream(&L, set, NULL, NULL, NULL, NULL), WSL_EINVAL);
    ck_assert_uint_eq(wsl_lf_set_size(NULL), 0);
    ck_assert_int_eq(wsl_lf_set_cardinality(set), 2);
    wsl_lf_set_free(NULL);
    wsl_lf_set_free(set);
}
END_TEST

/* Wide cells: k needing 16- and 32-bit votes, identical across thread counts. */
static int32_t lf_wide(const wsl_lf_input *in, void *payload)
{
    int32_t k = *(const int32_t *)payload;
    return in->index % 4 == 0 ? WSL_ABSTAIN : (int32_t)((in->index * 7919u) % (uint64_t)k);
}

START_TEST(test_wide_cells_threads)
{
    const int32_t ks[] = {2, 300, 40000};
    const size_t n = 20011;
    rec *r = make_records(n);
    for (size_t q = 0; q < 3; q++) {
        int32_t k = ks[q];
        wsl_lf_set *set = NULL;
        wsl_label_matrix *ref = NULL;
        int32_t *a = malloc(n * 2 * sizeof *a), *b = malloc(n * 2 * sizeof *b);
        const int threads[] = {2, 3, 8};
        WSL_ASSERT_OK(wsl_lf_set_create(&set, k, NULL));
        WSL_ASSERT_OK(wsl_lf_set_add(set, "wide", lf_wide, &k));
        WSL_ASSERT_OK(wsl_lf_set_add(set, "every_fifth", lf_index, NULL));
        WSL_ASSERT_OK(wsl_lf_apply(&ref, set, r, n, sizeof *r, NULL, NULL));
        WSL_ASSERT_OK(wsl_label_matrix_to_buffer(ref, a, n * 2));
        for (size_t i = 0; i < n; i++) {
            ck_assert_int_eq(a[2 * i], i % 4 == 0 ? -1 : (int32_t)((i * 7919u) % (size_t)k));
            ck_assert_int_eq(a[2 * i + 1], i % 5 == 0 ? 0 : -1);
        }
        for (size_t t = 0; t < 3; t++) {
            wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
            wsl_label_matrix *L = NULL;
            o.n_threads = threads[t];
            o.chunk_size = 1000;
            WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, NULL));
            WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, b, n * 2));
            ck_assert_mem_eq(a, b, n * 2 * sizeof *a);
            wsl_label_matrix_free(L);
        }
        wsl_label_matrix_free(ref);
        wsl_lf_set_free(set);
        free(a);
        free(b);
    }
    free(r);
}
END_TEST

/* Preprocessor lifecycle: views zeroed before run(), run() once per record, a later
 * preprocessor sees an earlier one's view, clear() once per run() and after the LFs. */
typedef struct owned_view {
    int seen;
    char *mem;
} owned_view;
static atomic_long pp_runs, pp_clears, pp_dirty, lf_after_clear;

static int pp_alloc(const wsl_lf_input *in, void *view, void *payload)
{
    owned_view *v = view;
    const rec *r = in->record;
    (void)payload;
    atomic_fetch_add(&pp_runs, 1);
    if (v->seen || v->mem)
        atomic_fetch_add(&pp_dirty, 1);
    v->seen = 1;
    v->mem = malloc(16); /* leaks under ASan unless clear() runs */
    return r->value == 999 ? -1 : 0;
}

static void pp_alloc_clear(void *view, void *payload)
{
    owned_view *v = view;
    (void)payload;
    atomic_fetch_add(&pp_clears, 1);
    free(v->mem);
    v->mem = NULL;
}

static int pp_second(const wsl_lf_input *in, void *view, void *payload)
{
    const owned_view *first = in->views[0];
    (void)payload;
    *(int *)view = first->seen ? 2 : -100; /* reads the earlier view */
    return 0;
}

static int32_t lf_pp_check(const wsl_lf_input *in, void *payload)
{
    const owned_view *v = in->views[0];
    (void)payload;
    if (!v->mem)
        atomic_fetch_add(&lf_after_clear, 1); /* the view was cleared before this LF ran */
    return *(const int *)in->views[1] == 2 ? 1 : 0;
}

START_TEST(test_preprocessor_lifecycle)
{
    size_t n = 3000, n_fail = 0;
    rec *r = make_records(n);
    wsl_lf_set *set = NULL;
    wsl_preprocessor p1 = {"alloc", sizeof(owned_view), pp_alloc, pp_alloc_clear, NULL};
    wsl_preprocessor p2 = {"second", sizeof(int), pp_second, NULL, NULL};
    size_t idx = 0;
    for (size_t i = 0; i < n; i++)
        n_fail += r[i].value == 999;
    ck_assert_uint_gt(n_fail, 0);
    WSL_ASSERT_OK(wsl_lf_set_create(&set, 2, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add_preprocessor(set, &p1, &idx));
    ck_assert_uint_eq(idx, 0);
    WSL_ASSERT_OK(wsl_lf_set_add_preprocessor(set, &p2, &idx));
    ck_assert_uint_eq(idx, 1);
    WSL_ASSERT_OK(wsl_lf_set_add(set, "check_a", lf_pp_check, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "check_b", lf_pp_check, NULL));
    for (int threads = 1; threads <= 3; threads++) {
        wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
        wsl_apply_report rep;
        wsl_label_matrix *L = NULL;
        memset(&rep, 0, sizeof rep);
        o.n_threads = threads;
        o.chunk_size = 100;
        o.fault_tolerant = 1;
        atomic_store(&pp_runs, 0);
        atomic_store(&pp_clears, 0);
        atomic_store(&pp_dirty, 0);
        atomic_store(&lf_after_clear, 0);
        WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, &rep));
        ck_assert_int_eq(atomic_load(&pp_runs), (long)n);
        ck_assert_int_eq(atomic_load(&pp_clears), (long)n); /* the failing runs too */
        ck_assert_int_eq(atomic_load(&pp_dirty), 0);
        ck_assert_int_eq(atomic_load(&lf_after_clear), 0);
        ck_assert_uint_eq(rep.n_faults, 2 * n_fail);
        for (size_t i = 0; i < n; i++) {
            int32_t row[2];
            WSL_ASSERT_OK(wsl_label_matrix_row(L, i, row, 2));
            ck_assert_int_eq(row[0], r[i].value == 999 ? WSL_ABSTAIN : 1);
            ck_assert_int_eq(row[1], row[0]);
        }
        wsl_label_matrix_free(L);
    }
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

/* An iterator that copies records into its own buffer: the pointers it hands out are valid
 * only until its next call. */
typedef struct copy_iter {
    const rec *r;
    size_t n, pos, max_step;
    rec *buf;
    size_t buf_cap;
    int overflow; /* return more than asked */
} copy_iter;

static long next_copied(const void **out, size_t max, void *payload)
{
    copy_iter *s = payload;
    size_t k = 0;
    if (s->overflow)
        return (long)max + 1;
    if (max > s->buf_cap) {
        s->buf = realloc(s->buf, max * sizeof *s->buf);
        s->buf_cap = max;
    }
    for (size_t i = 0; i < s->buf_cap; i++) /* scribble over the previous batch */
        s->buf[i].value = -12345;
    while (k < max && k < s->max_step && s->pos < s->n) {
        s->buf[k] = s->r[s->pos++];
        out[k] = &s->buf[k];
        k++;
    }
    return (long)k;
}

static int progress_record(uint64_t done, uint64_t total, void *payload)
{
    uint64_t *st = payload; /* [0] last done, [1] last total, [2] calls */
    ck_assert_uint_ge(done, st[0]);
    st[0] = done;
    st[1] = total;
    st[2]++;
    return 0;
}

START_TEST(test_stream_batches)
{
    size_t n = 5003;
    rec *r = make_records(n);
    wsl_lf_set *set = basic_set();
    wsl_label_matrix *A = NULL, *S = NULL;
    int32_t *a = malloc(n * 3 * sizeof *a), *b = malloc(n * 3 * sizeof *b);
    const size_t steps[] = {1, 7, 100000};
    WSL_ASSERT_OK(wsl_lf_apply(&A, set, r, n, sizeof *r, NULL, NULL));
    WSL_ASSERT_OK(wsl_label_matrix_to_buffer(A, a, n * 3));
    for (int threads = 1; threads <= 3; threads++)
        for (size_t q = 0; q < 3; q++) {
            copy_iter it = {r, n, 0, steps[q], NULL, 0, 0};
            wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
            wsl_apply_report rep;
            uint64_t prog[3] = {0, 1, 0};
            memset(&rep, 0, sizeof rep);
            o.n_threads = threads;
            o.chunk_size = 64;
            o.progress = progress_record;
            o.progress_payload = prog;
            WSL_ASSERT_OK(wsl_lf_apply_stream(&S, set, next_copied, &it, &o, &rep));
            ck_assert_uint_eq(rep.n_records, n);
            ck_assert_uint_eq(wsl_label_matrix_n_points(S), n);
            WSL_ASSERT_OK(wsl_label_matrix_to_buffer(S, b, n * 3));
            ck_assert_mem_eq(a, b, n * 3 * sizeof *a);
            ck_assert_uint_eq(prog[0], n); /* the last call reports every record */
            ck_assert_uint_eq(prog[1], 0); /* a stream's total is unknown */
            ck_assert_uint_gt(prog[2], 0);
            wsl_label_matrix_free(S);
            free(it.buf);
        }
    {
        copy_iter it = {r, n, 0, 10, NULL, 0, 1};
        WSL_ASSERT_STATUS(wsl_lf_apply_stream(&S, set, next_copied, &it, NULL, NULL),
                          WSL_ECALLBACK);
        ck_assert_ptr_null(S);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "more than"));
    }
    wsl_label_matrix_free(A);
    free(a);
    free(b);
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

static int progress_cancel_any(uint64_t done, uint64_t total, void *payload)
{
    (void)total;
    (void)payload;
    return done >= 2000;
}

START_TEST(test_progress_threads)
{
    size_t n = 20000;
    rec *r = make_records(n);
    wsl_lf_set *set = basic_set();
    wsl_label_matrix *L = NULL;
    for (int threads = 1; threads <= 3; threads++) {
        wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
        uint64_t prog[3] = {0, 0, 0};
        o.n_threads = threads;
        o.chunk_size = 500;
        o.progress = progress_record;
        o.progress_payload = prog;
        WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, NULL));
        ck_assert_uint_eq(prog[0], n);
        ck_assert_uint_eq(prog[1], n);
        wsl_label_matrix_free(L);
        o.progress = progress_cancel_any;
        WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, NULL), WSL_ECALLBACK);
        ck_assert_ptr_null(L);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "wsl_lf_apply: the progress callback"));
        {
            iter_state st = {r, n, 0, 100000, -1};
            WSL_ASSERT_STATUS(wsl_lf_apply_stream(&L, set, next_records, &st, &o, NULL),
                              WSL_ECALLBACK);
            ck_assert_ptr_null(L);
            ck_assert_ptr_nonnull(strstr(wsl_last_error(), "wsl_lf_apply_stream: the progress"));
        }
    }
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

static int32_t lf_neg5(const wsl_lf_input *in, void *payload)
{
    (void)payload;
    return in->index == 4321 || in->index == 9000 ? -5 : WSL_ABSTAIN;
}

/* Faults across thread counts: the same first record, the same tolerant counts and matrix. */
START_TEST(test_faults_threads)
{
    size_t n = 10000;
    rec *r = make_records(n);
    wsl_lf_set *set = basic_set();
    wsl_label_matrix *ref = NULL;
    int32_t *a = malloc(n * 5 * sizeof *a), *b = malloc(n * 5 * sizeof *b);
    size_t ref_faults[5];
    const int threads[] = {1, 2, 3, 8};
    WSL_ASSERT_OK(wsl_lf_set_add(set, "neg5", lf_neg5, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "error", lf_error, NULL));
    for (size_t t = 0; t < 4; t++) {
        wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
        wsl_apply_report rep;
        size_t faults[5];
        wsl_label_matrix *L = NULL;
        o.n_threads = threads[t];
        o.chunk_size = 37;
        WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, NULL), WSL_ECALLBACK);
        ck_assert_ptr_null(L);
        /* the smallest faulting record, whatever the thread count */
        {
            size_t first = SIZE_MAX;
            char expect[96];
            for (size_t i = 0; i < n && first == SIZE_MAX; i++)
                if (i == 4321 || r[i].value % 50 == 49)
                    first = i;
            snprintf(expect, sizeof expect, "on record %zu (column %d)", first,
                     first == 4321 ? 3 : 4);
            ck_assert_msg(strstr(wsl_last_error(), expect) != NULL, "%s: %s", expect,
                          wsl_last_error());
        }
        memset(&rep, 0, sizeof rep);
        rep.lf_faults = faults;
        rep.lf_faults_len = 5;
        o.fault_tolerant = 1;
        WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, &rep));
        WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, t == 0 ? a : b, n * 5));
        ck_assert_uint_eq(faults[3], 2);
        if (t == 0) {
            ref = L;
            memcpy(ref_faults, faults, sizeof faults);
        } else {
            ck_assert_mem_eq(a, b, n * 5 * sizeof *a);
            ck_assert_mem_eq(ref_faults, faults, sizeof faults);
            wsl_label_matrix_free(L);
        }
    }
    wsl_label_matrix_free(ref);
    free(a);
    free(b);
    wsl_lf_set_free(set);
    free(r);
}
END_TEST

/*
 * What "an LF crashes" can mean for a C callback: it signals an error (WSL_LF_ERROR or any value
 * below -1, INT32_MIN included), returns a vote outside -1..k-1 (k, INT32_MAX), or its
 * preprocessor fails. In fault-tolerant mode each such vote becomes an abstain and is counted,
 * per LF, whatever the thread count and for arrays and streams alike; votes of the other LFs
 * on the same record are kept. (A callback that really crashes the process, by a signal, cannot
 * be contained in-process: libwsl installs no signal handler.)
 */
static int32_t lf_crashy(const wsl_lf_input *in, void *payload)
{
    const int32_t *kinds = payload; /* the value returned on records whose index % 7 == 0 */
    size_t i = in->index;
    return i % 7 == 0 ? kinds[(i / 7) % 5] : (int32_t)(i % 2);
}

static int pp_flaky(const wsl_lf_input *in, void *view, void *payload)
{
    (void)payload;
    ((doubled *)view)->v2 = (int)in->index;
    return in->index % 101 == 100 ? -1 : 0;
}

static int32_t lf_after(const wsl_lf_input *in, void *payload)
{
    (void)payload;
    return (int32_t)(in->index % 3 == 0);
}

START_TEST(test_faults_tolerant_threads)
{
    static const int32_t kinds[5] = {WSL_LF_ERROR, INT32_MIN, -1000, 2, INT32_MAX};
    const size_t n = 5000;
    rec *r = make_records(n);
    wsl_lf_set *set = NULL;
    wsl_preprocessor pp = {"flaky", sizeof(doubled), pp_flaky, NULL, NULL};
    int32_t *want = malloc(n * 2 * sizeof *want), *got = malloc(n * 2 * sizeof *got);
    size_t want_faults[2] = {0, 0}, first = SIZE_MAX;
    const int threads[] = {1, 2, 3, 8};
    ck_assert(want && got);
    WSL_ASSERT_OK(wsl_lf_set_create(&set, 2, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add_preprocessor(set, &pp, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "crashy", lf_crashy, (void *)kinds));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "after", lf_after, NULL));
    for (size_t i = 0; i < n; i++) {
        int pp_fails = i % 101 == 100, lf_fails = i % 7 == 0;
        want[2 * i] = pp_fails || lf_fails ? WSL_ABSTAIN : (int32_t)(i % 2);
        want[2 * i + 1] = pp_fails ? WSL_ABSTAIN : (int32_t)(i % 3 == 0);
        want_faults[0] += (pp_fails || lf_fails) ? 1u : 0u;
        want_faults[1] += (pp_fails) ? 1u : 0u;
        if ((pp_fails || lf_fails) && first == SIZE_MAX)
            first = i;
    }
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        for (int stream = 0; stream < 2; stream++) {
            wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
            wsl_apply_report rep;
            size_t faults[2] = {99, 99};
            wsl_label_matrix *L = NULL;
            iter_state it = {r, n, 0, 777, -1};
            memset(&rep, 0, sizeof rep);
            rep.lf_faults = faults;
            rep.lf_faults_len = 2;
            o.n_threads = threads[t];
            o.chunk_size = 29;
            o.fault_tolerant = 1;
            if (stream)
                WSL_ASSERT_OK(wsl_lf_apply_stream(&L, set, next_records, &it, &o, &rep));
            else
                WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, &rep));
            WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, got, n * 2));
            ck_assert_mem_eq(got, want, n * 2 * sizeof *got);
            ck_assert_uint_eq(faults[0], want_faults[0]);
            ck_assert_uint_eq(faults[1], want_faults[1]);
            ck_assert_uint_eq(rep.n_faults, want_faults[0] + want_faults[1]);
            ck_assert_uint_eq(rep.first_fault_record, first);
            ck_assert_uint_eq(rep.n_records, n);
            wsl_label_matrix_free(L);
            /* Not tolerant: the first fault stops the apply, naming it. */
            o.fault_tolerant = 0;
            it.pos = 0;
            if (stream)
                WSL_ASSERT_STATUS(wsl_lf_apply_stream(&L, set, next_records, &it, &o, NULL),
                                  WSL_ECALLBACK);
            else
                WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, n, sizeof *r, &o, NULL),
                                  WSL_ECALLBACK);
            ck_assert_ptr_null(L);
            ck_assert_ptr_nonnull(strstr(wsl_last_error(), "LF \"crashy\" signalled an error "
                                                           "(-2) on record 0"));
        }
    }
    wsl_lf_set_free(set);
    free(want);
    free(got);
    free(r);
}
END_TEST

/* lf_set_add and add_preprocessor: after WSL_ENOMEM the set is unchanged and takes the retry. */
static wsl_status add_or_retry(wsl_lf_set *set, const char *name, wsl_lf_fn fn, void *payload)
{
    size_t before = wsl_lf_set_size(set), idx;
    wsl_status st = wsl_lf_set_add(set, name, fn, payload);
    if (st == WSL_ENOMEM) {
        ck_assert_uint_eq(wsl_lf_set_size(set), before);
        ck_assert_int_eq(wsl_lf_set_find(set, name, &idx), WSL_ERANGE);
        st = wsl_lf_set_add(set, name, fn, payload);
    }
    return st;
}

static wsl_status oom_case(const wsl_allocator *a, void *ctx)
{
    static int threshold = 10;
    const int tolerant = ctx != NULL;
    rec *r = make_records(3000);
    wsl_lf_set *set = NULL;
    wsl_label_matrix *L = (wsl_label_matrix *)&L;
    wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
    wsl_preprocessor pp = {"double", sizeof(doubled), pp_double, NULL, NULL};
    iter_state it = {r, 3000, 0, 500, -1};
    size_t faults[21];
    wsl_apply_report rep;
    wsl_status st = wsl_lf_set_create(&set, 2, a);
    if (st == WSL_OK) {
        st = wsl_lf_set_add_preprocessor(set, &pp, NULL);
        if (st == WSL_ENOMEM) /* the name is free again */
            st = wsl_lf_set_add_preprocessor(set, &pp, NULL);
    }
    for (int i = 0; st == WSL_OK && i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "lf%d", i);
        st = add_or_retry(set, name, i % 2 ? lf_big : lf_view, &threshold);
    }
    if (st == WSL_OK && tolerant)
        st = add_or_retry(set, "error", lf_error, NULL);
    memset(&rep, 0, sizeof rep);
    rep.lf_faults = faults;
    rep.lf_faults_len = 21;
    o.n_threads = 2;
    o.chunk_size = 256;
    o.storage = WSL_STORAGE_AUTO;
    o.fault_tolerant = tolerant;
    if (st == WSL_OK) {
        st = wsl_lf_apply(&L, set, r, 3000, sizeof *r, &o, &rep);
        if (st != WSL_OK)
            ck_assert_ptr_null(L);
        wsl_label_matrix_free(L);
        L = (wsl_label_matrix *)&L;
    }
    if (st == WSL_OK) {
        st = wsl_lf_apply_stream(&L, set, next_records, &it, &o, &rep);
        if (st != WSL_OK)
            ck_assert_ptr_null(L);
        wsl_label_matrix_free(L);
    }
    wsl_lf_set_free(set);
    free(r);
    return st;
}

START_TEST(test_oom_walk)
{
    wsl_test_oom_walk("set, preprocessor, LFs, apply and stream on 2 threads", oom_case, NULL);
    wsl_test_oom_walk("the same, fault tolerant", oom_case, (void *)"tolerant");
}
END_TEST

/* ---------------------------------------------------------------- dictionaries */

static int is_word_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char fold_char(char c, int ignore_case)
{
    return (char)(ignore_case && c >= 'A' && c <= 'Z' ? c + 32 : c);
}

static int same_term(const char *a, const char *b, int ignore_case)
{
    for (; *a && *b; a++, b++)
        if (fold_char(*a, ignore_case) != fold_char(*b, ignore_case))
            return 0;
    return *a == *b;
}

/* Brute force: every term at every position, in the simplest possible way. */
static void brute_match(const char *const *terms, const int32_t *classes, size_t n,
                        const char *text, size_t len, int whole_word, int ignore_case,
                        wsl_dict_match *out)
{
    size_t counts[256] = {0}, best_end = SIZE_MAX, best_len = 0;
    memset(out, 0, sizeof *out);
    out->first_class = WSL_ABSTAIN;
    out->majority_class = WSL_ABSTAIN;
    for (size_t t = 0; t < n; t++) {
        size_t tl = strlen(terms[t]);
        int dup = 0;
        for (size_t u = 0; u < t; u++)
            dup |= same_term(terms[u], terms[t], ignore_case);
        if (dup)
            continue; /* a repeated term is one term, with its first class */
        for (size_t p = 0; p + tl <= len; p++) {
            size_t i = 0;
            while (i < tl && fold_char(text[p + i], ignore_case) ==
                                 fold_char(terms[t][i], ignore_case))
                i++;
            if (i < tl)
                continue;
            if (whole_word && ((p > 0 && is_word_char(text[p - 1]) && is_word_char(text[p])) ||
                               (p + tl < len && is_word_char(text[p + tl]) &&
                                is_word_char(text[p + tl - 1]))))
                continue;
            out->n_matches++;
            counts[classes ? classes[t] : 0]++;
            /* the first match: the one ending first; of those, the longest */
            if (p + tl < best_end || (p + tl == best_end && tl > best_len)) {
                best_end = p + tl;
                best_len = tl;
                out->first_term = t;
                out->first_offset = p;
                out->first_class = classes ? classes[t] : 0;
            }
        }
    }
    for (int32_t c = 0; c < 256; c++)
        if (counts[c] > 0 && (out->majority_class == WSL_ABSTAIN ||
                              counts[c] > counts[out->majority_class]))
            out->majority_class = c;
}

static uint64_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x >> 33;
}

START_TEST(test_dict_vs_brute_force)
{
    /* Random terms and texts over a small alphabet, so overlapping terms, terms that are
     * prefixes or suffixes of others, repeats and case variants are common. Terms may hold
     * spaces and punctuation (word boundaries inside and around them). Rounds with up to 200
     * terms of up to 150 classes exercise the majority beyond 64 distinct classes. */
    const char alphabet[] = "abAB c!";
    uint64_t x = 12345;
    for (int round = 0; round < 400; round++) {
        enum { MAX_TERMS = 200 };
        static char term_buf[MAX_TERMS][7];
        const char *terms[MAX_TERMS];
        int32_t classes[MAX_TERMS];
        char text[160];
        size_t n = round < 200 ? 1 + (size_t)(round % 40) : 100 + (size_t)(round % 100);
        size_t len = round % 7 == 0 ? (size_t)(round % 3) : (size_t)(lcg(&x) % sizeof text);
        int32_t n_classes = round < 100 ? 1 : round < 200 ? 3 : 150;
        for (size_t t = 0; t < n; t++) {
            size_t tl = 1 + (size_t)(lcg(&x) % 6);
            for (size_t i = 0; i < tl; i++)
                term_buf[t][i] = alphabet[lcg(&x) % 7];
            term_buf[t][tl] = '\0';
            terms[t] = term_buf[t];
            classes[t] = (int32_t)(lcg(&x) % (uint64_t)n_classes);
        }
        for (size_t i = 0; i < len; i++)
            text[i] = alphabet[lcg(&x) % 7];
        for (int ww = 0; ww <= 1; ww++)
            for (int ic = 0; ic <= 1; ic++) {
                wsl_dict_options o = WSL_DICT_OPTIONS_INIT;
                wsl_dict *d = NULL;
                wsl_dict_match m, b;
                o.whole_word = ww;
                o.ignore_case = ic;
                WSL_ASSERT_OK(wsl_dict_create(&d, terms, round < 100 ? NULL : classes, n, &o,
                                              NULL));
                WSL_ASSERT_OK(wsl_dict_find(d, len ? text : NULL, len, &m));
                brute_match(terms, round < 100 ? NULL : classes, n, text, len, ww, ic, &b);
                ck_assert_msg(m.n_matches == b.n_matches, "round %d ww %d ic %d: %zu vs %zu",
                              round, ww, ic, m.n_matches, b.n_matches);
                ck_assert_int_eq(m.first_class, b.first_class);
                ck_assert_int_eq(m.majority_class, b.majority_class);
                if (b.n_matches > 0) {
                    ck_assert_uint_eq(m.first_term, b.first_term);
                    ck_assert_uint_eq(m.first_offset, b.first_offset);
                }
                wsl_dict_free(d);
            }
    }
}
END_TEST

/* The majority over 200 classes, decided among classes of rank beyond the first 64 (counted in
 * later passes): a clear winner, a tie (the lower class wins), then the other way round. */
START_TEST(test_dict_many_classes)
{
    enum { N = 200 };
    static char buf[N][8];
    const char *terms[N];
    int32_t classes[N];
    char text[4096];
    size_t len = 0;
    wsl_dict *d = NULL;
    wsl_dict_match m;
    for (int t = 0; t < N; t++) {
        snprintf(buf[t], sizeof buf[t], "w%d", t);
        terms[t] = buf[t];
        classes[t] = N - 1 - t; /* ranks run opposite to creation order */
    }
    WSL_ASSERT_OK(wsl_dict_create(&d, terms, classes, N, NULL, NULL));
    for (int t = 0; t < N; t += 3)
        len += (size_t)snprintf(text + len, sizeof text - len, "w%d ", t);
    for (int r = 0; r < 2; r++)
        len += (size_t)snprintf(text + len, sizeof text - len, "w%d w%d ", 69, 5);
    WSL_ASSERT_OK(wsl_dict_find(d, text, len, &m));
    ck_assert_uint_eq(m.n_matches, (N + 2) / 3 + 4);
    ck_assert_int_eq(m.first_class, N - 1);
    /* w69 (class 130) 3 times (once in the sweep), w5 (class 194) twice */
    ck_assert_int_eq(m.majority_class, N - 1 - 69);
    len += (size_t)snprintf(text + len, sizeof text - len, "w%d ", 5);
    WSL_ASSERT_OK(wsl_dict_find(d, text, len, &m));
    ck_assert_int_eq(m.majority_class, N - 1 - 69); /* a 3-3 tie: the lower class */
    len += (size_t)snprintf(text + len, sizeof text - len, "w%d ", 5);
    WSL_ASSERT_OK(wsl_dict_find(d, text, len, &m));
    ck_assert_int_eq(m.majority_class, N - 1 - 5);
    wsl_dict_free(d);
}
END_TEST

START_TEST(test_dict_semantics)
{
    const char *terms[] = {"check out", "subscribe", "Sub", "free gift", "song"};
    const int32_t classes[] = {1, 1, 1, 1, 0};
    wsl_dict *d = NULL;
    wsl_dict_match m;
    WSL_ASSERT_OK(wsl_dict_create(&d, terms, classes, 5, NULL, NULL));
    ck_assert_uint_eq(wsl_dict_size(d), 5);
    WSL_ASSERT_OK(wsl_dict_find(d, "CHECK OUT my song, subscribe!", 29, &m));
    ck_assert_uint_eq(m.n_matches, 3); /* "sub" inside "subscribe" is not a whole word */
    ck_assert_uint_eq(m.first_term, 0);
    ck_assert_uint_eq(m.first_offset, 0);
    ck_assert_int_eq(m.first_class, 1);
    ck_assert_int_eq(m.majority_class, 1);
    WSL_ASSERT_OK(wsl_dict_find(d, "a song", 6, &m));
    ck_assert_int_eq(m.majority_class, 0);
    WSL_ASSERT_OK(wsl_dict_find(d, "nothing here", 12, &m));
    ck_assert_uint_eq(m.n_matches, 0);
    ck_assert_int_eq(m.majority_class, WSL_ABSTAIN);
    WSL_ASSERT_OK(wsl_dict_find(d, NULL, 0, &m));
    ck_assert_uint_eq(m.n_matches, 0);
    wsl_dict_free(d);
    /* Errors. */
    {
        const char *bad[] = {"ok", ""};
        const int32_t neg[] = {0, -1};
        wsl_dict_options o = {9, 1, 1};
        d = NULL;
        WSL_ASSERT_STATUS(wsl_dict_create(&d, bad, NULL, 2, NULL, NULL), WSL_EINVAL);
        ck_assert_ptr_null(d);
        WSL_ASSERT_STATUS(wsl_dict_create(&d, terms, neg, 2, NULL, NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_dict_create(&d, terms, NULL, 2, &o, NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_dict_create(NULL, terms, NULL, 2, NULL, NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_dict_find(NULL, "x", 1, &m), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_dict_load(&d, "/nonexistent/terms.txt", 0, NULL, NULL), WSL_EIO);
        WSL_ASSERT_STATUS(wsl_dict_load(&d, "/nonexistent/terms.txt", -2, NULL, NULL), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "cls"));
        WSL_ASSERT_STATUS(wsl_dict_load(NULL, "x", 0, NULL, NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_dict_load(&d, NULL, 0, NULL, NULL), WSL_EINVAL);
        o.version = WSL_DICT_OPTIONS_VERSION;
        o.whole_word = 2;
        WSL_ASSERT_STATUS(wsl_dict_create(&d, terms, NULL, 2, &o, NULL), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "opts->whole_word"));
        WSL_ASSERT_STATUS(wsl_dict_load(&d, "/nonexistent/terms.txt", 0, &o, NULL), WSL_EINVAL);
        o.whole_word = 1;
        o.ignore_case = -1;
        WSL_ASSERT_STATUS(wsl_dict_create(&d, terms, NULL, 2, &o, NULL), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "opts->ignore_case"));
        WSL_ASSERT_STATUS(wsl_dict_create(&d, NULL, NULL, 2, NULL, NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_dict_find(d, "x", 1, NULL), WSL_EINVAL);
        ck_assert_uint_eq(wsl_dict_size(NULL), 0);
        wsl_dict_free(NULL);
        /* no terms: a valid dictionary that matches nothing */
        WSL_ASSERT_OK(wsl_dict_create(&d, NULL, NULL, 0, NULL, NULL));
        WSL_ASSERT_OK(wsl_dict_find(d, "anything", 8, &m));
        ck_assert_uint_eq(m.n_matches, 0);
        ck_assert_int_eq(m.first_class, WSL_ABSTAIN);
        wsl_dict_free(d);
    }
}
END_TEST

static const char *comment_text(const wsl_lf_input *in, size_t *len, void *payload)
{
    const rec *r = in->record;
    (void)payload;
    *len = strlen(r->text);
    return r->text;
}

START_TEST(test_dict_file_and_lf)
{
    char *path = wsl_test_write_temp(".txt", "free gift\n\nsubscribe  \nwin money\n", 33);
    wsl_dict *d = NULL;
    wsl_lf_set *set = NULL;
    wsl_label_matrix *L = NULL;
    rec r[3] = {{0, "Subscribe now"}, {1, "nice song"}, {2, "win money and a free gift"}};
    int32_t v;
    WSL_ASSERT_OK(wsl_dict_load(&d, path, 1, NULL, NULL));
    ck_assert_uint_eq(wsl_dict_size(d), 3);
    WSL_ASSERT_OK(wsl_lf_set_create(&set, 2, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add_dict(set, "spam_terms", d, comment_text, NULL));
    WSL_ASSERT_STATUS(wsl_lf_set_add_dict(set, "spam_terms", d, comment_text, NULL), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, 3, sizeof *r, NULL, NULL));
    WSL_ASSERT_OK(wsl_label_matrix_get(L, 0, 0, &v));
    ck_assert_int_eq(v, 1);
    WSL_ASSERT_OK(wsl_label_matrix_get(L, 1, 0, &v));
    ck_assert_int_eq(v, WSL_ABSTAIN);
    WSL_ASSERT_OK(wsl_label_matrix_get(L, 2, 0, &v));
    ck_assert_int_eq(v, 1);
    wsl_label_matrix_free(L);
    wsl_lf_set_free(set);
    wsl_dict_free(d);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(test_dict_file_classes)
{
    /* A byte order mark, CRLF endings, blanks around the class, a blank line. */
    static const char file[] = "\xef\xbb\xbfsubscribe\t1\r\nlovely song \t 0\r\n\r\n"
                               "check out\t1\n";
    static const char bad[] = "fine\t1\nno class here\n";
    static const char bad2[] = "fine\t1\nbig\t1000000\n";
    char *path = wsl_test_write_temp(".tsv", file, sizeof file - 1);
    char *bad_path = wsl_test_write_temp(".tsv", bad, sizeof bad - 1);
    char *bad2_path = wsl_test_write_temp(".tsv", bad2, sizeof bad2 - 1);
    wsl_dict *d = NULL;
    wsl_dict_match m;
    wsl_lf_set *set = NULL;
    wsl_label_matrix *L = NULL;
    rec r[2] = {{0, "a lovely song"}, {1, "please check out my channel"}};
    int32_t v;
    WSL_ASSERT_OK(wsl_dict_load(&d, path, WSL_DICT_CLASS_IN_FILE, NULL, NULL));
    ck_assert_uint_eq(wsl_dict_size(d), 3);
    WSL_ASSERT_OK(wsl_dict_find(d, "Lovely Song, subscribe and check out", 36, &m));
    ck_assert_uint_eq(m.n_matches, 3);
    ck_assert_int_eq(m.first_class, 0);
    ck_assert_int_eq(m.majority_class, 1);
    {
        wsl_dict *whole = NULL;
        WSL_ASSERT_STATUS(wsl_dict_load(&whole, bad_path, WSL_DICT_CLASS_IN_FILE, NULL, NULL),
                          WSL_EFORMAT);
        ck_assert_ptr_null(whole);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), ":2"));
        WSL_ASSERT_STATUS(wsl_dict_load(&whole, bad2_path, WSL_DICT_CLASS_IN_FILE, NULL, NULL),
                          WSL_EFORMAT);
        /* the whole line is the term when the class is given */
        WSL_ASSERT_OK(wsl_dict_load(&whole, bad_path, 0, NULL, NULL));
        WSL_ASSERT_OK(wsl_dict_find(whole, "no class here", 13, &m));
        ck_assert_uint_eq(m.n_matches, 1);
        wsl_dict_free(whole);
    }
    /* An LF over a dictionary voting a class the set does not have fails, naming the LF. */
    WSL_ASSERT_OK(wsl_lf_set_create(&set, 2, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add_dict(set, "lexicon", d, comment_text, NULL));
    WSL_ASSERT_OK(wsl_lf_apply(&L, set, r, 2, sizeof *r, NULL, NULL));
    WSL_ASSERT_OK(wsl_label_matrix_get(L, 0, 0, &v));
    ck_assert_int_eq(v, 0);
    WSL_ASSERT_OK(wsl_label_matrix_get(L, 1, 0, &v));
    ck_assert_int_eq(v, 1);
    wsl_label_matrix_free(L);
    wsl_lf_set_free(set);
    WSL_ASSERT_OK(wsl_lf_set_create(&set, 1, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add_dict(set, "lexicon", d, comment_text, NULL));
    WSL_ASSERT_STATUS(wsl_lf_apply(&L, set, r, 2, sizeof *r, NULL, NULL), WSL_ECALLBACK);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "LF \"lexicon\" returned 1 on record 1"));
    WSL_ASSERT_STATUS(wsl_lf_set_add_dict(NULL, "x", d, comment_text, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add_dict(set, "x", NULL, comment_text, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add_dict(set, "x", d, NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add_dict(set, "bad,name", d, comment_text, NULL), WSL_EINVAL);
    ck_assert_uint_eq(wsl_lf_set_size(set), 1);
    wsl_lf_set_free(set);
    wsl_dict_free(d);
    unlink(path);
    unlink(bad_path);
    unlink(bad2_path);
    free(path);
    free(bad_path);
    free(bad2_path);
}
END_TEST

/* Fuzz finding (fuzz_dict): a NUL byte in a dictionary file. "\0vhannel\t1" made an empty
 * term that wsl_dict_create refused with WSL_EINVAL ("term 4 is empty", no file or line), and a
 * term like "s/\0o" was silently cut to "s/". Both are malformed lines: WSL_EFORMAT at path:line. */
START_TEST(test_fuzz_dict_nul)
{
    static const char in_file[] = "subscribe\t1\nhttp\t1\n\0vhannel\t1\n";
    static const char one_class[] = "please\ns/\0o\n";
    char *p1 = wsl_test_write_temp(".tsv", in_file, sizeof in_file - 1);
    char *p2 = wsl_test_write_temp(".txt", one_class, sizeof one_class - 1);
    wsl_dict *d = (wsl_dict *)&d;
    WSL_ASSERT_STATUS(wsl_dict_load(&d, p1, WSL_DICT_CLASS_IN_FILE, NULL, NULL), WSL_EFORMAT);
    ck_assert_ptr_null(d);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), ":3:1: NUL byte in a term"));
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), p1));
    WSL_ASSERT_STATUS(wsl_dict_load(&d, p2, 0, NULL, NULL), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), ":2:3: NUL byte in a term"));
    ck_assert_ptr_null(d);
    unlink(p1);
    unlink(p2);
    free(p1);
    free(p2);
}
END_TEST

START_TEST(test_names)
{
    wsl_lf_set *set = NULL;
    wsl_preprocessor pp = {"shared", 8, pp_double, NULL, NULL};
    char long_name[1100];
    size_t idx;
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    WSL_ASSERT_OK(wsl_lf_set_create(&set, 3, NULL));
    WSL_ASSERT_STATUS(wsl_lf_set_add(NULL, "x", lf_parity, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, long_name, lf_parity, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, "del\x7f", lf_parity, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, "new\nline", lf_parity, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "at byte 3"));
    WSL_ASSERT_OK(wsl_lf_set_add(set, "caf\xc3\xa9 spaces ok", lf_parity, NULL));
    WSL_ASSERT_OK(wsl_lf_set_add_preprocessor(set, &pp, NULL));
    WSL_ASSERT_STATUS(wsl_lf_set_add(set, "shared", lf_parity, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "preprocessor named \"shared\""));
    pp.name = NULL;
    WSL_ASSERT_STATUS(wsl_lf_set_add_preprocessor(set, &pp, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_add_preprocessor(NULL, &pp, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_find(NULL, "x", &idx), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_find(set, NULL, &idx), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_set_find(set, "x", NULL), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_lf_set_find(set, "caf\xc3\xa9 spaces ok", &idx));
    ck_assert_uint_eq(idx, 0);
    ck_assert_uint_eq(wsl_lf_set_size(set), 1);
    ck_assert_ptr_null(wsl_lf_set_name(NULL, 0));
    ck_assert_int_eq(wsl_lf_set_cardinality(NULL), 0);
    wsl_lf_set_free(set);
    WSL_ASSERT_STATUS(wsl_lf_set_create(&set, WSL_MAX_CARDINALITY + 1, NULL), WSL_EINVAL);
    ck_assert_ptr_null(set);
}
END_TEST

static const char *oom_dict_path;

static wsl_status oom_dict(const wsl_allocator *a, void *ctx)
{
    const char *terms[] = {"alpha", "alps", "beta", "bet", "gamma", "al"};
    wsl_dict *d = NULL;
    wsl_lf_set *set = NULL;
    wsl_dict *f = NULL;
    wsl_label_matrix *L = NULL;
    rec r[2] = {{0, "the alps and a beta"}, {1, "nothing"}};
    wsl_status st = wsl_dict_create(&d, terms, NULL, 6, NULL, a);
    (void)ctx;
    if (st == WSL_OK)
        st = wsl_dict_load(&f, oom_dict_path, WSL_DICT_CLASS_IN_FILE, NULL, a);
    if (st == WSL_OK)
        st = wsl_lf_set_create(&set, 2, a);
    if (st == WSL_OK)
        st = wsl_lf_set_add_dict(set, "d", d, comment_text, NULL);
    if (st == WSL_OK)
        st = wsl_lf_set_add_dict(set, "f", f, comment_text, NULL);
    if (st == WSL_OK)
        st = wsl_lf_apply(&L, set, r, 2, sizeof *r, NULL, NULL);
    wsl_label_matrix_free(L);
    wsl_lf_set_free(set);
    wsl_dict_free(d);
    wsl_dict_free(f);
    return st;
}

START_TEST(test_dict_oom_walk)
{
    static const char file[] = "alps\t1\nbeta\t0\nalpha beta\t1\n";
    char *path = wsl_test_write_temp(".tsv", file, sizeof file - 1);
    oom_dict_path = path;
    wsl_test_oom_walk("dict_create, dict_load, add_dict, apply", oom_dict, NULL);
    unlink(path);
    free(path);
}
END_TEST

static Suite *lf_suite(void)
{
    Suite *s = suite_create("lf");
    TCase *core = tcase_create("core");
    TCase *errors = tcase_create("errors");
    TCase *oom = tcase_create("oom");
    TCase *dict = tcase_create("dict");
    tcase_add_test(dict, test_dict_vs_brute_force);
    tcase_add_test(dict, test_dict_many_classes);
    tcase_add_test(dict, test_dict_semantics);
    tcase_add_test(dict, test_dict_file_and_lf);
    tcase_add_test(dict, test_dict_file_classes);
    tcase_add_test(errors, test_names);
    tcase_add_test(oom, test_dict_oom_walk);
    tcase_add_test(dict, test_fuzz_dict_nul);
    tcase_add_test(core, test_apply_values);
    tcase_add_test(core, test_threads_identical);
    tcase_add_test(core, test_stream_equals_array);
    tcase_add_test(core, test_preprocessor_once);
    tcase_add_test(core, test_progress);
    tcase_add_test(core, test_wide_cells_threads);
    tcase_add_test(core, test_preprocessor_lifecycle);
    tcase_add_test(core, test_stream_batches);
    tcase_add_test(core, test_progress_threads);
    tcase_add_test(errors, test_faults_threads);
    tcase_add_test(errors, test_faults_tolerant_threads);
    tcase_add_test(errors, test_faults);
    tcase_add_test(errors, test_errors);
    tcase_add_test(oom, test_oom_walk);
    tcase_set_timeout(core, 120);
    tcase_set_timeout(oom, 120);
    suite_add_tcase(s, core);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, dict);
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(lf_suite());
}
