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
    if (o->version >= 2) {
        if (o->n_copies >= o->n_sources && o->n_copies > 0)
            return BAD("opts->n_copies must be < n_sources (got %zu of %zu sources)", o->n_copies,
                       o->n_sources);
        if (o->n_copies > 0 && o->copy_source >= o->n_sources - o->n_copies)
            return BAD("opts->copy_source must be < n_sources - n_copies = %zu (got %zu)",
                       o->n_sources - o->n_copies, o->copy_source);
        if (!(o->copy_redraw >= 0 && o->copy_redraw <= 1))
            return BAD("opts->copy_redraw must be in [0, 1] (got %g)", o->copy_redraw);
        if (o->n_error_pairs > (o->n_sources - o->n_copies) / 2)
            return BAD("opts->n_error_pairs must be <= (n_sources - n_copies) / 2 = %zu (got %zu)",
                       (o->n_sources - o->n_copies) / 2, o->n_error_pairs);
        if (!(o->error_coupling >= 0 && o->error_coupling <= 1))
            return BAD("opts->error_coupling must be in [0, 1] (got %g)", o->error_coupling);
    }
    return WSL_OK;
}

/* Version-2 fields as the caller gave them, zero for a version-1 struct (which ends before). */
typedef struct planted {
    size_t n_copies, copy_source, n_error_pairs;
    double copy_redraw, error_coupling;
} planted;

static planted planted_of(const wsl_synth_options *o)
{
    planted p = {0, 0, 0, 0, 0};
    if (o->version >= 2) {
        p.n_copies = o->n_copies;
        p.copy_source = o->copy_source;
        p.n_error_pairs = o->n_error_pairs;
        p.copy_redraw = o->copy_redraw;
        p.error_coupling = o->error_coupling;
    }
    return p;
}

typedef struct source {
    double acc;        /* P(right | fires) as drawn; for one-polarity sources what is achieved */
    double cov;        /* P(fires), or P(fires | y == polarity) for one-polarity sources */
    double fire_other; /* one-polarity: P(fires | y != polarity) */
    int32_t polarity;  /* WSL_ABSTAIN: votes every class */
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
    /* Rounding can leave u past the last class with mass; take the last class that has some. */
    for (int32_t c = k - 1; c > 0; c--)
        if (prior[c] > 0)
            return c;
    return 0;
}

/* Draw source j's parameters. A one-polarity source's class is uniform over the classes of
 * positive prior (it would never fire otherwise). Returns its expected vote rate. */
static double draw_source(source *s, wsl__rng *rng, const wsl_synth_options *o)
{
    const int32_t k = o->cardinality;
    s->acc = o->accuracy_min + (o->accuracy_max - o->accuracy_min) * wsl__rng_uniform(rng);
    s->cov = o->coverage_min + (o->coverage_max - o->coverage_min) * wsl__rng_uniform(rng);
    s->polarity = WSL_ABSTAIN;
    s->fire_other = 0;
    if (wsl__rng_uniform(rng) < o->one_polarity) {
        double pc, rest;
        if (!o->class_prior) {
            s->polarity = (int32_t)wsl__rng_below(rng, (uint64_t)k);
            pc = 1.0 / (double)k;
        } else {
            uint64_t n_pos = 0, pick;
            for (int32_t c = 0; c < k; c++)
                n_pos += o->class_prior[c] > 0;
            pick = wsl__rng_below(rng, n_pos); /* n_pos >= 1: the prior sums to 1 */
            for (int32_t c = 0; c < k; c++) {
                if (o->class_prior[c] > 0 && pick-- == 0) {
                    s->polarity = c;
                    break;
                }
            }
            pc = o->class_prior[s->polarity];
        }
        rest = 1 - pc;
        if (rest <= 0) {
            s->acc = 1; /* the class never differs from its own: always right */
        } else if (s->cov > 0) {
            /* precision = pc cov / (pc cov + rest f) = acc  <=>  f = pc cov (1 - acc) / (acc rest).
             * f > 1 means even firing on every other record keeps precision above acc: clamp
             * and report the precision reached. */
            s->fire_other = pc * s->cov * (1 - s->acc) / (s->acc * rest);
            if (s->fire_other > 1) {
                s->fire_other = 1;
                s->acc = pc * s->cov / (pc * s->cov + rest);
            }
        }
        return pc * s->cov + rest * s->fire_other;
    }
    return s->cov;
}

static int32_t draw_vote(const source *s, wsl__rng *rng, int32_t y, int32_t k)
{
    int32_t v;
    if (s->polarity != WSL_ABSTAIN) {
        double rate = y == s->polarity ? s->cov : s->fire_other;
        return wsl__rng_uniform(rng) < rate ? s->polarity : WSL_ABSTAIN;
    }
    if (!(wsl__rng_uniform(rng) < s->cov))
        return WSL_ABSTAIN;
    if (wsl__rng_uniform(rng) < s->acc)
        return y;
    v = (int32_t)wsl__rng_below(rng, (uint64_t)(k - 1));
    return v + (v >= y);
}

/* One record's votes, dependencies included. The error pair's partner votes first, then
 * the pairs' second sources, then the copies of an already drawn source. */
static void draw_row(const source *src, planted pl, wsl__rng *rng, int32_t y, int32_t k,
                     size_t m, int32_t *row)
{
    size_t first_copy = m - pl.n_copies;
    for (size_t j = 0; j < first_copy; j++) {
        row[j] = draw_vote(&src[j], rng, y, k);
        if (j % 2 == 1 && j / 2 < pl.n_error_pairs && src[j - 1].polarity == WSL_ABSTAIN &&
            src[j].polarity == WSL_ABSTAIN && row[j - 1] != WSL_ABSTAIN && row[j - 1] != y &&
            row[j] != WSL_ABSTAIN && wsl__rng_uniform(rng) < pl.error_coupling)
            row[j] = row[j - 1];
    }
    for (size_t j = first_copy; j < m; j++)
        row[j] = pl.copy_redraw > 0 && wsl__rng_uniform(rng) < pl.copy_redraw
                     ? draw_vote(&src[j], rng, y, k)
                     : row[pl.copy_source];
}

wsl_status wsl_synth_generate(wsl_label_matrix **votes_out, const wsl_synth_options *o,
                              int32_t *gold, size_t gold_len, double *accuracy,
                              size_t accuracy_len, int32_t *polarity, size_t polarity_len)
{
    wsl_allocator a;
    wsl__rng rng;
    source *src = NULL;
    int32_t *row = NULL;
    double *rate_of = NULL;
    planted pl;
    void *cells = NULL;
    wsl_label_matrix *L = NULL;
    wsl_status st = WSL_OK;
    wsl_storage storage;
    double rate = 0;
    int32_t k;
    size_t m, n;

    WSL_CHECK_ARG(votes_out != NULL);
    *votes_out = NULL;
    WSL_TRY(wsl_synth_options_validate(o));
    k = o->cardinality;
    m = o->n_sources;
    n = o->n_points;
    if (gold && gold_len < n)
        return wsl__error(WSL_EBUFS, "%s: gold has %zu entries, n_points is %zu", __func__,
                          gold_len, n);
    if (accuracy && accuracy_len < m)
        return wsl__error(WSL_EBUFS, "%s: accuracy has %zu entries, n_sources is %zu", __func__,
                          accuracy_len, m);
    if (polarity && polarity_len < m)
        return wsl__error(WSL_EBUFS, "%s: polarity has %zu entries, n_sources is %zu", __func__,
                          polarity_len, m);
    pl = planted_of(o);
    a = wsl__allocator(o->alloc);
    src = wsl__mallocarray(&a, m, sizeof *src);
    row = wsl__mallocarray(&a, m, sizeof *row);
    rate_of = wsl__mallocarray(&a, m, sizeof *rate_of);
    if (!src || !row || !rate_of) {
        st = WSL_ENOMEM;
        goto done;
    }
    wsl__rng_seed(&rng, o->seed);
    for (size_t j = 0; j < m; j++) {
        if (j >= m - pl.n_copies) {
            src[j] = src[pl.copy_source]; /* a copy votes like its original */
            rate += rate_of[pl.copy_source];
        } else {
            rate += rate_of[j] = draw_source(&src[j], &rng, o);
        }
    }
    for (size_t j = 0; j < m; j++) {
        if (accuracy)
            accuracy[j] = src[j].acc;
        if (polarity)
            polarity[j] = src[j].polarity;
    }
    /* The second of an error pair is right only when it would have been and its partner did
     * not pull it: acc (1 - coupling P(partner votes wrong)). */
    for (size_t p = 0; accuracy && p < pl.n_error_pairs; p++) {
        const source *s1 = &src[2 * p], *s2 = &src[2 * p + 1];
        if (s1->polarity == WSL_ABSTAIN && s2->polarity == WSL_ABSTAIN)
            accuracy[2 * p + 1] = s2->acc * (1 - pl.error_coupling * s1->cov * (1 - s1->acc));
    }
    /* AUTO decides on the expected number of votes, so the matrix is built once, never copied. */
    storage = o->storage;
    if (storage == WSL_STORAGE_AUTO) {
        double nnz = rate * (double)n;
        storage = wsl__pick_storage(n, m, k, nnz < (double)SIZE_MAX ? (size_t)nnz : SIZE_MAX);
    }
    if ((st = wsl_label_matrix_create(&L, 0, m, k, storage, &a)) != WSL_OK)
        goto done;
    if (storage == WSL_STORAGE_DENSE) {
        /* Exactly n x m cells, filled in place and handed to the matrix. */
        size_t n_cells, bytes;
        if (!wsl__mul_size(&n_cells, n, m) || !wsl__mul_size(&bytes, n_cells, L->elem)) {
            st = wsl__error(WSL_ENOMEM, "%s: %zu x %zu votes overflow memory", __func__, n, m);
            goto done;
        }
        if (!(cells = wsl__malloc(&a, bytes))) {
            st = WSL_ENOMEM;
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int32_t y = draw_class(&rng, o->class_prior, k);
        if (gold)
            gold[i] = y;
        draw_row(src, pl, &rng, y, k, m, row);
        if (cells) {
            for (size_t j = 0; j < m; j++)
                wsl__store_vote(cells, L->elem, i * m + j, row[j]);
            continue;
        }
        if ((st = wsl_label_matrix_append_row(L, row, m)) != WSL_OK)
            goto done;
    }
    if (cells) {
        wsl__label_matrix_adopt_cells(L, cells, n, n);
        cells = NULL;
    }
done:
    wsl__free(&a, src);
    wsl__free(&a, row);
    wsl__free(&a, rate_of);
    wsl__free(&a, cells);
    if (st != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    *votes_out = L;
    return WSL_OK;
}
