/*
 * Fuzz target: label model JSON (wsl_label_model_load_buf). A model that loads must predict
 * finite probabilities summing to 1 (as predict_proba documents), answer every getter, and
 * survive a save/load round trip with bit-identical predictions.
 */
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rows: all abstain, then source j voting class c alone, then a row of votes from the input. */
static wsl_label_matrix *probe_rows(size_t m, int32_t k, const uint8_t *data, size_t size)
{
    wsl_label_matrix *L = NULL;
    int32_t *row = malloc(m * sizeof *row);
    size_t rows = 0;
    FUZZ_CHECK(row != NULL);
    FUZZ_CHECK(wsl_label_matrix_create(&L, 0, m, k, WSL_STORAGE_DENSE, NULL) == WSL_OK);
    for (size_t j = 0; j < m; j++)
        row[j] = WSL_ABSTAIN;
    FUZZ_CHECK(wsl_label_matrix_append_row(L, row, m) == WSL_OK);
    for (size_t j = 0; j < m && rows < 64; j++) {
        for (int32_t c = 0; c < k && rows < 64; c++, rows++) {
            row[j] = c;
            FUZZ_CHECK(wsl_label_matrix_append_row(L, row, m) == WSL_OK);
            row[j] = WSL_ABSTAIN;
        }
    }
    for (size_t j = 0; j < m; j++)
        row[j] = size ? (int32_t)(data[j % size] % ((uint32_t)k + 1)) - 1 : WSL_ABSTAIN;
    FUZZ_CHECK(wsl_label_matrix_append_row(L, row, m) == WSL_OK);
    free(row);
    return L;
}

static double *predict(const wsl_label_model *M, const wsl_label_matrix *L)
{
    size_t n = wsl_label_matrix_n_points(L), k = (size_t)wsl_label_model_cardinality(M);
    double *p = malloc(n * k * sizeof *p);
    FUZZ_CHECK(p != NULL);
    FUZZ_CHECK(wsl_label_model_predict_proba(M, L, p, n * k, NULL, 0) == WSL_OK);
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t c = 0; c < k; c++) {
            FUZZ_CHECK(isfinite(p[i * k + c]));
            FUZZ_CHECK(p[i * k + c] >= 0 && p[i * k + c] <= 1);
            sum += p[i * k + c];
        }
        FUZZ_CHECK(fabs(sum - 1) < 1e-9);
    }
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsl_label_model *M = NULL, *R = NULL;
    wsl_label_matrix *L;
    wsl_fit_report rep;
    wsl_buf buf = WSL_BUF_INIT;
    double *p, *q, *acc, *tab;
    size_t m, k, nh = 0;
    wsl_status st = wsl_label_model_load_buf(&M, (const char *)data, size, NULL);
    FUZZ_CHECK((st == WSL_OK) == (M != NULL));
    if (st != WSL_OK) {
        FUZZ_CHECK(st == WSL_EFORMAT);
        FUZZ_CHECK(wsl_last_error()[0] != '\0');
        return 0;
    }
    m = wsl_label_model_n_sources(M);
    k = (size_t)wsl_label_model_cardinality(M);
    FUZZ_CHECK(wsl_label_model_is_fitted(M));
    FUZZ_CHECK(m >= 1 && k >= 2);
    FUZZ_CHECK(wsl_label_model_report(M, &rep) == WSL_OK);
    FUZZ_CHECK(wsl_label_model_history(M, NULL, 0, &nh) == WSL_OK);
    acc = malloc(m * sizeof *acc);
    tab = malloc(k * (k + 1) * sizeof *tab);
    FUZZ_CHECK(acc != NULL && tab != NULL);
    FUZZ_CHECK(wsl_label_model_accuracies(M, acc, m) == WSL_OK);
    for (size_t j = 0; j < m; j++)
        FUZZ_CHECK(!(acc[j] < 0) && !(acc[j] > 1));
    FUZZ_CHECK(wsl_label_model_source_table(M, m - 1, tab, k * (k + 1)) == WSL_OK);
    FUZZ_CHECK(wsl_label_model_class_prior(M, tab, k) == WSL_OK);
    free(acc);
    free(tab);
    L = probe_rows(m, (int32_t)k, data, size);
    p = predict(M, L);
    FUZZ_CHECK(wsl_label_model_save_buf(M, &buf) == WSL_OK);
    FUZZ_CHECK(wsl_label_model_load_buf(&R, buf.ptr, buf.size, NULL) == WSL_OK);
    q = predict(R, L);
    FUZZ_CHECK(memcmp(p, q, wsl_label_matrix_n_points(L) * k * sizeof *p) == 0);
    free(p);
    free(q);
    wsl_buf_dispose(&buf);
    wsl_label_matrix_free(L);
    wsl_label_model_free(R);
    wsl_label_model_free(M);
    return 0;
}
