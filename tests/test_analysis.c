/* LF summary and metrics: hand-computed tables, dense and sparse, real data, failure paths. */
#include "wsl_test_util.h"
#include "libc_fail.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int32_t small[] = {
    0, -1, 1,   /* row 0: LF0 and LF2 disagree */
    -1, -1, -1, /* row 1: uncovered */
    1, 1, -1,   /* row 2: LF0 and LF1 agree */
    2, 0, 0,    /* row 3: LF0 disagrees with LF1, LF2 */
};
static const int32_t small_gold[] = {1, -1, 1, 0};

/* Expected per LF, computed by hand from the rows above. */
static const struct {
    double coverage, overlaps, conflicts;
    size_t correct, incorrect;
    double precision;
    size_t n_pol;
    int32_t pol[3];
} expect[3] = {
    {0.75, 0.75, 0.50, 1, 2, 1.0 / 3, 3, {0, 1, 2}},
    {0.50, 0.50, 0.25, 2, 0, 1.0, 2, {0, 1}},
    {0.50, 0.50, 0.50, 2, 0, 1.0, 2, {0, 1}},
};

START_TEST(test_summary_table)
{
    wsl_label_matrix *L = NULL;
    wsl_lf_summary *S = NULL;
    wsl_lf_totals t;
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, (wsl_storage)(_i + 1), NULL));
    WSL_ASSERT_OK(wsl_lf_summary_compute(&S, L, small_gold, 4, NULL));
    for (size_t j = 0; j < 3; j++) {
        wsl_lf_stats s;
        int32_t pol[3];
        size_t np;
        WSL_ASSERT_OK(wsl_lf_summary_stats(S, j, &s));
        ck_assert_double_eq_tol(s.coverage, expect[j].coverage, 1e-12);
        ck_assert_double_eq_tol(s.overlaps, expect[j].overlaps, 1e-12);
        ck_assert_double_eq_tol(s.conflicts, expect[j].conflicts, 1e-12);
        ck_assert_uint_eq(s.correct, expect[j].correct);
        ck_assert_uint_eq(s.incorrect, expect[j].incorrect);
        ck_assert_double_eq_tol(s.precision, expect[j].precision, 1e-12);
        ck_assert(isnan(s.learned_accuracy));
        ck_assert_int_eq(s.has_gold, 1);
        WSL_ASSERT_OK(wsl_lf_summary_polarity(S, j, pol, 3, &np));
        ck_assert_uint_eq(np, expect[j].n_pol);
        ck_assert_mem_eq(pol, expect[j].pol, np * sizeof *pol);
    }
    WSL_ASSERT_OK(wsl_lf_summary_totals(S, &t));
    ck_assert_double_eq_tol(t.coverage, 0.75, 1e-12);
    ck_assert_double_eq_tol(t.overlap, 0.75, 1e-12);
    ck_assert_double_eq_tol(t.conflict, 0.5, 1e-12);
    ck_assert_uint_eq(t.n_gold, 3);
    wsl_lf_summary_free(S);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_summary_with_model)
{
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    wsl_label_model *M = NULL;
    wsl_lf_summary *S = NULL;
    wsl_lf_stats s;
    int32_t *gold = malloc(10000 * sizeof *gold);
    double acc[10];
    so.n_points = 10000;
    WSL_ASSERT_OK(wsl_synth_generate(&L, &so, gold, 10000, acc, 10, NULL, 0));
    WSL_ASSERT_OK(wsl_label_model_create(&M, 2, NULL));
    WSL_ASSERT_OK(wsl_label_model_fit(M, L, NULL));
    WSL_ASSERT_OK(wsl_lf_summary_compute(&S, L, gold, 10000, M));
    for (size_t j = 0; j < 10; j++) {
        WSL_ASSERT_OK(wsl_lf_summary_stats(S, j, &s));
        ck_assert_double_eq_tol(s.precision, acc[j], 0.03);
        ck_assert_double_eq_tol(s.learned_accuracy, acc[j], 0.05);
    }
    wsl_lf_summary_free(S);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    free(gold);
}
END_TEST

START_TEST(test_summary_real)
{
    /* youtube train: the figures were cross-checked with numpy:
     * L = np.loadtxt("L_train.csv", delimiter=",", dtype=int); covered = (L >= 0).any(1) */
    char path[1024];
    wsl_label_matrix *L = NULL;
    wsl_lf_summary *S = NULL;
    wsl_lf_totals t;
    snprintf(path, sizeof path, "%s/youtube/L_train.csv", WSL_SHARED_DATA_DIR);
    if (wsl_votes_read(&L, path, NULL) != WSL_OK) {
        fprintf(stderr, "skipping: %s not readable\n", path);
        return;
    }
    WSL_ASSERT_OK(wsl_lf_summary_compute(&S, L, NULL, 0, NULL));
    WSL_ASSERT_OK(wsl_lf_summary_totals(S, &t));
    ck_assert_uint_eq(t.n_points, 1586);
    ck_assert_double_eq_tol(t.coverage, 1391.0 / 1586.0, 1e-12);
    for (size_t j = 0; j < 10; j++) {
        wsl_lf_stats s;
        WSL_ASSERT_OK(wsl_lf_summary_stats(S, j, &s));
        ck_assert_uint_eq(s.n_polarity, 1); /* every youtube LF votes one class */
        ck_assert(s.overlaps <= s.coverage && s.conflicts <= s.overlaps);
        ck_assert_int_eq(s.has_gold, 0);
    }
    wsl_lf_summary_free(S);
    wsl_label_matrix_free(L);
}
END_TEST

static const double P[] = {0.9, 0.1, 0.5, 0.5, 0.2, 0.8, 0.6, 0.4};
static const int32_t G[] = {0, 1, 1, -1};
static const uint8_t COV[] = {1, 0, 1, 1};

START_TEST(test_metrics_table)
{
    wsl_metrics m;
    double pc[6], conf[4];
    WSL_ASSERT_OK(wsl_metrics_compute(P, 4, 2, G, 4, COV, 0, &m, pc, 6, conf, 4));
    ck_assert_uint_eq(m.n_rows, 4);
    ck_assert_uint_eq(m.n_counted, 3);
    ck_assert_uint_eq(m.n_unknown_gold, 1);
    ck_assert_uint_eq(m.n_uncovered, 1);
    ck_assert_double_eq_tol(m.coverage, 0.75, 1e-12);
    ck_assert_double_eq_tol(m.accuracy, 2.5 / 3, 1e-12);
    ck_assert_double_eq_tol(m.brier, 0.2, 1e-12);
    ck_assert_double_eq_tol(m.log_loss, (-log(0.9) - log(0.5) - log(0.8)) / 3, 1e-12);
    ck_assert_double_eq_tol(conf[0], 1.0, 1e-12);
    ck_assert_double_eq_tol(conf[1], 0.0, 1e-12);
    ck_assert_double_eq_tol(conf[2], 0.5, 1e-12);
    ck_assert_double_eq_tol(conf[3], 1.5, 1e-12);
    ck_assert_double_eq_tol(pc[0], 2.0 / 3, 1e-12); /* class 0 precision */
    ck_assert_double_eq_tol(pc[1], 1.0, 1e-12);     /* class 0 recall */
    ck_assert_double_eq_tol(pc[2], 0.8, 1e-12);     /* class 0 F1 */
    ck_assert_double_eq_tol(pc[5], 3.0 / 3.5, 1e-12);
    ck_assert_double_eq_tol(m.macro_f1, (0.8 + 3.0 / 3.5) / 2, 1e-12);
    /* Covered rows only. */
    WSL_ASSERT_OK(wsl_metrics_compute(P, 4, 2, G, 4, COV, 1, &m, NULL, 0, NULL, 0));
    ck_assert_uint_eq(m.n_counted, 2);
    ck_assert_double_eq_tol(m.accuracy, 1.0, 1e-12);
    ck_assert_int_eq(m.covered_only, 1);
}
END_TEST

START_TEST(test_slices)
{
    const int32_t svotes[] = {1, -1, -1, 1, 1, 0, 0, 1};
    wsl_label_matrix *S = NULL;
    wsl_metrics m[2];
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&S, svotes, 4, 2, 2, 2, WSL_STORAGE_DENSE, NULL));
    WSL_ASSERT_OK(wsl_metrics_by_slice(P, 4, 2, G, 4, NULL, 0, S, m, 2));
    ck_assert_uint_eq(m[0].n_rows, 2);
    ck_assert_uint_eq(m[0].n_counted, 2);
    ck_assert_double_eq_tol(m[0].accuracy, 1.0, 1e-12);
    ck_assert_uint_eq(m[1].n_rows, 2);
    ck_assert_uint_eq(m[1].n_counted, 1);
    ck_assert_double_eq_tol(m[1].accuracy, 0.5, 1e-12);
    WSL_ASSERT_STATUS(wsl_metrics_by_slice(P, 4, 2, G, 4, NULL, 0, S, m, 1), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_metrics_by_slice(P, 3, 2, G, 3, NULL, 0, S, m, 2), WSL_EDIM);
    wsl_label_matrix_free(S);
}
END_TEST

START_TEST(test_errors)
{
    wsl_label_matrix *L = NULL;
    wsl_lf_summary *S = NULL;
    wsl_label_model *M = NULL;
    wsl_metrics m;
    wsl_lf_stats s;
    int32_t pol[1];
    const int32_t bad_gold[] = {0, 5, 0, 0};
    const double nan_p[] = {NAN, 0.5};
    const int32_t g1[] = {0};
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, WSL_STORAGE_DENSE, NULL));
    WSL_ASSERT_STATUS(wsl_lf_summary_compute(NULL, L, NULL, 0, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_summary_compute(&S, NULL, NULL, 0, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_lf_summary_compute(&S, L, small_gold, 3, NULL), WSL_EDIM);
    WSL_ASSERT_STATUS(wsl_lf_summary_compute(&S, L, bad_gold, 4, NULL), WSL_ERANGE);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "gold[1]"));
    WSL_ASSERT_OK(wsl_label_model_create(&M, 3, NULL));
    WSL_ASSERT_STATUS(wsl_lf_summary_compute(&S, L, NULL, 0, M), WSL_ESTATE);
    ck_assert_ptr_null(S);
    WSL_ASSERT_OK(wsl_lf_summary_compute(&S, L, NULL, 0, NULL));
    WSL_ASSERT_STATUS(wsl_lf_summary_stats(S, 3, &s), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_lf_summary_polarity(S, 0, pol, 1, NULL), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_lf_summary_totals(S, NULL), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_lf_summary_stats(S, 0, &s));
    ck_assert(isnan(s.precision));
    ck_assert_int_eq(s.has_gold, 0);
    WSL_ASSERT_STATUS(wsl_metrics_compute(P, 4, 2, G, 3, NULL, 0, &m, NULL, 0, NULL, 0), WSL_EDIM);
    WSL_ASSERT_STATUS(wsl_metrics_compute(P, 4, 2, bad_gold, 4, NULL, 0, &m, NULL, 0, NULL, 0),
                      WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_metrics_compute(nan_p, 1, 2, g1, 1, NULL, 0, &m, NULL, 0, NULL, 0),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_metrics_compute(P, 4, 0, G, 4, NULL, 0, &m, NULL, 0, NULL, 0), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_metrics_compute(P, 4, 2, G, 4, NULL, 0, NULL, NULL, 0, NULL, 0), WSL_EINVAL);
    {
        double pc[5], conf[3];
        WSL_ASSERT_STATUS(wsl_metrics_compute(P, 4, 2, G, 4, NULL, 0, &m, pc, 5, NULL, 0), WSL_EBUFS);
        WSL_ASSERT_STATUS(wsl_metrics_compute(P, 4, 2, G, 4, NULL, 0, &m, NULL, 0, conf, 3),
                          WSL_EBUFS);
    }
    wsl_lf_summary_free(S);
    wsl_lf_summary_free(NULL);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/* Summary (with gold, and with a fitted model) and metrics per slice, in both storages. */
static wsl_status oom_analysis(const wsl_allocator *a, void *ctx)
{
    static const int32_t svotes[] = {1, -1, -1, 1, 1, 0, 0, 1};
    wsl_status st = WSL_OK;
    (void)ctx;
    for (int s = 1; st == WSL_OK && s <= 2; s++) {
        wsl_label_matrix *L = NULL, *S = NULL;
        wsl_lf_summary *sum = NULL;
        wsl_label_model *M = NULL;
        wsl_metrics met[2];
        st = wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, (wsl_storage)s, a);
        if (st == WSL_OK) {
            sum = (wsl_lf_summary *)&sum; /* must become NULL on failure */
            st = wsl_lf_summary_compute(&sum, L, small_gold, 4, NULL);
            if (st != WSL_OK)
                ck_assert_ptr_null(sum);
            wsl_lf_summary_free(sum);
            sum = NULL;
        }
        if (st == WSL_OK)
            st = wsl_label_model_create(&M, 3, a);
        if (st == WSL_OK)
            st = wsl_label_model_fit(M, L, NULL);
        if (st == WSL_OK)
            st = wsl_lf_summary_compute(&sum, L, small_gold, 4, M);
        wsl_lf_summary_free(sum);
        if (st == WSL_OK)
            st = wsl_label_matrix_from_buffer(&S, svotes, 4, 2, 2, 2, (wsl_storage)s, a);
        if (st == WSL_OK)
            st = wsl_metrics_by_slice(P, 4, 2, G, 4, NULL, 0, S, met, 2);
        wsl_label_matrix_free(S);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
    }
    return st;
}

START_TEST(test_oom_walk)
{
    wsl_test_oom_walk("summary, summary with a model, metrics by slice", oom_analysis, NULL);
}
END_TEST

/* wsl_metrics_compute takes no allocator: its k x k scratch (confusion NULL) is the C
 * library's. */
static wsl_status libc_metrics_call(void *ctx)
{
    wsl_metrics *met = ctx;
    return wsl_metrics_compute(P, 4, 2, G, 4, NULL, 0, met, NULL, 0, NULL, 0);
}

static void libc_metrics_after(wsl_status st, void *ctx)
{
    const wsl_metrics *met = ctx;
    if (st == WSL_OK)
        ck_assert_uint_eq(met->n_counted, 3);
}

START_TEST(test_oom_libc_metrics)
{
    wsl_metrics met;
    wsl_test_libc_walk("metrics_compute", libc_metrics_call, libc_metrics_after, &met);
}
END_TEST

static Suite *analysis_suite(void)
{
    Suite *s = suite_create("analysis");
    TCase *core = tcase_create("core");
    TCase *errors = tcase_create("errors");
    TCase *oom = tcase_create("oom");
    tcase_add_loop_test(core, test_summary_table, 0, 2); /* dense, sparse */
    tcase_add_test(core, test_summary_with_model);
    tcase_add_test(core, test_summary_real);
    tcase_add_test(core, test_metrics_table);
    tcase_add_test(core, test_slices);
    tcase_add_test(errors, test_errors);
    tcase_add_test(oom, test_oom_walk);
    tcase_add_test(oom, test_oom_libc_metrics);
    suite_add_tcase(s, core);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(analysis_suite());
}
