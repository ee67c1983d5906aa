/*
 * Posterior-predictive check on the co-firing of single-class sources.
 *
 * A label model with conditionally independent sources predicts how often two sources fire
 * together: n sum_c pi_c P(x fires | c) P(y fires | c). Sources that share logic (the same
 * keyword in two lists, paraphrased rules) fire together far more often, and the model then
 * counts their evidence — abstains included — several times. The G statistic of each pair's
 * 2 x 2 table against that expectation (with the observed margins) measures the excess.
 */
#include "model_impl.h"

#include <math.h>
#include <string.h>

/* Beyond this many single-class sources the pair table (q^2 doubles) is not worth its memory. */
#define MAX_PAIRED 2048

static double g_term(double o, double e)
{
    if (o <= 0)
        return 0;
    if (e < 1e-9)
        e = 1e-9;
    return o * log(o / e);
}

wsl_status wsl__cofire_test(const wsl_label_model *model, const wsl_pattern_table *T,
                            const int32_t *single, size_t m, double *g, double *limit)
{
    const wsl_allocator *a = &model->alloc;
    int32_t k = model->k;
    size_t q = 0, *pos = NULL, *src = NULL, *fired = NULL;
    double *both = NULL, *nfire = NULL, n = (double)T->total, sum = 0, pairs = 0;
    wsl_status st = WSL_OK;
    *g = *limit = NAN;
    for (size_t j = 0; j < m; j++)
        q += single[j] >= 0;
    if (q < 2 || q > MAX_PAIRED)
        return WSL_OK;
    pos = wsl__mallocarray(a, m, sizeof *pos);
    src = wsl__mallocarray(a, q, sizeof *src);
    fired = wsl__mallocarray(a, q, sizeof *fired);
    both = wsl__calloc(a, q * q, sizeof *both);
    nfire = wsl__calloc(a, q, sizeof *nfire);
    if (!pos || !src || !fired || !both || !nfire) {
        st = WSL_ENOMEM;
        goto done;
    }
    q = 0;
    for (size_t j = 0; j < m; j++) {
        pos[j] = SIZE_MAX;
        if (single[j] >= 0) {
            pos[j] = q;
            src[q++] = j;
        }
    }
    /* Canonical order: the sums do not depend on how the table was built. */
    for (size_t oi = 0; oi < T->n; oi++) {
        size_t p = oi, nf = 0;
        double cnt = (double)T->counts[p];
        for (size_t e = T->start[p]; e < T->start[p + 1]; e++)
            if (T->cols[e] < m && pos[T->cols[e]] != SIZE_MAX)
                fired[nf++] = pos[T->cols[e]];
        for (size_t u = 0; u < nf; u++) {
            nfire[fired[u]] += cnt;
            for (size_t w = u + 1; w < nf; w++)
                both[fired[u] * q + fired[w]] += cnt; /* cols ascend: fired[u] < fired[w] */
        }
    }
    for (size_t u = 0; u < q; u++) {
        size_t ju = src[u];
        for (size_t w = u + 1; w < q; w++) {
            size_t jw = src[w];
            if (model->cl.n && model->cl.of_source[ju] >= 0 &&
                model->cl.of_source[ju] == model->cl.of_source[jw])
                continue; /* modelled jointly */
            double e11 = 0, o11 = both[u * q + w], nu = nfire[u], nw = nfire[w];
            if (model->one_coin) {
                /* Each fires at f but for its own class (h): four terms, not k. */
                int32_t au = single[ju], aw = single[jw];
                double fu = model->fire_out[ju], fw = model->fire_out[jw];
                double du = model->fire_in[ju] - fu, dw = model->fire_in[jw] - fw;
                e11 = fu * fw + model->prior[au] * du * fw + model->prior[aw] * dw * fu +
                      (au == aw ? model->prior[au] * du * dw : 0);
            } else {
                for (int32_t c = 0; c < k; c++)
                    e11 += model->prior[c] * model->table[wsl__tab_index(k, ju, c, single[ju])] *
                           model->table[wsl__tab_index(k, jw, c, single[jw])];
            }
            e11 *= n;
            sum += 2 * (g_term(o11, e11) + g_term(nu - o11, nu - e11) +
                        g_term(nw - o11, nw - e11) + g_term(n - nu - nw + o11, n - nu - nw + e11));
            pairs += 1;
        }
    }
    if (pairs > 0) {
        *g = sum / pairs;
        *limit = 1 + 3 * sqrt(2 / pairs);
    }
done:
    wsl__free(a, pos);
    wsl__free(a, src);
    wsl__free(a, fired);
    wsl__free(a, both);
    wsl__free(a, nfire);
    return st;
}
