#include "model_impl.h"
#include "votes/label_matrix_impl.h"

#include <math.h>
#include <string.h>

static wsl_status check_prior(const char *fn, const double *prior, int32_t k)
{
    double sum = 0;
    if (!prior)
        return WSL_OK;
    for (int32_t c = 0; c < k; c++) {
        if (!(prior[c] >= 0 && prior[c] <= 1))
            return wsl__error(WSL_EINVAL, "%s: prior[%ld] must be in [0, 1] (got %g)", fn,
                              (long)c, prior[c]);
        sum += prior[c];
    }
    if (fabs(sum - 1) > 1e-6)
        return wsl__error(WSL_EINVAL, "%s: prior must sum to 1 (got %.9g)", fn, sum);
    return WSL_OK;
}

/* The votes of row i per class, each weighted by weights[j] / div (1 without weights), into
 * p[0..k); returns their sum. */
static double row_shares(const wsl_label_matrix *L, size_t i, const double *weights, double div,
                         double *p)
{
    double total = 0;
    memset(p, 0, (size_t)L->k * sizeof *p);
    if (L->storage == WSL_STORAGE_SPARSE) {
        for (size_t e = L->row_ptr[i]; e < L->row_ptr[i + 1]; e++) {
            double w = weights ? weights[L->cols[e]] / div : 1.0;
            p[wsl__load_vote(L->vals, L->elem, e)] += w;
            total += w;
        }
    } else {
        for (size_t j = 0; j < L->m; j++) {
            int32_t v = wsl__load_vote(L->cells, L->elem, i * L->m + j);
            if (v != WSL_ABSTAIN) {
                double w = weights ? weights[j] / div : 1.0;
                p[v] += w;
                total += w;
            }
        }
    }
    return total;
}

wsl_status wsl_majority_vote_proba(const wsl_label_matrix *L, const double *weights,
                                   const double *prior, double *probs, size_t probs_len,
                                   uint8_t *covered, size_t covered_len)
{
    size_t cells;
    int32_t k;
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(probs != NULL || L->n == 0);
    k = L->k;
    WSL_TRY(check_prior(__func__, prior, k));
    if (weights)
        for (size_t j = 0; j < L->m; j++)
            if (!(weights[j] >= 0) || isinf(weights[j]))
                return wsl__error(WSL_EINVAL, "%s: weights[%zu] must be finite and >= 0 (got %g)",
                                  __func__, j, weights[j]);
    if (!wsl__mul_size(&cells, L->n, (size_t)k) || probs_len < cells)
        return wsl__error(WSL_EBUFS, "%s: probs holds %zu values, needs %zu x %ld", __func__,
                          probs_len, L->n, (long)k);
    if (covered && covered_len < L->n)
        return wsl__error(WSL_EBUFS, "%s: covered holds %zu flags, needs %zu", __func__,
                          covered_len, L->n);
    for (size_t i = 0; i < L->n; i++) {
        double *p = probs + i * (size_t)k, total = row_shares(L, i, weights, 1.0, p);
        if (isinf(total)) {
            /* Huge finite weights overflowed the sum (inf / inf is NaN). The shares do not
             * change when the row's weights are divided by its largest. */
            double wmax = 0;
            for (size_t j = 0; j < L->m; j++)
                if (weights[j] > wmax && wsl__lm_get(L, i, j) != WSL_ABSTAIN)
                    wmax = weights[j];
            total = row_shares(L, i, weights, wmax, p);
        }
        if (total > 0) {
            for (int32_t c = 0; c < k; c++)
                p[c] /= total;
        } else {
            for (int32_t c = 0; c < k; c++)
                p[c] = prior ? prior[c] : 1.0 / (double)k;
        }
        if (covered)
            covered[i] = total > 0;
    }
    return WSL_OK;
}

wsl_status wsl_probs_to_labels(const double *probs, size_t n, size_t k, wsl_tie_policy policy,
                               uint64_t seed, int32_t *labels, size_t labels_len)
{
    wsl__rng rng;
    WSL_CHECK_ARG(probs != NULL || n == 0);
    WSL_CHECK_ARG(labels != NULL || n == 0);
    if (k < 1 || k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EINVAL, "%s: k must be in 1..%d (got %zu)", __func__,
                          WSL_MAX_CARDINALITY, k);
    if ((unsigned)policy > WSL_TIE_LOWEST)
        return wsl__error(WSL_EINVAL, "%s: policy must be a wsl_tie_policy value (got %d)",
                          __func__, (int)policy);
    if (labels_len < n)
        return wsl__error(WSL_EBUFS, "%s: labels holds %zu entries, needs %zu", __func__,
                          labels_len, n);
    wsl__rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + i * k;
        double best = p[0];
        size_t n_tied = 0, pick;
        for (size_t c = 1; c < k; c++)
            if (p[c] > best)
                best = p[c];
        for (size_t c = 0; c < k; c++)
            n_tied += p[c] >= best - 1e-12;
        if (n_tied > 1 && policy == WSL_TIE_ABSTAIN) {
            labels[i] = WSL_ABSTAIN;
            continue;
        }
        if (n_tied == 1 || policy == WSL_TIE_LOWEST)
            pick = 0;
        else if (policy == WSL_TIE_HASH)
            pick = (size_t)(wsl__splitmix64(i ^ wsl__splitmix64(seed)) % n_tied);
        else
            pick = (size_t)wsl__rng_below(&rng, n_tied);
        for (size_t c = 0; c < k; c++) {
            if (p[c] >= best - 1e-12) {
                if (pick == 0) {
                    labels[i] = (int32_t)c;
                    break;
                }
                pick--;
            }
        }
    }
    return WSL_OK;
}
