/* The synthetic generator: determinism, the accuracies it promises, options, OOM. */
#include "wsl_test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_deterministic)
{
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *A = NULL, *B = NULL, *C = NULL;
    int32_t *a, *b;
    o.n_points = 2000;
    o.one_polarity = 0.5;
    WSL_ASSERT_OK(wsl_synth_generate(&A, &o, NULL, 0, NULL, 0, NULL, 0));
    WSL_ASSERT_OK(wsl_synth_generate(&B, &o, NULL, 0, NULL, 0, NULL, 0));
    o.seed = 2;
    WSL_ASSERT_OK(wsl_synth_generate(&C, &o, NULL, 0, NULL, 0, NULL, 0));
    a = malloc(2000 * 10 * sizeof *a);
    b = malloc(2000 * 10 * sizeof *b);
    WSL_ASSERT_OK(wsl_label_matrix_to_buffer(A, a, 20000));
    WSL_ASSERT_OK(wsl_label_matrix_to_buffer(B, b, 20000));
    ck_assert_mem_eq(a, b, 20000 * sizeof *a);
    WSL_ASSERT_OK(wsl_label_matrix_to_buffer(C, b, 20000));
    ck_assert(memcmp(a, b, 20000 * sizeof *a) != 0);
    free(a);
    free(b);
    wsl_label_matrix_free(A);
    wsl_label_matrix_free(B);
    wsl_label_matrix_free(C);
}
END_TEST

START_TEST(test_accuracies_hold)
{
    /* k = 2 and k = 5, with and without one-polarity sources: the empirical accuracy (precision
     * for one-polarity sources) of every source is within 0.02 of what the generator reports. */
    const int32_t ks[] = {2, 5};
    for (int t = 0; t < 4; t++) {
        wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
        wsl_label_matrix *L = NULL;
        size_t n = 100000, m = 8;
        int32_t *gold = malloc(n * sizeof *gold), pol[8];
        double acc[8];
        o.n_points = n;
        o.n_sources = m;
        o.cardinality = ks[t % 2];
        o.one_polarity = t / 2 ? 1.0 : 0.0;
        o.seed = (uint64_t)t;
        int32_t *votes = malloc(n * m * sizeof *votes);
        WSL_ASSERT_OK(wsl_synth_generate(&L, &o, gold, n, acc, m, pol, m));
        WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, votes, n * m));
        for (size_t j = 0; j < m; j++) {
            size_t right = 0, fired = 0, off_polarity = 0;
            for (size_t i = 0; i < n; i++) {
                int32_t v = votes[i * m + j];
                if (v == WSL_ABSTAIN)
                    continue;
                fired++;
                right += v == gold[i];
                off_polarity += pol[j] != WSL_ABSTAIN && v != pol[j];
            }
            ck_assert_uint_eq(off_polarity, 0);
            ck_assert_msg(fabs((double)right / (double)fired - acc[j]) < 0.02,
                          "case %d source %zu: empirical %.4f, promised %.4f", t, j,
                          (double)right / (double)fired, acc[j]);
            ck_assert(acc[j] >= o.accuracy_min && acc[j] <= o.accuracy_max);
            if (o.one_polarity == 0)
                ck_assert_int_eq(pol[j], WSL_ABSTAIN);
        }
        free(gold);
        free(votes);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_class_prior_and_storage)
{
    const double prior[] = {0.8, 0.15, 0.05};
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    int32_t *gold = malloc(50000 * sizeof *gold);
    size_t counts[3] = {0, 0, 0};
    o.n_points = 50000;
    o.cardinality = 3;
    o.class_prior = prior;
    o.coverage_min = 0.01;
    o.coverage_max = 0.02;
    o.n_sources = 200;
    o.storage = WSL_STORAGE_AUTO;
    WSL_ASSERT_OK(wsl_synth_generate(&L, &o, gold, 50000, NULL, 0, NULL, 0));
    ck_assert_int_eq(wsl_label_matrix_storage(L), WSL_STORAGE_SPARSE); /* 1-2% of 200 sources */
    for (size_t i = 0; i < 50000; i++)
        counts[gold[i]]++;
    for (int c = 0; c < 3; c++)
        ck_assert_double_eq_tol((double)counts[c] / 50000.0, prior[c], 0.01);
    free(gold);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_storages_same_votes)
{
    /* The storage changes the layout, never the votes: same seed, same cells. */
    const wsl_storage storages[] = {WSL_STORAGE_DENSE, WSL_STORAGE_SPARSE, WSL_STORAGE_AUTO};
    int32_t *ref = malloc(3000 * 7 * sizeof *ref), *got = malloc(3000 * 7 * sizeof *got);
    for (int t = 0; t < 3; t++) {
        wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
        wsl_label_matrix *L = NULL;
        o.n_points = 3000;
        o.n_sources = 7;
        o.cardinality = 4;
        o.one_polarity = 0.4;
        o.storage = storages[t];
        o.seed = 99;
        WSL_ASSERT_OK(wsl_synth_generate(&L, &o, NULL, 0, NULL, 0, NULL, 0));
        if (t < 2)
            ck_assert_int_eq(wsl_label_matrix_storage(L), storages[t]);
        WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, t ? got : ref, 3000 * 7));
        if (t)
            ck_assert_mem_eq(ref, got, 3000 * 7 * sizeof *ref);
        wsl_label_matrix_free(L);
    }
    free(ref);
    free(got);
}
END_TEST

/* Empirical P(right | votes) of source j. */
static double empirical_accuracy(const wsl_label_matrix *L, const int32_t *gold, size_t j)
{
    size_t right = 0, fired = 0, bad = 0;
    for (size_t i = 0; i < wsl_label_matrix_n_points(L); i++) {
        int32_t v = WSL_ABSTAIN;
        bad += wsl_label_matrix_get(L, i, j, &v) != WSL_OK; /* one assert, not one per cell */
        fired += v != WSL_ABSTAIN;
        right += v != WSL_ABSTAIN && v == gold[i];
    }
    ck_assert_uint_eq(bad, 0);
    return fired ? (double)right / (double)fired : -1;
}

START_TEST(test_one_polarity_out_of_reach)
{
    /* Accuracy 0.1-0.2 with coverage 0.9, k = 2: a one-polarity source cannot be that bad (even
     * firing on every record of the other class gives precision 0.45 / 0.95); the generator
     * clamps and reports the precision it reaches, which the votes confirm. */
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    size_t n = 100000;
    int32_t *gold = malloc(n * sizeof *gold), pol[4];
    double acc[4];
    o.n_points = n;
    o.n_sources = 4;
    o.accuracy_min = 0.1;
    o.accuracy_max = 0.2;
    o.coverage_min = o.coverage_max = 0.9;
    o.one_polarity = 1;
    WSL_ASSERT_OK(wsl_synth_generate(&L, &o, gold, n, acc, 4, pol, 4));
    for (size_t j = 0; j < 4; j++) {
        ck_assert_int_ne(pol[j], WSL_ABSTAIN);
        ck_assert_double_eq_tol(acc[j], 0.45 / 0.95, 1e-12);
        ck_assert_double_eq_tol(empirical_accuracy(L, gold, j), acc[j], 0.02);
    }
    free(gold);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_prior_with_empty_classes)
{
    /* Classes of prior 0 never occur and one-polarity sources never pick them (they would never
     * fire); a class of prior 1 makes one-polarity sources always right. */
    const double prior[] = {0.0, 0.7, 0.0, 0.3};
    const double certain[] = {0.0, 1.0};
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    size_t n = 20000;
    int32_t *gold = malloc(n * sizeof *gold), pol[12];
    double acc[12];
    o.n_points = n;
    o.n_sources = 12;
    o.cardinality = 4;
    o.class_prior = prior;
    o.one_polarity = 1;
    WSL_ASSERT_OK(wsl_synth_generate(&L, &o, gold, n, acc, 12, pol, 12));
    for (size_t i = 0; i < n; i++)
        ck_assert(gold[i] == 1 || gold[i] == 3);
    for (size_t j = 0; j < 12; j++) {
        ck_assert(pol[j] == 1 || pol[j] == 3);
        ck_assert_double_eq_tol(empirical_accuracy(L, gold, j), acc[j], 0.03);
    }
    wsl_label_matrix_free(L);
    o.cardinality = 2;
    o.class_prior = certain;
    o.n_sources = 3;
    WSL_ASSERT_OK(wsl_synth_generate(&L, &o, gold, n, acc, 3, pol, 3));
    for (size_t j = 0; j < 3; j++) {
        ck_assert_int_eq(pol[j], 1);
        ck_assert_double_eq(acc[j], 1.0);
        ck_assert_double_eq(empirical_accuracy(L, gold, j), 1.0);
    }
    free(gold);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_validation)
{
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = (wsl_label_matrix *)1;
    int32_t gold[5];
    double acc[9];
    const double bad_prior[] = {0.5, 0.6};
    const double neg_prior[] = {-0.5, 1.5};
#define BAD_FIELD(field, value, name)                                                           \
    do {                                                                                        \
        wsl_synth_options b = WSL_SYNTH_OPTIONS_INIT;                                           \
        b.field = value;                                                                        \
        WSL_ASSERT_STATUS(wsl_synth_options_validate(&b), WSL_EINVAL);                          \
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), name));                                  \
    } while (0)
    BAD_FIELD(version, 0, "version");
    BAD_FIELD(n_points, 0, "n_points");
    BAD_FIELD(n_sources, 0, "n_sources");
    BAD_FIELD(cardinality, 1, "cardinality");
    BAD_FIELD(accuracy_min, 0.0, "accuracy_min");
    BAD_FIELD(accuracy_max, 0.1, "accuracy_max");
    BAD_FIELD(coverage_min, -0.1, "coverage_min");
    BAD_FIELD(coverage_max, 1.5, "coverage_max");
    BAD_FIELD(one_polarity, 2.0, "one_polarity");
    BAD_FIELD(storage, (wsl_storage)9, "storage");
    BAD_FIELD(class_prior, bad_prior, "class_prior");
    BAD_FIELD(class_prior, neg_prior, "class_prior[0]");
    BAD_FIELD(cardinality, WSL_MAX_CARDINALITY + 1, "cardinality");
    BAD_FIELD(version, WSL_SYNTH_OPTIONS_VERSION + 1, "version");
    BAD_FIELD(accuracy_max, 1.5, "accuracy_max");
    BAD_FIELD(accuracy_min, NAN, "accuracy_min");
    BAD_FIELD(coverage_min, 0.7, "coverage_max"); /* min above the default max of 0.6 */
    BAD_FIELD(n_copies, 10, "n_copies");
    BAD_FIELD(copy_redraw, 1.5, "copy_redraw");
    BAD_FIELD(n_error_pairs, 6, "n_error_pairs");
    BAD_FIELD(error_coupling, -0.5, "error_coupling");
    {
        wsl_synth_options b = WSL_SYNTH_OPTIONS_INIT;
        b.n_copies = 4;
        b.copy_source = 6; /* must come before the copies (sources 6..9) */
        WSL_ASSERT_STATUS(wsl_synth_options_validate(&b), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "copy_source"));
        /* A version-1 struct ends before the version-2 fields: never read. */
        b.version = 1;
        WSL_ASSERT_OK(wsl_synth_options_validate(&b));
    }
#undef BAD_FIELD
    WSL_ASSERT_STATUS(wsl_synth_options_validate(NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_synth_generate(NULL, &o, NULL, 0, NULL, 0, NULL, 0), WSL_EINVAL);
    o.n_points = 10;
    WSL_ASSERT_STATUS(wsl_synth_generate(&L, &o, gold, 5, NULL, 0, NULL, 0), WSL_EBUFS);
    ck_assert_ptr_null(L);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "gold"));
    WSL_ASSERT_STATUS(wsl_synth_generate(&L, &o, NULL, 0, acc, 9, NULL, 0), WSL_EBUFS);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "accuracy"));
    WSL_ASSERT_STATUS(wsl_synth_generate(&L, &o, NULL, 0, NULL, 0, gold, 5), WSL_EBUFS);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "polarity"));
    o.cardinality = 0;
    WSL_ASSERT_STATUS(wsl_synth_generate(&L, &o, NULL, 0, NULL, 0, NULL, 0), WSL_EINVAL);
    ck_assert_ptr_null(L);
}
END_TEST

static wsl_status oom_synth(const wsl_allocator *a, void *ctx)
{
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = (wsl_label_matrix *)&L;
    wsl_status st;
    o.n_points = 300;
    o.alloc = a;
    o.storage = *(const wsl_storage *)ctx;
    o.one_polarity = 0.5;
    st = wsl_synth_generate(&L, &o, NULL, 0, NULL, 0, NULL, 0);
    if (st != WSL_OK)
        ck_assert_ptr_null(L);
    wsl_label_matrix_free(L);
    return st;
}

START_TEST(test_oom_walk)
{
    /* Every allocation failure, in every storage, returns WSL_ENOMEM and leaks nothing. */
    static const wsl_storage storages[] = {WSL_STORAGE_AUTO, WSL_STORAGE_DENSE,
                                           WSL_STORAGE_SPARSE};
    for (int t = 0; t < 3; t++)
        wsl_test_oom_walk("synth_generate", oom_synth, (void *)&storages[t]);
}
END_TEST

START_TEST(test_planted_dependencies)
{
    /* (a) exact copies repeat their source; (b) noisy copies agree with it on about
     * 1 - redraw + redraw P(agree by chance); (c) the second of an error pair repeats its
     * partner's wrong votes, and its reported accuracy is what the votes show. */
    size_t n = 40000, m = 10;
    int32_t *votes = malloc(n * m * sizeof *votes), *gold = malloc(n * sizeof *gold);
    double acc[10];
    for (int t = 0; t < 3; t++) {
        wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
        wsl_label_matrix *L = NULL;
        size_t same = 0, both = 0, wrong1 = 0, repeated = 0;
        o.n_points = n;
        o.n_sources = m;
        o.seed = 5 + (uint64_t)t;
        if (t < 2) {
            o.n_copies = 4;
            o.copy_source = 0;
            o.copy_redraw = t == 0 ? 0 : 0.3;
        } else {
            o.n_error_pairs = 2;
            o.error_coupling = 0.8;
        }
        WSL_ASSERT_OK(wsl_synth_generate(&L, &o, gold, n, acc, m, NULL, 0));
        WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, votes, n * m));
        for (size_t i = 0; i < n; i++) {
            const int32_t *r = votes + i * m;
            if (t < 2) {
                both += 4;
                for (size_t j = 6; j < 10; j++)
                    same += r[j] == r[0];
            } else if (r[0] != WSL_ABSTAIN && r[0] != gold[i] && r[1] != WSL_ABSTAIN) {
                wrong1++;
                repeated += r[1] == r[0];
            }
        }
        if (t == 0) {
            ck_assert_uint_eq(same, both);
        } else if (t == 1) {
            double agree = (double)same / (double)both;
            ck_assert_double_gt(agree, 0.7);
            ck_assert_double_lt(agree, 0.95);
        } else {
            /* repeats: coupled 80% of the time, plus chance agreement when not */
            ck_assert_double_gt((double)repeated / (double)wrong1, 0.8);
            for (size_t j = 0; j < 4; j++) {
                size_t right = 0, fired = 0;
                for (size_t i = 0; i < n; i++) {
                    fired += votes[i * m + j] != WSL_ABSTAIN;
                    right += votes[i * m + j] != WSL_ABSTAIN && votes[i * m + j] == gold[i];
                }
                ck_assert_msg(fabs((double)right / (double)fired - acc[j]) < 0.02,
                              "source %zu: empirical %.4f, reported %.4f", j,
                              (double)right / (double)fired, acc[j]);
            }
        }
        if (t < 2)
            for (size_t j = 6; j < 10; j++)
                ck_assert_double_eq(acc[j], acc[0]);
        wsl_label_matrix_free(L);
    }
    free(votes);
    free(gold);
}
END_TEST

static Suite *synth_suite(void)
{
    Suite *s = suite_create("synth");
    TCase *core = tcase_create("core");
    TCase *errors = tcase_create("errors");
    TCase *oom = tcase_create("oom");
    tcase_add_test(core, test_deterministic);
    tcase_add_test(core, test_accuracies_hold);
    tcase_add_test(core, test_class_prior_and_storage);
    tcase_add_test(core, test_storages_same_votes);
    tcase_add_test(core, test_one_polarity_out_of_reach);
    tcase_add_test(core, test_prior_with_empty_classes);
    tcase_add_test(core, test_planted_dependencies);
    tcase_add_test(errors, test_validation);
    tcase_add_test(oom, test_oom_walk);
    tcase_set_timeout(core, 120);
    suite_add_tcase(s, core);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(synth_suite());
}
