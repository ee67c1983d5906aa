/*
 * Fuzz target: pattern tables (wsl_pattern_table_load_buf, and _load over a file). A table
 * that loads has consistent counts and votes in range; saved again it loads to the same
 * table, whose bytes are a fixed point; merged into an empty table it gives the same bytes;
 * and a small one fits a label model (which orders its patterns canonically) that predicts
 * finite rows summing to 1; its patterns as rows, fitted and predicted in one call, give the
 * same bytes as a fit on them, then predict.
 */
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tables this small are fitted: a few EM iterations, every start. */
#define FIT_PATTERNS 4096
#define FIT_CELLS    (1u << 16) /* m x k x (k + 1) */
#define MAX_ROW      (1u << 16) /* sources of a table whose rows are read whole */

static void check_table(const wsl_pattern_table *T)
{
    size_t m = wsl_pattern_table_n_sources(T), n = wsl_pattern_table_n_patterns(T);
    int32_t k = wsl_pattern_table_cardinality(T);
    uint64_t rows = 0, count;
    /* Rows are read whole only for tables of a sane width (a file may claim 2^32 sources). */
    int32_t *row = m <= MAX_ROW ? malloc(m * sizeof *row) : NULL;
    FUZZ_CHECK(m >= 1 && k >= 1);
    FUZZ_CHECK(row != NULL || m > MAX_ROW);
    for (size_t p = 0; p < n; p++) {
        FUZZ_CHECK(wsl_pattern_table_get(T, p, row, row ? m : 0, &count) == WSL_OK);
        FUZZ_CHECK(count >= 1);
        FUZZ_CHECK(rows + count >= rows); /* the loader refuses counts that overflow */
        rows += count;
        for (size_t j = 0; row && j < m; j++)
            FUZZ_CHECK(row[j] >= WSL_ABSTAIN && row[j] < k);
    }
    FUZZ_CHECK(wsl_pattern_table_get(T, n, row, row ? m : 0, &count) == WSL_ERANGE);
    FUZZ_CHECK(rows == wsl_pattern_table_n_rows(T));
    free(row);
}

/* Fit a small table and predict each of its patterns. */
static void check_fit(const wsl_pattern_table *T)
{
    size_t m = wsl_pattern_table_n_sources(T), n = wsl_pattern_table_n_patterns(T);
    int32_t k = wsl_pattern_table_cardinality(T);
    wsl_label_model *M = NULL;
    wsl_label_matrix *L = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    int32_t *row;
    double *probs;
    wsl_status st;
    if (n == 0 || n > FIT_PATTERNS || k < 2 || m * (size_t)k * ((size_t)k + 1) > FIT_CELLS)
        return; /* (a table may hold votes of one class; a label model needs two) */
    o.max_iter = 5;
    FUZZ_CHECK(wsl_label_model_create(&M, k, NULL) == WSL_OK);
    st = wsl_label_model_fit_patterns(M, T, &o);
    /* EINVAL: options the table cannot have (every source silent is still a fit). */
    FUZZ_CHECK(st == WSL_OK || st == WSL_EINVAL);
    if (st != WSL_OK) {
        wsl_label_model_free(M);
        return;
    }
    row = malloc(m * sizeof *row);
    probs = malloc(n * (size_t)k * sizeof *probs);
    FUZZ_CHECK(row && probs);
    FUZZ_CHECK(wsl_label_matrix_create(&L, 0, m, k, WSL_STORAGE_DENSE, NULL) == WSL_OK);
    for (size_t p = 0; p < n; p++) {
        FUZZ_CHECK(wsl_pattern_table_get(T, p, row, m, NULL) == WSL_OK);
        FUZZ_CHECK(wsl_label_matrix_append_row(L, row, m) == WSL_OK);
    }
    FUZZ_CHECK(wsl_label_model_predict_proba(M, L, probs, n * (size_t)k, NULL, 0) == WSL_OK);
    for (size_t p = 0; p < n; p++) {
        double sum = 0;
        for (int32_t c = 0; c < k; c++) {
            FUZZ_CHECK(isfinite(probs[p * (size_t)k + (size_t)c]));
            sum += probs[p * (size_t)k + (size_t)c];
        }
        FUZZ_CHECK(fabs(sum - 1) < 1e-9);
    }
    {
        /* The one call on those rows: the same bytes as a fit on them, then predict. */
        double *p2 = malloc(n * (size_t)k * sizeof *p2);
        uint8_t *c1 = malloc(n), *c2 = malloc(n);
        FUZZ_CHECK(p2 && c1 && c2);
        st = wsl_label_model_fit(M, L, &o);
        FUZZ_CHECK(st == WSL_OK || st == WSL_EINVAL);
        if (st == WSL_OK) {
            FUZZ_CHECK(wsl_label_model_predict_proba(M, L, probs, n * (size_t)k, c1, n) == WSL_OK);
            FUZZ_CHECK(wsl_label_model_fit_predict_proba(M, L, &o, p2, n * (size_t)k, c2, n) ==
                       WSL_OK);
            FUZZ_CHECK(memcmp(probs, p2, n * (size_t)k * sizeof *p2) == 0);
            FUZZ_CHECK(memcmp(c1, c2, n) == 0);
        }
        free(p2);
        free(c1);
        free(c2);
    }
    wsl_label_matrix_free(L);
    free(row);
    free(probs);
    wsl_label_model_free(M);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsl_pattern_table *T = NULL, *U = NULL, *V = NULL, *F = NULL;
    wsl_buf b1 = WSL_BUF_INIT, b2 = WSL_BUF_INIT, b3 = WSL_BUF_INIT;
    wsl_status st = wsl_pattern_table_load_buf(&T, data, size, "fuzz", NULL), sf;
    FUZZ_CHECK(st == WSL_OK || st == WSL_EFORMAT);
    FUZZ_CHECK((st == WSL_OK) == (T != NULL));
    /* The file reader agrees with the bytes. */
    sf = wsl_pattern_table_load(&F, fuzz_write_file(data, size), NULL);
    FUZZ_CHECK(sf == st);
    if (st != WSL_OK)
        return 0;
    check_table(T);
    FUZZ_CHECK(F != NULL && wsl_pattern_table_n_patterns(F) == wsl_pattern_table_n_patterns(T));
    /* Saved, loaded and saved again: the same bytes. */
    FUZZ_CHECK(wsl_pattern_table_save_buf(T, &b1) == WSL_OK);
    FUZZ_CHECK(wsl_pattern_table_load_buf(&U, b1.ptr, b1.size, "fuzz", NULL) == WSL_OK);
    check_table(U);
    FUZZ_CHECK(wsl_pattern_table_n_patterns(U) == wsl_pattern_table_n_patterns(T));
    FUZZ_CHECK(wsl_pattern_table_n_rows(U) == wsl_pattern_table_n_rows(T));
    FUZZ_CHECK(wsl_pattern_table_save_buf(U, &b2) == WSL_OK);
    FUZZ_CHECK(b1.size == b2.size && memcmp(b1.ptr, b2.ptr, b1.size) == 0);
    /* Merged into an empty table of the same shape: the same table, the same bytes. */
    FUZZ_CHECK(wsl_pattern_table_create(&V, wsl_pattern_table_n_sources(T),
                                        wsl_pattern_table_cardinality(T), NULL) == WSL_OK);
    FUZZ_CHECK(wsl_pattern_table_merge(V, T) == WSL_OK);
    FUZZ_CHECK(wsl_pattern_table_save_buf(V, &b3) == WSL_OK);
    FUZZ_CHECK(b1.size == b3.size && memcmp(b1.ptr, b3.ptr, b1.size) == 0);
    check_fit(T);
    wsl_buf_dispose(&b1);
    wsl_buf_dispose(&b2);
    wsl_buf_dispose(&b3);
    wsl_pattern_table_free(F);
    wsl_pattern_table_free(T);
    wsl_pattern_table_free(U);
    wsl_pattern_table_free(V);
    return 0;
}
