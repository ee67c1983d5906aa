/* Majority vote, tie policies and the EM label model: behaviour users of other label models
 * hit, failure paths, save/load, OOM. */
#include "wsl_test_util.h"

#include "core/core.h"
#include "matrix/matrix.h"
#include "model/em_impl.h"
#include "votes/row_keys.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Conditionally independent sources with known accuracies (errors uniform over other classes). */
static wsl_label_matrix *gen(size_t n, size_t m, int32_t k, const double *acc, const double *cov,
                             uint64_t seed, int32_t *gold)
{
    wsl__rng rng;
    int32_t *buf = malloc(n * m * sizeof *buf);
    wsl_label_matrix *L = NULL;
    ck_assert_ptr_nonnull(buf);
    wsl__rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++) {
        int32_t y = (int32_t)wsl__rng_below(&rng, (uint64_t)k);
        if (gold)
            gold[i] = y;
        for (size_t j = 0; j < m; j++) {
            int32_t v = WSL_ABSTAIN;
            if (wsl__rng_uniform(&rng) < cov[j]) {
                if (wsl__rng_uniform(&rng) < acc[j]) {
                    v = y;
                } else {
                    v = (int32_t)wsl__rng_below(&rng, (uint64_t)(k - 1));
                    if (v >= y)
                        v++;
                }
            }
            buf[i * m + j] = v;
        }
    }
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, buf, n, m, m, k, WSL_STORAGE_AUTO, NULL));
    free(buf);
    return L;
}

static double accuracy(const double *probs, const int32_t *gold, size_t n, int32_t k)
{
    int32_t *lab = malloc(n * sizeof *lab);
    double acc = 0;
    WSL_ASSERT_OK(wsl_probs_to_labels(probs, n, (size_t)k, WSL_TIE_LOWEST, 0, lab, n));
    for (size_t i = 0; i < n; i++)
        acc += lab[i] == gold[i];
    free(lab);
    return acc / (double)n;
}

/* ---------------------------------------------------------------- majority vote */

START_TEST(test_mv_table)
{
    const int32_t votes[] = {
        0, 0, 1,   /* 2/3 class 0 */
        -1, -1, -1, /* uncovered: prior */
        2, -1, 1,  /* tie between 1 and 2 */
        1, 1, 1,
    };
    const double prior[] = {0.5, 0.3, 0.2};
    const double w[] = {1.0, 2.0, 0.5};
    double p[12];
    uint8_t cov[4];
    wsl_label_matrix *L = NULL;
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, votes, 4, 3, 3, 3, WSL_STORAGE_DENSE, NULL));
    WSL_ASSERT_OK(wsl_majority_vote_proba(L, NULL, prior, p, 12, cov, 4));
    ck_assert_double_eq_tol(p[0], 2.0 / 3, 1e-12);
    ck_assert_double_eq_tol(p[1], 1.0 / 3, 1e-12);
    ck_assert_double_eq_tol(p[3], 0.5, 1e-12);
    ck_assert_double_eq_tol(p[5], 0.2, 1e-12);
    ck_assert_double_eq_tol(p[7], 0.5, 1e-12);
    ck_assert_double_eq_tol(p[8], 0.5, 1e-12);
    ck_assert_double_eq_tol(p[10], 1.0, 1e-12);
    ck_assert_int_eq(cov[0], 1);
    ck_assert_int_eq(cov[1], 0);
    WSL_ASSERT_OK(wsl_majority_vote_proba(L, w, NULL, p, 12, NULL, 0));
    ck_assert_double_eq_tol(p[0], 3.0 / 3.5, 1e-12);
    ck_assert_double_eq_tol(p[3], 1.0 / 3, 1e-12); /* uniform prior */
    ck_assert_double_eq_tol(p[7], 0.5 / 1.5, 1e-12);
    /* Errors. */
    WSL_ASSERT_STATUS(wsl_majority_vote_proba(L, NULL, NULL, p, 11, NULL, 0), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_majority_vote_proba(L, NULL, NULL, p, 12, cov, 3), WSL_EBUFS);
    {
        const double badw[] = {1, -1, 1};
        const double badp[] = {0.5, 0.5, 0.5};
        WSL_ASSERT_STATUS(wsl_majority_vote_proba(L, badw, NULL, p, 12, NULL, 0), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "weights[1]"));
        WSL_ASSERT_STATUS(wsl_majority_vote_proba(L, NULL, badp, p, 12, NULL, 0), WSL_EINVAL);
    }
    WSL_ASSERT_STATUS(wsl_majority_vote_proba(NULL, NULL, NULL, p, 12, NULL, 0), WSL_EINVAL);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_tie_policies)
{
    const double p[] = {0.5, 0.5, 0.0, /* tie 0/1 */ 0.2, 0.3, 0.5, /* clear 2 */
                        1.0 / 3, 1.0 / 3, 1.0 / 3};
    int32_t lab[3], lab2[3];
    WSL_ASSERT_OK(wsl_probs_to_labels(p, 3, 3, WSL_TIE_ABSTAIN, 0, lab, 3));
    ck_assert_int_eq(lab[0], WSL_ABSTAIN);
    ck_assert_int_eq(lab[1], 2);
    ck_assert_int_eq(lab[2], WSL_ABSTAIN);
    WSL_ASSERT_OK(wsl_probs_to_labels(p, 3, 3, WSL_TIE_LOWEST, 0, lab, 3));
    ck_assert_int_eq(lab[0], 0);
    ck_assert_int_eq(lab[2], 0);
    WSL_ASSERT_OK(wsl_probs_to_labels(p, 3, 3, WSL_TIE_HASH, 7, lab, 3));
    WSL_ASSERT_OK(wsl_probs_to_labels(p, 3, 3, WSL_TIE_HASH, 7, lab2, 3));
    ck_assert_mem_eq(lab, lab2, sizeof lab);
    ck_assert(lab[0] == 0 || lab[0] == 1);
    WSL_ASSERT_OK(wsl_probs_to_labels(p, 3, 3, WSL_TIE_RANDOM, 9, lab, 3));
    WSL_ASSERT_OK(wsl_probs_to_labels(p, 3, 3, WSL_TIE_RANDOM, 9, lab2, 3));
    ck_assert_mem_eq(lab, lab2, sizeof lab);
    ck_assert_int_eq(lab[1], 2);
    WSL_ASSERT_STATUS(wsl_probs_to_labels(p, 3, 3, (wsl_tie_policy)9, 0, lab, 3), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_probs_to_labels(p, 3, 3, WSL_TIE_LOWEST, 0, lab, 2), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_probs_to_labels(p, 3, 0, WSL_TIE_LOWEST, 0, lab, 3), WSL_EINVAL);
}
END_TEST

START_TEST(test_tie_hash_spreads)
{
    /* Over many tied rows every class is picked, about equally. */
    double *p = malloc(3000 * sizeof *p);
    int32_t *lab = malloc(1000 * sizeof *lab);
    int counts[3] = {0, 0, 0};
    for (size_t i = 0; i < 3000; i++)
        p[i] = 1.0 / 3;
    WSL_ASSERT_OK(wsl_probs_to_labels(p, 1000, 3, WSL_TIE_HASH, 0, lab, 1000));
    for (size_t i = 0; i < 1000; i++)
        counts[lab[i]]++;
    for (int c = 0; c < 3; c++)
        ck_assert_int_gt(counts[c], 250);
    free(p);
    free(lab);
}
END_TEST

/* ---------------------------------------------------------------- label model */

START_TEST(test_beats_majority_on_synthetic)
{
    /* k = 2 and k = 5: accurate sources mixed with poor ones; the model must not lose to MV. */
    const int32_t ks[] = {2, 5};
    const double acc[] = {0.9, 0.85, 0.6, 0.55, 0.55, 0.6, 0.8, 0.55};
    const double cov[] = {0.5, 0.4, 0.6, 0.7, 0.7, 0.5, 0.3, 0.6};
    for (size_t t = 0; t < 2; t++) {
        size_t n = 20000;
        int32_t *gold = malloc(n * sizeof *gold);
        wsl_label_matrix *L = gen(n, 8, ks[t], acc, cov, 42 + t, gold);
        wsl_label_model *M = wsl_test_fit(L, NULL);
        double *p = wsl_test_proba(M, L), *q = malloc(n * (size_t)ks[t] * sizeof *q);
        WSL_ASSERT_OK(wsl_majority_vote_proba(L, NULL, NULL, q, n * (size_t)ks[t], NULL, 0));
        ck_assert_double_ge(accuracy(p, gold, n, ks[t]) + 0.002, accuracy(q, gold, n, ks[t]));
        free(p);
        free(q);
        free(gold);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_recovers_accuracies)
{
    const int32_t ks[] = {2, 5};
    const double acc[] = {0.9, 0.8, 0.7, 0.65, 0.6, 0.75};
    const double cov[] = {0.5, 0.6, 0.7, 0.5, 0.6, 0.4};
    for (size_t t = 0; t < 2; t++) {
        size_t n = 100000;
        wsl_label_matrix *L = gen(n, 6, ks[t], acc, cov, 7 + t, NULL);
        wsl_label_model *M = wsl_test_fit(L, NULL);
        double est[6];
        WSL_ASSERT_OK(wsl_label_model_accuracies(M, est, 6));
        for (size_t j = 0; j < 6; j++)
            ck_assert_msg(fabs(est[j] - acc[j]) < 0.02, "k=%d source %zu: estimated %.4f, true %.2f",
                          ks[t], j, est[j], acc[j]);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_all_vote_zero)
{
    /* Every source votes 0 whenever it votes (each fires at random): no row with a vote may
     * come out as class 1 (the class swap other label models fall into). */
    size_t n = 2000, m = 3;
    int32_t *votes = malloc(n * m * sizeof *votes), *lab = malloc(n * sizeof *lab);
    wsl_label_matrix *L = NULL;
    wsl_label_model *M;
    uint8_t *cov = malloc(n);
    double *p = malloc(n * 2 * sizeof *p);
    wsl__rng rng;
    wsl__rng_seed(&rng, 5);
    for (size_t i = 0; i < n * m; i++)
        votes[i] = wsl__rng_uniform(&rng) < 0.6 ? 0 : WSL_ABSTAIN;
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, votes, n, m, m, 2, WSL_STORAGE_DENSE, NULL));
    M = wsl_test_fit(L, NULL);
    WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, p, n * 2, cov, n));
    WSL_ASSERT_OK(wsl_label_model_predict(M, L, WSL_TIE_ABSTAIN, 0, lab, n));
    for (size_t i = 0; i < n; i++)
        if (cov[i])
            ck_assert_int_eq(lab[i], 0);
    free(votes);
    free(lab);
    free(cov);
    free(p);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_one_source_and_duplicates)
{
    const double acc[] = {0.8, 0.8, 0.8, 0.8};
    const double cov[] = {0.6, 0.6, 0.6, 0.6};
    size_t n = 2000;
    int32_t *gold = malloc(n * sizeof *gold);
    wsl_label_matrix *L = gen(n, 1, 3, acc, cov, 3, gold);
    wsl_label_model *M = wsl_test_fit(L, NULL);
    double *p = wsl_test_proba(M, L);
    int32_t *lab = malloc(n * sizeof *lab);
    int32_t v;
    /* One source: the label follows its vote wherever it votes. */
    WSL_ASSERT_OK(wsl_label_model_predict(M, L, WSL_TIE_LOWEST, 0, lab, n));
    for (size_t i = 0; i < n; i++) {
        WSL_ASSERT_OK(wsl_label_matrix_get(L, i, 0, &v));
        if (v != WSL_ABSTAIN)
            ck_assert_int_eq(lab[i], v);
    }
    free(p);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    /* Duplicated sources: fit must not fail or produce NaN. */
    {
        int32_t *buf = malloc(n * 4 * sizeof *buf);
        L = gen(n, 1, 2, acc, cov, 5, gold);
        for (size_t i = 0; i < n; i++) {
            WSL_ASSERT_OK(wsl_label_matrix_get(L, i, 0, &v));
            for (size_t j = 0; j < 4; j++)
                buf[i * 4 + j] = v;
        }
        wsl_label_matrix_free(L);
        WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, buf, n, 4, 4, 2, WSL_STORAGE_DENSE, NULL));
        M = wsl_test_fit(L, NULL);
        p = wsl_test_proba(M, L);
        WSL_ASSERT_OK(wsl_label_model_predict(M, L, WSL_TIE_LOWEST, 0, lab, n));
        for (size_t i = 0; i < n; i++)
            if (buf[i * 4] != WSL_ABSTAIN)
                ck_assert_int_eq(lab[i], buf[i * 4]);
        free(p);
        free(buf);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
    }
    free(lab);
    free(gold);
}
END_TEST

START_TEST(test_uncovered_rows_get_prior)
{
    const double acc[] = {0.8, 0.7, 0.9};
    const double cov[] = {0.3, 0.3, 0.3};
    size_t n = 3000;
    wsl_label_matrix *L = gen(n, 3, 2, acc, cov, 11, NULL);
    wsl_label_model *M = wsl_test_fit(L, NULL);
    double *p = malloc(n * 2 * sizeof *p), prior[2];
    uint8_t *cov_flags = malloc(n);
    int32_t row[3];
    size_t uncovered = 0;
    WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, p, n * 2, cov_flags, n));
    WSL_ASSERT_OK(wsl_label_model_class_prior(M, prior, 2));
    for (size_t i = 0; i < n; i++) {
        WSL_ASSERT_OK(wsl_label_matrix_row(L, i, row, 3));
        int any = row[0] != -1 || row[1] != -1 || row[2] != -1;
        ck_assert_int_eq(cov_flags[i], any);
        if (!any) {
            uncovered++;
            ck_assert_double_eq_tol(p[i * 2], prior[0], 1e-12);
            ck_assert_double_eq_tol(p[i * 2 + 1], prior[1], 1e-12);
        }
    }
    ck_assert_uint_gt(uncovered, 100);
    free(p);
    free(cov_flags);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_worse_than_chance_and_single_class)
{
    /* Sources that each emit a single class (one-polarity), plus one worse than chance. */
    size_t n = 20000;
    int32_t *buf = malloc(n * 5 * sizeof *buf), *gold = malloc(n * sizeof *gold);
    wsl__rng rng;
    wsl_label_matrix *L = NULL;
    wsl_label_model *M;
    double *p, *q = malloc(n * 2 * sizeof *q);
    wsl__rng_seed(&rng, 99);
    for (size_t i = 0; i < n; i++) {
        int32_t y = wsl__rng_uniform(&rng) < 0.5;
        gold[i] = y;
        /* sources 0, 1 vote only 1; 2, 3 only 0, each 85% precise; 4 is right 30% of the time */
        for (size_t j = 0; j < 4; j++) {
            int32_t c = j < 2;
            double fire = y == c ? 0.5 : 0.5 * 0.15 / 0.85;
            buf[i * 5 + j] = wsl__rng_uniform(&rng) < fire ? c : WSL_ABSTAIN;
        }
        buf[i * 5 + 4] = wsl__rng_uniform(&rng) < 0.5 ? (wsl__rng_uniform(&rng) < 0.3 ? y : 1 - y)
                                                      : WSL_ABSTAIN;
    }
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, buf, n, 5, 5, 2, WSL_STORAGE_DENSE, NULL));
    M = wsl_test_fit(L, NULL);
    p = wsl_test_proba(M, L);
    WSL_ASSERT_OK(wsl_majority_vote_proba(L, NULL, NULL, q, n * 2, NULL, 0));
    ck_assert_double_gt(accuracy(p, gold, n, 2), accuracy(q, gold, n, 2));
    {
        double est[5];
        WSL_ASSERT_OK(wsl_label_model_accuracies(M, est, 5));
        ck_assert_double_lt(est[4], 0.5); /* learned to be worse than chance */
    }
    {
        /* a new vote the fit never saw from that source (source 0 only ever voted 1) has
         * probability 0 under every class: it is read as an abstain, not allowed to wipe out
         * the other votes */
        const int32_t rows[] = {0, -1, 0, -1, -1, -1, -1, 0, -1, -1};
        wsl_label_matrix *N = NULL;
        double r[4];
        WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&N, rows, 2, 5, 5, 2, WSL_STORAGE_DENSE, NULL));
        WSL_ASSERT_OK(wsl_label_model_predict_proba(M, N, r, 4, NULL, 0));
        ck_assert(r[0] == r[2] && r[1] == r[3]);
        ck_assert_double_gt(r[0], 0.7); /* source 2's vote for 0 stands */
        wsl_label_matrix_free(N);
    }
    free(p);
    free(q);
    free(buf);
    free(gold);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/*
 * Single-class sources for k = 2: source j votes class j % 2, firing with rate h under its class
 * and f under the other; `copies` extra sources repeat source 0's votes exactly (the same rule
 * written twice).
 */
static wsl_label_matrix *gen_single(size_t n, size_t m, size_t copies, uint64_t seed, int32_t *gold)
{
    const double h[] = {0.5, 0.4, 0.3, 0.45, 0.35, 0.4}, f[] = {0.05, 0.1, 0.08, 0.04, 0.1, 0.06};
    size_t w = m + copies;
    int32_t *buf = malloc(n * w * sizeof *buf);
    wsl_label_matrix *L = NULL;
    wsl__rng rng;
    ck_assert_ptr_nonnull(buf);
    wsl__rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++) {
        int32_t y = wsl__rng_uniform(&rng) < 0.4;
        gold[i] = y;
        for (size_t j = 0; j < m; j++) {
            int32_t c = (int32_t)(j % 2);
            buf[i * w + j] = wsl__rng_uniform(&rng) < (y == c ? h[j % 6] : f[j % 6]) ? c : WSL_ABSTAIN;
        }
        for (size_t j = m; j < w; j++)
            buf[i * w + j] = buf[i * w];
    }
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, buf, n, w, w, 2, WSL_STORAGE_DENSE, NULL));
    free(buf);
    return L;
}

START_TEST(test_auto_cofiring)
{
    size_t n = 20000;
    int32_t *gold = malloc(n * sizeof *gold);
    double *q = malloc(n * 2 * sizeof *q);
    wsl_fit_report r;
    wsl_label_matrix *L = gen_single(n, 6, 0, 17, gold);
    wsl_label_model *M = wsl_test_fit(L, NULL), *R = NULL;
    double *p;
    wsl_buf buf = WSL_BUF_INIT;
    uint8_t *covered = malloc(n);

    /* Independent single-class sources pass the check: abstains stay informative. */
    WSL_ASSERT_OK(wsl_label_model_report(M, &r));
    ck_assert_int_eq(r.abstain, WSL_ABSTAIN_BY_POLARITY);
    ck_assert(isfinite(r.cofire_g) && isfinite(r.cofire_limit));
    ck_assert_msg(r.cofire_g <= r.cofire_limit, "G %.3f > limit %.3f", r.cofire_g, r.cofire_limit);
    /* A row with no vote gets the posterior given that every source abstained. */
    {
        double prior[2], s[2], tab[6];
        p = malloc(n * 2 * sizeof *p);
        WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, p, n * 2, covered, n));
        WSL_ASSERT_OK(wsl_label_model_class_prior(M, prior, 2));
        for (int c = 0; c < 2; c++)
            s[c] = log(prior[c]);
        for (size_t j = 0; j < 6; j++) {
            WSL_ASSERT_OK(wsl_label_model_source_table(M, j, tab, 6));
            for (int c = 0; c < 2; c++)
                s[c] += log(tab[c * 3]);
        }
        for (size_t i = 0; i < n; i++)
            if (!covered[i]) {
                ck_assert_double_eq_tol(p[i * 2 + 1], 1 / (1 + exp(s[0] - s[1])), 1e-12);
                break;
            }
        free(p);
    }
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);

    /* Source 0 written out four times: the copies co-fire far beyond the model, the fit
     * switches to votes only (uniform prior, uncovered rows uniform) and still beats majority
     * vote, which counts the rule four times. */
    L = gen_single(n, 6, 3, 17, gold);
    M = wsl_test_fit(L, NULL);
    WSL_ASSERT_OK(wsl_label_model_report(M, &r));
    ck_assert_int_eq(r.abstain, WSL_ABSTAIN_VOTES_ONLY);
    ck_assert_int_eq(r.prior, WSL_PRIOR_UNIFORM);
    ck_assert_msg(r.cofire_g > r.cofire_limit, "G %.3f <= limit %.3f", r.cofire_g, r.cofire_limit);
    p = malloc(n * 2 * sizeof *p);
    WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, p, n * 2, covered, n));
    for (size_t i = 0; i < n; i++)
        if (!covered[i])
            ck_assert_double_eq(p[i * 2], 0.5);
    WSL_ASSERT_OK(wsl_majority_vote_proba(L, NULL, NULL, q, n * 2, NULL, 0));
    ck_assert_double_gt(accuracy(p, gold, n, 2), accuracy(q, gold, n, 2));
    /* The choice survives save and load, bit for bit. */
    WSL_ASSERT_OK(wsl_label_model_save_buf(M, &buf));
    ck_assert_ptr_nonnull(strstr(buf.ptr, "\"votes_only\""));
    WSL_ASSERT_OK(wsl_label_model_load_buf(&R, buf.ptr, buf.size, NULL));
    {
        double *p2 = wsl_test_proba(R, L);
        wsl_fit_report r2;
        ck_assert_mem_eq(p, p2, n * 2 * sizeof *p);
        WSL_ASSERT_OK(wsl_label_model_report(R, &r2));
        ck_assert_int_eq(r2.abstain, WSL_ABSTAIN_VOTES_ONLY);
        ck_assert_double_eq_tol(r2.cofire_g, r.cofire_g, 1e-9 * r.cofire_g);
        free(p2);
    }
    wsl_buf_dispose(&buf);
    wsl_label_model_free(R);
    wsl_label_model_free(M);
    free(p);

    /* Asked for explicitly, no test is run; BY_POLARITY never switches. */
    {
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        o.abstain = WSL_ABSTAIN_VOTES_ONLY;
        M = wsl_test_fit(L, &o);
        WSL_ASSERT_OK(wsl_label_model_report(M, &r));
        ck_assert_int_eq(r.abstain, WSL_ABSTAIN_VOTES_ONLY);
        ck_assert(isnan(r.cofire_g));
        wsl_label_model_free(M);
        o.abstain = WSL_ABSTAIN_BY_POLARITY;
        M = wsl_test_fit(L, &o);
        WSL_ASSERT_OK(wsl_label_model_report(M, &r));
        ck_assert_int_eq(r.abstain, WSL_ABSTAIN_BY_POLARITY);
        wsl_label_model_free(M);
    }
    wsl_label_matrix_free(L);

    /* Sources voting several classes have no single-class pairs to test. */
    {
        const double acc[] = {0.9, 0.6, 0.7};
        const double cov[] = {0.5, 0.6, 0.7};
        L = gen(3000, 3, 2, acc, cov, 21, NULL);
        M = wsl_test_fit(L, NULL);
        WSL_ASSERT_OK(wsl_label_model_report(M, &r));
        ck_assert(isnan(r.cofire_g) && isnan(r.cofire_limit));
        ck_assert_int_eq(r.abstain, WSL_ABSTAIN_BY_POLARITY);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
    }
    free(covered);
    free(gold);
    free(q);
}
END_TEST

START_TEST(test_moments_start)
{
    /* The triplet method alone (no EM) recovers one-coin accuracies of sources voting several
     * classes; single-class sources and a source with no co-votes get the fallback; EM from
     * that start alone recovers them too. */
    const double acc[] = {0.9, 0.8, 0.7, 0.6, 0.75, 0.85};
    const double cov[] = {0.5, 0.6, 0.7, 0.5, 0.6, 0.4};
    const int32_t single[] = {-1, -1, -1, -1, -1, -1};
    size_t n = 50000, m = 6;
    wsl_label_matrix *L = gen(n, m, 4, acc, cov, 77, NULL);
    wsl_pattern_table *T = NULL;
    wsl_label_model *M = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_fit_report r;
    double est[6];
    WSL_ASSERT_OK(wsl__patterns_of_rows(L, NULL, &T, 1)); /* canonical, as the fit reads it */
    WSL_ASSERT_OK(wsl_label_model_create(&M, 4, NULL));
    WSL_ASSERT_OK(wsl__moment_accuracies(M, T, single, cov, m, 0.7, est));
    for (size_t j = 0; j < m; j++)
        ck_assert_msg(fabs(est[j] - acc[j]) < 0.03, "source %zu: moments %.4f, true %.2f", j,
                      est[j], acc[j]);
    {
        const int32_t two_single[] = {0, 2, -1, -1, -1, -1};
        WSL_ASSERT_OK(wsl__moment_accuracies(M, T, two_single, cov, m, 0.55, est));
        ck_assert_double_eq(est[0], 0.55);
        ck_assert_double_eq(est[1], 0.55);
        ck_assert_double_gt(est[2], 0.6);
    }
    wsl_label_model_free(M);
    o.starts = WSL_START_MOMENTS;
    M = wsl_test_fit(L, &o);
    WSL_ASSERT_OK(wsl_label_model_report(M, &r));
    ck_assert_int_eq(r.start, WSL_START_MOMENTS);
    WSL_ASSERT_OK(wsl_label_model_accuracies(M, est, m));
    for (size_t j = 0; j < m; j++)
        ck_assert_msg(fabs(est[j] - acc[j]) < 0.02, "source %zu: EM %.4f, true %.2f", j, est[j],
                      acc[j]);
    wsl_pattern_table_free(T);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_source_priors)
{
    /* Per-source prior tables: a strong one pins the source's table to it, a weak one lets the
     * data speak; bad tables are clear errors; a version-1 options struct has no such fields. */
    const double acc[] = {0.9, 0.7, 0.8};
    const double cov[] = {0.6, 0.6, 0.6};
    /* k = 2, rows (abstain, class 0, class 1): source 0 believed 60% accurate, firing half */
    const double belief[] = {0.5, 0.3, 0.2, 0.5, 0.2, 0.3};
    const double *priors[3] = {belief, NULL, NULL};
    size_t n = 20000;
    wsl_label_matrix *L = gen(n, 3, 2, acc, cov, 12, NULL);
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_label_model *M;
    double tab[6], est[3];
    o.source_priors = priors;
    o.n_source_priors = 3;
    o.source_prior_strength = 1e7;
    M = wsl_test_fit(L, &o);
    WSL_ASSERT_OK(wsl_label_model_source_table(M, 0, tab, 6));
    for (int t = 0; t < 6; t++)
        ck_assert_double_eq_tol(tab[t], belief[t], 2e-3);
    wsl_label_model_free(M);
    o.source_prior_strength = 1e-3;
    M = wsl_test_fit(L, &o);
    WSL_ASSERT_OK(wsl_label_model_accuracies(M, est, 3));
    ck_assert_double_eq_tol(est[0], 0.9, 0.02);
    wsl_label_model_free(M);
    /* Errors. */
    WSL_ASSERT_OK(wsl_label_model_create(&M, 2, NULL));
    o.n_source_priors = 2;
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EDIM);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "n_source_priors"));
    {
        const double bad_sum[] = {0.5, 0.3, 0.3, 0.5, 0.2, 0.3};
        const double bad_value[] = {1.5, -0.3, -0.2, 0.5, 0.2, 0.3};
        const double *bp[3] = {NULL, bad_sum, NULL};
        o.n_source_priors = 3;
        o.source_priors = bp;
        WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "source_priors[1] row 0 must sum to 1"));
        bp[1] = bad_value;
        WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "source_priors[1][0][0]"));
        o.source_priors = priors;
        o.source_prior_strength = INFINITY;
        WSL_ASSERT_STATUS(wsl_fit_options_validate(&o, 2), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "source_prior_strength"));
        /* A version-1 struct ends before these fields: whatever lies there is never read. */
        o.version = 1;
        o.source_priors = (const double *const *)bp;
        o.n_source_priors = 99;
        WSL_ASSERT_OK(wsl_label_model_fit(M, L, &o));
    }
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/* Synthetic votes with four exact copies of source `src` (the last four sources). */
static wsl_label_matrix *gen_copies(size_t n, size_t copy_source, uint64_t seed, int32_t *gold)
{
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    o.n_points = n;
    o.n_sources = 10;
    o.coverage_min = o.coverage_max = 0.3;
    o.accuracy_min = 0.6;
    o.n_copies = 4;
    o.copy_source = copy_source;
    o.seed = seed;
    WSL_ASSERT_OK(wsl_synth_generate(&L, &o, gold, n, NULL, 0, NULL, 0));
    return L;
}

/* Log callback: counts the fits carried on to tol after the dependency search. */
static void note_continued(wsl_log_level level, const char *msg, void *payload)
{
    (void)level;
    *(int *)payload += strstr(msg, "continued to") != NULL;
}

START_TEST(test_dependencies)
{
    int continued = 0;
    size_t n = 30000, sizes[4], members[16], nq = 99, nm = 99, outcomes = 0;
    int32_t *gold = malloc(n * sizeof *gold);
    wsl_label_matrix *L = gen_copies(n, 2, 3, gold);
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_label_model *I = wsl_test_fit(L, NULL), *D, *R = NULL;
    const size_t group[] = {2, 6, 7, 8, 9}, group_size[] = {5};
    double *pi = wsl_test_proba(I, L), *pd, *g = malloc(100 * sizeof *g),
           *df = malloc(100 * sizeof *df);
    double *tab = malloc(2 * 243 * sizeof *tab);
    wsl_fit_report r;
    wsl_buf buf = WSL_BUF_INIT;

    /* Independent model: no cliques; the copies co-vote far beyond it. */
    WSL_ASSERT_OK(wsl_label_model_cliques(I, NULL, 0, NULL, 0, &nq, &nm));
    ck_assert_uint_eq(nq, 0);
    ck_assert_uint_eq(nm, 0);
    WSL_ASSERT_OK(wsl_label_model_dependencies(I, L, g, 100, df, 100));
    ck_assert_double_gt(g[2 * 10 + 6], 100 * df[2 * 10 + 6]);
    ck_assert_double_eq(g[3 * 10 + 3], 0);

    /* Declared: one joint table for the five; more accurate than the independent model. */
    o.dep_members = group;
    o.dep_sizes = group_size;
    o.n_dep_groups = 1;
    D = wsl_test_fit(L, &o);
    pd = wsl_test_proba(D, L);
    ck_assert_double_gt(accuracy(pd, gold, n, 2), accuracy(pi, gold, n, 2) + 0.01);
    WSL_ASSERT_OK(wsl_label_model_cliques(D, sizes, 4, members, 16, &nq, &nm));
    ck_assert_uint_eq(nq, 1);
    ck_assert_uint_eq(nm, 5);
    ck_assert_uint_eq(sizes[0], 5);
    ck_assert_mem_eq(members, group, sizeof group);
    WSL_ASSERT_STATUS(wsl_label_model_cliques(D, sizes, 0, members, 16, &nq, &nm), WSL_EBUFS);
    WSL_ASSERT_OK(wsl_label_model_clique_table(D, 0, tab, 2 * 243, &outcomes));
    ck_assert_uint_eq(outcomes, 243);
    {
        /* Exact copies: "all abstain" and "all vote c" carry nearly all the mass. */
        double diag = 0;
        for (int c = 0; c < 2; c++) {
            size_t all_c = 0, stride = 1;
            for (int i = 0; i < 5; i++, stride *= 3)
                all_c += (size_t)(c + 1) * stride;
            diag += tab[0 * 243 + all_c] + tab[1 * 243 + all_c];
        }
        ck_assert_double_gt(diag + tab[0] + tab[243], 1.99);
    }
    WSL_ASSERT_STATUS(wsl_label_model_clique_table(D, 1, tab, 2 * 243, NULL), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_label_model_clique_table(D, 0, tab, 10, NULL), WSL_EBUFS);
    WSL_ASSERT_OK(wsl_label_model_dependencies(D, L, g, 100, df, 100));
    ck_assert(isnan(g[2 * 10 + 6]));
    /* With the copies modelled, independent sources look independent (G near its df). */
    ck_assert_msg(g[0 * 10 + 1] < df[0 * 10 + 1] + 6 * sqrt(2 * df[0 * 10 + 1]),
                  "G %.2f with %.0f degrees of freedom", g[1], df[1]);
    /* Saved and loaded: same cliques, same bits. */
    WSL_ASSERT_OK(wsl_label_model_save_buf(D, &buf));
    ck_assert_ptr_nonnull(strstr(buf.ptr, "\"cliques\""));
    WSL_ASSERT_OK(wsl_label_model_load_buf(&R, buf.ptr, buf.size, NULL));
    {
        double *pr = wsl_test_proba(R, L);
        ck_assert_mem_eq(pd, pr, n * 2 * sizeof *pd);
        free(pr);
        WSL_ASSERT_OK(wsl_label_model_cliques(R, sizes, 4, members, 16, &nq, &nm));
        ck_assert_uint_eq(nq, 1);
    }
    wsl_label_model_free(R);
    {
        /* A corrupt clique is a format error, never a crash. */
        char *copy = malloc(buf.size + 1), *at;
        memcpy(copy, buf.ptr, buf.size + 1);
        at = strstr(copy, "\"members\":");
        ck_assert_ptr_nonnull(at);
        at = strchr(at, '[') + 1;
        while (*at == ' ')
            at++;
        *at = '7'; /* member 2 -> 7: now in the clique twice */
        WSL_ASSERT_STATUS(wsl_label_model_load_buf(&R, copy, buf.size, NULL), WSL_EFORMAT);
        ck_assert_ptr_null(R);
        free(copy);
    }
    wsl_buf_dispose(&buf);

    /* Learned: finds the same group. */
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.deps = WSL_DEPS_LEARN;
    o.abstain = WSL_ABSTAIN_BY_POLARITY; /* no co-firing refit after the search */
    o.log_fn = note_continued;
    o.log_payload = &continued;
    wsl_label_model_free(D);
    D = wsl_test_fit(L, &o);
    ck_assert_int_eq(continued, 1);
    WSL_ASSERT_OK(wsl_label_model_report(D, &r));
    ck_assert_uint_ge(r.learned_cliques, 1);
    WSL_ASSERT_OK(wsl_label_model_cliques(D, sizes, 4, members, 16, &nq, &nm));
    ck_assert_uint_eq(nq, 1);
    ck_assert_mem_eq(members, group, sizeof group);
    {
        /* The search's refits stop early; the structure kept is fitted on to tol, and the
         * report and history are that fit's (the refit of a merge turned down leaves none). */
        double *h = malloc((size_t)o.max_iter * sizeof *h);
        size_t nh = 0;
        WSL_ASSERT_OK(wsl_label_model_history(D, h, (size_t)o.max_iter, &nh));
        ck_assert_int_eq(r.converged, 1);
        ck_assert_uint_ge(nh, 2);
        ck_assert_uint_eq(nh, (size_t)r.iterations);
        ck_assert_double_eq(h[nh - 1], r.penalized);
        ck_assert_double_lt(fabs(h[nh - 1] - h[nh - 2]), o.tol);
        free(h);
    }
    wsl_label_model_free(D);

    /* Bad groups are clear errors. */
    {
        const size_t out_of_range[] = {2, 12}, overlap[] = {1, 2, 2, 3}, sz2[] = {2, 2};
        size_t big[9], big_size[] = {9};
        WSL_ASSERT_OK(wsl_label_model_create(&D, 2, NULL));
        o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
        o.dep_members = out_of_range;
        o.dep_sizes = sz2;
        o.n_dep_groups = 1;
        WSL_ASSERT_STATUS(wsl_label_model_fit(D, L, &o), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "names source 12"));
        o.dep_members = overlap;
        o.n_dep_groups = 2;
        WSL_ASSERT_STATUS(wsl_label_model_fit(D, L, &o), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "source 2 is in two"));
        for (size_t i = 0; i < 9; i++)
            big[i] = i;
        o.dep_members = big;
        o.dep_sizes = big_size;
        o.n_dep_groups = 1;
        WSL_ASSERT_STATUS(wsl_label_model_fit(D, L, &o), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "limit of 4096"));
        o.n_dep_groups = 1;
        o.dep_sizes = NULL;
        WSL_ASSERT_STATUS(wsl_label_model_fit(D, L, &o), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "dep_sizes"));
        o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
        o.deps = (wsl_lm_deps)9;
        WSL_ASSERT_STATUS(wsl_label_model_fit(D, L, &o), WSL_EINVAL);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "deps"));
        WSL_ASSERT_STATUS(wsl_label_model_cliques(D, NULL, 0, NULL, 0, &nq, &nm), WSL_ESTATE);
        WSL_ASSERT_STATUS(wsl_label_model_dependencies(D, L, g, 100, NULL, 0), WSL_ESTATE);
        WSL_ASSERT_STATUS(wsl_label_model_clique_table(D, 0, tab, 10, NULL), WSL_ESTATE);
        WSL_ASSERT_STATUS(wsl_label_model_cliques(NULL, NULL, 0, NULL, 0, &nq, &nm), WSL_EINVAL);
        wsl_label_model_free(D);
        WSL_ASSERT_STATUS(wsl_label_model_dependencies(I, L, g, 99, NULL, 0), WSL_EBUFS);
        WSL_ASSERT_STATUS(wsl_label_model_dependencies(I, L, NULL, 100, NULL, 0), WSL_EINVAL);
    }
    free(pi);
    free(pd);
    free(g);
    free(df);
    free(tab);
    free(gold);
    wsl_label_model_free(I);
    wsl_label_matrix_free(L);
}
END_TEST

/* The report's converged flag says what the history shows, whatever max_iter cuts: the last
 * iteration gained less than tol. With learned dependencies the search refits at a looser
 * tolerance and the structure kept is continued to tol, so a refit that converged loosely on
 * its very last allowed iteration must not pass for converged at tol. */
START_TEST(test_converged_flag_matches_history)
{
    wsl_label_matrix *L = gen_copies(3000, 2, 7, NULL);
    double h[64];
    int loose_last = 0;
    for (int learn = 0; learn < 2; learn++) {
        for (int it = 2; it <= 48; it++) {
            wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
            wsl_label_model *M;
            wsl_fit_report r;
            size_t n = 0;
            int flat;
            o.max_iter = it;
            o.deps = learn ? WSL_DEPS_LEARN : WSL_DEPS_OFF;
            M = wsl_test_fit(L, &o);
            WSL_ASSERT_OK(wsl_label_model_report(M, &r));
            WSL_ASSERT_OK(wsl_label_model_history(M, h, 64, &n));
            ck_assert_uint_eq(n, (size_t)r.iterations);
            ck_assert_int_le(r.iterations, it);
            flat = n >= 2 && fabs(h[n - 1] - h[n - 2]) < o.tol;
            ck_assert_msg(r.converged == flat, "deps %d, max_iter %d: converged %d, last gain %g",
                          learn, it, r.converged, n >= 2 ? h[n - 1] - h[n - 2] : 0.0);
            /* the edge case: spent at max_iter, last gain between tol and the search's 1e-5 */
            loose_last +=
                learn && (int)n == it && !flat && n >= 2 && fabs(h[n - 1] - h[n - 2]) < 1e-5;
            wsl_label_model_free(M);
        }
    }
    ck_assert_int_gt(loose_last, 0); /* the case arose (22 times at this writing) */
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_dependencies_not_invented)
{
    /* Conditionally independent votes: learning adds nothing, for several seeds. */
    for (uint64_t seed = 1; seed <= 4; seed++) {
        wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        wsl_label_matrix *L = NULL;
        wsl_label_model *M;
        wsl_fit_report r;
        so.n_points = 20000;
        so.seed = seed;
        so.one_polarity = seed % 2 ? 0.5 : 0;
        WSL_ASSERT_OK(wsl_synth_generate(&L, &so, NULL, 0, NULL, 0, NULL, 0));
        o.deps = WSL_DEPS_LEARN;
        M = wsl_test_fit(L, &o);
        WSL_ASSERT_OK(wsl_label_model_report(M, &r));
        ck_assert_msg(r.learned_cliques == 0, "seed %d: %zu cliques", (int)seed,
                      r.learned_cliques);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_threads_same_bits)
{
    /* Enough distinct patterns for many E-step blocks: 1, 2 and 7 threads give the same bits. */
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    double *ref = NULL;
    size_t n = 60000, k = 3;
    const int threads[] = {1, 2, 7};
    so.n_points = n;
    so.n_sources = 24;
    so.cardinality = (int32_t)k;
    so.one_polarity = 0.3;
    WSL_ASSERT_OK(wsl_synth_generate(&L, &so, NULL, 0, NULL, 0, NULL, 0));
    for (size_t t = 0; t < 3; t++) {
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        wsl_label_model *M;
        wsl_fit_report r;
        double *p;
        o.n_threads = threads[t];
        M = wsl_test_fit(L, &o);
        WSL_ASSERT_OK(wsl_label_model_report(M, &r));
        ck_assert_uint_gt(r.n_patterns, 20000);
        p = wsl_test_proba(M, L);
        if (!ref)
            ref = p;
        else {
            ck_assert_mem_eq(p, ref, n * k * sizeof *p);
            free(p);
        }
        wsl_label_model_free(M);
    }
    free(ref);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_predict_threads)
{
    /* Predict split over threads gives the same bytes, probabilities and coverage, on each of
     * its paths: a small universe of rows (m = 10) shared by the threads (70,000 rows, more
     * than the 59,049 possible) or cached by each (50,000 rows), keyed rows (m = 30), rows too
     * wide for a key (m = 50), and a model with a clique; and the one call that fits and
     * predicts. */
    const size_t ms[] = {10, 10, 30, 50, 10}, ns[] = {70000, 50000, 70000, 70000, 70000};
    const int threads[] = {2, 3, 8};
    for (size_t c = 0; c < 5; c++) {
        size_t n = ns[c];
        wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        const size_t group[] = {1, 2, 3}, group_size[] = {3};
        wsl_label_matrix *L = NULL;
        wsl_label_model *M;
        double *ref = malloc(n * 2 * sizeof *ref), *p = malloc(n * 2 * sizeof *p);
        uint8_t *cref = malloc(n), *cov = malloc(n);
        so.n_points = n;
        so.n_sources = ms[c];
        so.coverage_min = 0.2;
        so.coverage_max = 0.5;
        so.seed = 11 + c;
        WSL_ASSERT_OK(wsl_synth_generate(&L, &so, NULL, 0, NULL, 0, NULL, 0));
        if (c == 4) {
            o.dep_members = group;
            o.dep_sizes = group_size;
            o.n_dep_groups = 1;
        }
        M = wsl_test_fit(L, &o);
        WSL_ASSERT_OK(wsl_label_model_set_threads(M, 1));
        WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, ref, n * 2, cref, n));
        for (size_t t = 0; t < 3; t++) {
            WSL_ASSERT_OK(wsl_label_model_set_threads(M, threads[t]));
            memset(p, 0, n * 2 * sizeof *p);
            memset(cov, 7, n);
            WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, p, n * 2, cov, n));
            ck_assert_msg(!memcmp(p, ref, n * 2 * sizeof *p), "m = %zu, %d threads", ms[c],
                          threads[t]);
            ck_assert_mem_eq(cov, cref, n);
        }
        /* The one call scores its patterns on the fit's threads (m = 30, 50: more than
         * 32,768 patterns), with the same bytes. */
        o.n_threads = 3;
        WSL_ASSERT_OK(wsl_label_model_fit_predict_proba(M, L, &o, p, n * 2, cov, n));
        ck_assert_msg(!memcmp(p, ref, n * 2 * sizeof *p), "m = %zu, one call", ms[c]);
        ck_assert_mem_eq(cov, cref, n);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
        free(ref);
        free(p);
        free(cref);
        free(cov);
    }
}
END_TEST

START_TEST(test_set_threads_errors)
{
    wsl_label_model *M = NULL;
    WSL_ASSERT_STATUS(wsl_label_model_set_threads(NULL, 2), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_label_model_create(&M, 2, NULL));
    WSL_ASSERT_STATUS(wsl_label_model_set_threads(M, 0), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "n_threads must be in 1..1024 (got 0)"));
    WSL_ASSERT_STATUS(wsl_label_model_set_threads(M, 1025), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_label_model_set_threads(M, 1024));
    wsl_label_model_free(M);
}
END_TEST

START_TEST(test_symmetry_breaking)
{
    /* A fit whose latent classes are permuted (the same likelihood) is put back in the
     * labelling where the sources agree with the classes, bit for bit: a cycle for k = 3, a
     * permutation with no fixed point for k = 6. */
    const double acc[] = {0.9, 0.6, 0.7, 0.65};
    const double cov[] = {0.5, 0.6, 0.7, 0.5};
    const size_t perm3[] = {1, 2, 0}, perm6[] = {3, 5, 0, 4, 1, 2};
    for (int t = 0; t < 2; t++) {
        size_t k = t ? 6 : 3, n = 3000, K1 = k + 1, m = 4;
        const size_t *perm = t ? perm6 : perm3;
        wsl_label_matrix *L = gen(n, m, (int32_t)k, acc, cov, 31, NULL);
        wsl_label_model *M = wsl_test_fit(L, NULL);
        double *p = wsl_test_proba(M, L), *q, *table = malloc(m * k * K1 * sizeof *table), prior[6];
        wsl_fit_report r;
        int changed = -1;
        WSL_ASSERT_OK(wsl_label_model_report(M, &r));
        ck_assert_int_eq(r.relabeled, 0);
        memcpy(table, M->table, m * k * K1 * sizeof *table);
        memcpy(prior, M->prior, k * sizeof *prior);
        for (size_t c = 0; c < k; c++) {
            M->prior[perm[c]] = prior[c];
            for (size_t j = 0; j < m; j++)
                memcpy(M->table + (j * k + perm[c]) * K1, table + (j * k + c) * K1,
                       K1 * sizeof *table);
        }
        wsl__model_refresh_logs(M);
        q = wsl_test_proba(M, L);
        for (size_t c = 0; c < k; c++) /* column c of p is column perm[c] of q */
            ck_assert_double_eq_tol(q[perm[c]], p[c], 1e-5);
        free(q);
        WSL_ASSERT_OK(wsl__model_relabel(M, &changed));
        ck_assert_int_eq(changed, 1);
        ck_assert_mem_eq(M->table, table, m * k * K1 * sizeof *table);
        q = wsl_test_proba(M, L);
        ck_assert_mem_eq(p, q, n * k * sizeof *p);
        /* Already agreeing: nothing moves. */
        WSL_ASSERT_OK(wsl__model_relabel(M, &changed));
        ck_assert_int_eq(changed, 0);
        free(p);
        free(q);
        free(table);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_deterministic_bits)
{
    const double acc[] = {0.9, 0.6, 0.7, 0.65, 0.8};
    const double cov[] = {0.5, 0.6, 0.7, 0.5, 0.6};
    size_t n = 5000;
    wsl_label_matrix *L = gen(n, 5, 3, acc, cov, 1, NULL);
    wsl_label_matrix *S = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_label_model *A, *B, *C;
    double *pa, *pb, *pc;
    WSL_ASSERT_OK(wsl_label_matrix_convert(&S, L, WSL_STORAGE_SPARSE));
    A = wsl_test_fit(L, &o);
    o.n_threads = 2;
    B = wsl_test_fit(L, &o);
    C = wsl_test_fit(S, NULL); /* storage does not matter either */
    pa = wsl_test_proba(A, L);
    pb = wsl_test_proba(B, L);
    pc = wsl_test_proba(C, S);
    ck_assert_mem_eq(pa, pb, n * 3 * sizeof *pa);
    ck_assert_mem_eq(pa, pc, n * 3 * sizeof *pa);
    free(pa);
    free(pb);
    free(pc);
    wsl_label_model_free(A);
    wsl_label_model_free(B);
    wsl_label_model_free(C);
    wsl_label_matrix_free(L);
    wsl_label_matrix_free(S);
}
END_TEST

/* The general softmax loop, as it was before the two-class path: the reference. */
static double softmax_ref(double *x, size_t n)
{
    double mx = -INFINITY, s = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] > mx)
            mx = x[i];
    if (mx == -INFINITY) {
        for (size_t i = 0; i < n; i++)
            x[i] = 1.0 / (double)n;
        return mx;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = x[i] == mx ? 1.0 : exp(x[i] - mx);
        s += x[i];
    }
    for (size_t i = 0; i < n; i++)
        x[i] /= s;
    return mx + log(s);
}

/* The two-class softmax (the E-step's) gives the general loop's bits on every kind of input. */
START_TEST(test_softmax_two_classes)
{
    const double v[] = {0.0, -0.0, 1.0, -1.0, 1e-300, -745.5, 3.25, 700.0, -1e308, 1e308,
                        -INFINITY, INFINITY, NAN};
    size_t nv = sizeof v / sizeof *v;
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < nv; j++) {
            double a[2] = {v[i], v[j]}, b[2] = {v[i], v[j]};
            double ra = wsl__softmax_inplace(a, 2), rb = softmax_ref(b, 2);
            ck_assert_msg(memcmp(a, b, sizeof a) == 0 && (memcmp(&ra, &rb, sizeof ra) == 0 ||
                                                          (isnan(ra) && isnan(rb))),
                          "softmax(%g, %g): (%.17g, %.17g) -> %.17g, reference (%.17g, %.17g) "
                          "-> %.17g", v[i], v[j], a[0], a[1], ra, b[0], b[1], rb);
        }
}
END_TEST

/* Two models saved to the same bytes. */
static void assert_same_saved(const wsl_label_model *A, const wsl_label_model *B)
{
    wsl_buf ja = WSL_BUF_INIT, jb = WSL_BUF_INIT;
    WSL_ASSERT_OK(wsl_label_model_save_buf(A, &ja));
    WSL_ASSERT_OK(wsl_label_model_save_buf(B, &jb));
    ck_assert_uint_eq(ja.size, jb.size);
    ck_assert_mem_eq(ja.ptr, jb.ptr, ja.size);
    wsl_buf_dispose(&ja);
    wsl_buf_dispose(&jb);
}

/* Dense rows become patterns through their packed keys (a direct table when (k + 1)^m is
 * small, 64-bit keys otherwise) or, when too wide for a key, their bytes (hashed from their
 * cells); sparse rows and pattern tables through the hash table, a user's table in the order
 * its rows came: every way gives the same bits. */
START_TEST(test_pattern_paths_same_bits)
{
    /* (m, k, n, coverage in % of cov, route of packed keys): direct keys, packed keys of
     * rows that repeat (a map of keys: route 1) or seldom do (their bytes: route 2), row bytes
     * (1-byte and 2-byte cells, and rows too wide for a table of their votes' hashes) */
    static const size_t shapes[][5] = {{6, 2, 4000, 100, 0},  {24, 2, 20000, 5, 1},
                                       {12, 4, 4000, 100, 2}, {40, 2, 2000, 100, 0},
                                       {9, 130, 600, 100, 0}, {22000, 2, 60, 100, 0}};
    const size_t max_m = 22000;
    double *acc = malloc(max_m * sizeof *acc), *cov = malloc(max_m * sizeof *cov);
    ck_assert(acc && cov);
    for (size_t j = 0; j < max_m; j++)
        acc[j] = 0.55 + 0.04 * (double)(j % 10);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        size_t n = shapes[s][2], m = shapes[s][0];
        int32_t k = (int32_t)shapes[s][1];
        wsl_label_matrix *L, *S = NULL, *E = NULL;
        for (size_t j = 0; j < max_m; j++)
            cov[j] = (0.2 + 0.05 * (double)(j % 11)) * (double)shapes[s][3] / 100;
        L = gen(n, m, k, acc, cov, 7 + s, NULL);
        if (L->storage != WSL_STORAGE_DENSE) { /* low coverage: stored sparse by default */
            WSL_ASSERT_OK(wsl_label_matrix_convert(&E, L, WSL_STORAGE_DENSE));
            wsl_label_matrix_free(L);
            L = E;
            E = NULL;
        }
        if (shapes[s][4]) {
            wsl__row_coder rc = wsl__row_coder_of(L);
            ck_assert_uint_gt(rc.bits, 0);
            ck_assert_uint_eq(rc.universe, 0);
            ck_assert_int_eq(wsl__rows_distinct(L, &rc), shapes[s][4] == 2);
        }
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        wsl_pattern_table *T = NULL;
        /* Each path builds the table of no row too, and counts the votes it stores. */
        WSL_ASSERT_OK(wsl_label_matrix_create(&E, 0, m, k, WSL_STORAGE_DENSE, NULL));
        WSL_ASSERT_OK(wsl__patterns_of_rows(E, NULL, &T, 1));
        ck_assert_uint_eq(wsl_pattern_table_n_patterns(T), 0);
        wsl_pattern_table_free(T);
        wsl_label_matrix_free(E);
        WSL_ASSERT_OK(wsl__patterns_of_rows(L, NULL, &T, 1));
        ck_assert_uint_eq(T->n_votes, T->start[T->n]);
        wsl_pattern_table_free(T);
        T = NULL;
        wsl_label_model *A, *B, *C = NULL;
        int32_t *row = malloc(m * sizeof *row);
        double *pa, *pb, *pc;
        ck_assert_ptr_nonnull(row);
        WSL_ASSERT_OK(wsl_label_matrix_convert(&S, L, WSL_STORAGE_SPARSE));
        WSL_ASSERT_OK(wsl_pattern_table_create(&T, m, k, NULL));
        for (size_t i = n; i-- > 0;) {
            WSL_ASSERT_OK(wsl_label_matrix_row(L, i, row, m));
            WSL_ASSERT_OK(wsl_pattern_table_add_row(T, row, m, 1));
        }
        o.max_iter = 25; /* the same for every path: bounds the k = 130 fit */
        A = wsl_test_fit(L, &o);
        B = wsl_test_fit(S, &o);
        WSL_ASSERT_OK(wsl_label_model_create(&C, k, NULL));
        WSL_ASSERT_OK(wsl_label_model_fit_patterns(C, T, &o));
        pa = wsl_test_proba(A, L);
        pb = wsl_test_proba(B, L);
        pc = wsl_test_proba(C, L);
        ck_assert_mem_eq(pa, pb, n * (size_t)k * sizeof *pa);
        ck_assert_mem_eq(pa, pc, n * (size_t)k * sizeof *pa);
        free(pb); /* and the rows predicted from their sparse copy */
        pb = wsl_test_proba(A, S);
        ck_assert_mem_eq(pa, pb, n * (size_t)k * sizeof *pa);
        /* Wide rows' probabilities are 0 or 1: the tables must agree too. */
        assert_same_saved(A, B);
        assert_same_saved(A, C);
        free(pa);
        free(pb);
        free(pc);
        free(row);
        wsl_pattern_table_free(T);
        wsl_label_model_free(A);
        wsl_label_model_free(B);
        wsl_label_model_free(C);
        wsl_label_matrix_free(L);
        wsl_label_matrix_free(S);
    }
    free(acc);
    free(cov);
}
END_TEST

/*
 * Two-class predictions: a dense row of one-byte votes, scored from its cells (rows without a
 * small universe of keys: 11 sources and more), gives the bits and covered flags of the same row
 * stored sparse (scored from its list of votes), on 1 and 2 threads, at widths that cut the sources
 * into four parts every way; both are the logistic of the row's log-odds (with its tie nudges)
 * computed by hand from the tables. Source 0 never votes 1 in the fit: its votes for 1 then
 * read as abstains.
 */
START_TEST(test_predict_two_class_rows)
{
    static const size_t ms[] = {1, 2, 3, 4, 5, 6, 7, 9, 13, 33, 34, 35, 36, 50};
    enum { N = 33000 }; /* predict's threads take 16,384 rows at least: two parts */
    double acc[50], cov[50];
    for (size_t j = 0; j < 50; j++) {
        acc[j] = 0.6 + 0.03 * (double)(j % 10);
        cov[j] = 0.3 + 0.05 * (double)(j % 9);
    }
    for (size_t s = 0; s < sizeof ms / sizeof *ms; s++) {
        size_t m = ms[s];
        wsl_label_matrix *L = gen(N, m, 2, acc, cov, 100 + m, NULL), *F = NULL, *S = NULL;
        int32_t *buf = malloc(N * m * sizeof *buf);
        double *tab = malloc(m * 6 * sizeof *tab), prior[2], *pd, *ps;
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        wsl_label_model *M;
        ck_assert(buf && tab);
        for (size_t i = 0; i < N; i++)
            WSL_ASSERT_OK(wsl_label_matrix_row(L, i, buf + i * m, m));
        for (size_t i = 0; i < N; i++)
            if (buf[i * m] == 1)
                buf[i * m] = WSL_ABSTAIN;
        WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&F, buf, N, m, m, 2, WSL_STORAGE_DENSE, NULL));
        o.abstain = WSL_ABSTAIN_INFORMATIVE;
        o.deps = WSL_DEPS_OFF;
        M = wsl_test_fit(F, &o);
        WSL_ASSERT_OK(wsl_label_matrix_convert(&S, L, WSL_STORAGE_SPARSE));
        pd = malloc(N * 2 * sizeof *pd);
        ps = malloc(N * 2 * sizeof *ps);
        ck_assert(pd && ps);
        for (int threads = 1; threads <= 2; threads++) {
            static uint8_t cd[N], cs[N];
            WSL_ASSERT_OK(wsl_label_model_set_threads(M, threads));
            WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, pd, N * 2, cd, N));
            WSL_ASSERT_OK(wsl_label_model_predict_proba(M, S, ps, N * 2, cs, N));
            ck_assert_mem_eq(pd, ps, N * 2 * sizeof *pd);
            ck_assert_mem_eq(cd, cs, N);
        }
        WSL_ASSERT_OK(wsl_label_model_class_prior(M, prior, 2));
        for (size_t j = 0; j < m; j++)
            WSL_ASSERT_OK(wsl_label_model_source_table(M, j, tab + 6 * j, 6));
        for (size_t i = 0; i < N; i++) {
            const int32_t *row = buf + i * m;
            double z = log(prior[1]) - log(prior[0]), want;
            long d = 0;
            WSL_ASSERT_OK(wsl_label_matrix_row(L, i, buf + i * m, m));
            for (size_t j = 0; j < m; j++) {
                const double *t0 = tab + 6 * j, *t1 = t0 + 3;
                size_t v = (size_t)(row[j] + 1);
                if (t0[v] == 0 && t1[v] == 0)
                    v = 0; /* a vote the fit never saw: an abstain */
                z += log(t1[v]) - log(t0[v]);
                d += v == 2 ? 1 : v == 1 ? -1 : 0;
            }
            z += (double)d * 1e-6;
            want = 1 / (1 + exp(-z));
            ck_assert_msg(fabs(pd[2 * i + 1] - want) <= 1e-12,
                          "m %zu, row %zu: P(1) %.17g, by hand %.17g", m, i, pd[2 * i + 1], want);
            ck_assert_double_eq_tol(pd[2 * i] + pd[2 * i + 1], 1.0, 1e-15);
        }
        free(pd);
        free(ps);
        free(buf);
        free(tab);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
        wsl_label_matrix_free(F);
        wsl_label_matrix_free(S);
    }
}
END_TEST

/* One call's fit and probabilities against fit, then predict_proba: the same model (its saved
 * bytes) and the same probabilities and covered flags, bit for bit. */
static void check_fit_predict(const wsl_label_matrix *L, const wsl_fit_options *o)
{
    size_t n = wsl_label_matrix_n_points(L), k = (size_t)wsl_label_matrix_cardinality(L);
    wsl_label_model *A = wsl_test_fit(L, o), *B = NULL;
    double *pa = malloc(n * k * sizeof *pa), *pb = malloc(n * k * sizeof *pb);
    uint8_t *ca = malloc(n), *cb = malloc(n);
    ck_assert(pa && pb && ca && cb);
    WSL_ASSERT_OK(wsl_label_model_predict_proba(A, L, pa, n * k, ca, n));
    WSL_ASSERT_OK(wsl_label_model_create(&B, (int32_t)k, NULL));
    memset(pb, 0x5a, n * k * sizeof *pb);
    WSL_ASSERT_OK(wsl_label_model_fit_predict_proba(B, L, o, pb, n * k, cb, n));
    ck_assert_mem_eq(pa, pb, n * k * sizeof *pa);
    ck_assert_mem_eq(ca, cb, n);
    assert_same_saved(A, B);
    /* covered may be NULL */
    WSL_ASSERT_OK(wsl_label_model_fit_predict_proba(B, L, o, pb, n * k, NULL, 0));
    ck_assert_mem_eq(pa, pb, n * k * sizeof *pa);
    free(pa);
    free(pb);
    free(ca);
    free(cb);
    wsl_label_model_free(A);
    wsl_label_model_free(B);
}

/* A dense matrix of L's rows, each taken `times` times in a row. */
static wsl_label_matrix *repeated(const wsl_label_matrix *L, size_t times)
{
    size_t n = wsl_label_matrix_n_points(L), m = wsl_label_matrix_n_sources(L);
    int32_t *buf = malloc(n * times * m * sizeof *buf);
    wsl_label_matrix *R = NULL;
    ck_assert_ptr_nonnull(buf);
    for (size_t i = 0; i < n * times; i++)
        WSL_ASSERT_OK(wsl_label_matrix_row(L, i / times, buf + i * m, m));
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(
        &R, buf, n * times, m, m, wsl_label_matrix_cardinality(L), WSL_STORAGE_DENSE, NULL));
    free(buf);
    return R;
}

/* Rows whose first rows all differ (the count is sized for distinct rows) and which then
 * repeat, wide (their bytes) or of packed keys (routed to their bytes): the table of the dense
 * rows is the table of their sparse copy, each row's recorded pattern holds its votes, and the
 * one call gives the bits of fit then predict. */
START_TEST(test_count_rows_then_repeats)
{
    static const size_t shapes[][2] = {{40, 2}, {20, 2}, {12, 4}}; /* m, k */
    const size_t n = 6000, times = 3, N = n * times;
    for (size_t sh = 0; sh < 3; sh++) {
        size_t m = shapes[sh][0], k = shapes[sh][1];
        double acc[40], cov[40];
        wsl_label_matrix *L, *R = NULL, *S = NULL;
        wsl_pattern_table *T = NULL, *U = NULL;
        wsl__row_patterns rp;
        int32_t *buf = malloc(N * m * sizeof *buf);
        uint32_t *cols = malloc(m * sizeof *cols);
        int32_t *vals = malloc(m * sizeof *vals);
        ck_assert(buf && cols && vals);
        for (size_t j = 0; j < m; j++) {
            acc[j] = 0.6 + 0.01 * (double)j;
            cov[j] = 0.5;
        }
        L = gen(n, m, (int32_t)k, acc, cov, 21 + sh, NULL);
        for (size_t i = 0; i < N; i++)
            WSL_ASSERT_OK(wsl_label_matrix_row(L, i % n, buf + i * m, m));
        WSL_ASSERT_OK(
            wsl_label_matrix_from_buffer(&R, buf, N, m, m, (int32_t)k, WSL_STORAGE_DENSE, NULL));
        if (m <= 32) {
            wsl__row_coder rc = wsl__row_coder_of(R);
            ck_assert_uint_gt(rc.bits, 0);
            ck_assert_int_eq(wsl__rows_distinct(R, &rc), 1);
        }
        WSL_ASSERT_OK(wsl_label_matrix_convert(&S, R, WSL_STORAGE_SPARSE));
        rp.ids = (unsigned char *)malloc(N * sizeof(uint32_t));
        ck_assert_ptr_nonnull(rp.ids);
        WSL_ASSERT_OK(wsl__patterns_of_rows_ids(R, NULL, &T, &rp, 1));
        WSL_ASSERT_OK(wsl__patterns_of_rows(S, NULL, &U, 1));
        ck_assert_uint_eq(T->n, U->n);
        ck_assert_uint_eq(T->total, N);
        ck_assert_uint_eq(T->total, U->total);
        ck_assert_mem_eq(T->counts, U->counts, T->n * sizeof *T->counts);
        ck_assert_mem_eq(T->hashes, U->hashes, T->n * sizeof *T->hashes);
        ck_assert_mem_eq(T->start, U->start, (T->n + 1) * sizeof *T->start);
        ck_assert_mem_eq(T->cols, U->cols, T->n_votes * sizeof *T->cols);
        ck_assert_mem_eq(T->vals, U->vals, T->n_votes * sizeof *T->vals);
        ck_assert_ptr_nonnull(rp.map);
        for (size_t i = 0; i < N; i++) {
            size_t p = rp.map[wsl__row_id(&rp, i)], nv = wsl__lm_row_votes(R, i, cols, vals);
            ck_assert_uint_lt(p, T->n);
            ck_assert_uint_eq(T->start[p + 1] - T->start[p], nv);
            ck_assert_mem_eq(T->cols + T->start[p], cols, nv * sizeof *cols);
            ck_assert_mem_eq(T->vals + T->start[p], vals, nv * sizeof *vals);
            ck_assert_uint_ge(T->counts[p], times);
        }
        check_fit_predict(R, NULL);
        free(rp.map);
        free(rp.ids);
        wsl_pattern_table_free(T);
        wsl_pattern_table_free(U);
        wsl_label_matrix_free(L);
        wsl_label_matrix_free(R);
        wsl_label_matrix_free(S);
        free(buf);
        free(cols);
        free(vals);
    }
}
END_TEST

/* An allocator that records the largest block asked for. */
static void *max_malloc(size_t size, void *p)
{
    size_t *max = p;
    if (size > *max)
        *max = size;
    return malloc(size);
}

static void *max_realloc(void *ptr, size_t size, void *p)
{
    size_t *max = p;
    if (size > *max)
        *max = size;
    return realloc(ptr, size);
}

static void max_free(void *ptr, void *p)
{
    (void)p;
    free(ptr);
}

/* Many rows of a few thousand wide patterns: the count is sized for the patterns, not for the
 * rows (sized for every row, 200,000 rows asked for blocks of 4 MiB). */
START_TEST(test_count_rows_sized_for_patterns)
{
    double acc[40], cov[40];
    size_t n = 2000, times = 100, N = n * times, m = 40, max = 0;
    wsl_allocator a = {max_malloc, max_realloc, max_free, &max};
    wsl_label_matrix *L, *R = NULL;
    wsl_pattern_table *T = NULL;
    int32_t *buf = malloc(N * m * sizeof *buf);
    ck_assert_ptr_nonnull(buf);
    for (size_t j = 0; j < m; j++) {
        acc[j] = 0.6 + 0.01 * (double)j;
        cov[j] = 0.5;
    }
    L = gen(n, m, 2, acc, cov, 31, NULL);
    for (size_t i = 0; i < N; i++)
        WSL_ASSERT_OK(wsl_label_matrix_row(L, i % n, buf + i * m, m));
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&R, buf, N, m, m, 2, WSL_STORAGE_DENSE, NULL));
    WSL_ASSERT_OK(wsl__patterns_of_rows(R, &a, &T, 1));
    ck_assert_uint_le(T->n, n);
    ck_assert_uint_eq(T->total, N);
    ck_assert_msg(max < ((size_t)1 << 20), "largest block %zu bytes for %zu patterns", max, T->n);
    wsl_pattern_table_free(T);
    wsl_label_matrix_free(L);
    wsl_label_matrix_free(R);
    free(buf);
}
END_TEST

START_TEST(test_fit_predict_same_bits)
{
    /* (m, k, n): direct keys (one with rows of no vote), packed keys, row bytes (1-byte and
     * 2-byte cells). Rows beyond direct keys are mostly distinct here, so the one call
     * predicts them row by row; repeated, each pattern is scored once. */
    static const size_t shapes[][3] = {{6, 2, 4000}, {12, 4, 4000}, {40, 2, 2000}, {9, 130, 600}};
    double acc[40], cov[40];
    int32_t gold[4000];
    for (size_t j = 0; j < 40; j++) {
        acc[j] = 0.55 + 0.04 * (double)(j % 10);
        cov[j] = 0.1 + 0.05 * (double)(j % 11);
    }
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        size_t n = shapes[s][2], m = shapes[s][0];
        int32_t k = (int32_t)shapes[s][1];
        wsl_label_matrix *L = gen(n, m, k, acc, cov, 17 + s, gold), *S = NULL;
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        o.max_iter = 25; /* bounds the k = 130 fit */
        check_fit_predict(L, &o);
        WSL_ASSERT_OK(wsl_label_matrix_convert(&S, L, WSL_STORAGE_SPARSE));
        check_fit_predict(S, &o); /* sparse: predicted row by row after the fit */
        if (s >= 1) {
            wsl_label_matrix *R = repeated(L, 3);
            check_fit_predict(R, &o);
            wsl_label_matrix_free(R);
        }
        if (s < 2) {
            o.n_threads = 2;
            check_fit_predict(L, &o);
            o.n_threads = 1;
            o.tables = WSL_TABLES_ONE_COIN; /* its own predict */
            check_fit_predict(L, &o);
            o.tables = WSL_TABLES_DEFAULT;
            for (size_t i = 50; i < n; i++)
                gold[i] = WSL_ABSTAIN;
            o.gold = gold; /* gold rides in the table: predicted row by row */
            o.gold_len = n;
            check_fit_predict(L, &o);
        }
        wsl_label_matrix_free(L);
        wsl_label_matrix_free(S);
    }
    {
        /* a clique model (learned dependencies) */
        int32_t g[3000];
        wsl_label_matrix *L = gen_copies(3000, 1, 5, g);
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        o.deps = WSL_DEPS_LEARN;
        check_fit_predict(L, &o);
        wsl_label_matrix_free(L);
    }
}
END_TEST

/* Per-row log-likelihoods of each iteration, from the iteration callback. */
typedef struct ll_trace {
    double ll[16];
    int n;
} ll_trace;

static int record_ll(int start, int iteration, double log_likelihood, void *payload)
{
    ll_trace *t = payload;
    (void)start;
    (void)iteration;
    if (t->n < 16)
        t->ll[t->n++] = log_likelihood;
    return 0;
}

/* The log-likelihood does not depend on how rows are grouped into patterns: every row twice
 * (patterns of count 2) gives the per-row log-likelihood of every row once (count 1, whose
 * sums of exps the E-step multiplies, many patterns to a log) at every iteration. No
 * pseudo-counts and a fixed prior, so that the parameters are the same too. */
START_TEST(test_log_likelihood_counts)
{
    double acc[12], cov[12];
    const double half[2] = {0.5, 0.5};
    wsl_label_matrix *L, *R;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    ll_trace a = {{0}, 0}, b = {{0}, 0};
    wsl_label_model *A, *B;
    for (size_t j = 0; j < 12; j++) {
        acc[j] = 0.6 + 0.03 * (double)j;
        cov[j] = 0.3 + 0.04 * (double)j;
    }
    L = gen(3000, 12, 2, acc, cov, 41, NULL);
    R = repeated(L, 2);
    o.pseudo_count = 0;
    o.prior = WSL_PRIOR_FIXED;
    o.class_prior = half;
    o.abstain = WSL_ABSTAIN_INFORMATIVE;
    o.deps = WSL_DEPS_OFF;
    o.starts = WSL_START_MAJORITY;
    o.max_iter = 6;
    o.tol = 1e-300;
    o.iter_fn = record_ll;
    o.iter_payload = &a;
    A = wsl_test_fit(L, &o);
    o.iter_payload = &b;
    B = wsl_test_fit(R, &o);
    ck_assert_int_eq(a.n, b.n);
    ck_assert_int_ge(a.n, 3);
    for (int i = 0; i < a.n; i++)
        ck_assert_msg(fabs(a.ll[i] - b.ll[i]) <= 1e-12 * fabs(a.ll[i]),
                      "iteration %d: %.17g per row once, %.17g twice", i, a.ll[i], b.ll[i]);
    wsl_label_model_free(A);
    wsl_label_model_free(B);
    wsl_label_matrix_free(L);
    wsl_label_matrix_free(R);
}
END_TEST

/*
 * The E-step and M-step checked by hand at EM's fixed point: with no pseudo-counts, a fixed
 * prior, full tables and informative abstains, converged tables are the expected counts of
 * their own posteriors over the expected class totals, and the reported log-likelihood is the
 * tables', summed row by row. Two classes (the E-step's log-odds form) and three (its general
 * loop), with and without clamped gold rows, on 2 threads over several blocks of votes.
 */
START_TEST(test_em_fixed_point_by_hand)
{
    enum { N = 20000, M = 14 }; /* rows mostly distinct: several blocks of votes */
    for (int32_t k = 2; k <= 3; k++) {
        for (int clamp = 0; clamp < 2; clamp++) {
            size_t K1 = (size_t)k + 1, len = M * (size_t)k * K1;
            double acc[M], cov[M], prior[3], uniform[3], tot[3] = {0}, ll = 0;
            double *tab = malloc(len * sizeof *tab), *cnt = calloc(len, sizeof *cnt);
            int32_t *gold = malloc(N * sizeof *gold), row[M];
            wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
            wsl_fit_report rep;
            wsl_label_model *F;
            wsl_label_matrix *L;
            ck_assert_ptr_nonnull(tab);
            ck_assert_ptr_nonnull(cnt);
            ck_assert_ptr_nonnull(gold);
            for (size_t j = 0; j < M; j++) {
                acc[j] = 0.6 + 0.02 * (double)j;
                cov[j] = 0.3 + 0.03 * (double)j;
            }
            for (int32_t c = 0; c < k; c++)
                uniform[c] = 1.0 / k;
            L = gen(N, M, k, acc, cov, 77 + (uint64_t)k, gold);
            for (size_t i = 0; i < N; i++)
                if (!clamp || i % 10 != 0)
                    gold[i] = WSL_ABSTAIN;
            o.pseudo_count = 0;
            o.prior = WSL_PRIOR_FIXED;
            o.class_prior = uniform;
            o.tables = WSL_TABLES_FULL;
            o.abstain = WSL_ABSTAIN_INFORMATIVE;
            o.deps = WSL_DEPS_OFF;
            o.max_iter = 5000;
            o.tol = 1e-13;
            o.n_threads = 2;
            if (clamp) {
                o.gold = gold;
                o.gold_len = N;
            }
            F = wsl_test_fit(L, &o);
            WSL_ASSERT_OK(wsl_label_model_report(F, &rep));
            ck_assert_int_eq(rep.converged, 1);
            WSL_ASSERT_OK(wsl_label_model_class_prior(F, prior, 3));
            for (size_t j = 0; j < M; j++)
                WSL_ASSERT_OK(
                    wsl_label_model_source_table(F, j, tab + j * (size_t)k * K1, (size_t)k * K1));
            for (size_t i = 0; i < N; i++) {
                double s[3], mx = -INFINITY, sum = 0;
                WSL_ASSERT_OK(wsl_label_matrix_row(L, i, row, M));
                for (int32_t c = 0; c < k; c++) {
                    s[c] = log(prior[c]);
                    for (size_t j = 0; j < M; j++)
                        s[c] += log(tab[(j * (size_t)k + (size_t)c) * K1 + (size_t)(row[j] + 1)]);
                    mx = s[c] > mx ? s[c] : mx;
                }
                for (int32_t c = 0; c < k; c++)
                    sum += exp(s[c] - mx);
                ll += gold[i] != WSL_ABSTAIN ? s[gold[i]] : mx + log(sum);
                for (int32_t c = 0; c < k; c++) {
                    double q =
                        gold[i] != WSL_ABSTAIN ? (double)(c == gold[i]) : exp(s[c] - mx) / sum;
                    tot[c] += q;
                    for (size_t j = 0; j < M; j++)
                        cnt[(j * (size_t)k + (size_t)c) * K1 + (size_t)(row[j] + 1)] += q;
                }
            }
            ck_assert_msg(fabs(ll / N - rep.log_likelihood) <= 1e-10 * fabs(ll / N),
                          "k %d, clamped %d: log-likelihood %.17g by hand, %.17g fitted", k, clamp,
                          ll / N, rep.log_likelihood);
            for (size_t t = 0; t < len; t++) {
                double want = cnt[t] / tot[(t / K1) % (size_t)k];
                ck_assert_msg(fabs(tab[t] - want) <= 1e-7,
                              "k %d, clamped %d: table entry %zu is %.12g, its expected counts "
                              "give %.12g",
                              k, clamp, t, tab[t], want);
            }
            wsl_label_model_free(F);
            wsl_label_matrix_free(L);
            free(tab);
            free(cnt);
            free(gold);
        }
    }
}
END_TEST

/* A sample of a canonical table's rows: counts thinned by f, the order and votes kept. */
START_TEST(test_patterns_thin)
{
    const double acc[] = {0.9, 0.8, 0.7, 0.6, 0.75, 0.85, 0.65, 0.7};
    const double cov[] = {0.2, 0.3, 0.5, 0.1, 0.3, 0.2, 0.4, 0.2};
    wsl_label_matrix *L = gen(30000, 8, 2, acc, cov, 5, NULL);
    wsl_pattern_table *T = NULL, *S = NULL, *S2 = NULL;
    uint64_t lo = 0, hi = 0;
    WSL_ASSERT_OK(wsl__patterns_of_rows(L, NULL, &T, 1));
    ck_assert_uint_gt(T->counts[0] + T->counts[T->n - 1], 0);
    /* f = 1: the same table */
    WSL_ASSERT_OK(wsl__patterns_thin(T, 1, &S));
    ck_assert_uint_eq(S->n, T->n);
    ck_assert_uint_eq(S->total, T->total);
    ck_assert_uint_eq(S->n_votes, T->n_votes);
    ck_assert_mem_eq(S->counts, T->counts, T->n * sizeof *T->counts);
    ck_assert_mem_eq(S->start, T->start, (T->n + 1) * sizeof *T->start);
    ck_assert_mem_eq(S->cols, T->cols, T->n_votes * sizeof *T->cols);
    ck_assert_mem_eq(S->vals, T->vals, T->n_votes * sizeof *T->vals);
    wsl_pattern_table_free(S);
    /* f = 7: each kept pattern is a pattern of T with c / 7 or c / 7 + 1 rows, in T's order;
     * patterns of 7 rows or more are all kept; the same sample twice */
    WSL_ASSERT_OK(wsl__patterns_thin(T, 7, &S));
    WSL_ASSERT_OK(wsl__patterns_thin(T, 7, &S2));
    ck_assert_uint_eq(S->n, S2->n);
    ck_assert_mem_eq(S->counts, S2->counts, S->n * sizeof *S->counts);
    ck_assert_int_eq(S->canonical, 1);
    {
        size_t q = 0, kept_big = 0, big = 0;
        uint64_t total = 0;
        for (size_t p = 0; p < T->n; p++) {
            uint64_t c = T->counts[p];
            lo += c / 7;
            hi += (c + 6) / 7;
            big += c >= 7;
            if (q < S->n && S->hashes[q] == T->hashes[p] &&
                S->start[q + 1] - S->start[q] == T->start[p + 1] - T->start[p] &&
                memcmp(S->cols + S->start[q], T->cols + T->start[p],
                       (T->start[p + 1] - T->start[p]) * sizeof *T->cols) == 0 &&
                memcmp(S->vals + S->start[q], T->vals + T->start[p],
                       (T->start[p + 1] - T->start[p]) * sizeof *T->vals) == 0) {
                ck_assert(S->counts[q] == c / 7 || S->counts[q] == c / 7 + 1);
                kept_big += c >= 7;
                total += S->counts[q++];
            } else {
                ck_assert_uint_lt(c, 7); /* dropped: its share was under one row */
            }
        }
        ck_assert_uint_eq(q, S->n); /* every sampled pattern matched, in order */
        ck_assert_uint_eq(kept_big, big);
        ck_assert_uint_eq(total, S->total);
        ck_assert_uint_ge(S->total, lo);
        ck_assert_uint_le(S->total, hi);
        /* about a seventh of the rows (the fractions are drawn by hash) */
        ck_assert_double_lt(fabs((double)S->total * 7 / (double)T->total - 1), 0.05);
        ck_assert_uint_lt(S->n, T->n);
    }
    wsl_pattern_table_free(S);
    wsl_pattern_table_free(S2);
    wsl_pattern_table_free(T);
    wsl_label_matrix_free(L);
}
END_TEST

typedef struct iter_log {
    int n, starts[64], iters[64];
    double ll[64];
    int sampled; /* the log said the race ran on a sample */
} iter_log;

/* A model that races on a sample from min_votes votes on (SIZE_MAX: never), fitted. */
static wsl_label_model *fit_sampled(const wsl_label_matrix *L, const wsl_fit_options *o,
                                    size_t min_votes)
{
    wsl_label_model *M = NULL;
    WSL_ASSERT_OK(wsl_label_model_create(&M, wsl_label_matrix_cardinality(L), NULL));
    M->sample_min_votes = min_votes;
    WSL_ASSERT_OK(wsl_label_model_fit(M, L, o));
    return M;
}

static int log_iteration(int start, int it, double ll, void *payload)
{
    iter_log *g = payload;
    if (g->n < 64) {
        g->starts[g->n] = start;
        g->iters[g->n] = it;
        g->ll[g->n] = ll;
    }
    g->n++;
    return 0;
}

static void note_sample(wsl_log_level level, const char *msg, void *payload)
{
    (void)level;
    ((iter_log *)payload)->sampled += strstr(msg, "on a sample of the rows") != NULL;
}

/*
 * A table of many votes races its starts, and the winner first converges, on a sample of the
 * rows (made small here so that small tables sample): the fit ends at the optimum of all rows
 * (as without the sample, to within the tolerance), with the same bits for any number of
 * threads, a history of its iterations on all rows only, and sample iterations whose
 * log-likelihoods stand for all rows (scaled up from the sample's).
 */
START_TEST(test_sampled_race)
{
    const double acc[] = {0.9,  0.8, 0.7, 0.6, 0.75, 0.85, 0.65, 0.7,
                          0.55, 0.8, 0.7, 0.6, 0.9,  0.65, 0.75, 0.7};
    double cov[16];
    /* about 800,000 votes: a sixth sampled, in several of the E-step's blocks */
    size_t n = 100000, m = 16, nh = 0, min_votes = (size_t)1 << 19;
    int32_t *gold = malloc(n * sizeof *gold);
    wsl_label_matrix *L;
    double *ref = NULL, *full, hist[600], ll_ref = 0;
    wsl_fit_report r, rf;
    for (size_t j = 0; j < m; j++)
        cov[j] = 0.5;
    L = gen(n, m, 2, acc, cov, 11, gold);
    for (int threads = 1; threads <= 3; threads += 2) {
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        iter_log g = {0};
        wsl_label_model *M;
        double *p;
        int final_from;
        o.n_threads = threads;
        o.iter_fn = log_iteration;
        o.iter_payload = &g;
        o.log_fn = note_sample;
        o.log_payload = &g;
        M = fit_sampled(L, &o, min_votes);
        ck_assert_int_eq(g.sampled, 1);
        WSL_ASSERT_OK(wsl_label_model_report(M, &r));
        WSL_ASSERT_OK(wsl_label_model_history(M, hist, 600, &nh));
        ck_assert_uint_eq(nh, (size_t)r.iterations);
        ck_assert_int_ge(r.iterations, 2);
        ck_assert_int_le(g.n, 64);
        /* the last r.iterations calls are the history, counted from 0 on all rows */
        final_from = g.n - r.iterations;
        ck_assert_int_ge(final_from, 3); /* the race, on the sample */
        for (int i = 0; i < r.iterations; i++) {
            ck_assert_int_eq(g.iters[final_from + i], i);
            ck_assert_int_eq(g.starts[final_from + i], r.start);
            ck_assert_double_eq(g.ll[final_from + i], hist[i]);
            if (i > 0) /* EM never decreases the penalized likelihood */
                ck_assert_double_ge(hist[i] + 1e-9, hist[i - 1]);
        }
        ck_assert_double_eq(hist[nh - 1], r.penalized);
        /* the sample's log-likelihoods per row are of all rows' size (a sample of a ninth of
         * the rows, unscaled, would give a ninth) */
        for (int i = 0; i < final_from; i++)
            ck_assert_msg(fabs(g.ll[i] / r.penalized - 1) < 0.05,
                          "sample iteration %d: %.6f per row against %.6f", i, g.ll[i],
                          r.penalized);
        p = wsl_test_proba(M, L);
        if (!ref) {
            ref = p;
            ll_ref = r.log_likelihood;
        } else {
            ck_assert_double_eq(r.log_likelihood, ll_ref);
            ck_assert_mem_eq(p, ref, n * 2 * sizeof *p);
            free(p);
        }
        wsl_label_model_free(M);
    }
    /* without the sample: the same optimum */
    {
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        iter_log g = {0};
        wsl_label_model *M;
        double worst = 0;
        o.log_fn = note_sample;
        o.log_payload = &g;
        M = fit_sampled(L, &o, SIZE_MAX);
        ck_assert_int_eq(g.sampled, 0);
        WSL_ASSERT_OK(wsl_label_model_report(M, &rf));
        ck_assert_int_eq(rf.start, r.start);
        ck_assert_double_lt(fabs(rf.penalized - r.penalized), 1e-6);
        full = wsl_test_proba(M, L);
        for (size_t i = 0; i < 2 * n; i++)
            worst = fmax(worst, fabs(full[i] - ref[i]));
        ck_assert_double_lt(worst, 1e-3);
        ck_assert_double_lt(fabs(accuracy(full, gold, n, 2) - accuracy(ref, gold, n, 2)), 1e-3);
        ck_assert_double_gt(accuracy(ref, gold, n, 2), 0.9);
        free(full);
        wsl_label_model_free(M);
    }
    /* each start's parameters on the sample are those of all rows, up to the sample's noise:
     * with strong pseudo-counts, counts not scaled up to all rows would pull them to the prior */
    {
        double first[2][3];
        for (int s = 0; s < 2; s++) {
            wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
            iter_log g = {0};
            wsl_label_model *M;
            o.pseudo_count = 2000;
            o.iter_fn = log_iteration;
            o.iter_payload = &g;
            M = fit_sampled(L, &o, s ? SIZE_MAX : min_votes);
            for (int i = 0; i < 3; i++) {
                ck_assert_int_eq(g.iters[i], 0);
                first[s][i] = g.ll[i];
            }
            wsl_label_model_free(M);
        }
        /* the sample's noise is common to every start (the same rows): compare the majority
         * start against the precise start, whose parameters take no counts (unscaled majority
         * counts: 0.0050 apart; scaled: 0.0005) */
        ck_assert_msg(fabs((first[0][0] - first[0][1]) - (first[1][0] - first[1][1])) < 0.0015,
                      "majority start against precise: %.6f on the sample, %.6f on all rows",
                      first[0][0] - first[0][1], first[1][0] - first[1][1]);
    }
    /* the class balance of gold labels (a fixed prior) is all rows', not the sample's */
    {
        int32_t *some = malloc(n * sizeof *some);
        double pri[2][2];
        for (size_t i = 0; i < n; i++)
            some[i] = i % 7 == 0 ? gold[i] : WSL_ABSTAIN;
        for (int s = 0; s < 2; s++) {
            wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
            iter_log g = {0};
            wsl_label_model *M;
            o.gold = some;
            o.gold_len = n;
            o.prior = WSL_PRIOR_GOLD;
            o.log_fn = note_sample;
            o.log_payload = &g;
            M = fit_sampled(L, &o, s ? SIZE_MAX : min_votes);
            ck_assert_int_eq(g.sampled, !s);
            WSL_ASSERT_OK(wsl_label_model_class_prior(M, pri[s], 2));
            wsl_label_model_free(M);
        }
        ck_assert_mem_eq(pri[0], pri[1], sizeof pri[0]);
        free(some);
    }
    /* declared groups (cliques) are never sampled: their indices are per pattern */
    {
        const size_t members[] = {0, 1}, sizes[] = {2};
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        iter_log g = {0};
        wsl_label_model *M;
        o.log_fn = note_sample;
        o.log_payload = &g;
        o.dep_members = members;
        o.dep_sizes = sizes;
        o.n_dep_groups = 1;
        M = fit_sampled(L, &o, min_votes);
        ck_assert_int_eq(g.sampled, 1); /* the independent model's race only */
        wsl_label_model_free(M);
    }
    free(ref);
    free(gold);
    wsl_label_matrix_free(L);
}
END_TEST

/*
 * Two classes where class 0 gets almost no posterior mass (every vote is for 1, class 0 has a
 * fixed prior of 0.3, no pseudo-counts): its expected counts are tiny (about 1e-22 rows) but
 * not zero, and its tables come from them (the shares the general E-step, which adds each
 * class's counts, gives source 0: abstain 1/3, a vote for 0 2/3), not from the M-step's default
 * for a class without data (0.5, 0.5), which counts lost to rounding would give.
 */
START_TEST(test_em_class_nearly_absent)
{
    enum { N = 100, M = 6 };
    int32_t buf[N * M];
    const double fixed[2] = {0.3, 0.7};
    double t[6];
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    wsl_label_model *F;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < M; j++)
            buf[i * M + j] = (i * 7 + j * 3) % 10 < 8 ? 1 : WSL_ABSTAIN;
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, buf, N, M, M, 2, WSL_STORAGE_DENSE, NULL));
    o.tables = WSL_TABLES_ACCURACY;
    o.abstain = WSL_ABSTAIN_INFORMATIVE;
    o.prior = WSL_PRIOR_FIXED;
    o.class_prior = fixed;
    o.pseudo_count = 0;
    o.deps = WSL_DEPS_OFF;
    F = wsl_test_fit(L, &o);
    WSL_ASSERT_OK(wsl_label_model_source_table(F, 0, t, 6));
    /* Class 0 nearly never seen: its abstain rate is not the default 0.5. */
    ck_assert_double_eq_tol(t[0], 1.0 / 3.0, 1e-4);
    ck_assert_double_eq_tol(t[1], 2.0 / 3.0, 1e-4);
    wsl_label_model_free(F);
    wsl_label_matrix_free(L);
}
END_TEST

/* Exact ties of the scores (here every source says nothing about the class) go the way of the
 * votes, for two classes (whose nudges are added at once) and for more. */
START_TEST(test_ties_follow_votes)
{
    static const char two[] =
        "{\"format\": \"wsl.label_model\", \"format_version\": 1, \"k\": 2, \"m\": 3, "
        "\"tables\": \"full\", \"abstain\": \"informative\", \"class_prior_mode\": "
        "\"learned\", \"class_prior\": [0.5, 0.5], \"tables_values\": [0.5, 0.25, 0.25, "
        "0.5, 0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.25, 0.25]}";
    static const int32_t rows2[] = {1, 1, 0, 0, 0, 1, 1, 0, -1};
    wsl_label_model *M = NULL;
    wsl_label_matrix *L = NULL;
    double p[6];
    WSL_ASSERT_OK(wsl_label_model_load_buf(&M, two, sizeof two - 1, NULL));
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, rows2, 3, 3, 3, 2, WSL_STORAGE_DENSE, NULL));
    WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, p, 6, NULL, 0));
    ck_assert_double_gt(p[1], p[0]); /* two votes for 1, one for 0 */
    ck_assert_double_gt(p[2], p[3]); /* two for 0, one for 1 */
    ck_assert_double_eq(p[4], p[5]); /* one each: still a tie */
    wsl_label_matrix_free(L);
    wsl_label_model_free(M);
}
END_TEST

START_TEST(test_semi_supervised_gold)
{
    const double acc[] = {0.9, 0.6, 0.7};
    const double cov[] = {0.5, 0.6, 0.7};
    size_t n = 3000;
    int32_t *gold = malloc(n * sizeof *gold);
    wsl_label_matrix *L = gen(n, 3, 2, acc, cov, 21, gold);
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_label_model *M;
    double prior[2];
    for (size_t i = 100; i < n; i++)
        gold[i] = WSL_ABSTAIN; /* 100 labelled rows */
    o.gold = gold;
    o.gold_len = n;
    o.prior = WSL_PRIOR_GOLD;
    M = wsl_test_fit(L, &o);
    WSL_ASSERT_OK(wsl_label_model_class_prior(M, prior, 2));
    ck_assert_double_eq_tol(prior[0] + prior[1], 1.0, 1e-12);
    o.gold_len = n - 1;
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EDIM);
    ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
    free(gold);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_parametrizations)
{
    const double acc[] = {0.9, 0.6, 0.7, 0.8};
    const double cov[] = {0.5, 0.6, 0.7, 0.4};
    size_t n = 4000;
    int32_t *gold = malloc(n * sizeof *gold);
    wsl_label_matrix *L = gen(n, 4, 3, acc, cov, 8, gold);
    for (int t = 1; t <= 3; t++)
        for (int a = 1; a <= 2; a++) {
            wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
            wsl_label_model *M;
            wsl_fit_report r;
            double *p;
            o.tables = (wsl_lm_tables)t;
            o.abstain = (wsl_lm_abstain)a;
            M = wsl_test_fit(L, &o);
            p = wsl_test_proba(M, L);
            WSL_ASSERT_OK(wsl_label_model_report(M, &r));
            ck_assert_int_eq(r.tables, t);
            ck_assert_int_eq(r.abstain, a);
            ck_assert_double_gt(accuracy(p, gold, n, 3), 0.7);
            free(p);
            wsl_label_model_free(M);
        }
    free(gold);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_save_load_bits)
{
    const double acc[] = {0.9, 0.6, 0.7, 0.65};
    const double cov[] = {0.5, 0.6, 0.7, 0.5};
    size_t n = 2000;
    wsl_label_matrix *L = gen(n, 4, 3, acc, cov, 4, NULL);
    wsl_label_model *M = wsl_test_fit(L, NULL), *R = NULL;
    wsl_buf buf = WSL_BUF_INIT;
    double *p, *q;
    WSL_ASSERT_OK(wsl_label_model_save_buf(M, &buf));
    ck_assert_ptr_nonnull(strstr(buf.ptr, "\"wsl.label_model\""));
    WSL_ASSERT_OK(wsl_label_model_load_buf(&R, buf.ptr, buf.size, NULL));
    p = wsl_test_proba(M, L);
    q = wsl_test_proba(R, L);
    ck_assert_mem_eq(p, q, n * 3 * sizeof *p);
    wsl_label_model_free(R);
    /* A corrupt or foreign document is a clear error. */
    WSL_ASSERT_STATUS(wsl_label_model_load_buf(&R, "{", 1, NULL), WSL_EFORMAT);
    ck_assert_ptr_null(R);
    WSL_ASSERT_STATUS(wsl_label_model_load_buf(&R, "{\"format\":\"x\"}", 14, NULL), WSL_EFORMAT);
    {
        char *copy = malloc(buf.size + 1);
        char *v;
        memcpy(copy, buf.ptr, buf.size + 1);
        v = strstr(copy, "\"format_version\":");
        ck_assert_ptr_nonnull(v);
        v += strlen("\"format_version\":");
        while (*v == ' ' || *v == '\t')
            v++;
        *v = '9';
        WSL_ASSERT_STATUS(wsl_label_model_load_buf(&R, copy, buf.size, NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "format_version"));
        /* Truncation anywhere must fail cleanly. */
        for (size_t cut = 0; cut < buf.size; cut += 97) {
            ck_assert_int_ne(wsl_label_model_load_buf(&R, buf.ptr, cut, NULL), WSL_OK);
            ck_assert_ptr_null(R);
        }
        free(copy);
    }
    wsl_buf_dispose(&buf);
    free(p);
    free(q);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/* Fuzz finding (fuzz_model_json, seed corpus): wsl_label_model_history(M, NULL, 0, &n), the
 * documented way to ask how many values there are, passed NULL to memcpy (undefined behaviour,
 * reported by UBSan); so did a model loaded without "history" for any out. */
START_TEST(test_fuzz_history_query)
{
    const double acc[] = {0.9, 0.6, 0.7};
    const double cov[] = {0.5, 0.6, 0.7};
    wsl_label_matrix *L = gen(300, 3, 2, acc, cov, 5, NULL);
    wsl_label_model *M = wsl_test_fit(L, NULL), *R = NULL;
    wsl_buf buf = WSL_BUF_INIT;
    double h[4] = {-1, -1, -1, -1};
    size_t n = 0;
    char *doc, *at;
    WSL_ASSERT_OK(wsl_label_model_history(M, NULL, 0, &n));
    ck_assert_uint_gt(n, 0);
    /* The same document without its history: loads, and has none. */
    WSL_ASSERT_OK(wsl_label_model_save_buf(M, &buf));
    doc = malloc(buf.size + 1);
    ck_assert_ptr_nonnull(doc);
    memcpy(doc, buf.ptr, buf.size + 1);
    at = strstr(doc, "\"history\"");
    ck_assert_ptr_nonnull(at);
    memcpy(at, "\"hxstory\"", 9);
    WSL_ASSERT_OK(wsl_label_model_load_buf(&R, doc, buf.size, NULL));
    n = 7;
    WSL_ASSERT_OK(wsl_label_model_history(R, h, 4, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert(h[0] == -1);
    WSL_ASSERT_OK(wsl_label_model_history(R, NULL, 0, &n));
    ck_assert_uint_eq(n, 0);
    WSL_ASSERT_STATUS(wsl_label_model_history(R, NULL, 1, &n), WSL_EINVAL);
    free(doc);
    wsl_buf_dispose(&buf);
    wsl_label_model_free(R);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/* An allocator that remembers the largest request. */
typedef struct big_alloc {
    size_t largest;
} big_alloc;
static void *ba_malloc(size_t size, void *p)
{
    big_alloc *b = p;
    if (size > b->largest)
        b->largest = size;
    return malloc(size);
}
static void *ba_realloc(void *ptr, size_t size, void *p)
{
    big_alloc *b = p;
    if (size > b->largest)
        b->largest = size;
    return realloc(ptr, size);
}
static void ba_free(void *ptr, void *p)
{
    (void)p;
    free(ptr);
}

/* A document claiming 10^9 sources or 10^6 classes with a few values: a clear WSL_EFORMAT,
 * and nothing near the claimed size (48 GB and 8 TB of tables; 8 GB and 32 MB of one-coin
 * parameters) is asked of the allocator. */
START_TEST(test_load_hostile_sizes)
{
#define HEAD "{\"format\": \"wsl.label_model\", \"format_version\": 1, "
    static const struct { const char *doc, *says; } docs[] = {
        {HEAD "\"k\": 2, \"m\": 1000000000, \"tables\": \"full\", \"abstain\": \"informative\", "
              "\"class_prior_mode\": \"learned\", \"class_prior\": [0.5, 0.5], "
              "\"tables_values\": [0.2, 0.4, 0.4, 0.2, 0.4, 0.4]}",
         "\"tables_values\" must be an array"},
        {HEAD "\"k\": 1000000, \"m\": 1, \"tables\": \"full\", \"abstain\": \"informative\", "
              "\"class_prior_mode\": \"learned\", \"class_prior\": [0.5, 0.5], "
              "\"tables_values\": [0.2, 0.4, 0.4, 0.2, 0.4, 0.4]}",
         "\"tables_values\" must be an array"},
        {HEAD "\"k\": 2, \"m\": 1, \"tables\": \"full\", \"abstain\": \"informative\", "
              "\"class_prior_mode\": \"learned\", \"class_prior\": [0.5, 0.5], "
              "\"tables_values\": 3}",
         "\"tables_values\" must be an array"},
        {HEAD "\"k\": 2, \"m\": 1000000000, \"tables\": \"one_coin\", \"abstain\": \"random\", "
              "\"class_prior_mode\": \"learned\", \"class_prior\": [0.5, 0.5], "
              "\"single_class\": [-1], \"accuracy\": [0.8], \"vote_rate\": [0.5], "
              "\"fire_rate_class\": [0], \"fire_rate_other\": [0]}",
         "\"single_class\" must be an array"},
        {HEAD "\"k\": 1000000, \"m\": 1, \"tables\": \"one_coin\", \"abstain\": \"random\", "
              "\"class_prior_mode\": \"learned\", \"class_prior\": [0.5, 0.5], "
              "\"single_class\": [-1], \"accuracy\": [0.8], \"vote_rate\": [0.5], "
              "\"fire_rate_class\": [0], \"fire_rate_other\": [0]}",
         "\"class_prior\" must be an array"},
    };
#undef HEAD
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        big_alloc b = {0};
        wsl_allocator a = {ba_malloc, ba_realloc, ba_free, &b};
        wsl_label_model *M = NULL;
        WSL_ASSERT_STATUS(wsl_label_model_load_buf(&M, docs[d].doc, strlen(docs[d].doc), &a),
                          WSL_EFORMAT);
        ck_assert_ptr_null(M);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), docs[d].says));
        ck_assert_uint_lt(b.largest, 1 << 16);
    }
}
END_TEST

/* Fuzz finding (fuzz_model_json): "report" counts were converted from any double, so a
 * missing "n_rows" (NaN) or "iterations": 1e300 was undefined behaviour (UBSan: float-cast-
 * overflow). Missing counts are 0; present ones must be integers in range. */
START_TEST(test_fuzz_report_counts)
{
    const double acc[] = {0.9, 0.6, 0.7};
    const double cov[] = {0.5, 0.6, 0.7};
    static const char *const keys[] = {"\"n_rows\"", "\"iterations\"", "\"n_patterns\"",
                                       "\"start\""};
    wsl_label_matrix *L = gen(300, 3, 2, acc, cov, 5, NULL);
    wsl_label_model *M = wsl_test_fit(L, NULL), *R = NULL;
    wsl_buf buf = WSL_BUF_INIT;
    wsl_fit_report rep;
    WSL_ASSERT_OK(wsl_label_model_save_buf(M, &buf));
    for (size_t q = 0; q < sizeof keys / sizeof keys[0]; q++) {
        size_t cap = buf.size + 64;
        char *doc = malloc(cap), *at, *end;
        ck_assert_ptr_nonnull(doc);
        /* The key renamed: missing, so 0. */
        memcpy(doc, buf.ptr, buf.size + 1);
        at = strstr(doc, keys[q]);
        ck_assert_ptr_nonnull(at);
        at[1] = 'X';
        WSL_ASSERT_OK(wsl_label_model_load_buf(&R, doc, strlen(doc), NULL));
        WSL_ASSERT_OK(wsl_label_model_report(R, &rep));
        ck_assert(q != 0 || rep.n_rows == 0);
        ck_assert(q != 1 || rep.iterations == 0);
        wsl_label_model_free(R);
        R = NULL;
        /* The value replaced by 1e300, then -1, then 2.5: refused by name. */
        for (int v = 0; v < 3; v++) {
            static const char *const bad[] = {"1e300", "-1", "2.5"};
            memcpy(doc, buf.ptr, buf.size + 1);
            at = strstr(doc, keys[q]);
            at = strchr(at, ':') + 1;
            end = at + strcspn(at, ",}");
            memmove(at + strlen(bad[v]) + 1, end, strlen(end) + 1);
            at[0] = ' ';
            memcpy(at + 1, bad[v], strlen(bad[v]));
            WSL_ASSERT_STATUS(wsl_label_model_load_buf(&R, doc, strlen(doc), NULL), WSL_EFORMAT);
            ck_assert_ptr_nonnull(strstr(wsl_last_error(), keys[q]));
            ck_assert_ptr_null(R);
        }
        free(doc);
    }
    wsl_buf_dispose(&buf);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/* Fuzz finding (fuzz_model_json): tables whose rows did not sum to 1 loaded, and gave source
 * accuracies above 1. Such documents are refused; and rows that do sum to 1 can still round an
 * accuracy a hair above 1 (1.0000000000000004 here), which is clamped. */
#define DOC_HEAD "{\"format\": \"wsl.label_model\", \"format_version\": 1, \"k\": 2, \"m\": 1, " \
                 "\"tables\": \"full\", \"abstain\": \"informative\", \"class_prior_mode\": \"learned\", "
START_TEST(test_fuzz_table_sums)
{
    static const char rounding[] = DOC_HEAD "\"class_prior\": [0.86, 0.14], \"tables_values\": "
        "[0.993, 0.00700000000000001, 0, 0.993, 0, 0.00700000000000001]}";
    static const char row[] = DOC_HEAD "\"class_prior\": [0.5, 0.5], \"tables_values\": "
        "[0.5, 0.5, 0.5, 0.2, 0.4, 0.4]}";
    static const char prior[] = DOC_HEAD "\"class_prior\": [0.7, 0.7], \"tables_values\": "
        "[0.2, 0.4, 0.4, 0.2, 0.4, 0.4]}";
    wsl_label_model *M = NULL;
    double acc = -1;
    WSL_ASSERT_OK(wsl_label_model_load_buf(&M, rounding, sizeof rounding - 1, NULL));
    WSL_ASSERT_OK(wsl_label_model_accuracies(M, &acc, 1));
    ck_assert(acc <= 1.0);
    ck_assert_double_eq_tol(acc, 1.0, 1e-12);
    wsl_label_model_free(M);
    M = NULL;
    WSL_ASSERT_STATUS(wsl_label_model_load_buf(&M, row, sizeof row - 1, NULL), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "source 0, class 0 sum to 1.5"));
    ck_assert_ptr_null(M);
    WSL_ASSERT_STATUS(wsl_label_model_load_buf(&M, prior, sizeof prior - 1, NULL), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "\"class_prior\" sums to 1.3999"));
}
END_TEST

START_TEST(test_save_load_file)
{
    const double acc[] = {0.9, 0.6, 0.7, 0.65};
    const double cov[] = {0.5, 0.6, 0.7, 0.5};
    size_t n = 1000;
    wsl_label_matrix *L = gen(n, 4, 2, acc, cov, 6, NULL);
    wsl_label_model *M = wsl_test_fit(L, NULL), *R = NULL;
    char *path = wsl_test_write_temp(".json", "old", 3);
    double *p, *q;
    WSL_ASSERT_OK(wsl_label_model_save(M, path));
    WSL_ASSERT_OK(wsl_label_model_load(&R, path, NULL));
    p = wsl_test_proba(M, L);
    q = wsl_test_proba(R, L);
    ck_assert_mem_eq(p, q, n * 2 * sizeof *p);
    /* Errors: a missing file, a directory that does not exist, a file that is not a model. */
    WSL_ASSERT_STATUS(wsl_label_model_save(M, "/nonexistent-dir/model.json"), WSL_EIO);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "/nonexistent-dir/model.json"));
    wsl_label_model_free(R);
    WSL_ASSERT_STATUS(wsl_label_model_load(&R, "/nonexistent-dir/model.json", NULL), WSL_EIO);
    ck_assert_ptr_null(R);
    {
        char *bad = wsl_test_write_temp(".json", "{\"format\": \"other\"}", 19);
        WSL_ASSERT_STATUS(wsl_label_model_load(&R, bad, NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), bad));
        unlink(bad);
        free(bad);
    }
    {
        wsl_label_model *U = NULL;
        WSL_ASSERT_OK(wsl_label_model_create(&U, 2, NULL));
        WSL_ASSERT_STATUS(wsl_label_model_save(U, path), WSL_ESTATE);
        wsl_label_model_free(U);
    }
    unlink(path);
    free(path);
    free(p);
    free(q);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/* Probabilities finite, non-negative, rows summing to 1: one assertion for the whole matrix
 * (Check records every assertion, which costs minutes under Valgrind when done per cell). */
static void check_rows(const double *p, size_t n, size_t k)
{
    size_t bad = SIZE_MAX;
    for (size_t i = 0; i < n && bad == SIZE_MAX; i++) {
        double s = 0;
        for (size_t c = 0; c < k; c++) {
            if (!(isfinite(p[i * k + c]) && p[i * k + c] >= 0))
                bad = i;
            s += p[i * k + c];
        }
        if (!(fabs(s - 1) <= 1e-9))
            bad = i;
    }
    ck_assert_msg(bad == SIZE_MAX, "row %zu: %g ... not a distribution", bad,
                  bad == SIZE_MAX ? 0.0 : p[bad * k]);
}

/* predict_proba on L, checked with check_rows. */
static void predict_check(const wsl_label_model *M, const wsl_label_matrix *L)
{
    size_t n = wsl_label_matrix_n_points(L), k = (size_t)wsl_label_matrix_cardinality(L);
    double *p = malloc(n * k * sizeof *p);
    ck_assert_ptr_nonnull(p);
    WSL_ASSERT_OK(wsl_label_model_predict_proba(M, L, p, n * k, NULL, 0));
    check_rows(p, n, k);
    free(p);
}

/* Rows a model never saw in the data: all abstain, then each source voting each class alone. */
static wsl_label_matrix *probe_rows(size_t m, int32_t k)
{
    wsl_label_matrix *P = NULL;
    int32_t *row = malloc(m * sizeof *row);
    size_t rows = 0;
    wsl_status st;
    ck_assert_ptr_nonnull(row);
    WSL_ASSERT_OK(wsl_label_matrix_create(&P, 0, m, k, WSL_STORAGE_DENSE, NULL));
    for (size_t j = 0; j < m; j++)
        row[j] = WSL_ABSTAIN;
    st = wsl_label_matrix_append_row(P, row, m);
    for (size_t j = 0; j < m && rows < 400; j++)
        for (int32_t c = 0; c < k && rows < 400 && st == WSL_OK; c++, rows++) {
            row[j] = c;
            st = wsl_label_matrix_append_row(P, row, m);
            row[j] = WSL_ABSTAIN;
        }
    WSL_ASSERT_OK(st);
    free(row);
    return P;
}

/*
 * Extreme inputs: every probability finite, rows summing to 1, for majority vote (plain, and
 * weighted with huge, tiny and zero weights) and for the label model under every
 * parametrization and abstain model (the defaults only when there are many sources), on the
 * data and on probe rows.
 */
static void fit_and_check(const int32_t *votes, size_t n, size_t m, int32_t k)
{
    wsl_label_matrix *L = NULL, *P = probe_rows(m, k);
    size_t kk = (size_t)k;
    double *p = malloc(n * kk * sizeof *p), *w = malloc(m * sizeof *w);
    uint8_t *cov = malloc(n);
    ck_assert(p && w && cov);
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, votes, n, m, m, k, WSL_STORAGE_AUTO, NULL));
    /* majority vote */
    WSL_ASSERT_OK(wsl_majority_vote_proba(L, NULL, NULL, p, n * kk, cov, n));
    check_rows(p, n, kk);
    for (int wk = 0; wk < 4; wk++) {
        for (size_t j = 0; j < m; j++)
            w[j] = wk == 0 ? DBL_MAX : wk == 1 ? (j % 2 ? DBL_MAX : DBL_MIN)
                 : wk == 2 ? 4.9e-324 * (double)(j + 1) : 0.0;
        WSL_ASSERT_OK(wsl_majority_vote_proba(L, w, NULL, p, n * kk, cov, n));
        check_rows(p, n, kk);
        if (wk == 3) /* zero weights: nothing voted */
            ck_assert_uint_eq(memchr(cov, 1, n) == NULL, 1);
    }
    /* the label model */
    for (int t = 0; t <= WSL_TABLES_ONE_COIN; t++) {
        for (int a = 0; a <= WSL_ABSTAIN_AUTO; a++) {
            wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
            wsl_label_model *M = NULL;
            if (t == WSL_TABLES_ONE_COIN && a != WSL_ABSTAIN_DEFAULT && a != WSL_ABSTAIN_RANDOM)
                continue; /* refused: one-coin abstains are missing at random */
            if ((t > 0 || a > 0) && m * kk > 400 && t != WSL_TABLES_ONE_COIN)
                continue;
            if (a == WSL_ABSTAIN_NEVER)
                continue; /* abstains in the data are an error there */
            o.tables = (wsl_lm_tables)t;
            o.abstain = (wsl_lm_abstain)a;
            WSL_ASSERT_OK(wsl_label_model_create(&M, k, NULL));
            WSL_ASSERT_OK(wsl_label_model_fit(M, L, &o));
            predict_check(M, L);
            predict_check(M, P);
            wsl_label_model_free(M);
        }
    }
    free(p);
    free(w);
    free(cov);
    wsl_label_matrix_free(P);
    wsl_label_matrix_free(L);
}

START_TEST(test_numerics_extreme)
{
    size_t n = 50, m = 5000;
    int32_t *v = malloc(n * m * sizeof *v);
    /* 5,000 LFs all agreeing */
    for (size_t i = 0; i < n * m; i++)
        v[i] = (int32_t)((i / m) % 2);
    fit_and_check(v, n, m, 2);
    /* all rows abstaining */
    for (size_t i = 0; i < 20 * 4; i++)
        v[i] = WSL_ABSTAIN;
    fit_and_check(v, 20, 4, 3);
    /* LFs with zero coverage next to voting ones, and a class no LF ever votes */
    for (size_t i = 0; i < 200; i++) {
        v[i * 4 + 0] = (int32_t)(i % 2);
        v[i * 4 + 1] = WSL_ABSTAIN;
        v[i * 4 + 2] = i % 3 ? (int32_t)(i % 2) : WSL_ABSTAIN;
        v[i * 4 + 3] = WSL_ABSTAIN;
    }
    fit_and_check(v, 200, 4, 4);
    /* a single record */
    v[0] = 1;
    v[1] = WSL_ABSTAIN;
    v[2] = 0;
    fit_and_check(v, 1, 3, 2);
    /* 5,000 LFs all agreeing on one record, and a record where 2,500 say each class */
    for (size_t j = 0; j < m; j++)
        v[j] = 1;
    fit_and_check(v, 1, m, 2);
    for (size_t j = 0; j < m; j++)
        v[m + j] = (int32_t)(j % 2);
    fit_and_check(v, 2, m, 2);
    /* k = 1000 with sparse votes */
    for (size_t i = 0; i < 300 * 3; i++)
        v[i] = i % 7 == 0 ? (int32_t)(i % 1000) : WSL_ABSTAIN;
    fit_and_check(v, 300, 3, 1000);
    free(v);
}
END_TEST

/* ---------------------------------------------------------------- threads */

/* Calls taking a const model are safe concurrently: 8 threads predict from one fitted model
 * (and read it through every const call) and each gets the serial result, bit for bit. Run
 * under ThreadSanitizer by scripts/tsan.sh. */
typedef struct predict_job {
    const wsl_label_model *M;
    const wsl_label_matrix *L;
    const double *want;
    const int32_t *want_labels;
    int rounds;
    int ok;
} predict_job;

static void *predict_thread(void *arg)
{
    predict_job *pj = arg;
    size_t n = wsl_label_matrix_n_points(pj->L), k = (size_t)wsl_label_model_cardinality(pj->M);
    size_t m = wsl_label_model_n_sources(pj->M);
    double *p = malloc(n * k * sizeof *p), *acc = malloc(m * sizeof *acc);
    int32_t *lab = malloc(n * sizeof *lab);
    uint8_t *cov = malloc(n);
    wsl_fit_report rep;
    pj->ok = p && acc && lab && cov;
    for (int r = 0; r < pj->rounds && pj->ok; r++) {
        wsl_buf buf = WSL_BUF_INIT;
        pj->ok = wsl_label_model_predict_proba(pj->M, pj->L, p, n * k, cov, n) == WSL_OK &&
                 memcmp(p, pj->want, n * k * sizeof *p) == 0 &&
                 wsl_label_model_predict(pj->M, pj->L, WSL_TIE_HASH, 3, lab, n) == WSL_OK &&
                 memcmp(lab, pj->want_labels, n * sizeof *lab) == 0 &&
                 wsl_label_model_accuracies(pj->M, acc, m) == WSL_OK &&
                 wsl_label_model_report(pj->M, &rep) == WSL_OK &&
                 wsl_label_model_save_buf(pj->M, &buf) == WSL_OK;
        wsl_buf_dispose(&buf);
    }
    free(p);
    free(acc);
    free(lab);
    free(cov);
    return NULL;
}

START_TEST(test_predict_concurrent)
{
    const double acc[] = {0.9, 0.6, 0.7, 0.8, 0.55};
    const double cov[] = {0.5, 0.6, 0.7, 0.3, 0.9};
    size_t n = 3000;
    wsl_label_matrix *L = gen(n, 5, 3, acc, cov, 11, NULL);
    wsl_label_model *M = wsl_test_fit(L, NULL);
    double *want = wsl_test_proba(M, L);
    int32_t *labels = malloc(n * sizeof *labels);
    pthread_t threads[8];
    predict_job jobs[8];
    WSL_ASSERT_OK(wsl_label_model_predict(M, L, WSL_TIE_HASH, 3, labels, n));
    for (int t = 0; t < 8; t++) {
        jobs[t] = (predict_job){M, L, want, labels, 20, 0};
        ck_assert_int_eq(pthread_create(&threads[t], NULL, predict_thread, &jobs[t]), 0);
    }
    for (int t = 0; t < 8; t++) {
        ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
        ck_assert_msg(jobs[t].ok, "thread %d got another result", t);
    }
    free(want);
    free(labels);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_errors)
{
    const double acc[] = {0.9, 0.6, 0.7};
    const double cov[] = {0.5, 0.6, 0.7};
    wsl_label_matrix *L = gen(100, 2, 2, acc, cov, 4, NULL);
    wsl_label_matrix *L3 = gen(100, 3, 2, acc, cov, 4, NULL);
    wsl_label_matrix *K3 = gen(100, 2, 3, acc, cov, 4, NULL);
    wsl_label_model *M = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    double p[300], tab[6];
    int32_t lab[100];
    wsl_fit_report r;
    wsl_buf buf = WSL_BUF_INIT;

    WSL_ASSERT_STATUS(wsl_label_model_create(NULL, 2, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_model_create(&M, 1, NULL), WSL_EINVAL);
    ck_assert_ptr_null(M);
    WSL_ASSERT_OK(wsl_label_model_create(&M, 2, NULL));
    /* Not fitted. */
    WSL_ASSERT_STATUS(wsl_label_model_predict_proba(M, L, p, 200, NULL, 0), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_label_model_predict(M, L, WSL_TIE_LOWEST, 0, lab, 100), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_label_model_report(M, &r), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_label_model_save_buf(M, &buf), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_label_model_class_prior(M, p, 2), WSL_ESTATE);
    /* Bad options name the field. */
    o.max_iter = 0;
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "max_iter"));
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.tol = -1;
    WSL_ASSERT_STATUS(wsl_fit_options_validate(&o, 2), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "tol"));
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.prior = WSL_PRIOR_FIXED;
    WSL_ASSERT_STATUS(wsl_fit_options_validate(&o, 2), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "class_prior"));
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.starts = 0;
    WSL_ASSERT_STATUS(wsl_fit_options_validate(&o, 2), WSL_EINVAL);
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.n_threads = 0;
    WSL_ASSERT_STATUS(wsl_fit_options_validate(&o, 2), WSL_EINVAL);
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.version = 99;
    WSL_ASSERT_STATUS(wsl_fit_options_validate(&o, 2), WSL_EINVAL);
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.abstain = (wsl_lm_abstain)7;
    WSL_ASSERT_STATUS(wsl_fit_options_validate(&o, 2), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "abstain"));
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.pseudo_count = NAN;
    WSL_ASSERT_STATUS(wsl_fit_options_validate(&o, 2), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "pseudo_count"));
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.abstain = WSL_ABSTAIN_NEVER;
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "abstain"));
    /* Dimension mismatches. */
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, K3, NULL), WSL_EDIM);
    WSL_ASSERT_OK(wsl_label_model_fit(M, L, NULL));
    WSL_ASSERT_STATUS(wsl_label_model_predict_proba(M, L3, p, 300, NULL, 0), WSL_EDIM);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "fitted with 2"));
    WSL_ASSERT_STATUS(wsl_label_model_predict_proba(M, L, p, 199, NULL, 0), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_label_model_predict(M, L, WSL_TIE_LOWEST, 0, lab, 99), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_label_model_source_table(M, 2, tab, 6), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_label_model_source_table(M, 0, tab, 5), WSL_EBUFS);
    WSL_ASSERT_OK(wsl_label_model_source_table(M, 1, tab, 6));
    ck_assert_double_eq_tol(tab[0] + tab[1] + tab[2], 1.0, 1e-12);
    WSL_ASSERT_STATUS(wsl_label_model_fit(NULL, L, NULL), WSL_EINVAL);
    ck_assert_int_eq(wsl_label_model_cardinality(NULL), 0);
    ck_assert_uint_eq(wsl_label_model_n_sources(M), 2);
    wsl_label_model_free(NULL);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    wsl_label_matrix_free(L3);
    wsl_label_matrix_free(K3);
}
END_TEST

static int stop_at_2(int start, int it, double ll, void *payload)
{
    (void)start;
    (void)ll;
    ++*(int *)payload;
    return it >= 2; /* the winner's third iteration: each start raced one */
}

START_TEST(test_iteration_callback)
{
    const double acc[] = {0.9, 0.6, 0.7};
    const double cov[] = {0.5, 0.6, 0.7};
    wsl_label_matrix *L = gen(500, 3, 2, acc, cov, 4, NULL);
    wsl_label_model *M = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    int calls = 0;
    double hist[600];
    size_t nh;
    o.iter_fn = stop_at_2;
    o.iter_payload = &calls;
    WSL_ASSERT_OK(wsl_label_model_create(&M, 2, NULL));
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_ECALLBACK);
    ck_assert_int_eq(calls, 3 + 2);
    ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
    WSL_ASSERT_OK(wsl_label_model_fit(M, L, NULL));
    WSL_ASSERT_OK(wsl_label_model_history(M, hist, 600, &nh));
    ck_assert_uint_gt(nh, 1);
    for (size_t i = 1; i < nh; i++) /* EM never decreases the penalized likelihood */
        ck_assert_double_ge(hist[i] + 1e-9, hist[i - 1]);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/* A failed fit leaves the model unfitted (predict: WSL_ESTATE), and a retried fit works. */
/* An allocator whose blocks are 8 bytes past a 16-byte boundary (a size header in front, as
 * some allocators do): nothing in the library may assume more than 8-byte alignment. */
static void *off8_malloc(size_t size, void *p)
{
    char *b = malloc(size + 8); /* 16-aligned (the C library's): the block is 8 past it */
    (void)p;
    if (!b)
        return NULL;
    memcpy(b, &size, sizeof size);
    return b + 8;
}

static void off8_free(void *ptr, void *p)
{
    (void)p;
    if (ptr)
        free((char *)ptr - 8);
}

static void *off8_realloc(void *ptr, size_t size, void *p)
{
    char *n;
    size_t old;
    if (!ptr)
        return off8_malloc(size, p);
    memcpy(&old, (char *)ptr - 8, sizeof old);
    if (!(n = off8_malloc(size, p)))
        return NULL;
    memcpy(n, ptr, old < size ? old : size);
    off8_free(ptr, p);
    return n;
}

START_TEST(test_fit_predict_unaligned_allocator)
{
    static const double acc[] = {0.9, 0.6, 0.7, 0.8, 0.75, 0.85, 0.6, 0.7, 0.8, 0.9};
    static const double cov[] = {0.5, 0.6, 0.7, 0.4, 0.5, 0.3, 0.6, 0.5, 0.4, 0.3};
    const wsl_allocator al = {off8_malloc, off8_realloc, off8_free, NULL};
    wsl_label_matrix *L = gen(5000, 10, 2, acc, cov, 12, NULL);
    wsl_label_model *A = wsl_test_fit(L, NULL), *B = NULL;
    double *pa = wsl_test_proba(A, L), *pb = malloc(5000 * 2 * sizeof *pb);
    ck_assert_ptr_nonnull(pb);
    ck_assert_uint_eq((uintptr_t)pb % 16, 0); /* the streaming copy's case */
    WSL_ASSERT_OK(wsl_label_model_create(&B, 2, &al));
    WSL_ASSERT_OK(wsl_label_model_fit_predict_proba(B, L, NULL, pb, 5000 * 2, NULL, 0));
    ck_assert_mem_eq(pa, pb, 5000 * 2 * sizeof *pa);
    wsl_label_model_free(A);
    wsl_label_model_free(B);
    wsl_label_matrix_free(L);
    free(pa);
    free(pb);
}
END_TEST

START_TEST(test_fit_predict_errors)
{
    const double acc[] = {0.9, 0.6, 0.7};
    const double cov[] = {0.5, 0.6, 0.7};
    wsl_label_matrix *L = gen(100, 3, 2, acc, cov, 4, NULL),
                     *K3 = gen(100, 3, 3, acc, cov, 4, NULL);
    wsl_label_matrix *E = NULL;
    wsl_label_model *M = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    double p[200];
    uint8_t cov8[100];
    int32_t gold[99] = {0};
    int calls = 0;
    WSL_ASSERT_OK(wsl_label_model_create(&M, 2, NULL));
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(NULL, L, NULL, p, 200, NULL, 0),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(M, NULL, NULL, p, 200, NULL, 0),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(M, L, NULL, NULL, 200, NULL, 0),
                      WSL_EINVAL);
    /* Every failure leaves the model unfitted, buffers checked before the fit. */
    WSL_ASSERT_OK(wsl_label_model_fit(M, L, NULL));
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(M, L, NULL, p, 199, NULL, 0), WSL_EBUFS);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "probs holds 199"));
    ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
    WSL_ASSERT_OK(wsl_label_model_fit(M, L, NULL));
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(M, L, NULL, p, 200, cov8, 99), WSL_EBUFS);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "covered holds 99"));
    ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(M, K3, NULL, p, 200, NULL, 0), WSL_EDIM);
    o.max_iter = 0;
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(M, L, &o, p, 200, NULL, 0), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "max_iter"));
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.gold = gold;
    o.gold_len = 99;
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(M, L, &o, p, 200, NULL, 0), WSL_EDIM);
    o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
    o.iter_fn = stop_at_2;
    o.iter_payload = &calls;
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(M, L, &o, p, 200, NULL, 0), WSL_ECALLBACK);
    ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&E, NULL, 0, 3, 3, 2, WSL_STORAGE_DENSE, NULL));
    WSL_ASSERT_STATUS(wsl_label_model_fit_predict_proba(M, E, NULL, p, 200, NULL, 0), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "no rows"));
    ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    wsl_label_matrix_free(K3);
    wsl_label_matrix_free(E);
}
END_TEST

static wsl_status fit_or_retry(wsl_label_model *M, const wsl_label_matrix *L,
                               const wsl_fit_options *o)
{
    wsl_status st = wsl_label_model_fit(M, L, o);
    if (st == WSL_ENOMEM) {
        double p[3];
        ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
        ck_assert_int_eq(wsl_label_model_predict_proba(M, L, p, 0, NULL, 0), WSL_ESTATE);
        st = wsl_label_model_fit(M, L, o);
    }
    return st;
}

/* A model on allocator a fitted (fit_or_retry) on L, then predict_proba on L into p (n x k);
 * the model is freed, L is not. */
static wsl_status oom_fit_predict_on(const wsl_allocator *a, const wsl_label_matrix *L,
                                     const wsl_fit_options *o, double *p, size_t len)
{
    wsl_label_model *M = NULL;
    wsl_status st = wsl_label_model_create(&M, wsl_label_matrix_cardinality(L), a);
    if (st == WSL_OK)
        st = fit_or_retry(M, L, o);
    if (st == WSL_OK)
        st = wsl_label_model_predict_proba(M, L, p, len, NULL, 0);
    wsl_label_model_free(M);
    return st;
}

/* The same through wsl_label_model_fit_predict_proba: a failure leaves the model unfitted. */
static wsl_status oom_fused_on(const wsl_allocator *a, const wsl_label_matrix *L, double *p,
                               size_t len)
{
    wsl_label_model *M = NULL;
    wsl_status st = wsl_label_model_create(&M, wsl_label_matrix_cardinality(L), a);
    if (st == WSL_OK) {
        st = wsl_label_model_fit_predict_proba(M, L, NULL, p, len, NULL, 0);
        if (st != WSL_OK)
            ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
    }
    wsl_label_model_free(M);
    return st;
}

static wsl_status oom_fit_predict(const wsl_allocator *a, void *ctx)
{
    static const double acc[] = {0.9, 0.6, 0.7};
    static const double cov[] = {0.5, 0.6, 0.7};
    wsl_label_matrix *L = gen(200, 3, 3, acc, cov, 4, NULL);
    wsl_label_model *M = NULL, *R = (wsl_label_model *)&R;
    wsl_buf buf = WSL_BUF_INIT;
    double p[600];
    int32_t lab[200];
    int32_t gold[200];
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_status st;
    (void)ctx;
    for (size_t i = 0; i < 200; i++)
        gold[i] = i < 20 ? (int32_t)(i % 3) : WSL_ABSTAIN;
    st = wsl_label_model_create(&M, 3, a);
    if (st == WSL_OK)
        st = fit_or_retry(M, L, NULL);
    if (st == WSL_OK)
        st = wsl_label_model_predict_proba(M, L, p, 600, NULL, 0);
    if (st == WSL_OK)
        st = wsl_label_model_predict(M, L, WSL_TIE_HASH, 0, lab, 200);
    if (st == WSL_OK) {
        st = wsl_label_model_save_buf(M, &buf);
        if (st != WSL_OK)
            ck_assert_ptr_null(buf.ptr);
    }
    if (st == WSL_OK) {
        st = wsl_label_model_load_buf(&R, buf.ptr, buf.size, a);
        if (st != WSL_OK)
            ck_assert_ptr_null(R);
    } else {
        R = NULL;
    }
    if (st == WSL_OK) {
        o.gold = gold;
        o.gold_len = 200;
        st = fit_or_retry(M, L, &o);
    }
    wsl_buf_dispose(&buf);
    wsl_label_model_free(R);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    return st;
}

/* One parametrization: the fit, and predict on its data. */
typedef struct fit_case {
    wsl_lm_tables tables;
    wsl_lm_abstain abstain;
    unsigned starts;
    int k;
} fit_case;

static const fit_case fit_cases[] = {
    {WSL_TABLES_FULL, WSL_ABSTAIN_INFORMATIVE, WSL_START_ALL, 3},
    {WSL_TABLES_CLASS_ACCURACY, WSL_ABSTAIN_RANDOM, WSL_START_ALL, 3},
    {WSL_TABLES_ACCURACY, WSL_ABSTAIN_BY_POLARITY, WSL_START_ALL, 3},
    {WSL_TABLES_POLARITY, WSL_ABSTAIN_VOTES_ONLY, WSL_START_ALL, 2},
    {WSL_TABLES_POLARITY, WSL_ABSTAIN_AUTO, WSL_START_MOMENTS, 2},
    {WSL_TABLES_DEFAULT, WSL_ABSTAIN_DEFAULT, WSL_START_PRECISE, 4},
    {WSL_TABLES_DEFAULT, WSL_ABSTAIN_DEFAULT, WSL_START_MAJORITY, 2},
    {WSL_TABLES_ONE_COIN, WSL_ABSTAIN_RANDOM, WSL_START_ALL, 3},
    {WSL_TABLES_ONE_COIN, WSL_ABSTAIN_DEFAULT, WSL_START_MOMENTS, 4},
};

static wsl_status oom_fit_options(const wsl_allocator *a, void *ctx)
{
    static const double acc[] = {0.9, 0.6, 0.7, 0.8};
    static const double cov[] = {0.5, 0.6, 0.7, 0.4};
    const fit_case *c = ctx;
    wsl_label_matrix *L = gen(150, 4, c->k, acc, cov, 9, NULL);
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    double p[150 * 4];
    wsl_status st;
    o.tables = c->tables;
    o.abstain = c->abstain;
    o.starts = c->starts;
    st = oom_fit_predict_on(a, L, &o, p, sizeof p / sizeof p[0]);
    wsl_label_matrix_free(L);
    return st;
}

/* fit_patterns from a table built with the same allocator, and per-source prior tables. */
static wsl_status oom_patterns_priors(const wsl_allocator *a, void *ctx)
{
    static const double acc[] = {0.9, 0.7, 0.8};
    static const double cov[] = {0.6, 0.6, 0.6};
    static const double belief[] = {0.5, 0.3, 0.2, 0.5, 0.2, 0.3};
    const double *priors[3] = {belief, NULL, belief};
    wsl_label_matrix *L = gen(300, 3, 2, acc, cov, 12, NULL);
    wsl_pattern_table *T = NULL;
    wsl_label_model *M = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_status st;
    (void)ctx;
    st = wsl_pattern_table_create(&T, 3, 2, a);
    if (st == WSL_OK)
        st = wsl_pattern_table_add(T, L, NULL, 0);
    if (st == WSL_OK)
        st = wsl_label_model_create(&M, 2, a);
    if (st == WSL_OK) {
        st = wsl_label_model_fit_patterns(M, T, NULL);
        if (st == WSL_ENOMEM) {
            ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
            st = wsl_label_model_fit_patterns(M, T, NULL);
        }
    }
    o.source_priors = priors;
    o.n_source_priors = 3;
    if (st == WSL_OK)
        st = fit_or_retry(M, L, &o);
    wsl_label_model_free(M);
    wsl_pattern_table_free(T);
    wsl_label_matrix_free(L);
    return st;
}

/* Symmetry breaking (reached from fits whose classes come out permuted): forced here. */
static wsl_status oom_relabel(const wsl_allocator *a, void *ctx)
{
    static const double acc[] = {0.9, 0.6, 0.7, 0.65};
    static const double cov[] = {0.5, 0.6, 0.7, 0.5};
    const size_t k = 3, K1 = 4, m = 4, perm[] = {1, 2, 0};
    wsl_label_matrix *L = gen(300, m, (int32_t)k, acc, cov, 31, NULL);
    wsl_label_model *M = NULL;
    double table[4 * 3 * 4], prior[3];
    int changed = -1;
    wsl_status st;
    (void)ctx;
    st = wsl_label_model_create(&M, (int32_t)k, a);
    if (st == WSL_OK)
        st = fit_or_retry(M, L, NULL);
    if (st == WSL_OK) {
        memcpy(table, M->table, sizeof table);
        memcpy(prior, M->prior, sizeof prior);
        for (size_t c = 0; c < k; c++) {
            M->prior[perm[c]] = prior[c];
            for (size_t j = 0; j < m; j++)
                memcpy(M->table + (j * k + perm[c]) * K1, table + (j * k + c) * K1,
                       K1 * sizeof *table);
        }
        wsl__model_refresh_logs(M);
        st = wsl__model_relabel(M, &changed);
        if (st == WSL_ENOMEM) /* nothing moved: the tables are still the permuted ones */
            st = wsl__model_relabel(M, &changed);
    }
    if (st == WSL_OK) {
        ck_assert_int_eq(changed, 1);
        ck_assert_mem_eq(M->table, table, sizeof table);
    }
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    return st;
}

/* Save and load through files: the model's allocator, and the one given to load. */
static wsl_status oom_files(const wsl_allocator *a, void *ctx)
{
    static const double acc[] = {0.9, 0.6, 0.7};
    static const double cov[] = {0.5, 0.6, 0.7};
    const char *path = ctx;
    wsl_label_matrix *L = gen(100, 3, 2, acc, cov, 4, NULL);
    wsl_label_model *M = NULL, *R = NULL;
    wsl_status st = wsl_label_model_create(&M, 2, NULL);
    if (st == WSL_OK)
        st = wsl_label_model_fit(M, L, NULL);
    ck_assert_int_eq(st, WSL_OK); /* not walked: only save and load are */
    wsl_label_model_free(M);
    M = NULL;
    st = wsl_label_model_create(&M, 2, a);
    if (st == WSL_OK)
        st = fit_or_retry(M, L, NULL);
    if (st == WSL_OK)
        st = wsl_label_model_save(M, path);
    if (st == WSL_OK) {
        R = (wsl_label_model *)&R;
        st = wsl_label_model_load(&R, path, a);
        if (st != WSL_OK)
            ck_assert_ptr_null(R);
    }
    wsl_label_model_free(R);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    return st;
}

/* The other ways rows become patterns: 64-bit keys, sparse rows, row bytes. */
static wsl_status oom_pattern_paths(const wsl_allocator *a, void *ctx)
{
    static const double acc[] = {0.9, 0.6, 0.7, 0.8, 0.75, 0.85, 0.6, 0.7, 0.8, 0.9, 0.65, 0.7};
    static const double cov[] = {0.5, 0.6, 0.7, 0.4, 0.5, 0.3, 0.6, 0.5, 0.4, 0.3, 0.5, 0.6};
    double acc40[40], cov40[40], p[300 * 4];
    wsl_label_matrix *L = gen(300, 12, 4, acc, cov, 5, NULL), *S = NULL, *W, *D;
    wsl_status st;
    (void)ctx;
    for (size_t j = 0; j < 40; j++) {
        acc40[j] = acc[j % 12];
        cov40[j] = cov[j % 12];
    }
    W = gen(300, 40, 2, acc40, cov40, 8, NULL); /* 40 sources x 2 bits: too wide for a key */
    D = gen(300, 6, 2, acc, cov, 9, NULL);      /* 3^6 possible rows: direct keys */
    WSL_ASSERT_OK(wsl_label_matrix_convert(&S, L, WSL_STORAGE_SPARSE));
    st = oom_fit_predict_on(a, L, NULL, p, sizeof p / sizeof p[0]); /* 5^12: packed keys */
    if (st == WSL_OK)
        st = oom_fit_predict_on(a, S, NULL, p, sizeof p / sizeof p[0]);
    if (st == WSL_OK)
        st = oom_fit_predict_on(a, W, NULL, p, sizeof p / sizeof p[0]);
    /* the three ways a fit records each row's pattern, and sparse (row by row) */
    if (st == WSL_OK)
        st = oom_fused_on(a, L, p, sizeof p / sizeof p[0]);
    if (st == WSL_OK)
        st = oom_fused_on(a, S, p, sizeof p / sizeof p[0]);
    if (st == WSL_OK)
        st = oom_fused_on(a, W, p, sizeof p / sizeof p[0]);
    if (st == WSL_OK)
        st = oom_fused_on(a, D, p, sizeof p / sizeof p[0]);
    wsl_label_matrix_free(L);
    wsl_label_matrix_free(S);
    wsl_label_matrix_free(W);
    wsl_label_matrix_free(D);
    return st;
}

/* Enough votes for two E-step blocks, so that two threads start their pool. */
static wsl_status oom_threads(const wsl_allocator *a, void *ctx)
{
    static const double acc[] = {0.9, 0.6, 0.7, 0.8, 0.75, 0.85, 0.6, 0.7,
                                 0.8, 0.9, 0.65, 0.7, 0.8, 0.6, 0.7, 0.9};
    static const double cov[] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
                                 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    wsl_label_matrix *L = gen(9000, 16, 2, acc, cov, 6, NULL);
    wsl_label_model *M = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_fit_report r;
    wsl_status st;
    (void)ctx;
    o.n_threads = 2;
    st = wsl_label_model_create(&M, 2, a);
    if (st == WSL_OK) {
        M->sample_min_votes = (size_t)1 << 14; /* the race on a sample: its allocations too */
        st = fit_or_retry(M, L, &o);
    }
    if (st == WSL_OK) {
        WSL_ASSERT_OK(wsl_label_model_report(M, &r));
        ck_assert_uint_gt(r.n_patterns * 9, 65536); /* more votes than one block */
    }
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    return st;
}

/* The table build of wide rows (ctx) on 2 threads, enough votes for two parts: with any
 * allocation failing, it fails cleanly, or writes the votes on fewer threads. */
static wsl_status oom_build_threads(const wsl_allocator *a, void *ctx)
{
    const wsl_label_matrix *L = ctx;
    wsl_pattern_table *T = NULL, *U = NULL;
    wsl_status st = wsl__patterns_of_rows(L, a, &T, 2);
    if (st == WSL_OK) {
        ck_assert_uint_gt(T->start[T->n], 2 * ((size_t)1 << 18));
        WSL_ASSERT_OK(wsl__patterns_of_rows(L, NULL, &U, 1));
        ck_assert_uint_eq(T->n, U->n);
        ck_assert_mem_eq(T->start, U->start, (T->n + 1) * sizeof *T->start);
        ck_assert_mem_eq(T->cols, U->cols, T->start[T->n] * sizeof *T->cols);
        ck_assert_mem_eq(T->vals, U->vals, T->start[T->n] * sizeof *T->vals);
    }
    wsl_pattern_table_free(T);
    wsl_pattern_table_free(U);
    return st;
}

START_TEST(test_oom_walk)
{
    wsl_test_oom_walk("create, fit, predict, save/load buf, fit with gold", oom_fit_predict, NULL);
    wsl_test_oom_walk("packed keys, sparse rows, row bytes", oom_pattern_paths, NULL);
    wsl_test_oom_walk("two E-step threads", oom_threads, NULL);
    {
        double acc[48], cov[48];
        wsl_label_matrix *W;
        for (size_t j = 0; j < 48; j++) {
            acc[j] = 0.6 + 0.005 * (double)j;
            cov[j] = 0.5;
        }
        W = gen(22000, 48, 2, acc, cov, 9, NULL);
        wsl_test_oom_walk("table build on two threads", oom_build_threads, W);
        wsl_label_matrix_free(W);
    }
}
END_TEST

START_TEST(test_oom_fit_options)
{
    char name[64];
    snprintf(name, sizeof name, "fit case %d", _i);
    wsl_test_oom_walk(name, oom_fit_options, (void *)&fit_cases[_i]);
}
END_TEST

START_TEST(test_oom_patterns_priors_relabel_files)
{
    char *path = wsl_test_write_temp(".json", "previous", 8);
    wsl_test_oom_walk("fit_patterns, source priors", oom_patterns_priors, NULL);
    wsl_test_oom_walk("relabel", oom_relabel, NULL);
    wsl_test_oom_walk("save, load", oom_files, path);
    unlink(path);
    free(path);
}
END_TEST

static Suite *label_model_suite(void)
{
    Suite *s = suite_create("label_model");
    TCase *mv = tcase_create("majority");
    TCase *core = tcase_create("core");
    TCase *edge = tcase_create("edge");
    TCase *errors = tcase_create("errors");
    TCase *oom = tcase_create("oom");
    TCase *fuzz = tcase_create("fuzz");
    TCase *threads = tcase_create("threads");
    /* Minutes under Valgrind: scripts/valgrind.sh leaves them to ASan (leaks) and TSan. */
    tcase_set_tags(edge, "heavy");
    tcase_set_tags(oom, "heavy");
    tcase_set_tags(threads, "heavy");
    tcase_add_test(mv, test_mv_table);
    tcase_add_test(mv, test_tie_policies);
    tcase_add_test(mv, test_tie_hash_spreads);
    tcase_add_test(core, test_beats_majority_on_synthetic);
    tcase_add_test(core, test_recovers_accuracies);
    tcase_add_test(core, test_parametrizations);
    tcase_add_test(core, test_semi_supervised_gold);
    tcase_add_test(core, test_save_load_bits);
    tcase_add_test(core, test_save_load_file);
    tcase_add_test(core, test_iteration_callback);
    tcase_add_test(edge, test_all_vote_zero);
    tcase_add_test(edge, test_one_source_and_duplicates);
    tcase_add_test(edge, test_uncovered_rows_get_prior);
    tcase_add_test(edge, test_worse_than_chance_and_single_class);
    tcase_add_test(edge, test_auto_cofiring);
    tcase_add_test(edge, test_symmetry_breaking);
    tcase_add_test(core, test_moments_start);
    tcase_add_test(core, test_source_priors);
    tcase_add_test(core, test_dependencies);
    tcase_add_test(core, test_dependencies_not_invented);
    tcase_add_test(edge, test_converged_flag_matches_history);
    tcase_add_test(edge, test_deterministic_bits);
    tcase_add_test(edge, test_pattern_paths_same_bits);
    tcase_add_test(edge, test_fit_predict_same_bits);
    tcase_add_test(edge, test_log_likelihood_counts);
    tcase_add_test(edge, test_em_fixed_point_by_hand);
    tcase_add_test(edge, test_predict_two_class_rows);
    tcase_add_test(edge, test_em_class_nearly_absent);
    tcase_add_test(edge, test_patterns_thin);
    tcase_add_test(edge, test_count_rows_then_repeats);
    tcase_add_test(edge, test_count_rows_sized_for_patterns);
    tcase_add_test(edge, test_sampled_race);
    tcase_add_test(edge, test_ties_follow_votes);
    tcase_add_test(errors, test_fit_predict_errors);
    tcase_add_test(edge, test_fit_predict_unaligned_allocator);
    tcase_add_test(edge, test_softmax_two_classes);
    tcase_add_test(threads, test_threads_same_bits);
    tcase_set_timeout(threads, 300); /* fits under ThreadSanitizer are slow */
    tcase_add_test(edge, test_numerics_extreme);
    tcase_add_test(errors, test_errors);
    tcase_add_test(oom, test_oom_walk);
    tcase_add_loop_test(oom, test_oom_fit_options, 0,
                        (int)(sizeof fit_cases / sizeof fit_cases[0]));
    tcase_add_test(oom, test_oom_patterns_priors_relabel_files);
    tcase_add_test(threads, test_predict_concurrent);
    tcase_add_test(threads, test_predict_threads);
    tcase_add_test(errors, test_set_threads_errors);
    tcase_add_test(fuzz, test_fuzz_history_query);
    tcase_add_test(fuzz, test_fuzz_report_counts);
    tcase_add_test(fuzz, test_fuzz_table_sums);
    tcase_add_test(errors, test_load_hostile_sizes);
    tcase_set_timeout(core, 120);
    tcase_set_timeout(edge, 120); /* 5,000-source fits; CI machines are shared */
    tcase_set_timeout(oom, 300);  /* every allocation of several fits failed in turn, under ASan */
    suite_add_tcase(s, mv);
    suite_add_tcase(s, core);
    suite_add_tcase(s, edge);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, oom);
    suite_add_tcase(s, fuzz);
    suite_add_tcase(s, threads);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(label_model_suite());
}
