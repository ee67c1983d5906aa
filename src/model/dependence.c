/*
 * How much each pair of sources co-votes beyond what the model explains.
 *
 * For sources i and j, the observed table of their joint votes (abstain included) is compared
 * with the model's expectation n sum_c pi_c P(v_i = a | c) P(v_j = b | c) by a G statistic.
 * Under the model G is about chi-square with (S_i - 1)(S_j - 1) degrees of freedom, S being
 * the number of outcomes a source shows; sources that share logic score far above that.
 */
#include "model_impl.h"

#include <math.h>
#include <string.h>

/* Above this many pair cells the tables compare firing only (voted or abstained). */
#define MAX_PAIR_CELLS ((size_t)1 << 22)
/* Above this many outcomes per source too: a pair's expected table costs k (k + 1)^2. */
#define MAX_OUTCOMES 64

static double g_term(double o, double e)
{
    if (o <= 0.5)
        return 0; /* counts are integers: an empty cell adds nothing */
    if (e < 1e-12)
        e = 1e-12;
    return o * log(o / e);
}

/* P(outcome s of source j | c): s = 0 abstain, else the vote s - 1 (or any vote, firing only). */
static double outcome_prob(const wsl_label_model *model, size_t j, int32_t c, size_t s,
                           int fire_only)
{
    return fire_only && s == 1 ? 1 - wsl__model_prob(model, j, c, -1)
                               : wsl__model_prob(model, j, c, (int32_t)s - 1);
}

void wsl__pair_counts_release(wsl__pair_counts *pc, const wsl_allocator *a)
{
    wsl__free(a, pc->both);
    wsl__free(a, pc->margin);
    wsl__free(a, pc->obs);
    wsl__free(a, pc->expct);
    memset(pc, 0, sizeof *pc);
}

#define PAIR(i, j) ((i) * m - (i) * ((i) + 1) / 2 + (j) - (i) - 1) /* i < j, row-major triangle */

wsl_status wsl__pair_counts_init(wsl__pair_counts *pc, const wsl_allocator *a,
                                 const wsl_pattern_table *T, size_t m)
{
    size_t K1 = (size_t)T->k + 1, S, pairs = m * (m - 1) / 2, cells;
    uint32_t *vc = NULL;
    int32_t *vv = NULL;
    double *both, *margin;
    wsl_status st = WSL_OK;
    memset(pc, 0, sizeof *pc);
    pc->fire_only = m > 1 && (K1 > MAX_OUTCOMES || pairs > MAX_PAIR_CELLS / (K1 * K1));
    S = pc->fire_only ? 2 : K1;
    cells = (S - 1) * (S - 1); /* both voted: the other cells follow from the margins */
    pc->m = m;
    pc->S = S;
    pc->cells = cells;
    pc->n = (double)T->total;
    if (m < 2)
        return WSL_OK;
    pc->both = both = wsl__calloc(a, pairs * cells, sizeof *both);
    pc->margin = margin = wsl__calloc(a, m * S, sizeof *margin);
    pc->obs = wsl__mallocarray(a, S * S, sizeof *pc->obs);
    pc->expct = wsl__mallocarray(a, S * S, sizeof *pc->expct);
    vc = wsl__mallocarray(a, m, sizeof *vc);
    vv = wsl__mallocarray(a, m, sizeof *vv);
    if (!both || !margin || !pc->obs || !pc->expct || !vc || !vv) {
        st = WSL_ENOMEM;
        wsl__pair_counts_release(pc, a);
        goto done;
    }
    for (size_t p = 0; p < T->n; p++) {
        size_t nv = 0;
        double cnt = (double)T->counts[p];
        for (size_t e = T->start[p]; e < T->start[p + 1]; e++)
            if (T->cols[e] < m) {
                vc[nv] = T->cols[e];
                vv[nv++] = pc->fire_only ? 0 : T->vals[e];
            }
        for (size_t u = 0; u < nv; u++) {
            margin[vc[u] * S + (size_t)vv[u] + 1] += cnt;
            for (size_t w = u + 1; w < nv; w++)
                both[PAIR(vc[u], vc[w]) * cells + (size_t)vv[u] * (S - 1) + (size_t)vv[w]] += cnt;
        }
    }
    for (size_t j = 0; j < m; j++) {
        double voted = 0;
        for (size_t s = 1; s < S; s++)
            voted += margin[j * S + s];
        margin[j * S] = pc->n - voted;
    }
done:
    wsl__free(a, vc);
    wsl__free(a, vv);
    return st;
}

void wsl__pair_dependence(const wsl_label_model *model, wsl__pair_counts *pc, double *g,
                          double *df)
{
    int32_t k = model->k;
    size_t m = pc->m, S = pc->S, cells = pc->cells;
    int fire_only = pc->fire_only;
    const double *margin = pc->margin;
    double *obs = pc->obs, *expct = pc->expct, n = pc->n;
    for (size_t t = 0; t < m * m; t++) {
        g[t] = 0;
        if (df)
            df[t] = 0;
    }
    for (size_t i = 0; m >= 2 && i < m; i++)
        for (size_t j = i + 1; j < m; j++) {
            const double *b = pc->both + PAIR(i, j) * cells;
            double G = 0, si = 0, sj = 0;
            if (model->cl.n && model->cl.of_source[i] >= 0 &&
                model->cl.of_source[i] == model->cl.of_source[j]) {
                g[i * m + j] = g[j * m + i] = NAN; /* modelled jointly */
                if (df)
                    df[i * m + j] = df[j * m + i] = NAN;
                continue;
            }
            /* Observed: both-voted cells counted, the rest from the margins. */
            obs[0] = n;
            for (size_t x = 1; x < S; x++) {
                obs[x * S] = margin[i * S + x];
                obs[x] = margin[j * S + x];
                obs[0] -= margin[i * S + x] + margin[j * S + x];
            }
            for (size_t x = 1; x < S; x++)
                for (size_t y = 1; y < S; y++) {
                    double o = b[(x - 1) * (S - 1) + (y - 1)];
                    obs[x * S + y] = o;
                    obs[x * S] -= o;
                    obs[y] -= o;
                    obs[0] += o;
                }
            memset(expct, 0, S * S * sizeof *expct);
            for (int32_t c = 0; c < k; c++)
                for (size_t x = 0; x < S; x++) {
                    double px = model->prior[c] * outcome_prob(model, i, c, x, fire_only);
                    for (size_t y = 0; y < S; y++)
                        expct[x * S + y] += px * outcome_prob(model, j, c, y, fire_only);
                }
            for (size_t t = 0; t < S * S; t++)
                G += g_term(obs[t], n * expct[t]);
            for (size_t x = 0; x < S; x++) {
                si += margin[i * S + x] > 0.5;
                sj += margin[j * S + x] > 0.5;
            }
            g[i * m + j] = g[j * m + i] = 2 * G;
            if (df)
                df[i * m + j] = df[j * m + i] = (si - 1) * (sj - 1);
        }
}
#undef PAIR

wsl_status wsl_label_model_dependencies(const wsl_label_model *model, const wsl_label_matrix *L,
                                        double *g, size_t g_len, double *df, size_t df_len)
{
    wsl_pattern_table *T = NULL;
    size_t m, cells;
    wsl_status st;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(g != NULL);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    m = wsl_label_matrix_n_sources(L);
    if (m != model->m || wsl_label_matrix_cardinality(L) != model->k)
        return wsl__error(WSL_EDIM, "%s: votes have %zu sources and %ld classes, the model was "
                                    "fitted with %zu and %ld", __func__, m,
                          (long)wsl_label_matrix_cardinality(L), model->m, (long)model->k);
    if (!wsl__mul_size(&cells, m, m) || g_len < cells || (df && df_len < cells))
        return wsl__error(WSL_EBUFS, "%s: g and df need %zu x %zu values (got %zu and %zu)",
                          __func__, m, m, g_len, df ? df_len : 0);
    WSL_TRY(wsl_pattern_table_create(&T, m, model->k, &model->alloc));
    st = wsl_pattern_table_add(T, L, NULL, 0);
    if (st == WSL_OK && T->total == 0)
        st = wsl__error(WSL_EINVAL, "%s: the label matrix has no rows", __func__);
    if (st == WSL_OK) {
        wsl__pair_counts pc;
        if ((st = wsl__pair_counts_init(&pc, &model->alloc, T, m)) == WSL_OK)
            wsl__pair_dependence(model, &pc, g, df);
        wsl__pair_counts_release(&pc, &model->alloc);
    }
    wsl_pattern_table_free(T);
    return st;
}
