/*
 * Symmetry breaking. Any permutation of the latent classes, applied to the prior and to every
 * source's table rows together, leaves the likelihood unchanged; EM may end in any of them.
 * The returned labelling is the one where the sources agree with the classes: the permutation
 * sigma maximizing sum_c' sum_j pi_c' P(vote sigma(c') | y = c'), over all k! permutations (an
 * assignment problem, solved exactly by the Hungarian method), not only among classes of equal
 * prior.
 */
#include "model_impl.h"

#include <math.h>
#include <string.h>

/*
 * Minimum-cost assignment of rows to columns of the n x n matrix cost (row-major): col_of[i] is
 * the column given to row i. Shortest augmenting paths with potentials, O(n^3).
 * Scratch: u, v, minv of n + 1 doubles; p, way of n + 1 size_t; used of n + 1 bytes.
 */
static void assign_min_cost(const double *cost, size_t n, size_t *col_of, double *u, double *v,
                            double *minv, size_t *p, size_t *way, uint8_t *used)
{
    /* 1-based indices; p[j] = row matched to column j, 0 = none. */
    for (size_t j = 0; j <= n; j++) {
        u[j] = v[j] = 0;
        p[j] = way[j] = 0;
    }
    for (size_t i = 1; i <= n; i++) {
        size_t j0 = 0;
        p[0] = i;
        for (size_t j = 0; j <= n; j++) {
            minv[j] = INFINITY;
            used[j] = 0;
        }
        do {
            size_t i0 = p[j0], j1 = 0;
            double delta = INFINITY;
            used[j0] = 1;
            for (size_t j = 1; j <= n; j++) {
                if (used[j])
                    continue;
                double cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (size_t j = 0; j <= n; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            size_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0 != 0);
    }
    for (size_t j = 1; j <= n; j++)
        col_of[p[j] - 1] = j - 1;
}

wsl_status wsl__model_relabel(wsl_label_model *model, int *changed)
{
    const wsl_allocator *a = &model->alloc;
    int32_t k = model->k;
    size_t K = (size_t)k, K1 = K + 1, row_len = K1 * sizeof(double);
    double *agree = NULL, *scratch = NULL, *old = NULL;
    size_t *to = NULL, *iscratch = NULL;
    uint8_t *used = NULL;
    int identity = 1;
    wsl_status st = WSL_OK;
    *changed = 0;
    agree = wsl__calloc(a, K * K, sizeof *agree);
    if (!agree)
        return WSL_ENOMEM;
    /* agree[c' * k + c]: expected votes for class c from rows of latent class c'. */
    for (size_t j = 0; j < model->m; j++)
        for (int32_t cl = 0; cl < k; cl++) {
            const double *row = model->table + wsl__tab_index(k, j, cl, -1);
            for (int32_t c = 0; c < k; c++)
                agree[(size_t)cl * K + (size_t)c] += model->prior[cl] * row[c + 1];
        }
    /* Each latent class agreeing most with its own label (ties kept) makes the identity
     * optimal: no assignment can beat the sum of per-row maxima. */
    for (size_t cl = 0; cl < K && identity; cl++)
        for (size_t c = 0; c < K; c++)
            if (agree[cl * K + c] > agree[cl * K + cl] * (1 + 1e-12) + 1e-300) {
                identity = 0;
                break;
            }
    if (identity)
        goto done;
    scratch = wsl__mallocarray(a, 3 * (K + 1), sizeof *scratch);
    iscratch = wsl__mallocarray(a, 2 * (K + 1), sizeof *iscratch);
    to = wsl__mallocarray(a, K, sizeof *to);
    used = wsl__mallocarray(a, K + 1, 1);
    {
        size_t need = K * K1; /* the largest block moved at once: a source's or a clique's */
        for (size_t q = 0; q < model->cl.n; q++)
            if (K * model->cl.size[q] > need)
                need = K * model->cl.size[q];
        old = wsl__mallocarray(a, need, sizeof *old);
    }
    if (!scratch || !iscratch || !to || !used || !old) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t t = 0; t < K * K; t++)
        agree[t] = -agree[t];
    assign_min_cost(agree, K, to, scratch, scratch + K + 1, scratch + 2 * (K + 1), iscratch,
                    iscratch + K + 1, used);
    {
        /* Keep the identity unless the assignment is strictly better (rounding ties). */
        double best = 0, id = 0;
        for (size_t cl = 0; cl < K; cl++) {
            best -= agree[cl * K + to[cl]];
            id -= agree[cl * K + cl];
        }
        if (!(best > id * (1 + 1e-12) + 1e-300))
            goto done;
    }
    memcpy(old, model->prior, K * sizeof *old);
    for (size_t cl = 0; cl < K; cl++)
        model->prior[to[cl]] = old[cl];
    for (size_t j = 0; j < model->m; j++) {
        double *tab = model->table + wsl__tab_index(k, j, 0, -1);
        memcpy(old, tab, K * row_len);
        for (size_t cl = 0; cl < K; cl++)
            memcpy(tab + to[cl] * K1, old + cl * K1, row_len);
    }
    for (size_t q = 0; q < model->cl.n; q++) {
        /* A clique's joint table has one row of cl.size[q] outcomes per class. */
        size_t sz = model->cl.size[q], bytes = sz * sizeof(double);
        double *tab = model->cl.table + model->cl.off[q];
        memcpy(old, tab, K * bytes);
        for (size_t cl = 0; cl < K; cl++)
            memcpy(tab + to[cl] * sz, old + cl * sz, bytes);
    }
    wsl__model_refresh_logs(model);
    *changed = 1;
done:
    wsl__free(a, agree);
    wsl__free(a, scratch);
    wsl__free(a, iscratch);
    wsl__free(a, to);
    wsl__free(a, used);
    wsl__free(a, old);
    return st;
}
