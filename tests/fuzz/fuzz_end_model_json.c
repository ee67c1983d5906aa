/*
 * Fuzz target: end model JSON (wsl_end_model_load_buf, and wsl_end_model_load over a file). The
 * bytes and the file must give the same status. A model that loads must answer every getter,
 * predict finite probabilities summing to 1 (as predict_proba documents) on a few rows — text
 * through its featurizer when it has one (an empty text, a real comment, text cut from the
 * input), else sparse rows with columns from the input, and dense rows when d is small — and
 * predict the same bits after a save/load round trip.
 */
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_TEXTS 4
#define N_ROWS 4

static void check_rows(const double *p, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t c = 0; c < k; c++) {
            FUZZ_CHECK(isfinite(p[i * k + c]));
            FUZZ_CHECK(p[i * k + c] >= 0 && p[i * k + c] <= 1);
            sum += p[i * k + c];
        }
        FUZZ_CHECK(fabs(sum - 1) < 1e-9);
    }
}

/* Texts: empty, a real comment, up to 64 bytes of the input (NUL bytes made spaces), and a
 * long repetitive one. */
static void make_texts(char **texts, const uint8_t *data, size_t size)
{
    size_t len = size < 64 ? size : 64;
    texts[0] = calloc(1, 1);
    texts[1] = strdup("Check out my new channel, please SUBSCRIBE!! http://x.y love this song");
    texts[2] = malloc(len + 1);
    texts[3] = malloc(2001);
    FUZZ_CHECK(texts[0] && texts[1] && texts[2] && texts[3]);
    for (size_t i = 0; i < len; i++)
        texts[2][i] = data[size - len + i] ? (char)data[size - len + i] : ' ';
    texts[2][len] = '\0';
    for (size_t i = 0; i < 2000; i++)
        texts[3][i] = "ab cd ab "[i % 9];
    texts[3][2000] = '\0';
}

/* Sparse rows with d columns: empty, column 0, the last column, columns picked by the input. */
static wsl_features *make_rows(size_t d, const uint8_t *data, size_t size)
{
    size_t row_ptr[N_ROWS + 1] = {0, 0, 1, 2, 2}, cols[10];
    double vals[10];
    wsl_features *X = NULL;
    cols[0] = 0;
    vals[0] = 1;
    cols[1] = d - 1;
    vals[1] = 0.5;
    for (size_t t = 0; t < 8 && t < size; t++) {
        cols[2 + t] = (data[t] * 2654435761u + t) % d;
        vals[2 + t] = (double)data[size - 1 - t] / 64 - 2;
        row_ptr[4] = 3 + t;
    }
    FUZZ_CHECK(wsl_features_from_csr(&X, N_ROWS, d, row_ptr, cols, vals, NULL) == WSL_OK);
    return X;
}

/* Class probabilities of the probe rows (texts or X), checked; the caller frees them. */
static double *predict(const wsl_end_model *M, char **texts, const wsl_features *X)
{
    const size_t k = (size_t)wsl_end_model_cardinality(M);
    double *p = malloc(N_TEXTS * k * sizeof *p);
    FUZZ_CHECK(p != NULL);
    if (wsl_end_model_featurizer(M))
        FUZZ_CHECK(wsl_end_model_predict_text(M, (const char *const *)texts, N_TEXTS, p,
                                              N_TEXTS * k) == WSL_OK);
    else
        FUZZ_CHECK(wsl_end_model_predict_proba(M, X, p, N_ROWS * k) == WSL_OK);
    check_rows(p, N_TEXTS, k);
    return p;
}

/* Dense rows (d small): the same checks, and the labels agree with predict. */
static void dense_probe(const wsl_end_model *M, size_t d, size_t k, const uint8_t *data,
                        size_t size)
{
    double *x = calloc(2 * d, sizeof *x), *p = malloc(2 * k * sizeof *p);
    int32_t labels[2];
    wsl_features *D = NULL;
    FUZZ_CHECK(x != NULL && p != NULL);
    for (size_t j = 0; j < d; j++)
        x[d + j] = size ? (double)data[j % size] / 128 - 1 : 1;
    FUZZ_CHECK(wsl_features_from_dense(&D, x, 2, d, d, NULL) == WSL_OK);
    FUZZ_CHECK(wsl_end_model_predict_proba(M, D, p, 2 * k) == WSL_OK);
    check_rows(p, 2, k);
    FUZZ_CHECK(wsl_end_model_predict(M, D, WSL_TIE_LOWEST, 0, labels, 2) == WSL_OK);
    for (size_t i = 0; i < 2; i++) {
        FUZZ_CHECK(labels[i] >= 0 && (size_t)labels[i] < k);
        for (size_t c = 0; c < k; c++)
            FUZZ_CHECK(p[i * k + c] <= p[i * k + (size_t)labels[i]]);
    }
    wsl_features_free(D);
    free(x);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsl_end_model *M = NULL, *F = NULL, *R = NULL;
    wsl_end_report rep;
    wsl_buf buf = WSL_BUF_INIT;
    wsl_features *X = NULL;
    char *texts[N_TEXTS];
    double *p, *q, *bias;
    size_t k, d;
    wsl_status st = wsl_end_model_load_buf(&M, (const char *)data, size, NULL);
    wsl_status fst = wsl_end_model_load(&F, fuzz_write_file(data, size), NULL);
    FUZZ_CHECK((st == WSL_OK) == (M != NULL));
    FUZZ_CHECK((fst == WSL_OK) == (F != NULL));
    FUZZ_CHECK(st == fst);
    if (st != WSL_OK) {
        FUZZ_CHECK(st == WSL_EFORMAT);
        FUZZ_CHECK(wsl_last_error()[0] != '\0');
        return 0;
    }
    k = (size_t)wsl_end_model_cardinality(M);
    d = wsl_end_model_n_features(M);
    FUZZ_CHECK(wsl_end_model_is_fitted(M));
    FUZZ_CHECK(k >= 2 && k <= WSL_MAX_CARDINALITY && d >= 1);
    FUZZ_CHECK(d * k <= WSL_END_MAX_WEIGHTS);
    FUZZ_CHECK((size_t)wsl_end_model_cardinality(F) == k && wsl_end_model_n_features(F) == d);
    FUZZ_CHECK(wsl_end_model_report(M, &rep) == WSL_OK);
    FUZZ_CHECK(rep.iterations >= 0 && rep.evaluations >= 0 && rep.best_iteration >= 0);
    bias = malloc(k * sizeof *bias);
    FUZZ_CHECK(bias != NULL);
    FUZZ_CHECK(wsl_end_model_weights(M, NULL, 0, bias, k) == WSL_OK);
    for (size_t c = 0; c < k; c++)
        FUZZ_CHECK(isfinite(bias[c]));
    free(bias);
    if (d * k <= 4096) {
        double *W = malloc(d * k * sizeof *W);
        FUZZ_CHECK(W != NULL);
        FUZZ_CHECK(wsl_end_model_weights(M, W, d * k, NULL, 0) == WSL_OK);
        for (size_t t = 0; t < d * k; t++)
            FUZZ_CHECK(isfinite(W[t]));
        free(W);
    }
    if (wsl_end_model_featurizer(M)) {
        wsl_featurizer_options fo;
        FUZZ_CHECK(wsl_featurizer_get_options(wsl_end_model_featurizer(M), &fo) == WSL_OK);
        FUZZ_CHECK(wsl_featurizer_n_features(wsl_end_model_featurizer(M)) == d);
        FUZZ_CHECK(wsl_featurizer_is_fitted(wsl_end_model_featurizer(M)) || !fo.tfidf);
    } else {
        X = make_rows(d, data, size);
    }
    make_texts(texts, data, size);
    p = predict(M, texts, X);
    q = predict(F, texts, X);
    FUZZ_CHECK(memcmp(p, q, N_TEXTS * k * sizeof *p) == 0);
    free(q);
    if (d * k <= 65536)
        dense_probe(M, d, k, data, size);
    FUZZ_CHECK(wsl_end_model_save_buf(M, &buf) == WSL_OK);
    FUZZ_CHECK(wsl_end_model_load_buf(&R, buf.ptr, buf.size, NULL) == WSL_OK);
    FUZZ_CHECK((size_t)wsl_end_model_cardinality(R) == k && wsl_end_model_n_features(R) == d);
    FUZZ_CHECK((wsl_end_model_featurizer(R) != NULL) == (wsl_end_model_featurizer(M) != NULL));
    q = predict(R, texts, X);
    FUZZ_CHECK(memcmp(p, q, N_TEXTS * k * sizeof *p) == 0);
    free(p);
    free(q);
    for (size_t i = 0; i < N_TEXTS; i++)
        free(texts[i]);
    wsl_buf_dispose(&buf);
    wsl_features_free(X);
    wsl_end_model_free(R);
    wsl_end_model_free(F);
    wsl_end_model_free(M);
    return 0;
}
