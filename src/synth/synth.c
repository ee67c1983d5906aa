#include "core/core.h"
#include "votes/label_matrix_impl.h"
#include "wsl/synth.h"

#include <math.h>
#include <string.h>

#define BAD(...) wsl__error(WSL_EINVAL, "wsl_synth_options: " __VA_ARGS__)

wsl_status wsl_synth_options_validate(const wsl_synth_options *o)
{
    if (!o)
        return wsl__error(WSL_EINVAL, "wsl_synth_options_validate: opts is NULL");
    if (o->version < 1 || o->version > WSL_SYNTH_OPTIONS_VERSION)
        return BAD("opts->version must be 1..%d (got %u)", WSL_SYNTH_OPTIONS_VERSION, o->version);
    if (o->n_points < 1)
        return BAD("opts->n_points must be >= 1 (got 0)");
    if (o->n_sources < 1)
        return BAD("opts->n_sources must be >= 1 (got 0)");
    if (o->cardinality < 2 || o->cardinality > WSL_MAX_CARDINALITY)
        return BAD("opts->cardinality must be in 2..%d (got %ld)", WSL_MAX_CARDINALITY,
                   (long)o->cardinality);
    if (!(o->accuracy_min > 0 && o->accuracy_min <= 1))
        return BAD("opts->accuracy_min must be in (0, 1] (got %g)", o->accuracy_min);
    if (!(o->accuracy_max >= o->accuracy_min && o->accuracy_max <= 1))
        return BAD("opts->accuracy_max must be in [accuracy_min, 1] (got %g)", o->accuracy_max);
    if (!(o->coverage_min >= 0 && o->coverage_min <= 1))
        return BAD("opts->coverage_min must be in [0, 1] (got %g)", o->coverage_min);
    if (!(o->coverage_max >= o->coverage_min && o->coverage_max <= 1))
        return BAD("opts->coverage_max must be in [coverage_min, 1] (got %g)", o->coverage_max);
    if (!(o->one_polarity >= 0 && o->one_polarity <= 1))
        return BAD("opts->one_polarity must be in [0, 1] (got %g)", o->one_polarity);
    if ((unsigned)o->storage > WSL_STORAGE_SPARSE)
        return BAD("opts->storage must be a wsl_storage value (got %d)", (int)o->storage);
    if (o->class_prior) {
        double sum = 0;
        for (int32_t c = 0; c < o->cardinality; c++) {
            if (!(o->class_prior[c] >= 0 && o->class_prior[c] <= 1))
                return BAD("opts->class_prior[%ld] must be in [0, 1] (got %g)", (long)c,
                           o->class_prior[c]);
            sum += o->class_prior[c];
        }
        if (fabs(sum - 1) > 1e-6)
            return BAD("opts->class_prior must sum to 1 (got %.9g)", sum);
    }
    return WSL_OK;
}

typedef struct source {
    double acc, cov, fire_other; /* fire_other: one-polarity rate when the class is not its own */
    int32_t polarity;            /* WSL_ABSTAIN: votes every class */
} source;

static int32_t draw_class(wsl__rng *rng, const double *prior, int32_t k)
{
    double u;
    if (!prior)
        return (int32_t)wsl__rng_below(rng, (uint64_t)k);
    u = wsl__rng_uniform(rng);
    for (int32_t c = 0; c < k - 1; c++) {
        if (u < prior[c])
            return c;
        u -= prior[c];
    }
    return k - 1;
}

wsl_status wsl_synth_generate(wsl_label_matrix **votes_out, const wsl_synth_options *o,
                              int32_t *gold, size_t gold_len, double *accuracy,
                              size_t accuracy_len, int32_t *polarity, size_t polarity_len)
{
    wsl_allocator a;
    wsl__rng rng;
    source *src = NULL;
    int32_t *row = NULL;
    wsl_label_matrix *L = NULL;
    wsl_status st = WSL_OK;
    int32_t k;
    size_t m, n;

    WSL_CHECK_ARG(votes_out != NULL);
    *votes_out = NULL;
    WSL_TRY(wsl_synth_options_validate(o));
    k = o->cardinality;
    m = o->n_sources;
    n = o->n_points;
    if ((gold && gold_len < n) || (accuracy && accuracy_len < m) ||
        (polarity && polarity_len < m))
        return wsl__error(WSL_EBUFS, "%s: gold needs %zu entries, accuracy and polarity %zu",
                          __func__, n, m);
    a = wsl__allocator(o->alloc);
    src = wsl__mallocarray(&a, m, sizeof *src);
    row = wsl__mallocarray(&a, m, sizeof *row);
    if (!src || !row) {
        st = WSL_ENOMEM;
        goto done;
    }
    wsl__rng_seed(&rng, o->seed);
    for (size_t j = 0; j < m; j++) {
        source *s = &src[j];
        s->acc = o->accuracy_min + (o->accuracy_max - o->accuracy_min) * wsl__rng_uniform(&rng);
        s->cov = o->coverage_min + (o->coverage_max - o->coverage_min) * wsl__rng_uniform(&rng);
        s->polarity = WSL_ABSTAIN;
        s->fire_other = 0;
        if (wsl__rng_uniform(&rng) < o->one_polarity) {
            double pc, rest;
            s->polarity = (int32_t)wsl__rng_below(&rng, (uint64_t)k);
            /* precision = pc cov / (pc cov + (1 - pc) f) = acc  =>  f as below */
            pc = o->class_prior ? o->class_prior[s->polarity] : 1.0 / (double)k;
            rest = 1 - pc;
            s->fire_other = rest > 0 && s->acc > 0
                                ? pc * s->cov * (1 - s->acc) / (s->acc * rest)
                                : 0;
            if (s->fire_other > 1)
                s->fire_other = 1;
        }
        if (accuracy)
            accuracy[j] = s->acc;
        if (polarity)
            polarity[j] = s->polarity;
    }
    if ((st = wsl_label_matrix_create(&L, 0, m, k, o->storage == WSL_STORAGE_SPARSE
                                                       ? WSL_STORAGE_SPARSE
                                                       : WSL_STORAGE_DENSE, &a)) != WSL_OK)
        goto done;
    for (size_t i = 0; i < n; i++) {
        int32_t y = draw_class(&rng, o->class_prior, k);
        if (gold)
            gold[i] = y;
        for (size_t j = 0; j < m; j++) {
            const source *s = &src[j];
            int32_t v = WSL_ABSTAIN;
            if (s->polarity != WSL_ABSTAIN) {
                double rate = y == s->polarity ? s->cov : s->fire_other;
                if (wsl__rng_uniform(&rng) < rate)
                    v = s->polarity;
            } else if (wsl__rng_uniform(&rng) < s->cov) {
                if (wsl__rng_uniform(&rng) < s->acc) {
                    v = y;
                } else {
                    v = (int32_t)wsl__rng_below(&rng, (uint64_t)(k - 1));
                    v += v >= y;
                }
            }
            row[j] = v;
        }
        if ((st = wsl_label_matrix_append_row(L, row, m)) != WSL_OK)
            goto done;
    }
    if (o->storage == WSL_STORAGE_AUTO) {
        wsl_label_matrix *C = NULL;
        if ((st = wsl_label_matrix_convert(&C, L, WSL_STORAGE_AUTO)) != WSL_OK)
            goto done;
        wsl_label_matrix_free(L);
        L = C;
    }
done:
    wsl__free(&a, src);
    wsl__free(&a, row);
    if (st != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    *votes_out = L;
    return WSL_OK;
}
