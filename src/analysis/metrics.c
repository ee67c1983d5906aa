/* Metrics of probabilistic labels against gold, over all or covered rows, and per slice. */
#include "core/core.h"
#include "votes/label_matrix_impl.h"
#include "wsl/analysis.h"

#include <math.h>
#include <string.h>

static wsl_status check_inputs(const char *fn, const double *probs, size_t n, size_t k,
                               const int32_t *gold, size_t gold_len)
{
    size_t cells;
    WSL_CHECK_ARG(probs != NULL || n == 0);
    WSL_CHECK_ARG(gold != NULL || n == 0);
    if (k < 1 || k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EINVAL, "%s: k must be in 1..%d (got %zu)", fn, WSL_MAX_CARDINALITY,
                          k);
    if (gold_len != n)
        return wsl__error(WSL_EDIM, "%s: gold has %zu labels, probabilities %zu rows", fn,
                          gold_len, n);
    if (!wsl__mul_size(&cells, n, k))
        return wsl__error(WSL_EINVAL, "%s: n x k overflows", fn);
    for (size_t i = 0; i < n; i++) {
        if (gold[i] < WSL_ABSTAIN || (size_t)(gold[i] + 1) > k)
            return wsl__error(WSL_ERANGE, "%s: gold[%zu] = %ld is outside -1..%zu", fn, i,
                              (long)gold[i], k - 1);
        for (size_t c = 0; c < k; c++)
            if (!(probs[i * k + c] >= 0) || isinf(probs[i * k + c]))
                return wsl__error(WSL_EINVAL, "%s: probability (%zu, %zu) is %g", fn, i, c,
                                  probs[i * k + c]);
    }
    return WSL_OK;
}

/*
 * The metrics of the rows i with in_rows[i] (NULL = all). conf is a k x k scratch (or output)
 * confusion matrix of fractional counts: a row tied among t classes adds 1/t to each.
 */
static void compute(const double *probs, size_t n, size_t k, const int32_t *gold,
                    const uint8_t *covered, int covered_only, const uint8_t *in_rows,
                    wsl_metrics *out, double *conf, double *per_class)
{
    double acc = 0, brier = 0, ll = 0;
    size_t n_cov = 0, n_rows = 0;
    memset(out, 0, sizeof *out);
    memset(conf, 0, k * k * sizeof *conf);
    out->covered_only = covered_only;
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + i * k;
        double best = p[0];
        size_t tied = 0;
        int cov = covered ? covered[i] != 0 : 1;
        if (in_rows && !in_rows[i])
            continue;
        n_rows++;
        n_cov += (size_t)cov;
        if (!cov)
            out->n_uncovered++;
        if (gold[i] == WSL_ABSTAIN) {
            out->n_unknown_gold++;
            continue;
        }
        if (covered_only && !cov)
            continue;
        out->n_counted++;
        for (size_t c = 1; c < k; c++)
            if (p[c] > best)
                best = p[c];
        for (size_t c = 0; c < k; c++)
            tied += p[c] >= best - 1e-12;
        for (size_t c = 0; c < k; c++) {
            double target = (size_t)gold[i] == c;
            if (p[c] >= best - 1e-12)
                conf[(size_t)gold[i] * k + c] += 1.0 / (double)tied;
            brier += (p[c] - target) * (p[c] - target);
        }
        if (p[gold[i]] >= best - 1e-12)
            acc += 1.0 / (double)tied;
        ll -= log(p[gold[i]] > 1e-15 ? p[gold[i]] : 1e-15);
    }
    out->n_rows = n_rows;
    out->coverage = n_rows ? (double)n_cov / (double)n_rows : 0;
    if (out->n_counted) {
        double cnt = (double)out->n_counted, sp = 0, sr = 0, sf = 0;
        size_t n_classes = 0;
        out->accuracy = acc / cnt;
        out->brier = brier / cnt;
        out->log_loss = ll / cnt;
        for (size_t c = 0; c < k; c++) {
            double tp = conf[c * k + c], pred = 0, real = 0, pr, rc, f1;
            for (size_t d = 0; d < k; d++) {
                pred += conf[d * k + c];
                real += conf[c * k + d];
            }
            pr = pred > 0 ? tp / pred : NAN;
            rc = real > 0 ? tp / real : NAN;
            f1 = pred + real > 0 ? 2 * tp / (pred + real) : NAN;
            if (per_class) {
                per_class[c * 3] = pr;
                per_class[c * 3 + 1] = rc;
                per_class[c * 3 + 2] = f1;
            }
            if (pred + real > 0) { /* classes present in gold or predicted */
                n_classes++;
                sp += pred > 0 ? pr : 0;
                sr += real > 0 ? rc : 0;
                sf += f1;
            }
        }
        out->macro_precision = sp / (double)n_classes;
        out->macro_recall = sr / (double)n_classes;
        out->macro_f1 = sf / (double)n_classes;
    } else {
        out->accuracy = out->brier = out->log_loss = NAN;
        out->macro_precision = out->macro_recall = out->macro_f1 = NAN;
        if (per_class)
            for (size_t c = 0; c < 3 * k; c++)
                per_class[c] = NAN;
    }
}

wsl_status wsl_metrics_compute(const double *probs, size_t n, size_t k, const int32_t *gold,
                               size_t gold_len, const uint8_t *covered, int covered_only,
                               wsl_metrics *out, double *per_class, size_t per_class_len,
                               double *confusion, size_t confusion_len)
{
    wsl_allocator a = wsl__allocator(NULL);
    double *conf = confusion;
    size_t kk;
    WSL_CHECK_ARG(out != NULL);
    WSL_TRY(check_inputs(__func__, probs, n, k, gold, gold_len));
    if (!wsl__mul_size(&kk, k, k))
        return wsl__error(WSL_EINVAL, "%s: k x k overflows", __func__);
    if (per_class && per_class_len < 3 * k)
        return wsl__error(WSL_EBUFS, "%s: per_class holds %zu values, needs %zu", __func__,
                          per_class_len, 3 * k);
    if (confusion && confusion_len < kk)
        return wsl__error(WSL_EBUFS, "%s: confusion holds %zu values, needs %zu", __func__,
                          confusion_len, kk);
    if (!conf && !(conf = wsl__mallocarray(&a, kk, sizeof *conf)))
        return WSL_ENOMEM;
    compute(probs, n, k, gold, covered, covered_only != 0, NULL, out, conf, per_class);
    if (conf != confusion)
        wsl__free(&a, conf);
    return WSL_OK;
}

wsl_status wsl_metrics_by_slice(const double *probs, size_t n, size_t k, const int32_t *gold,
                                size_t gold_len, const uint8_t *covered, int covered_only,
                                const wsl_label_matrix *S, wsl_metrics *out, size_t out_len)
{
    wsl_allocator a;
    double *conf = NULL;
    uint8_t *in = NULL;
    size_t kk;
    WSL_CHECK_ARG(S != NULL);
    a = S->alloc; /* scratch from the slices' allocator, as predict takes the model's */
    WSL_CHECK_ARG(out != NULL);
    WSL_TRY(check_inputs(__func__, probs, n, k, gold, gold_len));
    if (S->n != n)
        return wsl__error(WSL_EDIM, "%s: slices have %zu rows, probabilities %zu", __func__, S->n,
                          n);
    if (out_len < S->m)
        return wsl__error(WSL_EBUFS, "%s: out holds %zu metrics, there are %zu slices", __func__,
                          out_len, S->m);
    if (!wsl__mul_size(&kk, k, k))
        return wsl__error(WSL_EINVAL, "%s: k x k overflows", __func__);
    conf = wsl__mallocarray(&a, kk, sizeof *conf);
    in = wsl__malloc(&a, n ? n : 1);
    if (!conf || !in) {
        wsl__free(&a, conf);
        wsl__free(&a, in);
        return WSL_ENOMEM;
    }
    for (size_t s = 0; s < S->m; s++) {
        for (size_t i = 0; i < n; i++)
            in[i] = wsl__lm_get(S, i, s) == 1;
        compute(probs, n, k, gold, covered, covered_only != 0, in, &out[s], conf, NULL);
    }
    wsl__free(&a, conf);
    wsl__free(&a, in);
    return WSL_OK;
}
