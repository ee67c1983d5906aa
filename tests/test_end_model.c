/* The end model: feature matrices, the featurizer, the noise-aware fit, prediction, save/load,
 * failure paths and OOM. */
#include "wsl_test_util.h"

#include "core/core.h"
#include "endmodel/endmodel_impl.h"
#include "matrix/matrix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- problems */

/* A random problem: n rows of about `per_row` features out of d (values in (0, 1]), soft
 * labels from a planted softmax model, gold the planted argmax. Free with free_problem(). */
typedef struct problem {
    size_t n, d, k;
    size_t *row_ptr, *cols;
    double *vals, *dense, *probs;
    int32_t *gold;
} problem;

static problem make_problem(size_t n, size_t d, size_t k, size_t per_row, uint64_t seed)
{
    problem p = {n, d, k, NULL, NULL, NULL, NULL, NULL, NULL};
    wsl__rng rng;
    double *w = malloc(d * k * sizeof *w), *z = malloc(k * sizeof *z);
    size_t nnz = 0;
    wsl__rng_seed(&rng, seed);
    p.row_ptr = malloc((n + 1) * sizeof *p.row_ptr);
    p.cols = malloc(n * per_row * sizeof *p.cols + 1);
    p.vals = malloc(n * per_row * sizeof *p.vals + 1);
    p.dense = calloc(n * d + 1, sizeof *p.dense);
    p.probs = malloc(n * k * sizeof *p.probs);
    p.gold = malloc(n * sizeof *p.gold);
    ck_assert_ptr_nonnull(p.dense);
    for (size_t t = 0; t < d * k; t++)
        w[t] = 4 * wsl__rng_uniform(&rng) - 2;
    p.row_ptr[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t cnt = 1 + wsl__rng_below(&rng, per_row), best = 0;
        for (size_t c = 0; c < k; c++)
            z[c] = 0;
        for (size_t t = 0; t < cnt; t++) {
            size_t j = wsl__rng_below(&rng, d);
            double v = 1 - wsl__rng_uniform(&rng);
            if (p.dense[i * d + j] != 0)
                continue; /* one entry per column, so dense and sparse agree */
            p.cols[nnz] = j;
            p.vals[nnz++] = v;
            p.dense[i * d + j] = v;
            for (size_t c = 0; c < k; c++)
                z[c] += v * w[j * k + c];
        }
        p.row_ptr[i + 1] = nnz;
        wsl__softmax_inplace(z, k);
        for (size_t c = 0; c < k; c++) {
            p.probs[i * k + c] = z[c];
            if (z[c] > z[best])
                best = c;
        }
        p.gold[i] = (int32_t)best;
    }
    free(w);
    free(z);
    return p;
}

static void free_problem(problem *p)
{
    free(p->row_ptr);
    free(p->cols);
    free(p->vals);
    free(p->dense);
    free(p->probs);
    free(p->gold);
}

static wsl_features *sparse_of(const problem *p)
{
    wsl_features *X = NULL;
    WSL_ASSERT_OK(wsl_features_from_csr(&X, p->n, p->d, p->row_ptr, p->cols, p->vals, NULL));
    return X;
}

static wsl_features *dense_of(const problem *p)
{
    wsl_features *X = NULL;
    WSL_ASSERT_OK(wsl_features_from_dense(&X, p->dense, p->n, p->d, p->d, NULL));
    return X;
}

static wsl_end_model *fit(const wsl_features *X, const problem *p, const wsl_end_options *o)
{
    wsl_end_model *m = NULL;
    WSL_ASSERT_OK(wsl_end_model_create(&m, (int32_t)p->k, NULL));
    WSL_ASSERT_OK(wsl_end_model_fit(m, X, p->probs, p->n * p->k, o));
    return m;
}

static double *weights_of(const wsl_end_model *m)
{
    size_t len = wsl_end_model_n_features(m) * (size_t)wsl_end_model_cardinality(m);
    double *w = malloc((len + (size_t)wsl_end_model_cardinality(m)) * sizeof *w);
    WSL_ASSERT_OK(wsl_end_model_weights(m, w, len, w + len, (size_t)wsl_end_model_cardinality(m)));
    return w;
}

/* The objective's gradient norm at the model's weights, recomputed from scratch. */
static double grad_norm_at(const wsl_end_model *m, const wsl_features *X, const double *probs,
                           double l2)
{
    const size_t k = (size_t)m->k, p = X->d * k + k;
    wsl__end_problem P;
    double *omega = malloc(X->n * sizeof *omega), *g = malloc(p * sizeof *g), f, s = 0;
    for (size_t i = 0; i < X->n; i++)
        omega[i] = 1.0 / (double)X->n;
    memset(&P, 0, sizeof P);
    P.X = X;
    P.Q = probs;
    P.omega = omega;
    P.k = k;
    P.l2 = l2;
    WSL_ASSERT_OK(wsl__end_problem_scratch(&P, NULL));
    WSL_ASSERT_OK(wsl__end_objective(&P, m->theta, &f, g));
    for (size_t j = 0; j < p; j++)
        s += g[j] * g[j];
    wsl__end_problem_release(&P, NULL);
    free(omega);
    free(g);
    return sqrt(s);
}

/* ---------------------------------------------------------------- feature matrices */

START_TEST(test_features)
{
    const double dense[] = {1, 0, 2, 99, 0, 0, 3, 99};
    const size_t rp[] = {0, 2, 2, 3}, cols[] = {4, 1, 0};
    const double vals[] = {0.5, -1, 2};
    wsl_features *X = (wsl_features *)1;
    size_t c[4], nnz;
    double v[4];
    WSL_ASSERT_OK(wsl_features_from_dense(&X, dense, 2, 3, 4, NULL));
    ck_assert_uint_eq(wsl_features_n_rows(X), 2);
    ck_assert_uint_eq(wsl_features_n_cols(X), 3);
    ck_assert_uint_eq(wsl_features_nnz(X), 6);
    ck_assert_int_eq(wsl_features_is_sparse(X), 0);
    WSL_ASSERT_OK(wsl_features_row(X, 1, c, v, 4, &nnz));
    ck_assert_uint_eq(nnz, 3);
    ck_assert_uint_eq(c[2], 2);
    ck_assert_double_eq(v[2], 3);
    WSL_ASSERT_STATUS(wsl_features_row(X, 2, c, v, 4, &nnz), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_features_row(X, 0, c, v, 2, &nnz), WSL_EBUFS);
    ck_assert_uint_eq(nnz, 3);
    WSL_ASSERT_STATUS(wsl_features_row(X, 0, NULL, NULL, 0, &nnz), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_features_row(NULL, 0, c, v, 4, &nnz), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_features_row(X, 0, c, v, 4, NULL), WSL_EINVAL);
    wsl_features_free(X);

    WSL_ASSERT_OK(wsl_features_from_csr(&X, 3, 5, rp, cols, vals, NULL));
    ck_assert_int_eq(wsl_features_is_sparse(X), 1);
    ck_assert_uint_eq(wsl_features_nnz(X), 3);
    WSL_ASSERT_OK(wsl_features_row(X, 1, NULL, NULL, 0, &nnz)); /* empty row */
    ck_assert_uint_eq(nnz, 0);
    WSL_ASSERT_OK(wsl_features_row(X, 0, c, v, 2, &nnz));
    ck_assert_uint_eq(c[0], 4);
    ck_assert_double_eq(v[1], -1);
    wsl_features_free(X);
    wsl_features_free(NULL);
    ck_assert_uint_eq(wsl_features_n_rows(NULL) + wsl_features_n_cols(NULL) +
                          wsl_features_nnz(NULL) + (size_t)wsl_features_is_sparse(NULL), 0);
    /* An empty matrix is fine. */
    WSL_ASSERT_OK(wsl_features_from_dense(&X, NULL, 0, 3, 3, NULL));
    ck_assert_uint_eq(wsl_features_n_rows(X), 0);
    wsl_features_free(X);
}
END_TEST

START_TEST(test_features_errors)
{
    const double nan_data[] = {1, NAN};
    const size_t rp[] = {0, 2, 1}, rp1[] = {1, 2}, rp_ok[] = {0, 1}, cols[] = {5, 0}, cols0[] = {0};
    const double vals[] = {1, 1}, inf_val[] = {INFINITY};
    wsl_features *X = (wsl_features *)1;
    WSL_ASSERT_STATUS(wsl_features_from_dense(NULL, nan_data, 1, 1, 1, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_features_from_dense(&X, NULL, 1, 1, 1, NULL), WSL_EINVAL);
    ck_assert_ptr_null(X);
    WSL_ASSERT_STATUS(wsl_features_from_dense(&X, nan_data, 1, 0, 1, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "d must be"));
    WSL_ASSERT_STATUS(wsl_features_from_dense(&X, nan_data, 1, 2, 1, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "ld must be >= d"));
    WSL_ASSERT_STATUS(wsl_features_from_dense(&X, nan_data, 1, 2, 2, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "entry (0, 1) is nan"));
    WSL_ASSERT_STATUS(wsl_features_from_dense(&X, nan_data, SIZE_MAX / 2, 4, 4, NULL),
                      WSL_ENOMEM);
    WSL_ASSERT_STATUS(wsl_features_from_csr(NULL, 1, 1, rp_ok, cols0, vals, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_features_from_csr(&X, 1, 1, NULL, cols0, vals, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_features_from_csr(&X, 1, 1, rp_ok, NULL, vals, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_features_from_csr(&X, 1, 1, rp_ok, cols0, NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_features_from_csr(&X, 1, 0, rp_ok, cols0, vals, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_features_from_csr(&X, 1, (size_t)1 << 32, rp_ok, cols0, vals, NULL),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_features_from_csr(&X, 1, 3, rp1, cols0, vals, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "row_ptr[0] must be 0"));
    WSL_ASSERT_STATUS(wsl_features_from_csr(&X, 2, 9, rp, cols, vals, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "decreases at row 1"));
    WSL_ASSERT_STATUS(wsl_features_from_csr(&X, 1, 3, rp + 0, cols, vals, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "cols[0] = 5 is not below d = 3"));
    WSL_ASSERT_STATUS(wsl_features_from_csr(&X, 1, 3, rp_ok, cols0, inf_val, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "values[0] is inf"));
    ck_assert_ptr_null(X);
}
END_TEST

/* ---------------------------------------------------------------- featurizer */

/* Bucket of an n-gram, computed independently of the scanner: chained token hashes. */
static uint32_t bucket(int bits, const char *const *tokens, size_t n)
{
    uint64_t g = wsl__token_hash((const unsigned char *)tokens[0], strlen(tokens[0]));
    for (size_t t = 1; t < n; t++) {
        uint64_t h = wsl__token_hash((const unsigned char *)tokens[t], strlen(tokens[t]));
        uint64_t x = (g ^ 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL + h;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        g = x ^ (x >> 31);
    }
    return (uint32_t)(g >> (64 - bits));
}

/* The value row i of X has in column col (0 if none). */
static double value_at(const wsl_features *X, size_t i, size_t col)
{
    double s = 0;
    for (size_t t = X->row_ptr[i]; t < X->row_ptr[i + 1]; t++)
        if (X->cols[t] == col)
            s += X->vals[t];
    return s;
}

START_TEST(test_hash_pinned)
{
    /* The saved format depends on these values: a change here breaks every saved model. */
    ck_assert_uint_eq(wsl__token_hash((const unsigned char *)"spam", 4), 0x4d2dc4fb37f4eaf3ULL);
    ck_assert_uint_eq(wsl__token_hash((const unsigned char *)"", 0), 0xf52a15e9a9b5e89bULL);
    {
        const char *const two[] = {"check", "out"};
        ck_assert_uint_eq(bucket(18, two, 2), 0x10c5du);
    }
}
END_TEST

START_TEST(test_tokens_and_ngrams)
{
    const char *texts[] = {"Hello, WORLD! hello", "", "caf\xc3\xa9 au-lait 42"};
    wsl_featurizer_options o = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_featurizer *fz = NULL;
    wsl_features *X = NULL;
    const char *const hello[] = {"hello"}, *const world[] = {"world"};
    const char *const hw[] = {"hello", "world"}, *const wh[] = {"world", "hello"};
    const char *const hwh[] = {"hello", "world", "hello"};
    const char *const cafe[] = {"caf\xc3\xa9"}, *const lait[] = {"lait"};
    const char *const au_lait[] = {"au", "lait"}, *const n42[] = {"42"};
    o.normalize = 0;
    o.hash_bits = 20;
    WSL_ASSERT_OK(wsl_featurizer_create(&fz, &o, NULL));
    ck_assert_uint_eq(wsl_featurizer_n_features(fz), (size_t)1 << 20);
    ck_assert_int_eq(wsl_featurizer_is_fitted(fz), 0);
    WSL_ASSERT_OK(wsl_featurizer_transform(fz, texts, 3, &X));
    ck_assert_uint_eq(wsl_features_n_rows(X), 3);
    /* "hello world hello": hello x2, world, "hello world", "world hello". */
    ck_assert_uint_eq(X->row_ptr[1], 4);
    ck_assert_double_eq(value_at(X, 0, bucket(20, hello, 1)), 2);
    ck_assert_double_eq(value_at(X, 0, bucket(20, world, 1)), 1);
    ck_assert_double_eq(value_at(X, 0, bucket(20, hw, 2)), 1);
    ck_assert_double_eq(value_at(X, 0, bucket(20, wh, 2)), 1);
    for (size_t t = 1; t < X->row_ptr[1]; t++)
        ck_assert_uint_lt(X->cols[t - 1], X->cols[t]); /* ascending, merged */
    ck_assert_uint_eq(X->row_ptr[2] - X->row_ptr[1], 0); /* empty text, empty row */
    /* UTF-8 bytes stay inside words; '-' separates; digits are words. */
    ck_assert_double_eq(value_at(X, 2, bucket(20, cafe, 1)), 1);
    ck_assert_double_eq(value_at(X, 2, bucket(20, lait, 1)), 1);
    ck_assert_double_eq(value_at(X, 2, bucket(20, au_lait, 2)), 1);
    ck_assert_double_eq(value_at(X, 2, bucket(20, n42, 1)), 1);
    wsl_features_free(X);
    wsl_featurizer_free(fz);

    /* Trigrams; case kept. */
    o.ngram_max = 3;
    o.lowercase = 0;
    WSL_ASSERT_OK(wsl_featurizer_create(&fz, &o, NULL));
    WSL_ASSERT_OK(wsl_featurizer_transform(fz, texts, 1, &X));
    ck_assert_double_eq(value_at(X, 0, bucket(20, hello, 1)), 1); /* "Hello" differs */
    ck_assert_double_eq(value_at(X, 0, bucket(20, hwh, 3)), 0);
    wsl_features_free(X);
    wsl_featurizer_free(fz);
    o.lowercase = 1;
    WSL_ASSERT_OK(wsl_featurizer_create(&fz, &o, NULL));
    WSL_ASSERT_OK(wsl_featurizer_transform(fz, texts, 1, &X));
    ck_assert_double_eq(value_at(X, 0, bucket(20, hwh, 3)), 1);
    ck_assert_uint_eq(X->row_ptr[1], 5);
    wsl_features_free(X);
    wsl_featurizer_free(fz);
}
END_TEST

START_TEST(test_tfidf_and_scaling)
{
    const char *texts[] = {"a b", "a c", "a a d"};
    const char *const a[] = {"a"}, *const b[] = {"b"};
    wsl_featurizer_options o = WSL_FEATURIZER_OPTIONS_INIT, got;
    wsl_featurizer *fz = NULL;
    wsl_features *X = NULL;
    double idf_a = log(4.0 / 4.0) + 1, idf_b = log(4.0 / 2.0) + 1, norm2 = 0;
    o.tfidf = 1;
    o.ngram_max = 1;
    o.normalize = 0;
    o.hash_bits = 16;
    WSL_ASSERT_OK(wsl_featurizer_create(&fz, &o, NULL));
    WSL_ASSERT_STATUS(wsl_featurizer_transform(fz, texts, 3, &X), WSL_ESTATE);
    ck_assert_ptr_null(X);
    WSL_ASSERT_OK(wsl_featurizer_fit(fz, texts, 3));
    ck_assert_int_eq(wsl_featurizer_is_fitted(fz), 1);
    WSL_ASSERT_OK(wsl_featurizer_get_options(fz, &got));
    ck_assert_int_eq(got.tfidf, 1);
    WSL_ASSERT_OK(wsl_featurizer_transform(fz, texts, 3, &X));
    ck_assert_double_eq_tol(value_at(X, 0, bucket(16, b, 1)), idf_b, 1e-15);
    ck_assert_double_eq_tol(value_at(X, 2, bucket(16, a, 1)), 2 * idf_a, 1e-15);
    wsl_features_free(X);
    wsl_featurizer_free(fz);
    /* Sublinear counts and unit rows: "a a d" -> a: (1 + ln 2) idf_a, d: idf_d, scaled. */
    o.sublinear_tf = 1;
    o.normalize = 1;
    WSL_ASSERT_OK(wsl_featurizer_create(&fz, &o, NULL));
    WSL_ASSERT_OK(wsl_featurizer_fit(fz, texts, 3));
    WSL_ASSERT_OK(wsl_featurizer_transform(fz, texts + 2, 1, &X));
    for (size_t t = 0; t < X->row_ptr[1]; t++)
        norm2 += X->vals[t] * X->vals[t];
    ck_assert_double_eq_tol(norm2, 1, 1e-12);
    {
        const char *const dd[] = {"d"};
        double va = (1 + log(2.0)) * idf_a, vd = log(4.0 / 2.0) + 1, len = sqrt(va * va + vd * vd);
        ck_assert_double_eq_tol(value_at(X, 0, bucket(16, a, 1)), va / len, 1e-15);
        ck_assert_double_eq_tol(value_at(X, 0, bucket(16, dd, 1)), vd / len, 1e-15);
    }
    wsl_features_free(X);
    /* Refitting replaces the frequencies. */
    WSL_ASSERT_OK(wsl_featurizer_fit(fz, texts, 1));
    ck_assert_uint_eq(fz->n_docs, 1);
    wsl_featurizer_free(fz);
    wsl_featurizer_free(NULL);
    ck_assert_uint_eq(wsl_featurizer_n_features(NULL), 0);
    ck_assert_int_eq(wsl_featurizer_is_fitted(NULL), 0);
}
END_TEST

/* Every featurizer option out of range is refused with the field's name. */
static const char *const fz_bad_fields[] = {
    "opts->version", "opts->hash_bits", "opts->hash_bits",    "opts->ngram_max",
    "opts->ngram_max", "opts->lowercase", "opts->tfidf", "opts->sublinear_tf", "opts->normalize",
};

START_TEST(test_featurizer_options)
{
    wsl_featurizer_options o = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_featurizer *fz = (wsl_featurizer *)1;
    switch (_i) {
    case 0: o.version = 0; break;
    case 1: o.hash_bits = 0; break;
    case 2: o.hash_bits = 25; break;
    case 3: o.ngram_max = 0; break;
    case 4: o.ngram_max = 5; break;
    case 5: o.lowercase = 2; break;
    case 6: o.tfidf = -1; break;
    case 7: o.sublinear_tf = 2; break;
    default: o.normalize = 3; break;
    }
    WSL_ASSERT_STATUS(wsl_featurizer_options_validate(&o), WSL_EINVAL);
    ck_assert_msg(strstr(wsl_last_error(), fz_bad_fields[_i]) != NULL, "'%s' not named in '%s'",
                  fz_bad_fields[_i], wsl_last_error());
    WSL_ASSERT_STATUS(wsl_featurizer_create(&fz, &o, NULL), WSL_EINVAL);
    ck_assert_ptr_null(fz);
}
END_TEST

START_TEST(test_featurizer_errors)
{
    const char *texts[] = {"a", NULL};
    wsl_featurizer_options o;
    wsl_featurizer *fz = NULL;
    wsl_features *X = (wsl_features *)1;
    WSL_ASSERT_OK(wsl_featurizer_options_validate(NULL));
    WSL_ASSERT_STATUS(wsl_featurizer_options_init(NULL), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_featurizer_options_init(&o));
    ck_assert_int_eq(o.hash_bits, 18);
    WSL_ASSERT_STATUS(wsl_featurizer_create(NULL, NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_featurizer_create(&fz, NULL, NULL));
    WSL_ASSERT_STATUS(wsl_featurizer_fit(NULL, texts, 1), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_featurizer_fit(fz, NULL, 1), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_featurizer_fit(fz, texts, 2), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "texts[1] is NULL"));
    WSL_ASSERT_STATUS(wsl_featurizer_transform(fz, texts, 2, &X), WSL_EINVAL);
    ck_assert_ptr_null(X);
    WSL_ASSERT_STATUS(wsl_featurizer_transform(NULL, texts, 1, &X), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_featurizer_transform(fz, texts, 1, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_featurizer_get_options(NULL, &o), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_featurizer_get_options(fz, NULL), WSL_EINVAL);
    /* Without TF-IDF no fit is needed. */
    WSL_ASSERT_OK(wsl_featurizer_transform(fz, texts, 1, &X));
    wsl_features_free(X);
    wsl_featurizer_free(fz);
}
END_TEST

/* ---------------------------------------------------------------- the objective */

/* Central differences against the analytic gradient: sparse k = 2, sparse k = 3, dense k = 3,
 * with row weights (some 0) and L2. */
START_TEST(test_gradient_finite_differences)
{
    const size_t ks[] = {2, 3, 3};
    problem p = make_problem(40, 7, ks[_i], 4, 11 + (uint64_t)_i);
    wsl_features *X = _i == 2 ? dense_of(&p) : sparse_of(&p);
    const size_t k = p.k, np = p.d * k + k;
    wsl__end_problem P;
    double *theta = malloc(np * sizeof *theta), *g = malloc(np * sizeof *g);
    double *g2 = malloc(np * sizeof *g2), *omega = malloc(p.n * sizeof *omega), f, sum = 0;
    wsl__rng rng;
    wsl__rng_seed(&rng, 5);
    for (size_t i = 0; i < p.n; i++)
        sum += omega[i] = i % 5 == 0 ? 0 : wsl__rng_uniform(&rng);
    for (size_t i = 0; i < p.n; i++)
        omega[i] /= sum;
    for (size_t j = 0; j < np; j++)
        theta[j] = wsl__rng_uniform(&rng) - 0.5;
    memset(&P, 0, sizeof P);
    P.X = X;
    P.Q = p.probs;
    P.omega = omega;
    P.k = k;
    P.l2 = 0.03;
    WSL_ASSERT_OK(wsl__end_problem_scratch(&P, NULL));
    if (_i == 2)
        P.block_rows = 16; /* several BLAS blocks (the scratch holds more rows) */
    WSL_ASSERT_OK(wsl__end_objective(&P, theta, &f, g));
    ck_assert(f > 0);
    for (size_t j = 0; j < np; j++) {
        const double h = 1e-6, t0 = theta[j];
        double fp, fm;
        theta[j] = t0 + h;
        WSL_ASSERT_OK(wsl__end_objective(&P, theta, &fp, g2));
        theta[j] = t0 - h;
        WSL_ASSERT_OK(wsl__end_objective(&P, theta, &fm, g2));
        theta[j] = t0;
        ck_assert_msg(fabs((fp - fm) / (2 * h) - g[j]) < 1e-7, "parameter %zu: %g vs %g", j,
                      (fp - fm) / (2 * h), g[j]);
    }
    wsl__end_problem_release(&P, NULL);
    free(theta);
    free(g);
    free(g2);
    free(omega);
    wsl_features_free(X);
    free_problem(&p);
}
END_TEST

/* ---------------------------------------------------------------- fitting */

START_TEST(test_fit_learns_and_converges)
{
    problem p = make_problem(600, 30, 3, 6, 3), q = make_problem(300, 30, 3, 6, 3);
    wsl_features *X = sparse_of(&p);
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    wsl_end_model *m;
    wsl_end_report r;
    wsl_metrics met;
    double *probs = malloc(p.n * 3 * sizeof *probs), *w;
    o.l2 = 1e-3;
    o.tol = 1e-8;
    m = fit(X, &p, &o);
    ck_assert_int_eq(wsl_end_model_is_fitted(m), 1);
    ck_assert_int_eq(wsl_end_model_cardinality(m), 3);
    ck_assert_uint_eq(wsl_end_model_n_features(m), 30);
    WSL_ASSERT_OK(wsl_end_model_report(m, &r));
    ck_assert_int_eq(r.converged, 1);
    ck_assert_double_le(r.grad_norm, 1e-8);
    ck_assert_uint_eq(r.n_rows, 600);
    ck_assert_uint_eq(r.n_uncovered, 0);
    ck_assert(isnan(r.valid_score));
    ck_assert_int_gt(r.iterations, 1);
    ck_assert_int_ge(r.evaluations, r.iterations);
    /* The gradient recomputed independently is below the tolerance too. */
    ck_assert_double_le(grad_norm_at(m, X, p.probs, 1e-3), 1e-8);
    /* Rows are distributions; the planted argmax is recovered on fresh rows. */
    WSL_ASSERT_OK(wsl_end_model_predict_proba(m, X, probs, p.n * 3));
    for (size_t i = 0; i < p.n; i++)
        ck_assert_double_eq_tol(probs[3 * i] + probs[3 * i + 1] + probs[3 * i + 2], 1, 1e-12);
    {
        wsl_features *Y = sparse_of(&q);
        WSL_ASSERT_OK(wsl_end_model_evaluate(m, Y, q.gold, q.n, &met, NULL, 0, NULL, 0));
        ck_assert_double_gt(met.accuracy, 0.85);
        ck_assert_uint_eq(met.n_counted, q.n);
        wsl_features_free(Y);
    }
    /* Deterministic: the same fit gives the same bits. */
    {
        wsl_end_model *m2 = fit(X, &p, &o);
        double *w2 = weights_of(m2);
        w = weights_of(m);
        ck_assert_int_eq(memcmp(w, w2, (30 * 3 + 3) * sizeof *w), 0);
        free(w2);
        free(w);
        wsl_end_model_free(m2);
    }
    /* Refitting with other options replaces the weights. */
    o.l2 = 1.0;
    WSL_ASSERT_OK(wsl_end_model_fit(m, X, p.probs, p.n * 3, &o));
    w = weights_of(m);
    for (size_t j = 0; j < 90; j++)
        ck_assert_double_lt(fabs(w[j]), 1.0);
    free(w);
    free(probs);
    wsl_end_model_free(m);
    wsl_features_free(X);
    free_problem(&p);
    free_problem(&q);
}
END_TEST

/* Dense (BLAS) and sparse features give the same fit; the sparse problem uses 12 of 64
 * columns, so it is compacted, and the untouched weights are exactly 0. */
START_TEST(test_dense_sparse_and_compaction_agree)
{
    problem p = make_problem(120, 64, 2, 3, 21);
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    wsl_features *S, *D;
    wsl_end_model *ms, *md;
    double *ws, *wd;
    int used[64] = {0};
    /* Keep columns 0..11 only. */
    size_t nnz = 0;
    for (size_t i = 0; i < p.n; i++) {
        size_t lo = p.row_ptr[i], hi = p.row_ptr[i + 1];
        p.row_ptr[i] = nnz;
        for (size_t t = lo; t < hi; t++) {
            if (p.cols[t] < 12) {
                p.cols[nnz] = p.cols[t];
                p.vals[nnz++] = p.vals[t];
                used[p.cols[t]] = 1;
            } else {
                p.dense[i * 64 + p.cols[t]] = 0;
            }
        }
    }
    p.row_ptr[p.n] = nnz;
    o.tol = 1e-10;
    o.l2 = 1e-2;
    S = sparse_of(&p);
    D = dense_of(&p);
    ms = fit(S, &p, &o);
    md = fit(D, &p, &o);
    ws = weights_of(ms);
    wd = weights_of(md);
    for (size_t j = 0; j < 64 * 2 + 2; j++) {
        ck_assert_double_eq_tol(ws[j], wd[j], 1e-7);
        if (j < 128 && !used[j / 2])
            ck_assert_double_eq(ws[j], 0);
    }
    free(ws);
    free(wd);
    wsl_end_model_free(ms);
    wsl_end_model_free(md);
    wsl_features_free(S);
    wsl_features_free(D);
    free_problem(&p);
}
END_TEST

/* Noise-aware: the loss is the cross-entropy against the distribution, not its argmax. With
 * one constant feature, no L2 and every label (0.7, 0.3), the model predicts 0.7 exactly
 * where argmax training would push toward 1. */
START_TEST(test_soft_labels)
{
    enum { N = 50 };
    double data[N], probs[2 * N], out[2 * N];
    wsl_features *X;
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    wsl_end_model *m = NULL;
    for (size_t i = 0; i < N; i++) {
        data[i] = 1;
        probs[2 * i] = 0.7;
        probs[2 * i + 1] = 0.3;
    }
    WSL_ASSERT_OK(wsl_features_from_dense(&X, data, N, 1, 1, NULL));
    o.l2 = 0;
    o.tol = 1e-10;
    WSL_ASSERT_OK(wsl_end_model_create(&m, 2, NULL));
    WSL_ASSERT_OK(wsl_end_model_fit(m, X, probs, 2 * N, &o));
    WSL_ASSERT_OK(wsl_end_model_predict_proba(m, X, out, 2 * N));
    ck_assert_double_eq_tol(out[0], 0.7, 1e-9);
    ck_assert_double_eq_tol(out[2 * N - 1], 0.3, 1e-9);
    wsl_end_model_free(m);
    wsl_features_free(X);
}
END_TEST

/* Uncovered rows are left out by default and kept on request; weights act like copies. */
START_TEST(test_coverage_and_weights)
{
    problem p = make_problem(200, 20, 2, 5, 8);
    wsl_features *X = sparse_of(&p);
    uint8_t covered[200];
    double weights[200], *flipped = malloc(p.n * 2 * sizeof *flipped), *w1, *w2;
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    wsl_end_model *a, *b;
    wsl_end_report r;
    memcpy(flipped, p.probs, p.n * 2 * sizeof *flipped);
    for (size_t i = 0; i < p.n; i++) {
        covered[i] = i % 4 != 0;
        weights[i] = covered[i] ? 1 : 0;
        if (!covered[i]) { /* the uncovered rows carry the opposite label */
            flipped[2 * i] = p.probs[2 * i + 1];
            flipped[2 * i + 1] = p.probs[2 * i];
        }
    }
    o.tol = 1e-10;
    o.l2 = 1e-2; /* well conditioned: a tight tolerance in few iterations */
    /* Left out by coverage == weight 0 on the same rows. */
    o.covered = covered;
    o.covered_len = p.n;
    WSL_ASSERT_OK(wsl_end_model_create(&a, 2, NULL));
    WSL_ASSERT_OK(wsl_end_model_fit(a, X, flipped, p.n * 2, &o));
    WSL_ASSERT_OK(wsl_end_model_report(a, &r));
    ck_assert_uint_eq(r.n_uncovered, 50);
    ck_assert_uint_eq(r.n_rows, 150);
    o.covered = NULL;
    o.covered_len = 0;
    o.weights = weights;
    o.weights_len = p.n;
    WSL_ASSERT_OK(wsl_end_model_create(&b, 2, NULL));
    WSL_ASSERT_OK(wsl_end_model_fit(b, X, flipped, p.n * 2, &o));
    w1 = weights_of(a);
    w2 = weights_of(b);
    for (size_t j = 0; j < 42; j++)
        ck_assert_double_eq_tol(w1[j], w2[j], 1e-8);
    free(w2);
    /* keep_uncovered trains on them: another model. */
    o.weights = NULL;
    o.weights_len = 0;
    o.covered = covered;
    o.covered_len = p.n;
    o.keep_uncovered = 1;
    WSL_ASSERT_OK(wsl_end_model_fit(b, X, flipped, p.n * 2, &o));
    WSL_ASSERT_OK(wsl_end_model_report(b, &r));
    ck_assert_uint_eq(r.n_uncovered, 0);
    ck_assert_uint_eq(r.n_rows, 200);
    w2 = weights_of(b);
    ck_assert_double_gt(fabs(w1[0] - w2[0]) + fabs(w1[1] - w2[1]) + fabs(w1[2] - w2[2]), 1e-3);
    free(w1);
    free(w2);
    /* Weight 2 on a row == the row twice. */
    {
        wsl_features *X2;
        size_t *rp = malloc((p.n + 2) * sizeof *rp), *cols = malloc((p.row_ptr[p.n] + 10) * sizeof *cols);
        double *vals = malloc((p.row_ptr[p.n] + 10) * sizeof *vals);
        double *probs2 = malloc((p.n + 1) * 2 * sizeof *probs2);
        size_t extra = p.row_ptr[1] - p.row_ptr[0];
        memcpy(rp, p.row_ptr, (p.n + 1) * sizeof *rp);
        memcpy(cols, p.cols, p.row_ptr[p.n] * sizeof *cols);
        memcpy(vals, p.vals, p.row_ptr[p.n] * sizeof *vals);
        memcpy(cols + p.row_ptr[p.n], p.cols, extra * sizeof *cols);
        memcpy(vals + p.row_ptr[p.n], p.vals, extra * sizeof *vals);
        rp[p.n + 1] = p.row_ptr[p.n] + extra;
        memcpy(probs2, p.probs, p.n * 2 * sizeof *probs2);
        memcpy(probs2 + p.n * 2, p.probs, 2 * sizeof *probs2);
        WSL_ASSERT_OK(wsl_features_from_csr(&X2, p.n + 1, p.d, rp, cols, vals, NULL));
        for (size_t i = 0; i < p.n; i++)
            weights[i] = i == 0 ? 2 : 1;
        o = (wsl_end_options)WSL_END_OPTIONS_INIT;
        o.tol = 1e-10;
        o.l2 = 1e-2;
        o.weights = weights;
        o.weights_len = p.n;
        WSL_ASSERT_OK(wsl_end_model_fit(a, X, p.probs, p.n * 2, &o));
        o.weights = NULL;
        o.weights_len = 0;
        WSL_ASSERT_OK(wsl_end_model_fit(b, X2, probs2, (p.n + 1) * 2, &o));
        w1 = weights_of(a);
        w2 = weights_of(b);
        for (size_t j = 0; j < 42; j++)
            ck_assert_double_eq_tol(w1[j], w2[j], 1e-7);
        free(w1);
        free(w2);
        free(rp);
        free(cols);
        free(vals);
        free(probs2);
        wsl_features_free(X2);
    }
    wsl_end_model_free(a);
    wsl_end_model_free(b);
    free(flipped);
    wsl_features_free(X);
    free_problem(&p);
}
END_TEST

/* Early stopping: the kept weights are those of the best validation score, which the report
 * gives and evaluate() reproduces; with patience 1 the fit stops early. */
static int count_iterations(int it, double loss, double gnorm, void *payload)
{
    (void)loss;
    (void)gnorm;
    *(int *)payload = it;
    return 0;
}

START_TEST(test_early_stopping)
{
    problem p = make_problem(300, 40, 2, 6, 31), v = make_problem(100, 40, 2, 6, 32);
    wsl_features *X = sparse_of(&p), *V = sparse_of(&v);
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    wsl_end_model *m;
    wsl_end_report r;
    wsl_metrics met;
    double pc[6];
    int last = 0;
    /* Train on noisy labels (every third row flipped), validate against the planted truth. */
    for (size_t i = 0; i < p.n; i += 3) {
        double t = p.probs[2 * i];
        p.probs[2 * i] = p.probs[2 * i + 1];
        p.probs[2 * i + 1] = t;
    }
    o.l2 = 0;
    o.valid_X = V;
    o.valid_gold = v.gold;
    o.valid_gold_len = v.n;
    o.iter_fn = count_iterations;
    o.iter_payload = &last;
    for (int metric = WSL_END_METRIC_LOG_LOSS; metric <= WSL_END_METRIC_F1; metric++) {
        o.valid_metric = (wsl_end_metric)metric;
        o.patience = 3;
        m = fit(X, &p, &o);
        WSL_ASSERT_OK(wsl_end_model_report(m, &r));
        ck_assert_int_ge(r.best_iteration, 1);
        ck_assert_int_le(r.best_iteration, r.iterations);
        ck_assert_int_eq(last, r.iterations);
        if (r.stopped_early)
            ck_assert_int_eq(r.iterations, r.best_iteration + 3);
        WSL_ASSERT_OK(wsl_end_model_evaluate(m, V, v.gold, v.n, &met, pc, 6, NULL, 0));
        ck_assert_double_eq_tol(r.valid_score,
                                metric == WSL_END_METRIC_LOG_LOSS  ? met.log_loss
                                : metric == WSL_END_METRIC_ACCURACY ? met.accuracy
                                                                    : pc[5],
                                1e-12);
        /* The reported loss and gradient are those of the kept weights. */
        ck_assert_double_eq_tol(r.grad_norm, grad_norm_at(m, X, p.probs, 0), 1e-12);
        ck_assert_int_eq(r.converged, r.grad_norm <= o.tol);
        wsl_end_model_free(m);
    }
    /* With l2 = 0 and flipped labels the fit overfits: log loss stops it early. */
    o.valid_metric = WSL_END_METRIC_LOG_LOSS;
    o.patience = 1;
    m = fit(X, &p, &o);
    WSL_ASSERT_OK(wsl_end_model_report(m, &r));
    ck_assert_int_eq(r.stopped_early, 1);
    ck_assert_int_eq(r.converged, 0);
    wsl_end_model_free(m);
    wsl_features_free(X);
    wsl_features_free(V);
    free_problem(&p);
    free_problem(&v);
}
END_TEST

/* ---------------------------------------------------------------- options and errors */

static const char *const end_bad_fields[] = {
    "opts->version", "opts->l2",          "opts->l2",          "opts->max_iter",
    "opts->tol",     "opts->tol",         "opts->memory",      "opts->memory",
    "opts->keep_uncovered", "opts->covered", "opts->weights", "opts->weights[1]",
    "opts->valid_metric", "opts->valid_metric", "opts->valid_gold", "opts->valid_X",
    "opts->patience", "opts->valid_gold",
};

START_TEST(test_end_options)
{
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    const double w[] = {1, -1};
    const int32_t unknown[] = {-1, -1};
    wsl_features *V = NULL;
    const double one[] = {1, 1};
    int32_t k = 2;
    WSL_ASSERT_OK(wsl_features_from_dense(&V, one, 2, 1, 1, NULL));
    switch (_i) {
    case 0: o.version = 2; break;
    case 1: o.l2 = -1; break;
    case 2: o.l2 = NAN; break;
    case 3: o.max_iter = 0; break;
    case 4: o.tol = 0; break;
    case 5: o.tol = INFINITY; break;
    case 6: o.memory = 0; break;
    case 7: o.memory = 101; break;
    case 8: o.keep_uncovered = 2; break;
    case 9: o.covered_len = 3; break;
    case 10: o.weights_len = 2; break;
    case 11: o.weights = w; o.weights_len = 2; break;
    case 12: o.valid_metric = (wsl_end_metric)9; break;
    case 13: o.valid_metric = WSL_END_METRIC_F1; k = 3; break;
    case 14: o.valid_X = V; break;
    case 15: o.valid_gold = unknown; o.valid_gold_len = 2; break;
    case 16: o.patience = 0; break;
    default: o.valid_X = V; o.valid_gold = unknown; o.valid_gold_len = 2; break;
    }
    WSL_ASSERT_STATUS(wsl_end_options_validate(&o, k), WSL_EINVAL);
    ck_assert_msg(strstr(wsl_last_error(), end_bad_fields[_i]) != NULL, "'%s' not named in '%s'",
                  end_bad_fields[_i], wsl_last_error());
    wsl_features_free(V);
}
END_TEST

START_TEST(test_fit_errors)
{
    problem p = make_problem(20, 6, 2, 3, 41);
    wsl_features *X = sparse_of(&p), *W = NULL;
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    wsl_end_model *m = NULL;
    uint8_t none[20] = {0};
    const int32_t bad_gold[] = {0, 5}, gold2[] = {0, 1};
    double *probs = malloc(p.n * 2 * sizeof *probs);
    const double two[] = {1, 2};
    WSL_ASSERT_STATUS(wsl_end_model_create(NULL, 2, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_create(&m, 1, NULL), WSL_EINVAL);
    ck_assert_ptr_null(m);
    WSL_ASSERT_STATUS(wsl_end_model_create(&m, WSL_MAX_CARDINALITY + 1, NULL), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_end_model_create(&m, 2, NULL));
    WSL_ASSERT_STATUS(wsl_end_options_init(NULL), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_end_options_validate(NULL, 2));
    WSL_ASSERT_STATUS(wsl_end_model_fit(NULL, X, p.probs, 40, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, NULL, p.probs, 40, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, NULL, 40, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, p.probs, 39, NULL), WSL_EDIM);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "probs_len is 39"));
    /* Probability rows must be distributions. */
    memcpy(probs, p.probs, p.n * 2 * sizeof *probs);
    probs[7] += 0.01;
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, probs, 40, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "row 3 sums to"));
    probs[7] = NAN;
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, probs, 40, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "probs[3][1]"));
    /* Lengths of the options' arrays. */
    o.covered = none;
    o.covered_len = 19;
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, p.probs, 40, &o), WSL_EDIM);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "covered_len"));
    o.covered_len = 20; /* every row uncovered: nothing to train on */
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, p.probs, 40, &o), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "no row to train on"));
    o.keep_uncovered = 1;
    WSL_ASSERT_OK(wsl_end_model_fit(m, X, p.probs, 40, &o));
    o = (wsl_end_options)WSL_END_OPTIONS_INIT;
    o.weights = p.vals; /* 20+ values */
    o.weights_len = 21;
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, p.probs, 40, &o), WSL_EDIM);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "weights_len"));
    /* Validation split of the wrong shape, or with labels outside the classes. */
    o = (wsl_end_options)WSL_END_OPTIONS_INIT;
    WSL_ASSERT_OK(wsl_features_from_dense(&W, two, 2, 1, 1, NULL));
    o.valid_X = W;
    o.valid_gold = gold2;
    o.valid_gold_len = 2;
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, p.probs, 40, &o), WSL_EDIM);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "valid_X has 1 columns"));
    o.valid_gold_len = 1;
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, p.probs, 40, &o), WSL_EDIM);
    o.valid_gold = bad_gold;
    o.valid_gold_len = 2;
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, p.probs, 40, &o), WSL_ERANGE);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "valid_gold[1]"));
    ck_assert_int_eq(wsl_end_model_is_fitted(m), 0); /* a failed fit leaves it unfitted */
    wsl_features_free(W);
    W = NULL;
    /* More weights than an end model may have. */
    {
        const size_t rp[] = {0, 1}, c[] = {0};
        const double val[] = {1}, pr[] = {0.5, 0.5};
        WSL_ASSERT_OK(wsl_features_from_csr(&W, 1, WSL_END_MAX_WEIGHTS, rp, c, val, NULL));
        WSL_ASSERT_STATUS(wsl_end_model_fit(m, W, pr, 2, NULL), WSL_EDIM);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "exceed"));
        wsl_features_free(W);
    }
    free(probs);
    wsl_end_model_free(m);
    wsl_end_model_free(NULL);
    ck_assert_int_eq(wsl_end_model_cardinality(NULL), 0);
    ck_assert_uint_eq(wsl_end_model_n_features(NULL), 0);
    ck_assert_int_eq(wsl_end_model_is_fitted(NULL), 0);
    wsl_features_free(X);
    free_problem(&p);
}
END_TEST

static int stop_at_3(int it, double loss, double gnorm, void *payload)
{
    (void)loss;
    (void)gnorm;
    (void)payload;
    return it == 3;
}

START_TEST(test_callback_stops)
{
    problem p = make_problem(50, 10, 2, 3, 51);
    wsl_features *X = sparse_of(&p);
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    wsl_end_model *m = NULL;
    o.iter_fn = stop_at_3;
    o.tol = 1e-12;
    WSL_ASSERT_OK(wsl_end_model_create(&m, 2, NULL));
    WSL_ASSERT_STATUS(wsl_end_model_fit(m, X, p.probs, 100, &o), WSL_ECALLBACK);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "iteration 3"));
    ck_assert_int_eq(wsl_end_model_is_fitted(m), 0);
    /* max_iter runs out: still a model, not converged. */
    o.iter_fn = NULL;
    o.max_iter = 2;
    WSL_ASSERT_OK(wsl_end_model_fit(m, X, p.probs, 100, &o));
    {
        wsl_end_report r;
        WSL_ASSERT_OK(wsl_end_model_report(m, &r));
        ck_assert_int_eq(r.iterations, 2);
        ck_assert_int_eq(r.converged, 0);
    }
    wsl_end_model_free(m);
    wsl_features_free(X);
    free_problem(&p);
}
END_TEST

START_TEST(test_predict_errors)
{
    problem p = make_problem(30, 8, 2, 3, 61);
    wsl_features *X = sparse_of(&p), *Y = NULL;
    wsl_end_model *m = NULL;
    wsl_end_report r;
    wsl_metrics met;
    double probs[60], W[18];
    int32_t labels[30];
    const char *texts[] = {"a"};
    const double one[] = {1};
    WSL_ASSERT_OK(wsl_end_model_create(&m, 2, NULL));
    /* Unfitted. */
    WSL_ASSERT_STATUS(wsl_end_model_predict_proba(m, X, probs, 60), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_end_model_predict(m, X, WSL_TIE_LOWEST, 0, labels, 30), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_end_model_predict_text(m, texts, 1, probs, 60), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_end_model_evaluate(m, X, p.gold, 30, &met, NULL, 0, NULL, 0),
                      WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_end_model_report(m, &r), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_end_model_weights(m, W, 18, NULL, 0), WSL_ESTATE);
    WSL_ASSERT_OK(wsl_end_model_fit(m, X, p.probs, 60, NULL));
    /* NULL arguments. */
    WSL_ASSERT_STATUS(wsl_end_model_predict_proba(NULL, X, probs, 60), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_predict_proba(m, NULL, probs, 60), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_predict_proba(m, X, NULL, 60), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_predict(NULL, X, WSL_TIE_LOWEST, 0, labels, 30), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_predict(m, NULL, WSL_TIE_LOWEST, 0, labels, 30), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_predict(m, X, WSL_TIE_LOWEST, 0, NULL, 30), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_predict(m, X, (wsl_tie_policy)7, 0, labels, 30), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_predict_text(NULL, texts, 1, probs, 60), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_predict_text(m, NULL, 1, probs, 60), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_predict_text(m, texts, 1, NULL, 60), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_evaluate(NULL, X, p.gold, 30, &met, NULL, 0, NULL, 0),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_evaluate(m, NULL, p.gold, 30, &met, NULL, 0, NULL, 0),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_evaluate(m, X, p.gold, 30, NULL, NULL, 0, NULL, 0),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_report(NULL, &r), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_report(m, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_weights(NULL, W, 18, NULL, 0), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_weights(m, NULL, 18, NULL, 0), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_weights(m, W, 18, NULL, 2), WSL_EINVAL);
    /* Buffers. */
    WSL_ASSERT_STATUS(wsl_end_model_predict_proba(m, X, probs, 59), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_end_model_predict(m, X, WSL_TIE_LOWEST, 0, labels, 29), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_end_model_weights(m, W, 15, NULL, 0), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_end_model_weights(m, NULL, 0, W, 1), WSL_EBUFS);
    WSL_ASSERT_OK(wsl_end_model_weights(m, W, 16, W + 16, 2));
    /* Dimensions. */
    WSL_ASSERT_OK(wsl_features_from_dense(&Y, one, 1, 1, 1, NULL));
    WSL_ASSERT_STATUS(wsl_end_model_predict_proba(m, Y, probs, 60), WSL_EDIM);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "X has 1 columns, the model was fitted with 8"));
    WSL_ASSERT_STATUS(wsl_end_model_predict(m, Y, WSL_TIE_LOWEST, 0, labels, 30), WSL_EDIM);
    WSL_ASSERT_STATUS(wsl_end_model_evaluate(m, X, p.gold, 29, &met, NULL, 0, NULL, 0),
                      WSL_EDIM);
    p.gold[3] = 2; /* k = 2 */
    WSL_ASSERT_STATUS(wsl_end_model_evaluate(m, X, p.gold, 30, &met, NULL, 0, NULL, 0),
                      WSL_ERANGE);
    p.gold[3] = 0;
    /* A fitted model without a featurizer cannot read text. */
    WSL_ASSERT_STATUS(wsl_end_model_predict_text(m, texts, 1, probs, 60), WSL_ESTATE);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "no featurizer"));
    /* Labels agree with the probabilities. */
    WSL_ASSERT_OK(wsl_end_model_predict_proba(m, X, probs, 60));
    WSL_ASSERT_OK(wsl_end_model_predict(m, X, WSL_TIE_LOWEST, 0, labels, 30));
    for (size_t i = 0; i < 30; i++)
        ck_assert_int_eq(labels[i], probs[2 * i + 1] > probs[2 * i] ? 1 : 0);
    wsl_features_free(Y);
    wsl_end_model_free(m);
    wsl_features_free(X);
    free_problem(&p);
}
END_TEST

/* ---------------------------------------------------------------- text models */

static const char *const spam_texts[] = {
    "check out my channel", "subscribe to my channel please", "great song love it",
    "love this song", "free money click here", "i love the video", "visit my page http",
    "nice song", "please subscribe and like", "beautiful voice",
};

START_TEST(test_text_model_and_featurizer)
{
    const size_t n = 10;
    double probs[20], out[20], out2[20];
    wsl_featurizer_options fo = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_featurizer *fz = NULL, *other = NULL;
    wsl_features *X = NULL;
    wsl_end_model *m = NULL;
    const char **many = malloc(5000 * sizeof *many);
    double *pm = malloc(5000 * 2 * sizeof *pm);
    for (size_t i = 0; i < n; i++) {
        int spam = i == 0 || i == 1 || i == 4 || i == 6 || i == 8;
        probs[2 * i] = spam ? 0.1 : 0.9;
        probs[2 * i + 1] = 1 - probs[2 * i];
    }
    fo.tfidf = 1;
    fo.hash_bits = 12;
    WSL_ASSERT_OK(wsl_featurizer_create(&fz, &fo, NULL));
    WSL_ASSERT_OK(wsl_end_model_create(&m, 2, NULL));
    /* A TF-IDF featurizer must be fitted before it is attached. */
    WSL_ASSERT_STATUS(wsl_end_model_set_featurizer(m, fz), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_end_model_set_featurizer(NULL, fz), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_featurizer_fit(fz, spam_texts, n));
    WSL_ASSERT_OK(wsl_end_model_set_featurizer(m, fz));
    ck_assert_ptr_nonnull(wsl_end_model_featurizer(m));
    ck_assert_ptr_ne(wsl_end_model_featurizer(m), fz); /* a copy */
    WSL_ASSERT_OK(wsl_featurizer_transform(fz, spam_texts, n, &X));
    WSL_ASSERT_OK(wsl_end_model_fit(m, X, probs, 20, NULL));
    wsl_featurizer_free(fz); /* the model keeps its own */
    WSL_ASSERT_OK(wsl_end_model_predict_proba(m, X, out, 20));
    WSL_ASSERT_OK(wsl_end_model_predict_text(m, spam_texts, n, out2, 20));
    ck_assert_int_eq(memcmp(out, out2, sizeof out), 0);
    WSL_ASSERT_STATUS(wsl_end_model_predict_text(m, spam_texts, n, out2, 19), WSL_EBUFS);
    {
        const char *with_null[] = {"a", NULL};
        WSL_ASSERT_STATUS(wsl_end_model_predict_text(m, with_null, 2, out2, 20), WSL_EINVAL);
    }
    /* More texts than one block (4096). */
    for (size_t i = 0; i < 5000; i++)
        many[i] = spam_texts[i % n];
    WSL_ASSERT_OK(wsl_end_model_predict_text(m, many, 5000, pm, 10000));
    ck_assert_int_eq(memcmp(pm + 2 * 4990, out, sizeof out), 0);
    /* A featurizer of another width does not fit the model; the model is unchanged. */
    fo.hash_bits = 10;
    fo.tfidf = 0;
    WSL_ASSERT_OK(wsl_featurizer_create(&other, &fo, NULL));
    WSL_ASSERT_STATUS(wsl_end_model_set_featurizer(m, other), WSL_EDIM);
    ck_assert_ptr_nonnull(wsl_end_model_featurizer(m));
    /* Nor may X when a featurizer is attached. */
    {
        wsl_features *Z = NULL;
        WSL_ASSERT_OK(wsl_featurizer_transform(other, spam_texts, n, &Z));
        WSL_ASSERT_STATUS(wsl_end_model_fit(m, Z, probs, 20, NULL), WSL_EDIM);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "featurizer makes 4096 columns"));
        wsl_features_free(Z);
    }
    /* NULL removes it. */
    WSL_ASSERT_OK(wsl_end_model_set_featurizer(m, NULL));
    ck_assert_ptr_null(wsl_end_model_featurizer(m));
    ck_assert_ptr_null(wsl_end_model_featurizer(NULL));
    wsl_featurizer_free(other);
    wsl_end_model_free(m);
    wsl_features_free(X);
    free(many);
    free(pm);
}
END_TEST

/* ---------------------------------------------------------------- save and load */

static wsl_end_model *text_model(int tfidf)
{
    double probs[20];
    wsl_featurizer_options fo = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_featurizer *fz = NULL;
    wsl_features *X = NULL;
    wsl_end_model *m = NULL;
    for (size_t i = 0; i < 10; i++) {
        probs[2 * i] = (double)i / 10;
        probs[2 * i + 1] = 1 - probs[2 * i];
    }
    fo.tfidf = tfidf;
    fo.sublinear_tf = tfidf;
    WSL_ASSERT_OK(wsl_featurizer_create(&fz, &fo, NULL));
    WSL_ASSERT_OK(wsl_featurizer_fit(fz, spam_texts, 10));
    WSL_ASSERT_OK(wsl_featurizer_transform(fz, spam_texts, 10, &X));
    WSL_ASSERT_OK(wsl_end_model_create(&m, 2, NULL));
    WSL_ASSERT_OK(wsl_end_model_set_featurizer(m, fz));
    WSL_ASSERT_OK(wsl_end_model_fit(m, X, probs, 20, NULL));
    wsl_featurizer_free(fz);
    wsl_features_free(X);
    return m;
}

START_TEST(test_save_load_bits)
{
    for (int variant = 0; variant < 3; variant++) {
        wsl_end_model *m, *r = NULL;
        wsl_buf buf = WSL_BUF_INIT;
        wsl_end_report a, b;
        const char *more[] = {"unseen words here", "check out my song", ""};
        double p1[6], p2[6];
        problem p = make_problem(40, 5, 3, 3, 71);
        wsl_features *X = NULL;
        if (variant < 2) {
            m = text_model(variant);
        } else { /* dense features, 3 classes, a validation score in the report */
            wsl_end_options o = WSL_END_OPTIONS_INIT;
            X = dense_of(&p);
            o.valid_X = X;
            o.valid_gold = p.gold;
            o.valid_gold_len = p.n;
            m = fit(X, &p, &o);
        }
        WSL_ASSERT_OK(wsl_end_model_save_buf(m, &buf));
        ck_assert_ptr_nonnull(strstr(buf.ptr, "\"wsl.end_model\""));
        WSL_ASSERT_OK(wsl_end_model_load_buf(&r, buf.ptr, buf.size, NULL));
        if (variant < 2) {
            WSL_ASSERT_OK(wsl_end_model_predict_text(m, more, 3, p1, 6));
            WSL_ASSERT_OK(wsl_end_model_predict_text(r, more, 3, p2, 6));
            ck_assert_int_eq(memcmp(p1, p2, sizeof p1), 0);
        } else {
            double *q1 = malloc(p.n * 3 * sizeof *q1), *q2 = malloc(p.n * 3 * sizeof *q2);
            ck_assert_ptr_null(wsl_end_model_featurizer(r));
            WSL_ASSERT_OK(wsl_end_model_predict_proba(m, X, q1, p.n * 3));
            WSL_ASSERT_OK(wsl_end_model_predict_proba(r, X, q2, p.n * 3));
            ck_assert_int_eq(memcmp(q1, q2, p.n * 3 * sizeof *q1), 0);
            free(q1);
            free(q2);
        }
        {
            double *w1 = weights_of(m), *w2 = weights_of(r);
            size_t len = wsl_end_model_n_features(m) * (size_t)m->k + (size_t)m->k;
            ck_assert_int_eq(memcmp(w1, w2, len * sizeof *w1), 0);
            free(w1);
            free(w2);
        }
        WSL_ASSERT_OK(wsl_end_model_report(m, &a));
        WSL_ASSERT_OK(wsl_end_model_report(r, &b));
        ck_assert_int_eq(a.iterations, b.iterations);
        ck_assert_int_eq(a.evaluations, b.evaluations);
        ck_assert_int_eq(a.converged, b.converged);
        ck_assert_uint_eq(a.n_rows, b.n_rows);
        ck_assert(a.loss == b.loss && a.grad_norm == b.grad_norm);
        ck_assert(variant < 2 ? isnan(b.valid_score) : a.valid_score == b.valid_score);
        wsl_buf_dispose(&buf);
        wsl_end_model_free(r);
        wsl_end_model_free(m);
        wsl_features_free(X);
        free_problem(&p);
    }
}
END_TEST

START_TEST(test_save_load_file)
{
    wsl_end_model *m = text_model(1), *r = NULL, *u = NULL;
    char dir[] = "/tmp/wslendXXXXXX", path[256];
    wsl_buf buf = WSL_BUF_INIT;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/end.json", dir);
    WSL_ASSERT_OK(wsl_end_model_save(m, path));
    WSL_ASSERT_OK(wsl_end_model_load(&r, path, NULL));
    ck_assert_int_eq(wsl_end_model_is_fitted(r), 1);
    ck_assert_ptr_nonnull(wsl_end_model_featurizer(r));
    ck_assert_int_eq(wsl_featurizer_is_fitted(wsl_end_model_featurizer(r)), 1);
    wsl_end_model_free(r);
    r = NULL;
    WSL_ASSERT_STATUS(wsl_end_model_load(&u, "/nonexistent/end.json", NULL), WSL_EIO);
    WSL_ASSERT_STATUS(wsl_end_model_save(m, "/nonexistent/dir/end.json"), WSL_EIO);
    /* A malformed file: the message names it. */
    {
        FILE *f = fopen(path, "w");
        fputs("{\"format\": \"wsl.end_model\", \"format_version\": 1}", f);
        fclose(f);
        WSL_ASSERT_STATUS(wsl_end_model_load(&u, path, NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), path));
        ck_assert_ptr_null(u);
    }
    /* Unfitted models and NULL arguments. */
    WSL_ASSERT_OK(wsl_end_model_create(&u, 2, NULL));
    WSL_ASSERT_STATUS(wsl_end_model_save_buf(u, &buf), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_end_model_save(u, path), WSL_ESTATE);
    WSL_ASSERT_STATUS(wsl_end_model_save_buf(NULL, &buf), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_save_buf(m, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_save(NULL, path), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_save(m, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_load(NULL, path, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_load(&r, NULL, NULL), WSL_EINVAL);
    ck_assert_ptr_null(r);
    WSL_ASSERT_STATUS(wsl_end_model_load_buf(NULL, "{}", 2, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_end_model_load_buf(&r, NULL, 2, NULL), WSL_EINVAL);
    wsl_end_model_free(u);
    wsl_end_model_free(m);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* Corrupt documents: each edit of a valid document must be refused with WSL_EFORMAT. */
static const struct {
    const char *from, *to;
} corruptions[] = {
    {"\"wsl.end_model\"", "\"wsl.label_model\""},
    {"\"format_version\":\t1", "\"format_version\": 2"},
    {"\"k\":\t2", "\"k\": 1"},
    {"\"k\":\t2", "\"k\": 2.5"},
    {"\"d\":\t4096", "\"d\": 0"},
    {"\"d\":\t4096", "\"d\": 1e12"},
    {"\"d\":\t4096", "\"d\": 268435456"},
    {"\"d\":\t4096", "\"d\": 4095"},
    {"\"l2\":\t\"", "\"l2\": \"-"},
    {"\"bias\":\t[\"", "\"bias\": [\"x"},
    {"\"bias\":\t[\"", "\"bias\": [\"nan\", \""},
    {"\"rows\":\t[", "\"rows\": [4096, "},
    {"\"rows\":\t[", "\"rows\": [-1, "},
    {"\"values\":\t[\"", "\"values\": [\"inf\", \""},
    {"\"values\":\t[", "\"values\": [\"1\", "},
    {"\"hash\":\t\"fnv1a64-fmix-chain-1\"", "\"hash\": \"md5\""},
    {"\"hash_bits\":\t12", "\"hash_bits\": 13"},
    {"\"hash_bits\":\t12", "\"hash_bits\": 40"},
    {"\"ngram_max\":\t2", "\"ngram_max\": 9"},
    {"\"tfidf\":\ttrue", "\"tfidf\": 1"},
    {"\"fitted\":\ttrue", "\"fitted\": false"},
    {"\"n_docs\":\t10", "\"n_docs\": 1"},
    {"\"n_docs\":\t10", "\"n_docs\": -10"},
    {"\"counts\":\t[", "\"counts\": [0, "},
    {"\"cols\":\t[", "\"cols\": [5000, "},
    {"\"iterations\":\t", "\"iterations\": -"},
    {"\"n_rows\":\t10", "\"n_rows\": 1e300"},
    {"\"converged\":\t", "\"converged\": 7, \"x\": "},
    {"\"report\":\t{", "\"report\": 5, \"old\": {"},
    {"{", "["},
};

static char *replace_once(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    char *out;
    ck_assert_msg(at != NULL, "'%s' not in the document", from);
    out = malloc(strlen(s) + strlen(to) + 1);
    memcpy(out, s, (size_t)(at - s));
    strcpy(out + (at - s), to);
    strcat(out, at + strlen(from));
    return out;
}

START_TEST(test_load_corrupt)
{
    wsl_end_model *m = NULL, *r = (wsl_end_model *)1;
    wsl_buf buf = WSL_BUF_INIT;
    wsl_featurizer_options fo = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_featurizer *fz = NULL;
    wsl_features *X = NULL;
    double probs[20];
    char *doc;
    for (size_t i = 0; i < 10; i++) {
        probs[2 * i] = i < 5 ? 0.8 : 0.3;
        probs[2 * i + 1] = 1 - probs[2 * i];
    }
    fo.hash_bits = 12;
    fo.tfidf = 1;
    WSL_ASSERT_OK(wsl_featurizer_create(&fz, &fo, NULL));
    WSL_ASSERT_OK(wsl_featurizer_fit(fz, spam_texts, 10));
    WSL_ASSERT_OK(wsl_featurizer_transform(fz, spam_texts, 10, &X));
    WSL_ASSERT_OK(wsl_end_model_create(&m, 2, NULL));
    WSL_ASSERT_OK(wsl_end_model_set_featurizer(m, fz));
    WSL_ASSERT_OK(wsl_end_model_fit(m, X, probs, 20, NULL));
    WSL_ASSERT_OK(wsl_end_model_save_buf(m, &buf));
    doc = replace_once(buf.ptr, corruptions[_i].from, corruptions[_i].to);
    WSL_ASSERT_STATUS(wsl_end_model_load_buf(&r, doc, strlen(doc), NULL), WSL_EFORMAT);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "wsl_end_model_load"));
    free(doc);
    wsl_buf_dispose(&buf);
    wsl_end_model_free(m);
    wsl_features_free(X);
    wsl_featurizer_free(fz);
}
END_TEST

START_TEST(test_load_not_json)
{
    wsl_end_model *r = NULL;
    WSL_ASSERT_STATUS(wsl_end_model_load_buf(&r, "{\"format\": ", 11, NULL), WSL_EFORMAT);
    WSL_ASSERT_STATUS(wsl_end_model_load_buf(&r, "", 0, NULL), WSL_EFORMAT);
    ck_assert_ptr_null(r);
}
END_TEST

/* An allocator that records its largest request. */
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

#define DOC_HEAD "{\"format\": \"wsl.end_model\", \"format_version\": 1, "
#define DOC_REPORT                                                                             \
    "\"report\": {\"iterations\": 1, \"evaluations\": 1, \"converged\": true, "                 \
    "\"stopped_early\": false, \"best_iteration\": 1, \"n_rows\": 2, \"n_uncovered\": 0, "     \
    "\"loss\": \"0.5\", \"grad_norm\": \"0\"}}"

/*
 * Documents of a few hundred bytes claiming a huge model. The weights were allocated as the
 * claimed d x k before the arrays were looked at (d = 2^27 columns, k = 2: 2 GiB; a TF-IDF
 * featurizer of 2^24 columns: 192 MB of frequencies). Now the lengths are checked first and only
 * the rows the document lists are kept: nothing near the claimed size is asked for, and the
 * models that load predict like the dense ones.
 */
START_TEST(test_load_hostile_sizes)
{
    static const struct {
        const char *doc;
        wsl_status st;
        const char *msg;
    } cases[] = {
        {DOC_HEAD "\"k\": 2, \"d\": 134217728, \"l2\": \"0\", \"bias\": [\"0.5\", \"-0.5\"], "
                  "\"weights\": {\"rows\": [7, 134217727], \"values\": [1, 2, \"3\", 4]}, "
                  DOC_REPORT,
         WSL_OK, NULL},
        {DOC_HEAD "\"k\": 1000000, \"d\": 1, \"l2\": 0, \"bias\": [1, 2], "
                  "\"weights\": {\"rows\": [], \"values\": []}, " DOC_REPORT,
         WSL_EFORMAT, "\"bias\" is missing or does not hold k values"},
        {DOC_HEAD "\"k\": 2, \"d\": 134217728, \"l2\": 0, \"bias\": [1, 2], "
                  "\"weights\": {\"rows\": [1, 2, 3], \"values\": [1, 2]}, " DOC_REPORT,
         WSL_EFORMAT, "\"weights.values\" must hold k values per listed row"},
        {DOC_HEAD "\"k\": 2, \"d\": 16777216, \"l2\": 0, \"bias\": [1, 2], "
                  "\"weights\": {\"rows\": [5], \"values\": [1, 2]}, \"featurizer\": {\"hash\": "
                  "\"fnv1a64-fmix-chain-1\", \"hash_bits\": 24, \"ngram_max\": 2, \"lowercase\": "
                  "true, \"tfidf\": true, \"sublinear_tf\": false, \"normalize\": true, "
                  "\"fitted\": true, \"n_docs\": 3, \"df\": {\"cols\": [5, 9], "
                  "\"counts\": [1, 3]}}, " DOC_REPORT,
         WSL_OK, NULL},
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        big_alloc b = {0};
        wsl_allocator a = {ba_malloc, ba_realloc, ba_free, &b};
        wsl_end_model *r = NULL, *r2 = NULL;
        wsl_buf buf = WSL_BUF_INIT, buf2 = WSL_BUF_INIT;
        WSL_ASSERT_STATUS(wsl_end_model_load_buf(&r, cases[t].doc, strlen(cases[t].doc), &a),
                          cases[t].st);
        ck_assert_msg(b.largest < 1 << 16, "case %zu: %zu bytes asked for", t, b.largest);
        if (cases[t].st != WSL_OK) {
            ck_assert_ptr_null(r);
            ck_assert_ptr_nonnull(strstr(wsl_last_error(), cases[t].msg));
            continue;
        }
        ck_assert_ptr_nonnull(r->rows);
        if (!wsl_end_model_featurizer(r)) {
            /* Column 7 weighs (1, 2), the last (3, 4), every other 0. */
            const size_t rp[] = {0, 2, 3, 3}, cols[] = {7, 134217727, 8};
            const double vals[] = {1, 1, 5};
            double p[6], z[2];
            wsl_features *X = NULL;
            ck_assert_uint_eq(wsl_end_model_n_features(r), 134217728);
            WSL_ASSERT_OK(wsl_features_from_csr(&X, 3, 134217728, rp, cols, vals, NULL));
            WSL_ASSERT_OK(wsl_end_model_predict_proba(r, X, p, 6));
            z[0] = 0.5 + 1 + 3;
            z[1] = -0.5 + 2 + 4;
            wsl__softmax_inplace(z, 2);
            ck_assert(p[0] == z[0] && p[1] == z[1]);
            z[0] = 0.5;
            z[1] = -0.5;
            wsl__softmax_inplace(z, 2);
            ck_assert(p[2] == z[0] && p[3] == z[1] && p[4] == z[0] && p[5] == z[1]);
            wsl_features_free(X);
        } else {
            const char *texts[] = {"hello world", ""};
            double p[4];
            WSL_ASSERT_OK(wsl_end_model_predict_text(r, texts, 2, p, 4));
            for (size_t i = 0; i < 4; i++)
                ck_assert(isfinite(p[i]) && p[i] > 0 && p[i] < 1);
            ck_assert_ptr_nonnull(wsl_end_model_featurizer(r)->df_cols);
        }
        /* The listed rows save as they loaded, and load again the same. */
        b.largest = 0;
        WSL_ASSERT_OK(wsl_end_model_save_buf(r, &buf));
        WSL_ASSERT_OK(wsl_end_model_load_buf(&r2, buf.ptr, buf.size, &a));
        WSL_ASSERT_OK(wsl_end_model_save_buf(r2, &buf2));
        ck_assert_str_eq(buf.ptr, buf2.ptr);
        ck_assert_uint_lt(b.largest, 1 << 16);
        wsl_buf_dispose(&buf);
        wsl_buf_dispose(&buf2);
        wsl_end_model_free(r2);
        wsl_end_model_free(r);
    }
}
END_TEST

/* A text model loads with only its non-zero rows and frequencies (hashed text touches a few of
 * the 2^18 columns) and predicts the same bits as the model it was saved from, on sparse and
 * dense features and on text; its weights read back whole. */
START_TEST(test_load_listed_rows_bits)
{
    for (int tfidf = 0; tfidf < 2; tfidf++) {
        wsl_end_model *m = text_model(tfidf), *r = NULL;
        wsl_buf buf = WSL_BUF_INIT;
        wsl_features *X = NULL, *D = NULL;
        const size_t d = wsl_end_model_n_features(m);
        double *dense = calloc(3 * d, sizeof *dense), p1[6], p2[6];
        double *w1 = NULL, *w2 = NULL;
        const char *texts[] = {"love this song", "free money unseen words", "zzz"};
        WSL_ASSERT_OK(wsl_end_model_save_buf(m, &buf));
        WSL_ASSERT_OK(wsl_end_model_load_buf(&r, buf.ptr, buf.size, NULL));
        ck_assert_ptr_nonnull(r->rows);
        ck_assert_uint_lt(r->n_listed, d / 2);
        ck_assert(tfidf == (wsl_end_model_featurizer(r)->df_cols != NULL));
        WSL_ASSERT_OK(wsl_featurizer_transform(wsl_end_model_featurizer(m), texts, 3, &X));
        WSL_ASSERT_OK(wsl_end_model_predict_proba(m, X, p1, 6));
        WSL_ASSERT_OK(wsl_end_model_predict_proba(r, X, p2, 6));
        ck_assert_int_eq(memcmp(p1, p2, sizeof p1), 0);
        WSL_ASSERT_OK(wsl_end_model_predict_text(r, texts, 3, p2, 6));
        ck_assert_int_eq(memcmp(p1, p2, sizeof p1), 0);
        for (size_t i = 0; i < 3; i++)
            for (size_t t = X->row_ptr[i]; t < X->row_ptr[i + 1]; t++)
                dense[i * d + X->cols[t]] = X->vals[t];
        WSL_ASSERT_OK(wsl_features_from_dense(&D, dense, 3, d, d, NULL));
        WSL_ASSERT_OK(wsl_end_model_predict_proba(m, D, p1, 6));
        WSL_ASSERT_OK(wsl_end_model_predict_proba(r, D, p2, 6));
        ck_assert_int_eq(memcmp(p1, p2, sizeof p1), 0);
        w1 = weights_of(m);
        w2 = weights_of(r);
        ck_assert_int_eq(memcmp(w1, w2, (d * 2 + 2) * sizeof *w1), 0);
        /* A refit of the loaded model stores every row again. */
        {
            double probs[6] = {0.9, 0.1, 0.2, 0.8, 0.5, 0.5};
            WSL_ASSERT_OK(wsl_end_model_fit(r, X, probs, 6, NULL));
            ck_assert_ptr_null(r->rows);
            WSL_ASSERT_OK(wsl_end_model_predict_proba(r, X, p2, 6));
        }
        free(w1);
        free(w2);
        free(dense);
        wsl_features_free(X);
        wsl_features_free(D);
        wsl_buf_dispose(&buf);
        wsl_end_model_free(r);
        wsl_end_model_free(m);
    }
}
END_TEST

/* Fuzz finding (fuzz_end_model_json): weights near DBL_MAX load (they are finite), but their
 * sums overflow: scores of +inf and inf - inf made NaN probabilities, which predict_proba
 * promises never to return. Overflowed classes now share the row. */
START_TEST(test_fuzz_overflowing_scores)
{
    static const char doc[] =
        DOC_HEAD "\"k\": 3, \"d\": 2, \"l2\": 0, \"bias\": [\"1e308\", \"-1e308\", \"0\"], "
                 "\"weights\": {\"rows\": [0, 1], \"values\": [\"1e308\", \"-1e308\", 0, "
                 "\"-1e308\", \"1e308\", \"1e308\"]}, " DOC_REPORT;
    /* row 0: (2e308, -2e308, 0) = (+inf, -inf, 0); row 1: (1e308 - 1e308, -1e308 + 1e308,
     * 1e308): finite; row 2: (inf - inf, -inf + inf, inf) = (NaN, NaN, +inf); row 3: nothing */
    const size_t rp[] = {0, 1, 2, 4, 4}, cols[] = {0, 1, 0, 1};
    const double vals[] = {1, 1, 1e10, 1e10}, dense[] = {1, 0, 0, 1, 1e10, 1e10, 0, 0};
    wsl_end_model *m = NULL;
    wsl_features *X = NULL, *D = NULL;
    double p[12], q[12];
    int32_t labels[4];
    WSL_ASSERT_OK(wsl_end_model_load_buf(&m, doc, strlen(doc), NULL));
    WSL_ASSERT_OK(wsl_features_from_csr(&X, 4, 2, rp, cols, vals, NULL));
    WSL_ASSERT_OK(wsl_features_from_dense(&D, dense, 4, 2, 2, NULL));
    WSL_ASSERT_OK(wsl_end_model_predict_proba(m, X, p, 12));
    WSL_ASSERT_OK(wsl_end_model_predict_proba(m, D, q, 12));
    for (size_t t = 0; t < 12; t++)
        ck_assert(isfinite(p[t]) && isfinite(q[t]));
    ck_assert(p[0] == 1 && p[1] == 0 && p[2] == 0);
    ck_assert(p[3] == 0 && p[4] == 0 && p[5] == 1); /* (0, 0, 1e308): an ordinary softmax */
    ck_assert(p[6] == 1.0 / 3 && p[7] == 1.0 / 3 && p[8] == 1.0 / 3);
    ck_assert(p[9] == 1 && p[10] == 0 && p[11] == 0); /* the bias alone: (1e308, -1e308, 0) */
    /* BLAS may meet the infinities in another order (row 2 there: (NaN, -inf, +inf)); every
     * dense row is a distribution too. */
    for (size_t i = 0; i < 4; i++)
        ck_assert(q[3 * i] + q[3 * i + 1] + q[3 * i + 2] == 1);
    ck_assert_int_eq(memcmp(p, q, 6 * sizeof *p), 0);
    WSL_ASSERT_OK(wsl_end_model_predict(m, X, WSL_TIE_LOWEST, 0, labels, 4));
    ck_assert(labels[0] == 0 && labels[1] == 2 && labels[2] == 0 && labels[3] == 0);
    wsl_features_free(X);
    wsl_features_free(D);
    wsl_end_model_free(m);
}
END_TEST

/* ---------------------------------------------------------------- OOM */

/* Featurize, fit (compacted sparse with validation, then dense), predict, save, load (bytes
 * and file). */
static wsl_status oom_pipeline(const wsl_allocator *a, const char *path)
{
    wsl_featurizer_options fo = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    wsl_featurizer *fz = NULL;
    wsl_features *X = NULL, *D = NULL;
    wsl_end_model *m = NULL, *r = NULL, *dm = NULL;
    wsl_buf buf = WSL_BUF_INIT;
    wsl_metrics met;
    double probs[20], out[20];
    const double dense[] = {1, 0, 0, 1, 1, 1, 0, 0.5};
    const double dprobs[] = {0.9, 0.1, 0.2, 0.8, 0.5, 0.5, 0.6, 0.4};
    int32_t gold[10], labels[10];
    wsl_status st;
    for (size_t i = 0; i < 10; i++) {
        probs[2 * i] = i % 2 ? 0.2 : 0.7;
        probs[2 * i + 1] = 1 - probs[2 * i];
        gold[i] = i % 2;
    }
    fo.tfidf = 1;
    fo.hash_bits = 10;
    o.valid_gold = gold;
    o.valid_gold_len = 10;
    o.max_iter = 5;
    if ((st = wsl_featurizer_create(&fz, &fo, a)) || (st = wsl_featurizer_fit(fz, spam_texts, 10)) ||
        (st = wsl_featurizer_transform(fz, spam_texts, 10, &X)))
        goto done;
    o.valid_X = X;
    if ((st = wsl_end_model_create(&m, 2, a)) || (st = wsl_end_model_set_featurizer(m, fz)) ||
        (st = wsl_end_model_fit(m, X, probs, 20, &o)) ||
        (st = wsl_end_model_predict_text(m, spam_texts, 10, out, 20)) ||
        (st = wsl_end_model_predict(m, X, WSL_TIE_HASH, 0, labels, 10)) ||
        (st = wsl_end_model_evaluate(m, X, gold, 10, &met, NULL, 0, NULL, 0)) ||
        (st = wsl_end_model_save_buf(m, &buf)) ||
        (st = wsl_end_model_load_buf(&r, buf.ptr, buf.size, a)))
        goto done;
    wsl_end_model_free(r);
    r = NULL;
    if ((st = wsl_end_model_save(m, path)) || (st = wsl_end_model_load(&r, path, a)))
        goto done;
    if ((st = wsl_features_from_dense(&D, dense, 4, 2, 2, a)) ||
        (st = wsl_end_model_create(&dm, 2, a)) || (st = wsl_end_model_fit(dm, D, dprobs, 8, NULL)))
        goto done;
done:
    wsl_buf_dispose(&buf);
    wsl_end_model_free(r);
    wsl_end_model_free(m);
    wsl_end_model_free(dm);
    wsl_features_free(X);
    wsl_features_free(D);
    wsl_featurizer_free(fz);
    return st;
}

START_TEST(test_oom_walk)
{
    size_t fails = 0;
    char *path = wsl_test_write_temp(".json", "", 0);
    for (size_t fail_at = 1;; fail_at++) {
        wsl_test_alloc state = {0, fail_at, 0, 0};
        wsl_allocator a = wsl_test_allocator(&state);
        wsl_status st = oom_pipeline(&a, path);
        ck_assert_msg(state.live == 0, "fail_at %zu: %ld blocks leaked", fail_at, state.live);
        if (st == WSL_OK)
            break;
        ck_assert_msg(st == WSL_ENOMEM, "fail_at %zu: %d (%s)", fail_at, (int)st,
                      wsl_last_error());
        ck_assert_uint_lt(fail_at, 2000);
        fails++;
    }
    ck_assert_uint_gt(fails, 20);
    unlink(path);
    free(path);
    /* The CSR constructor too. */
    for (size_t fail_at = 1;; fail_at++) {
        wsl_test_alloc state = {0, fail_at, 0, 0};
        wsl_allocator a = wsl_test_allocator(&state);
        const size_t rp[] = {0, 1, 2}, c[] = {0, 1};
        const double v[] = {1, 2};
        wsl_features *X = (wsl_features *)1;
        wsl_status st = wsl_features_from_csr(&X, 2, 2, rp, c, v, &a);
        if (st == WSL_OK) {
            wsl_features_free(X);
            ck_assert_int_eq(state.live, 0);
            break;
        }
        ck_assert_int_eq(st, WSL_ENOMEM);
        ck_assert_ptr_null(X);
        ck_assert_int_eq(state.live, 0);
    }
}
END_TEST

static Suite *end_model_suite(void)
{
    Suite *s = suite_create("end_model");
    TCase *features = tcase_create("features");
    TCase *featurizer = tcase_create("featurizer");
    TCase *core = tcase_create("core");
    TCase *io = tcase_create("save_load");
    TCase *errors = tcase_create("errors");
    TCase *oom = tcase_create("oom");
    tcase_add_test(features, test_features);
    tcase_add_test(features, test_features_errors);
    tcase_add_test(featurizer, test_hash_pinned);
    tcase_add_test(featurizer, test_tokens_and_ngrams);
    tcase_add_test(featurizer, test_tfidf_and_scaling);
    tcase_add_loop_test(featurizer, test_featurizer_options, 0,
                        (int)(sizeof fz_bad_fields / sizeof fz_bad_fields[0]));
    tcase_add_test(featurizer, test_featurizer_errors);
    tcase_add_loop_test(core, test_gradient_finite_differences, 0, 3);
    tcase_add_test(core, test_fit_learns_and_converges);
    tcase_add_test(core, test_dense_sparse_and_compaction_agree);
    tcase_add_test(core, test_soft_labels);
    tcase_add_test(core, test_coverage_and_weights);
    tcase_add_test(core, test_early_stopping);
    tcase_add_test(core, test_text_model_and_featurizer);
    tcase_add_test(io, test_save_load_bits);
    tcase_add_test(io, test_save_load_file);
    tcase_add_loop_test(io, test_load_corrupt, 0, (int)(sizeof corruptions / sizeof corruptions[0]));
    tcase_add_test(io, test_load_not_json);
    tcase_add_test(io, test_load_hostile_sizes);
    tcase_add_test(io, test_load_listed_rows_bits);
    tcase_add_test(io, test_fuzz_overflowing_scores);
    tcase_add_loop_test(errors, test_end_options, 0,
                        (int)(sizeof end_bad_fields / sizeof end_bad_fields[0]));
    tcase_add_test(errors, test_fit_errors);
    tcase_add_test(errors, test_callback_stops);
    tcase_add_test(errors, test_predict_errors);
    tcase_add_test(oom, test_oom_walk);
    tcase_set_timeout(core, 120);
    tcase_set_timeout(oom, 120);
    suite_add_tcase(s, features);
    suite_add_tcase(s, featurizer);
    suite_add_tcase(s, core);
    suite_add_tcase(s, io);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(end_model_suite());
}
