/*
 * Compaction of a sparse training problem to the columns its rows use.
 *
 * Why: hashed text has 2^18 columns by default and a few thousand documents touch a few
 * percent of them. L-BFGS costs O(parameters) per iteration whatever the data, so on small
 * corpora the vector work on 2^18 x k untouched weights would dominate the fit by a factor of
 * a hundred. A column no training row uses has zero data gradient, so with L2 its weight stays
 * exactly 0 and leaving it out changes nothing. When at most half the columns are used, the
 * rows with positive weight are copied with renumbered columns (their targets and weights
 * too); otherwise the problem is used as given.
 */
#include "endmodel_impl.h"

#include <string.h>

void wsl__end_compact_release(wsl__end_compact *c, const wsl_allocator *a)
{
    wsl_features_free(c->X);
    wsl__free(a, c->Q);
    wsl__free(a, c->omega);
    wsl__free(a, c->orig);
    memset(c, 0, sizeof *c);
}

wsl_status wsl__end_compact_build(wsl__end_compact *c, const wsl_features *X, const double *Q,
                                  const double *omega, size_t k, const wsl_allocator *a)
{
    uint32_t *map = NULL;
    size_t used = 0, rows = 0, nnz = 0, r = 0;
    wsl_status st = WSL_ENOMEM;
    memset(c, 0, sizeof *c);
    if (!X->sparse)
        return WSL_OK;
    if (!(map = wsl__mallocarray(a, X->d, sizeof *map)))
        return WSL_ENOMEM;
    memset(map, 0xff, X->d * sizeof *map); /* UINT32_MAX: unused */
    for (size_t i = 0; i < X->n; i++) {
        if (omega[i] == 0)
            continue;
        rows++;
        nnz += X->row_ptr[i + 1] - X->row_ptr[i];
        for (size_t t = X->row_ptr[i]; t < X->row_ptr[i + 1]; t++)
            if (map[X->cols[t]] == UINT32_MAX)
                map[X->cols[t]] = (uint32_t)used++;
    }
    if (used * 2 > X->d) {
        wsl__free(a, map);
        return WSL_OK;
    }
    if (wsl__features_alloc_sparse(&c->X, rows, used ? used : 1, nnz, a) != WSL_OK ||
        !(c->Q = wsl__mallocarray(a, rows ? rows : 1, k * sizeof *c->Q)) ||
        !(c->omega = wsl__mallocarray(a, rows ? rows : 1, sizeof *c->omega)) ||
        !(c->orig = wsl__mallocarray(a, used ? used : 1, sizeof *c->orig)))
        goto done;
    c->orig[0] = 0; /* no column used: one idle column keeps the shapes non-empty */
    for (size_t j = 0; j < X->d; j++)
        if (map[j] != UINT32_MAX)
            c->orig[map[j]] = (uint32_t)j;
    nnz = 0;
    for (size_t i = 0; i < X->n; i++) {
        if (omega[i] == 0)
            continue;
        for (size_t t = X->row_ptr[i]; t < X->row_ptr[i + 1]; t++) {
            c->X->cols[nnz] = map[X->cols[t]];
            c->X->vals[nnz++] = X->vals[t];
        }
        memcpy(c->Q + r * k, Q + i * k, k * sizeof *Q);
        c->omega[r] = omega[i];
        c->X->row_ptr[++r] = nnz;
    }
    st = WSL_OK;
done:
    wsl__free(a, map);
    if (st != WSL_OK)
        wsl__end_compact_release(c, a);
    return st;
}

void wsl__end_compact_expand(const wsl__end_compact *c, size_t d, size_t k, const double *x,
                             double *theta)
{
    const size_t dc = c->X->d;
    memset(theta, 0, d * k * sizeof *theta);
    for (size_t j = 0; j < dc; j++)
        memcpy(theta + (size_t)c->orig[j] * k, x + j * k, k * sizeof *x);
    memcpy(theta + d * k, x + dc * k, k * sizeof *x);
}
