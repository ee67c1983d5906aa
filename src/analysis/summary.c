/* The LF summary: one pass over the votes, O(votes) for dense and sparse storage alike. */
#include "core/core.h"
#include "votes/label_matrix_impl.h"
#include "wsl/analysis.h"

#include <math.h>
#include <string.h>

struct wsl_lf_summary {
    wsl_allocator alloc;
    size_t m;
    int32_t k;
    wsl_lf_stats *stats;
    int32_t *pol;        /* all emitted classes, LF by LF, ascending */
    size_t *pol_start;   /* m + 1 offsets into pol */
    wsl_lf_totals totals;
};

void wsl_lf_summary_free(wsl_lf_summary *S)
{
    if (!S)
        return;
    wsl_allocator a = S->alloc;
    wsl__free(&a, S->stats);
    wsl__free(&a, S->pol);
    wsl__free(&a, S->pol_start);
    wsl__free(&a, S);
}

/* Emitted classes: a bitmap of m x k bits when small, else per-LF sorting of the seen votes. */
static wsl_status collect_polarity(wsl_lf_summary *S, const wsl_label_matrix *L, uint32_t *cols,
                                   int32_t *vals)
{
    const wsl_allocator *a = &S->alloc;
    size_t bits, total = 0;
    uint8_t *seen;
    if (!wsl__mul_size(&bits, S->m, (size_t)S->k))
        return wsl__error(WSL_ENOMEM, "wsl_lf_summary_compute: %zu x %ld polarity table overflows",
                          S->m, (long)S->k);
    seen = wsl__calloc(a, bits / 8 + 1, 1);
    if (!seen)
        return WSL_ENOMEM;
    for (size_t i = 0; i < L->n; i++) {
        size_t nv = wsl__lm_row_votes(L, i, cols, vals);
        for (size_t e = 0; e < nv; e++) {
            size_t b = (size_t)cols[e] * (size_t)S->k + (size_t)vals[e];
            if (!(seen[b / 8] & (1u << (b % 8)))) {
                seen[b / 8] = (uint8_t)(seen[b / 8] | (1u << (b % 8)));
                total++;
            }
        }
    }
    S->pol = wsl__mallocarray(a, total ? total : 1, sizeof *S->pol);
    S->pol_start = wsl__mallocarray(a, S->m + 1, sizeof *S->pol_start);
    if (!S->pol || !S->pol_start) {
        wsl__free(a, seen);
        return WSL_ENOMEM;
    }
    total = 0;
    for (size_t j = 0; j < S->m; j++) {
        S->pol_start[j] = total;
        for (int32_t c = 0; c < S->k; c++) {
            size_t b = j * (size_t)S->k + (size_t)c;
            if (seen[b / 8] & (1u << (b % 8)))
                S->pol[total++] = c;
        }
        S->stats[j].n_polarity = total - S->pol_start[j];
    }
    S->pol_start[S->m] = total;
    wsl__free(a, seen);
    return WSL_OK;
}

wsl_status wsl_lf_summary_compute(wsl_lf_summary **out, const wsl_label_matrix *L,
                                  const int32_t *gold, size_t gold_len,
                                  const wsl_label_model *model)
{
    wsl_lf_summary *S = NULL;
    uint32_t *cols = NULL;
    int32_t *vals = NULL;
    size_t *cov = NULL, *ovl = NULL, *cnf = NULL;
    double *learned = NULL;
    size_t rows_cov = 0, rows_ovl = 0, rows_cnf = 0, n_gold = 0;
    wsl_status st = WSL_OK;
    const wsl_allocator *a;

    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(L != NULL);
    if (gold && gold_len != L->n)
        return wsl__error(WSL_EDIM, "%s: gold has %zu labels, the votes %zu rows", __func__,
                          gold_len, L->n);
    if (gold)
        for (size_t i = 0; i < L->n; i++)
            if (gold[i] < WSL_ABSTAIN || gold[i] >= L->k)
                return wsl__error(WSL_ERANGE, "%s: gold[%zu] = %ld is outside -1..%ld", __func__,
                                  i, (long)gold[i], (long)L->k - 1);
    if (model) {
        if (!wsl_label_model_is_fitted(model))
            return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
        if (wsl_label_model_n_sources(model) != L->m)
            return wsl__error(WSL_EDIM, "%s: the model has %zu sources, the votes %zu", __func__,
                              wsl_label_model_n_sources(model), L->m);
    }
    a = &L->alloc;
    S = wsl__calloc(a, 1, sizeof *S);
    if (!S)
        return WSL_ENOMEM;
    S->alloc = *a;
    S->m = L->m;
    S->k = L->k;
    S->stats = wsl__calloc(a, L->m, sizeof *S->stats);
    cols = wsl__mallocarray(a, L->m, sizeof *cols);
    vals = wsl__mallocarray(a, L->m, sizeof *vals);
    cov = wsl__calloc(a, L->m, sizeof *cov);
    ovl = wsl__calloc(a, L->m, sizeof *ovl);
    cnf = wsl__calloc(a, L->m, sizeof *cnf);
    learned = model ? wsl__mallocarray(a, L->m, sizeof *learned) : NULL;
    if (!S->stats || !cols || !vals || !cov || !ovl || !cnf || (model && !learned)) {
        st = WSL_ENOMEM;
        goto done;
    }
    if ((st = collect_polarity(S, L, cols, vals)) != WSL_OK)
        goto done;
    for (size_t i = 0; i < L->n; i++) {
        size_t nv = wsl__lm_row_votes(L, i, cols, vals);
        int disagree = 0;
        for (size_t e = 1; e < nv; e++)
            disagree |= vals[e] != vals[0];
        rows_cov += nv > 0;
        rows_ovl += nv > 1;
        rows_cnf += (size_t)disagree;
        if (gold && gold[i] != WSL_ABSTAIN)
            n_gold++;
        for (size_t e = 0; e < nv; e++) {
            size_t j = cols[e];
            cov[j]++;
            ovl[j] += nv > 1;
            if (disagree) {
                /* conflict for j: some other vote differs from j's */
                for (size_t f = 0; f < nv; f++)
                    if (vals[f] != vals[e]) {
                        cnf[j]++;
                        break;
                    }
            }
            if (gold && gold[i] != WSL_ABSTAIN) {
                if (vals[e] == gold[i])
                    S->stats[j].correct++;
                else
                    S->stats[j].incorrect++;
            }
        }
    }
    if (model && (st = wsl_label_model_accuracies(model, learned, L->m)) != WSL_OK)
        goto done;
    for (size_t j = 0; j < L->m; j++) {
        wsl_lf_stats *s = &S->stats[j];
        double n = L->n ? (double)L->n : 1;
        s->coverage = (double)cov[j] / n;
        s->overlaps = (double)ovl[j] / n;
        s->conflicts = (double)cnf[j] / n;
        s->has_gold = gold != NULL;
        s->precision = s->correct + s->incorrect
                           ? (double)s->correct / (double)(s->correct + s->incorrect)
                           : NAN;
        s->learned_accuracy = model ? learned[j] : NAN;
    }
    S->totals.n_points = L->n;
    S->totals.n_sources = L->m;
    S->totals.coverage = L->n ? (double)rows_cov / (double)L->n : 0;
    S->totals.overlap = L->n ? (double)rows_ovl / (double)L->n : 0;
    S->totals.conflict = L->n ? (double)rows_cnf / (double)L->n : 0;
    S->totals.n_gold = n_gold;
done:
    wsl__free(a, cols);
    wsl__free(a, vals);
    wsl__free(a, cov);
    wsl__free(a, ovl);
    wsl__free(a, cnf);
    wsl__free(a, learned);
    if (st != WSL_OK) {
        wsl_lf_summary_free(S);
        return st;
    }
    *out = S;
    return WSL_OK;
}

wsl_status wsl_lf_summary_stats(const wsl_lf_summary *S, size_t j, wsl_lf_stats *out)
{
    WSL_CHECK_ARG(S != NULL);
    WSL_CHECK_ARG(out != NULL);
    if (j >= S->m)
        return wsl__error(WSL_ERANGE, "%s: source %zu is outside the %zu sources", __func__, j,
                          S->m);
    *out = S->stats[j];
    return WSL_OK;
}

wsl_status wsl_lf_summary_polarity(const wsl_lf_summary *S, size_t j, int32_t *classes, size_t len,
                                   size_t *n_out)
{
    size_t n;
    WSL_CHECK_ARG(S != NULL);
    if (j >= S->m)
        return wsl__error(WSL_ERANGE, "%s: source %zu is outside the %zu sources", __func__, j,
                          S->m);
    n = S->pol_start[j + 1] - S->pol_start[j];
    if (n_out)
        *n_out = n;
    if (n > len || (n && !classes))
        return wsl__error(WSL_EBUFS, "%s: source %zu emits %zu classes, the buffer holds %zu",
                          __func__, j, n, len);
    if (n)
        memcpy(classes, S->pol + S->pol_start[j], n * sizeof *classes);
    return WSL_OK;
}

wsl_status wsl_lf_summary_totals(const wsl_lf_summary *S, wsl_lf_totals *out)
{
    WSL_CHECK_ARG(S != NULL);
    WSL_CHECK_ARG(out != NULL);
    *out = S->totals;
    return WSL_OK;
}
