/* The one-coin engine of the label model (many classes): recovery, agreement with its own
 * tables, the default's switch, gold, save/load, refusals, bits, OOM. */
#include "wsl_test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Votes from the project's generator: conditionally independent one-coin sources. */
static wsl_label_matrix *gen_mix(size_t n, size_t m, int32_t k, double coverage,
                                 double one_polarity, uint64_t seed, int32_t *gold, double *acc)
{
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    so.n_points = n;
    so.n_sources = m;
    so.cardinality = k;
    so.coverage_min = so.coverage_max = coverage;
    so.one_polarity = one_polarity;
    so.seed = seed;
    so.storage = WSL_STORAGE_SPARSE;
    WSL_ASSERT_OK(wsl_synth_generate(&L, &so, gold, gold ? n : 0, acc, acc ? m : 0, NULL, 0));
    return L;
}

/* Every source votes several classes. */
static wsl_label_matrix *gen(size_t n, size_t m, int32_t k, double coverage, uint64_t seed,
                             int32_t *gold, double *acc)
{
    return gen_mix(n, m, k, coverage, 0.0, seed, gold, acc);
}

static double hit_rate(const double *p, const int32_t *gold, size_t n, size_t k)
{
    size_t right = 0;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        for (size_t c = 1; c < k; c++)
            if (p[i * k + c] > p[i * k + best])
                best = c;
        right += (int32_t)best == gold[i];
    }
    return (double)right / (double)n;
}

static wsl_fit_options one_coin(void)
{
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    o.tables = WSL_TABLES_ONE_COIN;
    return o;
}

/* A copy of doc whose array under key starts with the string value val. */
static char *with_first_value(const char *doc, const char *key, const char *val)
{
    const char *at = strstr(doc, key), *open, *close;
    size_t len = strlen(doc) + strlen(val) + 1;
    char *out = malloc(len);
    ck_assert_ptr_nonnull(at);
    open = strchr(strchr(at, '['), '"') + 1;
    close = strchr(open, '"');
    snprintf(out, len, "%.*s%s%s", (int)(open - doc), doc, val, close);
    return out;
}

/* Accuracies within 0.02 of the generator's at n = 100,000, for k = 5 and k = 1,000; labels
 * better than majority vote. */
START_TEST(test_recovers_accuracies)
{
    static const struct {
        size_t m;
        int32_t k;
        double cov;
    } cases[] = {{12, 5, 0.3}, {100, 1000, 0.05}};
    size_t n = 100000;
    for (size_t t = 0; t < 2; t++) {
        size_t m = cases[t].m, k = (size_t)cases[t].k;
        int32_t *gold = malloc(n * sizeof *gold);
        double truth[100], est[100], *p, *mv;
        wsl_label_matrix *L = gen(n, m, cases[t].k, cases[t].cov, 11 + t, gold, truth);
        wsl_fit_options o = one_coin();
        wsl_label_model *M =
            wsl_test_fit(L, t == 0 ? &o : NULL); /* k = 1,000: the default's choice */
        wsl_fit_report r;
        WSL_ASSERT_OK(wsl_label_model_report(M, &r));
        ck_assert_int_eq(r.tables, WSL_TABLES_ONE_COIN);
        ck_assert_int_eq(r.abstain, WSL_ABSTAIN_BY_POLARITY); /* AUTO, nothing co-fired */
        WSL_ASSERT_OK(wsl_label_model_accuracies(M, est, m));
        for (size_t j = 0; j < m; j++)
            ck_assert_msg(fabs(est[j] - truth[j]) < 0.02, "k = %zu, source %zu: %.4f vs %.4f", k, j,
                          est[j], truth[j]);
        if (k < 100) { /* 10^8 probabilities at k = 1,000 are bench/wide's */
            p = wsl_test_proba(M, L);
            mv = malloc(n * k * sizeof *mv);
            WSL_ASSERT_OK(wsl_majority_vote_proba(L, NULL, NULL, mv, n * k, NULL, 0));
            ck_assert_double_gt(hit_rate(p, gold, n, k), hit_rate(mv, gold, n, k));
            free(p);
            free(mv);
        }
        free(gold);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
    }
}
END_TEST

/*
 * A one-coin model is the table model its accessors show: each row's probabilities are the
 * posterior computed from wsl_label_model_source_table() and the class prior, and each
 * accuracy is the tables' P(vote = y | votes).
 */
START_TEST(test_matches_its_tables)
{
    size_t n = 3000, m = 6, k = 4, K1 = k + 1;
    wsl_label_matrix *L = gen(n, m, (int32_t)k, 0.4, 3, NULL, NULL);
    wsl_fit_options o = one_coin();
    wsl_label_model *M = wsl_test_fit(L, &o);
    double *p = wsl_test_proba(M, L), *tab = malloc(m * k * K1 * sizeof *tab), prior[4], acc[6];
    int32_t *row = malloc(m * sizeof *row);
    WSL_ASSERT_OK(wsl_label_model_class_prior(M, prior, k));
    WSL_ASSERT_OK(wsl_label_model_accuracies(M, acc, m));
    for (size_t j = 0; j < m; j++) {
        double right = 0, voted = 0;
        WSL_ASSERT_OK(wsl_label_model_source_table(M, j, tab + j * k * K1, k * K1));
        for (size_t c = 0; c < k; c++) {
            double sum = 0;
            for (size_t v = 0; v < K1; v++)
                sum += tab[(j * k + c) * K1 + v];
            ck_assert_double_eq_tol(sum, 1, 1e-12);
            right += prior[c] * tab[(j * k + c) * K1 + c + 1];
            voted += prior[c] * (1 - tab[(j * k + c) * K1]);
        }
        ck_assert_double_eq_tol(right / voted, acc[j], 1e-12);
    }
    for (size_t i = 0; i < n; i++) {
        double s[4], mx = -INFINITY, z = 0;
        WSL_ASSERT_OK(wsl_label_matrix_row(L, i, row, m));
        for (size_t c = 0; c < k; c++) {
            s[c] = log(prior[c]);
            for (size_t j = 0; j < m; j++)
                s[c] += log(tab[(j * k + c) * K1 + (size_t)(row[j] + 1)]) +
                        (row[j] == (int32_t)c ? 1e-6 : 0); /* the tie nudge */
            mx = s[c] > mx ? s[c] : mx;
        }
        for (size_t c = 0; c < k; c++)
            z += exp(s[c] - mx);
        for (size_t c = 0; c < k; c++)
            ck_assert_msg(fabs(exp(s[c] - mx) / z - p[i * k + c]) < 1e-9, "row %zu class %zu", i,
                          c);
    }
    free(row);
    free(tab);
    free(p);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/* Default tables: one-coin once full tables would hold more than 2^23 values, unless the
 * options ask for what only tables do; small problems keep polarity tables. */
START_TEST(test_default_switch)
{
    wsl_label_matrix *big = gen(2000, 100, 300, 0.02, 5, NULL, NULL); /* 9.0M values */
    wsl_label_matrix *small = gen(2000, 10, 300, 0.2, 5, NULL, NULL); /* 0.9M values */
    wsl_label_model *M;
    wsl_fit_report r;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    M = wsl_test_fit(big, NULL);
    WSL_ASSERT_OK(wsl_label_model_report(M, &r));
    ck_assert_int_eq(r.tables, WSL_TABLES_ONE_COIN);
    wsl_label_model_free(M);
    o.abstain = WSL_ABSTAIN_RANDOM;
    o.prior = WSL_PRIOR_UNIFORM;
    M = wsl_test_fit(big, &o);
    WSL_ASSERT_OK(wsl_label_model_report(M, &r));
    ck_assert_int_eq(r.tables, WSL_TABLES_ONE_COIN);
    ck_assert_int_eq(r.prior, WSL_PRIOR_UNIFORM);
    wsl_label_model_free(M);
    M = wsl_test_fit(small, NULL);
    WSL_ASSERT_OK(wsl_label_model_report(M, &r));
    ck_assert_int_eq(r.tables, WSL_TABLES_POLARITY);
    wsl_label_model_free(M);
    wsl_label_matrix_free(big);
    wsl_label_matrix_free(small);
}
END_TEST

/* With every row's gold clamped, the accuracies are MAP counts: (right + 0.7 W) / (votes + W). */
START_TEST(test_gold_clamped)
{
    size_t n = 4000, m = 5, k = 3;
    int32_t *gold = malloc(n * sizeof *gold), *row = malloc(m * sizeof *row);
    wsl_label_matrix *L = gen(n, m, (int32_t)k, 0.5, 7, gold, NULL);
    wsl_fit_options o = one_coin();
    wsl_label_model *M;
    double right[5] = {0}, votes[5] = {0}, acc[5], prior[3], count[3] = {0};
    o.gold = gold;
    o.gold_len = n;
    M = wsl_test_fit(L, &o);
    for (size_t i = 0; i < n; i++) {
        WSL_ASSERT_OK(wsl_label_matrix_row(L, i, row, m));
        count[gold[i]] += 1;
        for (size_t j = 0; j < m; j++)
            if (row[j] != WSL_ABSTAIN) {
                votes[j] += 1;
                right[j] += row[j] == gold[i];
            }
    }
    WSL_ASSERT_OK(wsl_label_model_accuracies(M, acc, m));
    for (size_t j = 0; j < m; j++)
        ck_assert_double_eq_tol(acc[j], (right[j] + 0.7 * 2) / (votes[j] + 2), 1e-12);
    WSL_ASSERT_OK(wsl_label_model_class_prior(M, prior, k));
    for (size_t c = 0; c < k; c++)
        ck_assert_double_eq_tol(prior[c], count[c] / (double)n, 1e-9);
    free(row);
    free(gold);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

/* Users' regression cases: all sources voting 0 never predict 1; rows without votes get the
 * posterior given that every source abstained (the prior when abstains are missing at random);
 * an adversarial source gets an accuracy below chance; 3,000 agreeing votes stay finite. */
START_TEST(test_edge_cases)
{
    size_t n = 600, m = 4;
    int32_t *v = malloc(n * 3000 * sizeof *v);
    wsl_label_matrix *L = NULL;
    wsl_label_model *M;
    wsl_fit_options o = one_coin();
    double *p, prior[2], acc[4];
    for (size_t i = 0; i < n * m; i++)
        v[i] = (i / m) % 3 == 0 ? WSL_ABSTAIN : 0;
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, v, n, m, m, 2, WSL_STORAGE_DENSE, NULL));
    for (int mar = 0; mar < 2; mar++) {
        o.abstain = mar ? WSL_ABSTAIN_RANDOM : WSL_ABSTAIN_DEFAULT;
        M = wsl_test_fit(L, &o);
        p = wsl_test_proba(M, L);
        WSL_ASSERT_OK(wsl_label_model_class_prior(M, prior, 2));
        for (size_t i = 0; i < n; i++) {
            ck_assert_double_eq_tol(p[2 * i] + p[2 * i + 1], 1, 1e-12);
            if (i % 3 != 0)
                ck_assert_double_gt(p[2 * i], p[2 * i + 1]);
            else if (mar)
                ck_assert(fabs(p[2 * i] - prior[0]) < 1e-12 &&
                          fabs(p[2 * i + 1] - prior[1]) < 1e-12);
            else /* every source fires for class 0: silence says class 1 */
                ck_assert_double_gt(p[2 * i + 1], 0.99);
        }
        free(p);
        wsl_label_model_free(M);
    }
    o.abstain = WSL_ABSTAIN_DEFAULT;
    wsl_label_matrix_free(L);
    /* source 3 says the opposite of sources 0..2 on every row */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            v[i * m + j] = j < 3 ? (int32_t)(i % 2) : (int32_t)(1 - i % 2);
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, v, n, m, m, 2, WSL_STORAGE_DENSE, NULL));
    M = wsl_test_fit(L, &o);
    WSL_ASSERT_OK(wsl_label_model_accuracies(M, acc, m));
    ck_assert_double_gt(acc[0], 0.9);
    ck_assert_double_lt(acc[3], 0.1);
    p = wsl_test_proba(M, L);
    for (size_t i = 0; i < n; i++)
        ck_assert_double_gt(p[2 * i + i % 2], 0.99);
    free(p);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    /* 1,000 classes, 3 sources: the dependency statistics compare firing only (the full
     * expected tables would cost k (k + 1)^2 per pair) */
    {
        wsl_label_matrix *K = gen(300, 3, 1000, 0.5, 23, NULL, NULL);
        double g[9], df[9];
        M = wsl_test_fit(K, &o);
        WSL_ASSERT_OK(wsl_label_model_dependencies(M, K, g, 9, df, 9));
        for (size_t i = 0; i < 9; i++)
            ck_assert(isfinite(g[i]) && df[i] == (i % 4 ? 1 : 0));
        wsl_label_model_free(M);
        wsl_label_matrix_free(K);
    }
    /* 3,000 sources agreeing on each row of 4 */
    for (size_t i = 0; i < 4 * 3000; i++)
        v[i] = (int32_t)((i / 3000) % 2);
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, v, 4, 3000, 3000, 2, WSL_STORAGE_DENSE, NULL));
    M = wsl_test_fit(L, &o);
    p = wsl_test_proba(M, L);
    for (size_t i = 0; i < 8; i++)
        ck_assert(isfinite(p[i]) && p[i] >= 0 && p[i] <= 1);
    ck_assert_double_eq_tol(p[0], 1, 1e-12); /* row 0: class 0 */
    ck_assert_double_eq_tol(p[3], 1, 1e-12); /* row 1: class 1 */
    free(p);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    free(v);
}
END_TEST

/* The class single-class source j votes: the one its table gives a vote's mass to. */
static int32_t voted_class(const wsl_label_model *M, size_t j)
{
    double t[6];
    WSL_ASSERT_OK(wsl_label_model_source_table(M, j, t, 6));
    return t[1] > 0 ? 0 : 1; /* row of class 0: abstain, vote 0, vote 1 */
}

/*
 * Sources that vote a single class (keyword LFs) fire by class: the one-coin engine models them
 * as polarity tables do (two rates) and labels as well as they do, where a textbook one-coin
 * model (abstains at random) collapses onto one class. Copies of such sources co-fire beyond
 * the model: the fit goes to votes only, as the table engine's.
 */
START_TEST(test_single_class_sources)
{
    size_t n = 20000, m = 30, k = 2;
    int32_t *gold = malloc(n * sizeof *gold), *buf = malloc(n * 2 * m * sizeof *buf);
    wsl_label_matrix *L = gen_mix(n, m, (int32_t)k, 0.2, 1.0, 21, gold, NULL), *C = NULL;
    wsl_fit_options o = one_coin(), t = WSL_FIT_OPTIONS_INIT;
    wsl_label_model *A, *B, *R;
    wsl_fit_report r;
    double *pa, *pb, *pr, *mv = malloc(n * k * sizeof *mv);
    t.tables = WSL_TABLES_POLARITY;
    A = wsl_test_fit(L, &o);
    B = wsl_test_fit(L, &t);
    pa = wsl_test_proba(A, L);
    pb = wsl_test_proba(B, L);
    WSL_ASSERT_OK(wsl_majority_vote_proba(L, NULL, NULL, mv, n * k, NULL, 0));
    ck_assert_double_gt(hit_rate(pa, gold, n, k), hit_rate(mv, gold, n, k) + 0.02);
    ck_assert_double_eq_tol(hit_rate(pa, gold, n, k), hit_rate(pb, gold, n, k), 0.005);
    {
        /* a new vote of a single-class source for another class is read as an abstain; a document
         * whose source fires less for its class than for others does not load */
        int32_t rows[2][30];
        wsl_label_matrix *N = NULL;
        wsl_label_model *X = NULL;
        wsl_buf doc = WSL_BUF_INIT;
        double q[4];
        char *bad;
        for (size_t j = 0; j < m; j++)
            rows[0][j] = rows[1][j] = WSL_ABSTAIN;
        rows[1][0] = 1 - voted_class(A, 0);
        WSL_ASSERT_OK(
            wsl_label_matrix_from_buffer(&N, rows[0], 2, m, m, 2, WSL_STORAGE_DENSE, NULL));
        WSL_ASSERT_OK(wsl_label_model_predict_proba(A, N, q, 4, NULL, 0));
        ck_assert_double_eq_tol(q[0], q[2], 1e-12);
        ck_assert_double_eq_tol(q[1], q[3], 1e-12);
        WSL_ASSERT_OK(wsl_label_model_save_buf(A, &doc));
        bad = with_first_value(doc.ptr, "\"fire_rate_class\"", "1e-9");
        WSL_ASSERT_STATUS(wsl_label_model_load_buf(&X, bad, strlen(bad), NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "fires less"));
        free(bad);
        wsl_buf_dispose(&doc);
        wsl_label_matrix_free(N);
    }
    o.abstain = WSL_ABSTAIN_RANDOM;
    R = wsl_test_fit(L, &o);
    pr = wsl_test_proba(R, L);
    ck_assert_double_lt(hit_rate(pr, gold, n, k), hit_rate(pa, gold, n, k) - 0.1);
    /* every source twice */
    WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, buf, n * m));
    for (size_t i = n; i-- > 0;)
        for (size_t j = 0; j < 2 * m; j++)
            buf[i * 2 * m + j] = buf[i * m + j % m];
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&C, buf, n, 2 * m, 2 * m, (int32_t)k,
                                               WSL_STORAGE_SPARSE, NULL));
    o.abstain = WSL_ABSTAIN_DEFAULT;
    wsl_label_model_free(R);
    R = wsl_test_fit(C, &o);
    WSL_ASSERT_OK(wsl_label_model_report(R, &r));
    ck_assert_int_eq(r.abstain, WSL_ABSTAIN_VOTES_ONLY);
    ck_assert_int_eq(r.prior, WSL_PRIOR_UNIFORM);
    ck_assert_double_gt(r.cofire_g, r.cofire_limit);
    free(pa);
    free(pb);
    free(pr);
    free(mv);
    free(buf);
    free(gold);
    wsl_label_model_free(A);
    wsl_label_model_free(B);
    wsl_label_model_free(R);
    wsl_label_matrix_free(C);
    wsl_label_matrix_free(L);
}
END_TEST

/* The same bits for any n_threads, for a pattern table filled in another order, and again. */
START_TEST(test_same_bits)
{
    size_t n = 5000, m = 30, k = 50;
    wsl_label_matrix *L = gen(n, m, (int32_t)k, 0.1, 9, NULL, NULL);
    wsl_fit_options o = one_coin();
    wsl_label_model *A = wsl_test_fit(L, &o), *B, *C = NULL;
    wsl_pattern_table *T = NULL;
    double *pa = wsl_test_proba(A, L), *pb, *pc;
    int32_t *row = malloc(m * sizeof *row);
    o.n_threads = 2;
    B = wsl_test_fit(L, &o);
    pb = wsl_test_proba(B, L);
    ck_assert_int_eq(memcmp(pa, pb, n * k * sizeof *pa), 0);
    /* rows added last to first */
    WSL_ASSERT_OK(wsl_pattern_table_create(&T, m, (int32_t)k, NULL));
    for (size_t i = n; i-- > 0;) {
        wsl_label_matrix *R = NULL;
        WSL_ASSERT_OK(wsl_label_matrix_row(L, i, row, m));
        WSL_ASSERT_OK(
            wsl_label_matrix_from_buffer(&R, row, 1, m, m, (int32_t)k, WSL_STORAGE_SPARSE, NULL));
        WSL_ASSERT_OK(wsl_pattern_table_add(T, R, NULL, 0));
        wsl_label_matrix_free(R);
    }
    WSL_ASSERT_OK(wsl_label_model_create(&C, (int32_t)k, NULL));
    WSL_ASSERT_OK(wsl_label_model_fit_patterns(C, T, &o));
    pc = wsl_test_proba(C, L);
    ck_assert_int_eq(memcmp(pa, pc, n * k * sizeof *pa), 0);
    free(row);
    free(pa);
    free(pb);
    free(pc);
    wsl_pattern_table_free(T);
    wsl_label_model_free(A);
    wsl_label_model_free(B);
    wsl_label_model_free(C);
    wsl_label_matrix_free(L);
}
END_TEST

/* Save and load: the same probabilities, bit for bit; broken documents are clear errors. */
START_TEST(test_save_load)
{
    size_t n = 2000, m = 8, k = 20;
    wsl_label_matrix *L = gen(n, m, (int32_t)k, 0.3, 13, NULL, NULL);
    wsl_fit_options o = one_coin();
    wsl_label_model *M = wsl_test_fit(L, &o), *R = NULL;
    wsl_buf buf = WSL_BUF_INIT;
    double *p = wsl_test_proba(M, L), *q, g[64];
    wsl_fit_report a, b;
    static const struct {
        const char *from, *to;
    } breaks[] = {
        {"\"accuracy\"", "\"accuracies\""},
        {"\"vote_rate\"", "\"vote_rates\""},
        {"\"one_coin\"", "\"two_coins\""},
    };
    WSL_ASSERT_OK(wsl_label_model_save_buf(M, &buf));
    ck_assert_ptr_nonnull(strstr(buf.ptr, "\"one_coin\""));
    ck_assert_ptr_null(strstr(buf.ptr, "tables_values"));
    WSL_ASSERT_OK(wsl_label_model_load_buf(&R, buf.ptr, buf.size, NULL));
    q = wsl_test_proba(R, L);
    ck_assert_int_eq(memcmp(p, q, n * k * sizeof *p), 0);
    WSL_ASSERT_OK(wsl_label_model_report(M, &a));
    WSL_ASSERT_OK(wsl_label_model_report(R, &b));
    ck_assert_int_eq(b.tables, WSL_TABLES_ONE_COIN);
    ck_assert_int_eq(a.iterations, b.iterations);
    /* the dependency statistics work from a one-coin model too */
    WSL_ASSERT_OK(wsl_label_model_dependencies(R, L, g, m * m, NULL, 0));
    for (size_t i = 0; i < m * m; i++)
        ck_assert(isfinite(g[i]));
    wsl_label_model_free(R);
    for (size_t t = 0; t < sizeof breaks / sizeof breaks[0]; t++) {
        char *doc = strdup(buf.ptr), *at = strstr(doc, breaks[t].from), *out;
        size_t len = strlen(doc) + 16;
        ck_assert_ptr_nonnull(at);
        out = malloc(len);
        snprintf(out, len, "%.*s%s%s", (int)(at - doc), doc, breaks[t].to,
                 at + strlen(breaks[t].from));
        R = (wsl_label_model *)1;
        WSL_ASSERT_STATUS(wsl_label_model_load_buf(&R, out, strlen(out), NULL), WSL_EFORMAT);
        ck_assert_ptr_null(R);
        free(out);
        free(doc);
    }
    for (int t = 0; t < 3; t++) {
        /* an accuracy of 0 or 1 has no finite log-odds; a rate above 1 is no rate */
        static const char *const key[] = {"\"accuracy\"", "\"accuracy\"", "\"vote_rate\""};
        static const char *const val[] = {"1", "0", "1.5"};
        char *doc = with_first_value(buf.ptr, key[t], val[t]);
        WSL_ASSERT_STATUS(wsl_label_model_load_buf(&R, doc, strlen(doc), NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), key[t] + 1));
        free(doc);
    }
    wsl_buf_dispose(&buf);
    free(p);
    free(q);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

static int count_calls(int start, int it, double ll, void *payload)
{
    (void)start;
    (void)it;
    ck_assert(isfinite(ll));
    ++*(int *)payload;
    return *(int *)payload >= 1000;
}

/* Options: refusals name the field; the callback sees every iteration; history and report. */
START_TEST(test_options_and_errors)
{
    wsl_label_matrix *L = gen(1000, 5, 4, 0.5, 17, NULL, NULL);
    wsl_label_model *M = NULL;
    wsl_fit_options o = one_coin();
    const double *priors[5] = {NULL};
    size_t members[] = {0, 1}, sizes[] = {2}, nh = 0;
    double hist[600], p[4];
    int calls = 0;
    wsl_fit_report r;
    WSL_ASSERT_OK(wsl_label_model_create(&M, 4, NULL));
    WSL_ASSERT_STATUS(wsl_label_model_predict_proba(M, L, p, 4, NULL, 0), WSL_ESTATE);
    o.abstain = WSL_ABSTAIN_INFORMATIVE;
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "opts->abstain"));
    o = one_coin();
    o.source_priors = priors;
    o.n_source_priors = 5;
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "source_priors"));
    o = one_coin();
    o.dep_members = members;
    o.dep_sizes = sizes;
    o.n_dep_groups = 1;
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
    o = one_coin();
    o.deps = WSL_DEPS_LEARN;
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "WSL_TABLES_ONE_COIN"));
    o = one_coin();
    o.abstain = WSL_ABSTAIN_NEVER; /* the generated votes have abstains */
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
    ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
    o = one_coin();
    o.tables = (wsl_lm_tables)(WSL_TABLES_ONE_COIN + 1);
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_EINVAL);
    /* every start, with the callback and the history */
    o = one_coin();
    o.iter_fn = count_calls;
    o.iter_payload = &calls;
    WSL_ASSERT_OK(wsl_label_model_fit(M, L, &o));
    WSL_ASSERT_OK(wsl_label_model_report(M, &r));
    WSL_ASSERT_OK(wsl_label_model_history(M, hist, 600, &nh));
    ck_assert_uint_eq(nh, (size_t)r.iterations);
    ck_assert_int_eq(calls, 2 + r.iterations); /* two starts stop after one race iteration */
    for (size_t i = 1; i < nh; i++)
        ck_assert_double_ge(hist[i], hist[i - 1] - 1e-9); /* MAP EM does not go down */
    ck_assert(r.converged);
    ck_assert(isnan(r.cofire_g));
    /* the callback stops the fit */
    calls = 995;
    WSL_ASSERT_STATUS(wsl_label_model_fit(M, L, &o), WSL_ECALLBACK);
    ck_assert_int_eq(wsl_label_model_is_fitted(M), 0);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
}
END_TEST

static wsl_status oom_case(const wsl_allocator *a, void *ctx)
{
    wsl_label_matrix *L = ctx;
    wsl_label_model *M = NULL, *R = NULL;
    wsl_fit_options o = one_coin();
    wsl_buf buf = WSL_BUF_INIT;
    double p[300 * 30];
    wsl_status st = wsl_label_model_create(&M, 30, a);
    if (st == WSL_OK)
        st = wsl_label_model_fit(M, L, &o);
    if (st == WSL_OK)
        st = wsl_label_model_predict_proba(M, L, p, sizeof p / sizeof p[0], NULL, 0);
    if (st == WSL_OK)
        st = wsl_label_model_save_buf(M, &buf);
    if (st == WSL_OK)
        st = wsl_label_model_load_buf(&R, buf.ptr, buf.size, a);
    wsl_buf_dispose(&buf);
    wsl_label_model_free(R);
    wsl_label_model_free(M);
    return st;
}

START_TEST(test_oom_walk)
{
    wsl_label_matrix *L = gen(300, 6, 30, 0.4, 19, NULL, NULL);
    wsl_test_oom_walk("one-coin fit, predict, save, load", oom_case, L);
    wsl_label_matrix_free(L);
}
END_TEST

static Suite *one_coin_suite(void)
{
    Suite *s = suite_create("one_coin");
    TCase *core = tcase_create("core");
    TCase *large = tcase_create("large");
    TCase *edge = tcase_create("edge");
    TCase *oom = tcase_create("oom");
    /* 100,000-row fits and the OOM walk: minutes under Valgrind, left to ASan (scripts/valgrind.sh)
     */
    tcase_set_tags(large, "heavy");
    tcase_set_tags(oom, "heavy");
    tcase_add_test(large, test_recovers_accuracies);
    tcase_add_test(large, test_default_switch);
    tcase_add_test(large, test_single_class_sources);
    tcase_add_test(core, test_matches_its_tables);
    tcase_add_test(core, test_gold_clamped);
    tcase_add_test(core, test_save_load);
    tcase_add_test(edge, test_edge_cases);
    tcase_add_test(edge, test_same_bits);
    tcase_add_test(edge, test_options_and_errors);
    tcase_add_test(oom, test_oom_walk);
    tcase_set_timeout(large, 120);
    tcase_set_timeout(oom, 120);
    suite_add_tcase(s, core);
    suite_add_tcase(s, large);
    suite_add_tcase(s, edge);
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(one_coin_suite());
}
