/* Feature matrices: dense row-major (for BLAS) or compressed sparse rows (for hashed text). */
#include "endmodel_impl.h"

#include <math.h>
#include <string.h>

void wsl_features_free(wsl_features *X)
{
    wsl_allocator a;
    if (!X)
        return;
    a = X->alloc;
    wsl__free(&a, X->dense);
    wsl__free(&a, X->row_ptr);
    wsl__free(&a, X->cols);
    wsl__free(&a, X->vals);
    wsl__free(&a, X);
}

static wsl_status check_d(const char *fn, size_t d)
{
    if (d == 0 || d > WSL_FEATURES_MAX_COLS)
        return wsl__error(WSL_EINVAL, "%s: d must be in 1..%zu (got %zu)", fn,
                          WSL_FEATURES_MAX_COLS, d);
    return WSL_OK;
}

wsl_status wsl_features_from_dense(wsl_features **out, const double *data, size_t n, size_t d,
                                   size_t ld, const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl_features *X;
    size_t cells;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_TRY(check_d(__func__, d));
    WSL_CHECK_ARG(data != NULL || n == 0);
    if (ld < d)
        return wsl__error(WSL_EINVAL, "%s: ld must be >= d = %zu (got %zu)", __func__, d, ld);
    if (!wsl__mul_size(&cells, n, d))
        return wsl__error(WSL_ENOMEM, "%s: %zu x %zu overflows", __func__, n, d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (!isfinite(data[i * ld + j]))
                return wsl__error(WSL_EINVAL, "%s: entry (%zu, %zu) is %g", __func__, i, j,
                                  data[i * ld + j]);
    if (!(X = wsl__calloc(&a, 1, sizeof *X)))
        return WSL_ENOMEM;
    X->alloc = a;
    X->n = n;
    X->d = d;
    if (!(X->dense = wsl__mallocarray(&a, cells ? cells : 1, sizeof(double)))) {
        wsl_features_free(X);
        return WSL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(X->dense + i * d, data + i * ld, d * sizeof(double));
    *out = X;
    return WSL_OK;
}

wsl_status wsl__features_alloc_sparse(wsl_features **out, size_t n, size_t d, size_t nnz,
                                      const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl_features *X = wsl__calloc(&a, 1, sizeof *X);
    size_t rows;
    *out = NULL;
    if (!X)
        return WSL_ENOMEM;
    X->alloc = a;
    X->n = n;
    X->d = d;
    X->sparse = 1;
    if (!wsl__add_size(&rows, n, 1) || !(X->row_ptr = wsl__calloc(&a, rows, sizeof(size_t))) ||
        !(X->cols = wsl__mallocarray(&a, nnz ? nnz : 1, sizeof(uint32_t))) ||
        !(X->vals = wsl__mallocarray(&a, nnz ? nnz : 1, sizeof(double)))) {
        wsl_features_free(X);
        return WSL_ENOMEM;
    }
    *out = X;
    return WSL_OK;
}

wsl_status wsl_features_from_csr(wsl_features **out, size_t n, size_t d, const size_t *row_ptr,
                                 const size_t *cols, const double *values,
                                 const wsl_allocator *alloc)
{
    wsl_features *X;
    size_t nnz;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_TRY(check_d(__func__, d));
    WSL_CHECK_ARG(row_ptr != NULL);
    if (row_ptr[0] != 0)
        return wsl__error(WSL_EINVAL, "%s: row_ptr[0] must be 0 (got %zu)", __func__, row_ptr[0]);
    for (size_t i = 0; i < n; i++)
        if (row_ptr[i + 1] < row_ptr[i])
            return wsl__error(WSL_EINVAL, "%s: row_ptr decreases at row %zu (%zu -> %zu)",
                              __func__, i, row_ptr[i], row_ptr[i + 1]);
    nnz = row_ptr[n];
    WSL_CHECK_ARG(nnz == 0 || (cols != NULL && values != NULL));
    for (size_t t = 0; t < nnz; t++) {
        if (cols[t] >= d)
            return wsl__error(WSL_EINVAL, "%s: cols[%zu] = %zu is not below d = %zu", __func__, t,
                              cols[t], d);
        if (!isfinite(values[t]))
            return wsl__error(WSL_EINVAL, "%s: values[%zu] is %g", __func__, t, values[t]);
    }
    WSL_TRY(wsl__features_alloc_sparse(&X, n, d, nnz, alloc));
    memcpy(X->row_ptr, row_ptr, (n + 1) * sizeof *row_ptr);
    for (size_t t = 0; t < nnz; t++) {
        X->cols[t] = (uint32_t)cols[t];
        X->vals[t] = values[t];
    }
    *out = X;
    return WSL_OK;
}

size_t wsl_features_n_rows(const wsl_features *X)
{
    return X ? X->n : 0;
}

size_t wsl_features_n_cols(const wsl_features *X)
{
    return X ? X->d : 0;
}

size_t wsl_features_nnz(const wsl_features *X)
{
    if (!X)
        return 0;
    return X->sparse ? X->row_ptr[X->n] : X->n * X->d;
}

int wsl_features_is_sparse(const wsl_features *X)
{
    return X ? X->sparse : 0;
}

wsl_status wsl_features_row(const wsl_features *X, size_t i, size_t *cols, double *values,
                            size_t len, size_t *nnz_out)
{
    size_t nnz;
    WSL_CHECK_ARG(X != NULL);
    WSL_CHECK_ARG(nnz_out != NULL);
    if (i >= X->n)
        return wsl__error(WSL_ERANGE, "%s: row %zu is out of range (%zu rows)", __func__, i, X->n);
    nnz = X->sparse ? X->row_ptr[i + 1] - X->row_ptr[i] : X->d;
    *nnz_out = nnz;
    if (len < nnz || ((!cols || !values) && nnz > 0))
        return wsl__error(WSL_EBUFS, "%s: row %zu has %zu entries, buffers hold %zu", __func__, i,
                          nnz, (!cols || !values) ? 0 : len);
    for (size_t t = 0; t < nnz; t++) {
        if (X->sparse) {
            cols[t] = X->cols[X->row_ptr[i] + t];
            values[t] = X->vals[X->row_ptr[i] + t];
        } else {
            cols[t] = t;
            values[t] = X->dense[i * X->d + t];
        }
    }
    return WSL_OK;
}
