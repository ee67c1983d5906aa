#include "model_impl.h"

#include "matrix/matrix.h"
#include "votes/label_matrix_impl.h"
#include "votes/row_keys.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define TIE_NUDGE WSL__TIE_NUDGE

/* Whether rows of k probabilities at probs can be written with streaming stores: k even and
 * probs 16-byte aligned (then every row is). */
static int can_stream(const double *probs, size_t k)
{
#if defined(__SSE2__)
    return k % 2 == 0 && ((uintptr_t)probs & 15) == 0;
#else
    (void)probs;
    (void)k;
    return 0;
#endif
}

/*
 * A row's k probabilities from src (any 8-byte alignment: the model's allocator promises no
 * more). With stream (can_stream), streaming stores: rows are written whole and most of probs
 * is not in the caches, so its lines need not be read first (the copies were store-bound).
 * Not memcpy: a library call a row.
 */
static inline void copy_row(double *dst, const double *src, size_t k, int stream)
{
#if defined(__SSE2__)
    if (stream && k == 2) { /* the usual case, without the loop */
        _mm_stream_pd(dst, _mm_loadu_pd(src));
        return;
    }
    if (stream) {
        for (size_t c = 0; c < k; c += 2)
            _mm_stream_pd(dst + c, _mm_loadu_pd(src + c));
        return;
    }
#endif
    (void)stream;
    for (size_t c = 0; c < k; c++)
        dst[c] = src[c];
}

/* After streaming stores, before anyone reads them. */
static void stream_done(int stream)
{
#if defined(__SSE2__)
    if (stream)
        _mm_sfence();
#endif
    (void)stream;
}

wsl_status wsl_label_model_create(wsl_label_model **out, int32_t k, const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl_label_model *model;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    if (k < 2 || k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EINVAL, "%s: k (classes) must be in 2..%d (got %ld)", __func__,
                          WSL_MAX_CARDINALITY, (long)k);
    model = wsl__calloc(&a, 1, sizeof *model);
    if (!model)
        return WSL_ENOMEM;
    model->alloc = a;
    model->k = k;
    model->sample_min_votes = WSL__SAMPLE_MIN_VOTES;
    *out = model;
    return WSL_OK;
}

static void release_params(wsl_label_model *model)
{
    wsl__free(&model->alloc, model->prior);
    wsl__free(&model->alloc, model->log_prior);
    wsl__free(&model->alloc, model->table);
    wsl__free(&model->alloc, model->log_table);
    wsl__free(&model->alloc, model->delta);
    wsl__free(&model->alloc, model->abstain_log);
    model->delta = model->abstain_log = NULL;
    wsl__free(&model->alloc, model->single);
    wsl__free(&model->alloc, model->acc);
    wsl__free(&model->alloc, model->rate);
    wsl__free(&model->alloc, model->fire_in);
    wsl__free(&model->alloc, model->fire_out);
    wsl__free(&model->alloc, model->bonus);
    wsl__free(&model->alloc, model->eff_prior);
    wsl__free(&model->alloc, model->log_eff);
    model->single = NULL;
    model->log_eff = NULL;
    model->acc = model->rate = model->fire_in = model->fire_out = model->bonus = NULL;
    model->eff_prior = NULL;
    model->one_coin = 0;
    wsl__free(&model->alloc, model->history);
    model->prior = model->log_prior = model->table = model->log_table = model->history = NULL;
    wsl__cliques_release(model);
    model->n_history = 0;
    model->m = 0;
    model->fitted = 0;
    memset(&model->report, 0, sizeof model->report);
}

void wsl_label_model_free(wsl_label_model *model)
{
    if (!model)
        return;
    wsl_allocator a = model->alloc;
    release_params(model);
    wsl__free(&a, model);
}

wsl_status wsl__model_alloc_params(wsl_label_model *model, size_t m)
{
    size_t len;
    const wsl_allocator *a = &model->alloc;
    release_params(model);
    if (!wsl__mul_size(&len, m, (size_t)model->k) ||
        !wsl__mul_size(&len, len, (size_t)model->k + 1))
        return wsl__error(WSL_ENOMEM, "label model tables of %zu sources x %ld classes overflow",
                          m, (long)model->k);
    model->prior = wsl__mallocarray(a, (size_t)model->k, sizeof(double));
    model->log_prior = wsl__mallocarray(a, (size_t)model->k, sizeof(double));
    model->table = wsl__calloc(a, len, sizeof(double));
    model->log_table = wsl__mallocarray(a, len, sizeof(double));
    model->delta = wsl__mallocarray(a, len ? len : 1, sizeof(double));
    model->abstain_log = wsl__mallocarray(a, (size_t)model->k, sizeof(double));
    if (!model->prior || !model->log_prior || !model->table || !model->log_table ||
        !model->delta || !model->abstain_log) {
        release_params(model);
        return WSL_ENOMEM;
    }
    model->m = m;
    return WSL_OK;
}

wsl_status wsl__model_alloc_one_coin(wsl_label_model *model, size_t m)
{
    const wsl_allocator *a = &model->alloc;
    size_t mm = m ? m : 1;
    release_params(model);
    model->prior = wsl__mallocarray(a, (size_t)model->k, sizeof(double));
    model->log_prior = wsl__mallocarray(a, (size_t)model->k, sizeof(double));
    model->eff_prior = wsl__mallocarray(a, (size_t)model->k, sizeof(double));
    model->log_eff = wsl__mallocarray(a, (size_t)model->k, sizeof(double));
    model->single = wsl__mallocarray(a, mm, sizeof(int32_t));
    model->acc = wsl__calloc(a, mm, sizeof(double));
    model->rate = wsl__calloc(a, mm, sizeof(double));
    model->fire_in = wsl__calloc(a, mm, sizeof(double));
    model->fire_out = wsl__calloc(a, mm, sizeof(double));
    model->bonus = wsl__mallocarray(a, mm, sizeof(double));
    if (!model->prior || !model->log_prior || !model->eff_prior || !model->log_eff ||
        !model->single ||
        !model->acc || !model->rate || !model->fire_in || !model->fire_out || !model->bonus) {
        release_params(model);
        return WSL_ENOMEM;
    }
    model->one_coin = 1;
    model->m = m;
    return WSL_OK;
}

int32_t wsl__model_single_class(const wsl_label_model *model, size_t j)
{
    const double *row = model->table + wsl__tab_index(model->k, j, 0, -1);
    int32_t a = -1;
    for (int32_t v = 0; v < model->k; v++) {
        if (row[v + 1] > 0) {
            if (a >= 0)
                return -1;
            a = v;
        }
    }
    return a;
}

void wsl__model_refresh_logs(wsl_label_model *model)
{
    int32_t k = model->k;
    size_t len = model->m * (size_t)k * ((size_t)k + 1);
    for (size_t t = 0; t < len; t++)
        model->log_table[t] = model->table[t] > 0 ? log(model->table[t]) : -INFINITY;
    for (int32_t c = 0; c < k; c++)
        model->log_prior[c] = model->prior[c] > 0 ? log(model->prior[c]) : -INFINITY;
    /* Votes only: a single-class source's abstains weigh nothing in the posterior (log 1). The
     * tables keep the fitted probabilities for inspection; only the scoring cache changes. */
    if (model->report.abstain == WSL_ABSTAIN_VOTES_ONLY)
        for (size_t j = 0; j < model->m; j++)
            if (wsl__model_single_class(model, j) >= 0)
                for (int32_t c = 0; c < k; c++)
                    model->log_table[wsl__tab_index(k, j, c, -1)] = 0;
    wsl__cliques_refresh_logs(model);
    /* The scoring caches: a vote adds delta to each class, a row starts from abstain_log. A
     * clique's members add 0: their joint table scores them. */
    for (size_t j = 0; j < model->m; j++) {
        int member = model->cl.n && model->cl.of_source[j] >= 0;
        for (int32_t c = 0; c < k; c++) {
            const double *row = model->log_table + wsl__tab_index(k, j, c, -1);
            double la = row[0] == -INFINITY ? 0 : row[0];
            for (int32_t v = -1; v < k; v++)
                model->delta[(j * ((size_t)k + 1) + (size_t)(v + 1)) * (size_t)k + (size_t)c] =
                    member ? 0 : row[v + 1] - la;
        }
    }
    for (int32_t c = 0; c < k; c++) {
        double sum = 0;
        for (size_t j = 0; j < model->m; j++) {
            double l = model->log_table[wsl__tab_index(k, j, c, -1)];
            if (l != -INFINITY && !(model->cl.n && model->cl.of_source[j] >= 0))
                sum += l; /* never-abstaining sources add nothing; cliques score themselves */
        }
        model->abstain_log[c] = sum;
    }
}

void wsl__model_abstain_sum(const wsl_label_model *model, double *abstain_sum)
{
    memcpy(abstain_sum, model->abstain_log, (size_t)model->k * sizeof *abstain_sum);
}


/* Full tables above this many values (m k (k + 1)) make the default one-coin: the EM engine
 * keeps several arrays of that size (1,000 classes and 100 sources: 800 MB each). */
#define DENSE_DEFAULT_MAX ((double)(1 << 23))

/* Whether default tables become one-coin: many values, and nothing asked of the options that
 * only tables do (informative abstains for every source, source priors, dependency groups). */
static int default_one_coin(const wsl_fit_options *opts, size_t m, int32_t k)
{
    if (opts && opts->tables != WSL_TABLES_DEFAULT)
        return 0;
    if (opts && opts->abstain == WSL_ABSTAIN_INFORMATIVE)
        return 0;
    if (opts && opts->version >= 2 &&
        (opts->source_priors || opts->n_dep_groups > 0 || opts->deps == WSL_DEPS_LEARN))
        return 0;
    return (double)m * (double)k * ((double)k + 1) > DENSE_DEFAULT_MAX;
}

static wsl_status fit_table(wsl_label_model *model, const wsl_pattern_table *T, size_t gold_col,
                            const wsl_fit_options *opts)
{
    wsl_fit_options o;
    wsl_status st;
    WSL_TRY(wsl_fit_options_validate(opts, model->k));
    wsl__fit_options_resolve(opts, &o);
    if (default_one_coin(opts, gold_col < T->m ? T->m - 1 : T->m, model->k))
        o.tables = WSL_TABLES_ONE_COIN;
    if (o.tables == WSL_TABLES_ONE_COIN) {
        st = wsl__one_coin_fit(model, T, gold_col, &o);
    } else {
        st = wsl__em_fit(model, T, gold_col, &o);
    }
    if (st != WSL_OK)
        release_params(model);
    else
        model->threads = o.n_threads;
    return st;
}

wsl_status wsl_label_model_set_threads(wsl_label_model *model, int n_threads)
{
    WSL_CHECK_ARG(model != NULL);
    if (n_threads < 1 || n_threads > WSL__MAX_THREADS)
        return wsl__error(WSL_EINVAL, "%s: n_threads must be in 1..1024 (got %d)", __func__,
                          n_threads);
    model->threads = n_threads;
    return WSL_OK;
}

/* The arguments of a fit on a label matrix, checked (fn names the public call). */
static wsl_status check_fit(const char *fn, wsl_label_model *model, const wsl_label_matrix *L,
                            const wsl_fit_options *opts)
{
    if (L->k != model->k)
        return wsl__error(WSL_EDIM, "%s: votes have %ld classes, the model %ld", fn, (long)L->k,
                          (long)model->k);
    if (L->n == 0)
        return wsl__error(WSL_EINVAL, "%s: the label matrix has no rows", fn);
    WSL_TRY(wsl_fit_options_validate(opts, model->k));
    if (opts && opts->gold && opts->gold_len != L->n)
        return wsl__error(WSL_EDIM, "%s: opts->gold has %zu labels, the votes %zu rows", fn,
                          opts->gold_len, L->n);
    return WSL_OK;
}

/*
 * The fit on L's rows (arguments checked). *T_out receives the table it fitted, for the
 * caller to free, or NULL on failure. rp (or NULL) records each row's pattern when the table is
 * built from the rows alone.
 */
static wsl_status fit_rows(wsl_label_model *model, const wsl_label_matrix *L,
                           const wsl_fit_options *opts, wsl__row_patterns *rp,
                           wsl_pattern_table **T_out)
{
    wsl_pattern_table *T = NULL;
    wsl_status st;
    size_t gold_col;
    *T_out = NULL;
    if (!(opts && opts->gold)) {
        /* Built straight in canonical order: the fit needs no copy. Threads as the fit's,
         * when the options will pass (they are checked with the rest before the fit). */
        int th = opts && opts->n_threads >= 1 && opts->n_threads <= WSL__MAX_THREADS
                     ? opts->n_threads
                     : 1;
        st = rp ? wsl__patterns_of_rows_ids(L, &model->alloc, &T, rp, th)
                : wsl__patterns_of_rows(L, &model->alloc, &T, th);
        if (st != WSL_OK)
            return st;
        gold_col = SIZE_MAX;
    } else {
        /* Gold labels ride along as one more column, so clamped rows stay patterns. */
        uint32_t *cols = NULL;
        int32_t *vals = NULL;
        gold_col = L->m;
        if ((st = wsl_pattern_table_create(&T, L->m + 1, L->k, &model->alloc)) != WSL_OK)
            return st;
        cols = wsl__mallocarray(&model->alloc, L->m + 1, sizeof *cols);
        vals = wsl__mallocarray(&model->alloc, L->m + 1, sizeof *vals);
        st = cols && vals ? WSL_OK : WSL_ENOMEM;
        for (size_t i = 0; st == WSL_OK && i < L->n; i++) {
            size_t nnz = wsl__lm_row_votes(L, i, cols, vals), p;
            if (opts->gold[i] != WSL_ABSTAIN) {
                cols[nnz] = (uint32_t)gold_col;
                vals[nnz++] = opts->gold[i];
            }
            st = wsl__patterns_insert(T, cols, vals, nnz, 1, &p);
        }
        wsl__free(&model->alloc, cols);
        wsl__free(&model->alloc, vals);
        /* The table is ours: reorder it in place rather than let the fit copy it. */
        if (st == WSL_OK)
            st = wsl__patterns_canonicalize(T);
    }
    if (st == WSL_OK)
        st = fit_table(model, T, gold_col, opts);
    else
        release_params(model);
    if (st != WSL_OK) {
        wsl_pattern_table_free(T);
        T = NULL;
    }
    *T_out = T;
    return st;
}

wsl_status wsl_label_model_fit(wsl_label_model *model, const wsl_label_matrix *L,
                               const wsl_fit_options *opts)
{
    wsl_pattern_table *T = NULL;
    wsl_status st;
    WSL_CHECK_ARG(model != NULL);
    release_params(model); /* a failed fit leaves the model unfitted */
    WSL_CHECK_ARG(L != NULL);
    WSL_TRY(check_fit(__func__, model, L, opts));
    st = fit_rows(model, L, opts, NULL, &T);
    wsl_pattern_table_free(T);
    return st;
}

wsl_status wsl_label_model_fit_patterns(wsl_label_model *model, const wsl_pattern_table *T,
                                        const wsl_fit_options *opts)
{
    WSL_CHECK_ARG(model != NULL);
    release_params(model); /* a failed fit leaves the model unfitted */
    WSL_CHECK_ARG(T != NULL);
    if (T->k != model->k)
        return wsl__error(WSL_EDIM, "%s: patterns have %ld classes, the model %ld", __func__,
                          (long)T->k, (long)model->k);
    if (opts && opts->gold)
        return wsl__error(WSL_EINVAL, "%s: opts->gold cannot be used with a pattern table; use "
                                      "wsl_label_model_fit()", __func__);
    if (T->total == 0)
        return wsl__error(WSL_EINVAL, "%s: the pattern table has no rows", __func__);
    return fit_table(model, T, SIZE_MAX, opts);
}

static wsl_status check_predict(const char *fn, const wsl_label_model *model,
                                const wsl_label_matrix *L)
{
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", fn);
    if (L->m != model->m || L->k != model->k)
        return wsl__error(WSL_EDIM, "%s: votes have %zu sources and %ld classes, the model was "
                                    "fitted with %zu and %ld", fn, L->m, (long)L->k, model->m,
                          (long)model->k);
    return WSL_OK;
}

/*
 * The votes the fitted tables give probability 0 under every class (a class the source never
 * voted in the fit, or any vote of a source that never voted): such a vote would zero every
 * class and wipe out the other votes' evidence, so predict reads it as an abstain. *out gets
 * m x (k + 1) flags at [j * (k + 1) + v + 1], or NULL when there is none (the usual case: no
 * work per vote). Members of cliques are scored by their joint tables, which hold no zero.
 */
static wsl_status impossible_votes(const wsl_label_model *model, uint8_t **out)
{
    size_t k = (size_t)model->k, any = 0;
    uint8_t *flags = NULL;
    *out = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t j = 0; j < model->m; j++) {
            if (model->cl.n && model->cl.of_source[j] >= 0)
                continue;
            for (size_t v = 1; v <= k; v++) {
                const double *d = model->delta + (j * (k + 1) + v) * k;
                int possible = 0;
                for (size_t c = 0; c < k; c++)
                    possible |= d[c] != -INFINITY;
                any += !possible;
                if (flags)
                    flags[j * (k + 1) + v] = !possible;
            }
        }
        if (pass == 1 || !any)
            break;
        if (!(flags = wsl__calloc(&model->alloc, model->m * (k + 1), 1)))
            return WSL_ENOMEM;
    }
    *out = flags;
    return WSL_OK;
}

/* The posterior of one row from its votes (cols and vals are scratch: the votes impossible[]
 * flags are left out in place), through lg when it holds a two-class scoring. */
static void row_posterior(const wsl_label_model *model, const wsl__logit2 *lg,
                          const double *abstain_sum, const uint8_t *impossible, uint32_t *cols,
                          int32_t *vals, size_t nnz, double *p, size_t *cidx)
{
    if (lg->g) {
        wsl__logit2_votes(lg, cols, vals, nnz, p);
        return;
    }
    if (impossible) {
        size_t kept = 0, K1 = (size_t)model->k + 1;
        for (size_t e = 0; e < nnz; e++) {
            cols[kept] = cols[e];
            vals[kept] = vals[e];
            kept += !impossible[cols[e] * K1 + (size_t)(vals[e] + 1)];
        }
        nnz = kept;
    }
    /* A row with no vote gets the posterior given that every source abstained: the class
     * prior when abstaining says nothing about the class. */
    wsl__model_scores(model, model->k, abstain_sum, cols, vals, nnz, p, cidx, NULL);
    /* Exact ties (a symmetric fit) go the way of the votes: majority vote breaks them. Two
     * classes take their nudges at once (n_c nudges as one product: a chain of additions
     * through p cost a wide row more than its score). */
    if (model->k == 2) {
        size_t ones = wsl__class1_votes(vals, nnz);
        p[0] += (double)(nnz - ones) * TIE_NUDGE;
        p[1] += (double)ones * TIE_NUDGE;
    } else {
        for (size_t e = 0; e < nnz; e++)
            p[vals[e]] += TIE_NUDGE;
    }
    double mx;
    wsl__softmax_parts(p, (size_t)model->k, &mx); /* the log-sum-exp is not needed */
}

#define PREDICT_BLOCK 256

/*
 * Rows with few possible patterns (direct keys): each distinct row's posterior is computed
 * once into a compact cache indexed through a table of the possible keys, both small enough
 * to stay in the caches, so a repeated row costs one lookup and a k-double copy.
 */
static wsl_status predict_small_universe(const wsl_label_model *model, const wsl_label_matrix *L,
                                         size_t r0, size_t r1, const wsl__row_coder *rc,
                                         const wsl__logit2 *lg, const double *abstain_sum,
                                         const uint8_t *impossible, uint32_t *cols, int32_t *vals,
                                         size_t *cidx, double *probs, uint8_t *covered)
{
    const wsl_allocator *a = &model->alloc;
    size_t k = (size_t)model->k, n_seen = 0, cap = 0;
    uint32_t *slot = wsl__calloc(a, (size_t)rc->universe, sizeof *slot); /* 0 = not seen */
    double *cache = NULL;
    wsl_status st = WSL_OK;
    uint32_t keys[PREDICT_BLOCK];
    if (!slot)
        return WSL_ENOMEM;
    for (size_t i = r0; i < r1; i++) {
        double *p = probs + i * k;
        uint64_t key;
        const double *src;
        if ((i - r0) % PREDICT_BLOCK == 0) /* the keys of a block first: its lookups overlap */
            for (size_t r = i; r < r1 && r < i + PREDICT_BLOCK; r++)
                keys[r - i] = (uint32_t)wsl__row_code(L, r, rc);
        key = keys[(i - r0) % PREDICT_BLOCK];
        if (slot[key]) {
            src = cache + (size_t)(slot[key] - 1) * k;
        } else {
            size_t nnz = wsl__lm_row_votes(L, i, cols, vals);
            if (n_seen == cap) {
                size_t c = cap ? 2 * cap : 256;
                double *nc = wsl__reallocarray(a, cache, c * k, sizeof *nc);
                if (!nc) {
                    st = WSL_ENOMEM;
                    break;
                }
                cache = nc;
                cap = c;
            }
            src = cache + n_seen * k;
            row_posterior(model, lg, abstain_sum, impossible, cols, vals, nnz, cache + n_seen * k,
                          cidx);
            slot[key] = (uint32_t)++n_seen;
        }
        copy_row(p, src, k, 0); /* (streaming stores: no faster here, where keys are computed) */
        if (covered)
            covered[i] = key != 0; /* key 0: every source abstained */
    }
    wsl__free(a, slot);
    wsl__free(a, cache);
    return st;
}

/*
 * One thread's share of predict: rows (or keys) r0..r1-1. Alone, or when rows are few against
 * the possible keys, each thread scores its rows with its own scratch and caches (a row's
 * probabilities depend on its votes alone, so any split gives the same bits). With several
 * threads and a small universe of keys, the threads first fill one shared table of every key's
 * probabilities (phase KEYS), then copy from it (phase ROWS): no key is scored twice.
 */
enum { PART_OWN, PART_KEYS, PART_ROWS, PART_PATTERNS };

typedef struct predict_part {
    const wsl_label_model *model;
    const wsl_label_matrix *L;
    const uint8_t *impossible;
    const wsl__logit2 *lg;
    const wsl__row_coder *rc;
    int phase;
    size_t r0, r1;
    double *probs, *table;      /* table: universe x k, phases KEYS and ROWS; patterns x k */
    const wsl_pattern_table *T; /* phase PATTERNS: score T's patterns r0..r1 into table */
    uint8_t *covered;
    wsl_status st;
} predict_part;

/* Every key of r0..r1 of the universe scored into the shared table. */
static wsl_status predict_keys(const predict_part *pp, double *abstain_sum, uint32_t *cols,
                               int32_t *vals, size_t *cidx)
{
    const wsl_label_model *model = pp->model;
    size_t k = (size_t)model->k;
    for (size_t key = pp->r0; key < pp->r1; key++) {
        size_t nnz = wsl__row_decode(key, pp->rc, pp->L->m, model->k, cols, vals);
        row_posterior(model, pp->lg, abstain_sum, pp->impossible, cols, vals, nnz,
                      pp->table + key * k, cidx);
    }
    return WSL_OK;
}

/* Patterns r0..r1 of T scored into the shared table, as predict scores a row with those
 * votes (the same bits). */
static void predict_table_patterns(const predict_part *pp, double *abstain_sum, uint32_t *cols,
                                   int32_t *vals, size_t *cidx)
{
    const wsl_pattern_table *T = pp->T;
    size_t k = (size_t)pp->model->k;
    for (size_t p = pp->r0; p < pp->r1; p++) {
        size_t s0 = T->start[p], nnz = T->start[p + 1] - s0;
        /* Through the scratch: row_posterior drops impossible votes in place. */
        memcpy(cols, T->cols + s0, nnz * sizeof *cols);
        memcpy(vals, T->vals + s0, nnz * sizeof *vals);
        row_posterior(pp->model, pp->lg, abstain_sum, pp->impossible, cols, vals, nnz,
                      pp->table + p * k, cidx);
    }
}

/* Rows r0..r1 copied from the shared table. */
static void predict_from_table(const predict_part *pp)
{
    size_t k = (size_t)pp->model->k;
    uint32_t keys[PREDICT_BLOCK];
    for (size_t b = pp->r0; b < pp->r1; b += PREDICT_BLOCK) {
        size_t e = pp->r1 - b < PREDICT_BLOCK ? pp->r1 : b + PREDICT_BLOCK;
        for (size_t i = b; i < e; i++) /* the keys of a block first: its lookups then overlap */
            keys[i - b] = (uint32_t)wsl__row_code(pp->L, i, pp->rc);
        for (size_t i = b; i < e; i++) {
            copy_row(pp->probs + i * k, pp->table + (size_t)keys[i - b] * k, k, 0);
            if (pp->covered)
                pp->covered[i] = keys[i - b] != 0; /* key 0: every source abstained */
        }
    }
}

static wsl_status predict_part_run(const predict_part *pp)
{
    const wsl_label_model *model = pp->model;
    const wsl_label_matrix *L = pp->L;
    size_t k = (size_t)model->k;
    uint32_t *cols = NULL;
    int32_t *vals = NULL;
    double *abstain_sum = NULL;
    size_t *cidx = NULL;
    wsl__keymap seen = {NULL, NULL, 0, 0, NULL};
    const wsl__row_coder *rc = pp->rc, no_keys = {0, 0, {0}, 0};
    wsl_status st = WSL_OK;
    if (pp->phase == PART_ROWS) {
        predict_from_table(pp);
        return WSL_OK;
    }
    /* Scratch comes from the model's allocator; const calls keep no state in the model. */
    cols = wsl__mallocarray(&model->alloc, L->m, sizeof *cols);
    vals = wsl__mallocarray(&model->alloc, L->m, sizeof *vals);
    abstain_sum = wsl__mallocarray(&model->alloc, k, sizeof *abstain_sum);
    cidx = wsl__mallocarray(&model->alloc, model->cl.n ? model->cl.n : 1, sizeof *cidx);
    if (!cols || !vals || !abstain_sum || !cidx) {
        st = WSL_ENOMEM;
        goto done;
    }
    wsl__model_abstain_sum(model, abstain_sum);
    if (pp->phase == PART_KEYS) {
        st = predict_keys(pp, abstain_sum, cols, vals, cidx);
        goto done;
    }
    if (pp->phase == PART_PATTERNS) {
        predict_table_patterns(pp, abstain_sum, cols, vals, cidx);
        goto done;
    }
    if (rc->universe && L->n <= UINT32_MAX) {
        st = predict_small_universe(model, L, pp->r0, pp->r1, rc, pp->lg, abstain_sum,
                                    pp->impossible, cols, vals, cidx, pp->probs, pp->covered);
        goto done;
    }
    if (pp->lg->g && L->storage == WSL_STORAGE_DENSE && L->elem == 1) {
        /* Rows of one-byte votes without a small universe of keys: scored from their cells
         * (the same bits as their votes), which costs no more than finding a repeated row's
         * key in a map (1M x 20 of mostly distinct rows: 0.36 -> 0.04 s). */
        const int8_t *cells = (const int8_t *)L->cells;
        for (size_t i = pp->r0; i < pp->r1; i++) {
            size_t nnz =
                wsl__logit2_row(pp->lg, cells + i * L->m, pp->probs + i * k, pp->covered != NULL);
            if (pp->covered)
                pp->covered[i] = nnz > 0;
        }
        goto done;
    }
    /* Rows that repeat are scored once (a map of their keys); rows that seldom do are not
     * worth the map. */
    if (rc->bits && !rc->universe && wsl__rows_distinct(L, rc))
        rc = &no_keys;
    if (rc->bits && (st = wsl__keymap_init(&seen, &model->alloc, rc->universe)) != WSL_OK)
        goto done;
    for (size_t i = pp->r0; i < pp->r1; i++) {
        double *p = pp->probs + i * k;
        size_t nnz;
        uint64_t key = 0;
        if (rc->bits) {
            /* A row seen before copies that row's probabilities: the same bits. */
            size_t first;
            key = wsl__row_code(L, i, rc);
            if ((first = wsl__keymap_get(&seen, key)) != SIZE_MAX) {
                memcpy(p, pp->probs + first * k, k * sizeof *p);
                if (pp->covered)
                    pp->covered[i] = key != 0; /* key 0: every source abstained */
                continue;
            }
        }
        nnz = wsl__lm_row_votes(L, i, cols, vals);
        if (pp->covered)
            pp->covered[i] = nnz > 0;
        row_posterior(model, pp->lg, abstain_sum, pp->impossible, cols, vals, nnz, p, cidx);
        if (rc->bits && (st = wsl__keymap_put(&seen, key, i)) != WSL_OK)
            goto done;
    }
done:
    wsl__keymap_release(&seen);
    wsl__free(&model->alloc, cols);
    wsl__free(&model->alloc, vals);
    wsl__free(&model->alloc, abstain_sum);
    wsl__free(&model->alloc, cidx);
    return st;
}

static void *predict_thread(void *arg)
{
    predict_part *pp = arg;
    pp->st = predict_part_run(pp);
    return NULL;
}

/* Cut 0..n into n_parts contiguous ranges for phase, and run them: the first on this thread,
 * the others on threads (on this one, in turn, when a thread cannot start). */
static wsl_status predict_phase(predict_part *parts, pthread_t *th, size_t n_parts, int phase,
                                size_t n)
{
    size_t started = 0;
    wsl_status st;
    for (size_t t = 0; t < n_parts; t++) {
        parts[t].phase = phase;
        parts[t].r0 = n / n_parts * t + (t < n % n_parts ? t : n % n_parts);
        parts[t].r1 = parts[t].r0 + n / n_parts + (t < n % n_parts);
        parts[t].st = WSL_OK;
    }
    for (size_t t = 1; t < n_parts; t++, started++)
        if (pthread_create(&th[t], NULL, predict_thread, &parts[t]) != 0)
            break;
    st = predict_part_run(&parts[0]);
    for (size_t t = 1; t < n_parts; t++) {
        if (t <= started)
            pthread_join(th[t], NULL);
        else
            parts[t].st = predict_part_run(&parts[t]);
        if (st == WSL_OK)
            st = parts[t].st;
    }
    return st;
}

/* Rows per thread below which another thread costs more than it saves. */
#define PREDICT_MIN_ROWS 16384

/*
 * The parts of predict's phases over n items (rows or patterns): one per thread, each with
 * PREDICT_MIN_ROWS items at least, sharing model, L, the votes read as abstains and the two-
 * class scoring lg. Returns how many, or 0 when out of memory (what *parts, *th, *impossible
 * and lg hold is then to be freed).
 */
static size_t parts_new(const wsl_label_model *model, const wsl_label_matrix *L, size_t n,
                        predict_part **parts, pthread_t **th, uint8_t **impossible, wsl__logit2 *lg)
{
    size_t n_parts = model->threads > 1 ? (size_t)model->threads : 1;
    if (n_parts > n / PREDICT_MIN_ROWS)
        n_parts = n / PREDICT_MIN_ROWS > 0 ? n / PREDICT_MIN_ROWS : 1;
    *parts = wsl__calloc(&model->alloc, n_parts, sizeof **parts);
    *th = wsl__calloc(&model->alloc, n_parts, sizeof **th);
    *impossible = NULL;
    lg->g = NULL;
    lg->d = NULL;
    if (!*parts || !*th || impossible_votes(model, impossible) != WSL_OK ||
        wsl__logit2_init(model, *impossible, lg) != WSL_OK)
        return 0;
    for (size_t t = 0; t < n_parts; t++) {
        (*parts)[t].model = model;
        (*parts)[t].L = L;
        (*parts)[t].impossible = *impossible;
        (*parts)[t].lg = lg;
    }
    return n_parts;
}

/* The output buffers of a predict on L, checked (fn names the public call). */
static wsl_status check_buffers(const char *fn, const wsl_label_model *model,
                                const wsl_label_matrix *L, size_t probs_len, const uint8_t *covered,
                                size_t covered_len)
{
    size_t cells;
    if (!wsl__mul_size(&cells, L->n, (size_t)model->k) || probs_len < cells)
        return wsl__error(WSL_EBUFS, "%s: probs holds %zu values, needs %zu x %ld", fn, probs_len,
                          L->n, (long)model->k);
    if (covered && covered_len < L->n)
        return wsl__error(WSL_EBUFS, "%s: covered holds %zu flags, needs %zu", fn, covered_len,
                          L->n);
    return WSL_OK;
}

wsl_status wsl_label_model_predict_proba(const wsl_label_model *model, const wsl_label_matrix *L,
                                         double *probs, size_t probs_len, uint8_t *covered,
                                         size_t covered_len)
{
    uint8_t *impossible = NULL;
    wsl__logit2 lg = {0, NULL, NULL, {0}};
    size_t n_parts;
    predict_part *parts = NULL;
    pthread_t *th = NULL;
    double *table = NULL;
    wsl__row_coder rc;
    int32_t k;
    wsl_status st = WSL_OK;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(probs != NULL || L->n == 0);
    WSL_TRY(check_predict(__func__, model, L));
    WSL_TRY(check_buffers(__func__, model, L, probs_len, covered, covered_len));
    k = model->k;
    if (model->one_coin)
        return wsl__one_coin_predict(model, L, probs, covered);
    rc = wsl__row_coder_of(L);
    /* Contiguous row ranges, one per thread; the calling thread takes the first. */
    if (!(n_parts = parts_new(model, L, L->n, &parts, &th, &impossible, &lg))) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t t = 0; t < n_parts; t++) {
        parts[t].rc = &rc;
        parts[t].probs = probs;
        parts[t].covered = covered;
    }
    /* Threads and at most as many possible keys as rows: every key scored once, shared. */
    if (n_parts > 1 && rc.universe && rc.universe <= L->n &&
        (table = wsl__mallocarray(&model->alloc, (size_t)rc.universe * (size_t)k,
                                  sizeof *table)) != NULL) {
        for (size_t t = 0; t < n_parts; t++)
            parts[t].table = table;
        if ((st = predict_phase(parts, th, n_parts, PART_KEYS, (size_t)rc.universe)) == WSL_OK)
            st = predict_phase(parts, th, n_parts, PART_ROWS, L->n);
    } else {
        st = predict_phase(parts, th, n_parts, PART_OWN, L->n);
    }
done:
    wsl__free(&model->alloc, table);
    wsl__free(&model->alloc, impossible);
    wsl__logit2_free(model, &lg);
    wsl__free(&model->alloc, parts);
    wsl__free(&model->alloc, th);
    return st;
}

/* Doubles of posteriors by row id at most (1 MiB): beyond, the lookups go through the map. */
#define BY_ID_MAX ((size_t)1 << 17)

/*
 * The probabilities of the rows a fit recorded in rp, from the table T it fitted: each
 * pattern's posterior once, in the table's order (as predict scores a row with those votes:
 * the same bits; on the model's threads, as predict), then a lookup and a copy per row. T is
 * freed once its votes are scored.
 */
static wsl_status predict_patterns(const wsl_label_model *model, const wsl_label_matrix *L,
                                   wsl_pattern_table **T, const wsl__row_patterns *rp,
                                   double *probs, uint8_t *covered)
{
    const wsl_allocator *a = &model->alloc;
    size_t k = (size_t)model->k, n_pat = (*T)->n, empty = SIZE_MAX, n_parts;
    int stream;
    double *post = wsl__mallocarray(a, n_pat ? n_pat * k : 1, sizeof *post), *by_id = NULL;
    const uint32_t *map = rp->map;
    uint8_t *impossible = NULL;
    wsl__logit2 lg = {0, NULL, NULL, {0}};
    predict_part *parts = NULL;
    pthread_t *th = NULL;
    wsl_status st = WSL_ENOMEM;
    if (!(n_parts = parts_new(model, L, n_pat, &parts, &th, &impossible, &lg)) || !post)
        goto done;
    for (size_t t = 0; t < n_parts; t++) {
        parts[t].T = *T;
        parts[t].table = post;
    }
    if ((st = predict_phase(parts, th, n_parts, PART_PATTERNS, n_pat)) != WSL_OK)
        goto done;
    for (size_t p = 0; p < n_pat && empty == SIZE_MAX; p++)
        if ((*T)->start[p + 1] == (*T)->start[p])
            empty = p; /* every source abstained: not covered */
    wsl_pattern_table_free(*T);
    *T = NULL;
    /* Few ids (a small universe of row keys, and k small): the posteriors by id, so that a
     * row costs one lookup in a table that stays in the caches. */
    if (rp->map_len <= WSL__DIRECT_KEYS && rp->map_len <= BY_ID_MAX / k &&
        (by_id = wsl__mallocarray(a, rp->map_len ? rp->map_len * k : 1, sizeof *by_id)))
        for (size_t id = 0; id < rp->map_len; id++)
            if (map[id] != UINT32_MAX)
                memcpy(by_id + id * k, post + (size_t)map[id] * k, k * sizeof *by_id);
    /* The ids are packed at the start of probs: from the last row back, row i's probabilities
     * only overwrite the ids of rows from 2ki on, already copied (row 0's own id is read
     * first). */
    stream = can_stream(probs, k);
    for (size_t i = L->n; i-- > 0;) {
        uint32_t id = wsl__row_id(rp, i);
        copy_row(probs + i * k, by_id ? by_id + (size_t)id * k : post + (size_t)map[id] * k, k,
                 stream);
        if (covered)
            covered[i] = map[id] != empty;
    }
    stream_done(stream);
    st = WSL_OK;
done:
    wsl__free(a, post);
    wsl__free(a, by_id);
    wsl__free(a, impossible);
    wsl__logit2_free(model, &lg);
    wsl__free(a, parts);
    wsl__free(a, th);
    return st;
}

wsl_status wsl_label_model_fit_predict_proba(wsl_label_model *model, const wsl_label_matrix *L,
                                             const wsl_fit_options *opts, double *probs,
                                             size_t probs_len, uint8_t *covered, size_t covered_len)
{
    wsl_pattern_table *T = NULL;
    wsl__row_patterns rp = {(unsigned char *)probs, NULL, 0};
    wsl_status st;
    WSL_CHECK_ARG(model != NULL);
    release_params(model); /* a failed fit leaves the model unfitted */
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(probs != NULL);
    WSL_TRY(check_fit(__func__, model, L, opts));
    WSL_TRY(check_buffers(__func__, model, L, probs_len, covered, covered_len));
    /* Each row's pattern is kept in probs while the model fits (n ids in n x k doubles). */
    st = fit_rows(model, L, opts, &rp, &T);
    /* Each pattern scored once pays when rows repeat; when most rows are their own pattern,
     * fetching each row's posterior from the patterns' (a random read a row) costs more than
     * scoring the row again. Both ways give the same bits. */
    if (st == WSL_OK && rp.map && !model->one_coin && T->n <= L->n / 2) {
        st = predict_patterns(model, L, &T, &rp, probs, covered);
    } else if (st == WSL_OK) {
        wsl_pattern_table_free(T); /* not needed by predict: its memory goes first */
        T = NULL;
        st = wsl_label_model_predict_proba(model, L, probs, probs_len, covered, covered_len);
    }
    if (st != WSL_OK)
        release_params(model);
    wsl_pattern_table_free(T);
    wsl__free(&model->alloc, rp.map);
    return st;
}

wsl_status wsl_label_model_predict(const wsl_label_model *model, const wsl_label_matrix *L,
                                   wsl_tie_policy policy, uint64_t seed, int32_t *labels,
                                   size_t labels_len)
{
    double *probs = NULL;
    size_t cells;
    wsl_status st;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(labels != NULL || L->n == 0);
    WSL_TRY(check_predict(__func__, model, L));
    if ((unsigned)policy > WSL_TIE_LOWEST)
        return wsl__error(WSL_EINVAL, "%s: policy must be a wsl_tie_policy value (got %d)",
                          __func__, (int)policy);
    if (labels_len < L->n)
        return wsl__error(WSL_EBUFS, "%s: labels holds %zu entries, needs %zu", __func__,
                          labels_len, L->n);
    if (!wsl__mul_size(&cells, L->n, (size_t)model->k))
        return wsl__error(WSL_ENOMEM, "%s: %zu x %ld probabilities overflow", __func__, L->n,
                          (long)model->k);
    probs = wsl__mallocarray(&model->alloc, cells ? cells : 1, sizeof *probs);
    if (!probs)
        return WSL_ENOMEM;
    st = wsl_label_model_predict_proba(model, L, probs, cells, NULL, 0);
    if (st == WSL_OK)
        st = wsl_probs_to_labels(probs, L->n, (size_t)model->k, policy, seed, labels, labels_len);
    wsl__free(&model->alloc, probs);
    return st;
}

int32_t wsl_label_model_cardinality(const wsl_label_model *model)
{
    return model ? model->k : 0;
}

size_t wsl_label_model_n_sources(const wsl_label_model *model)
{
    return model && model->fitted ? model->m : 0;
}

int wsl_label_model_is_fitted(const wsl_label_model *model)
{
    return model ? model->fitted : 0;
}

static wsl_status check_fitted(const char *fn, const wsl_label_model *model)
{
    if (!model)
        return wsl__error(WSL_EINVAL, "%s: model is NULL", fn);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", fn);
    return WSL_OK;
}

wsl_status wsl_label_model_report(const wsl_label_model *model, wsl_fit_report *out)
{
    WSL_CHECK_ARG(out != NULL);
    WSL_TRY(check_fitted(__func__, model));
    *out = model->report;
    return WSL_OK;
}

wsl_status wsl_label_model_history(const wsl_label_model *model, double *out, size_t len,
                                   size_t *n_out)
{
    size_t n;
    WSL_CHECK_ARG(out != NULL || len == 0);
    WSL_TRY(check_fitted(__func__, model));
    n = len < model->n_history ? len : model->n_history;
    if (n > 0) /* out may be NULL with len 0, history NULL when there is none */
        memcpy(out, model->history, n * sizeof *out);
    if (n_out)
        *n_out = model->n_history;
    return WSL_OK;
}

wsl_status wsl_label_model_class_prior(const wsl_label_model *model, double *out, size_t len)
{
    WSL_CHECK_ARG(out != NULL);
    WSL_TRY(check_fitted(__func__, model));
    if (len < (size_t)model->k)
        return wsl__error(WSL_EBUFS, "%s: out holds %zu values, needs %ld", __func__, len,
                          (long)model->k);
    memcpy(out, model->prior, (size_t)model->k * sizeof *out);
    return WSL_OK;
}

wsl_status wsl_label_model_source_table(const wsl_label_model *model, size_t j, double *out,
                                        size_t len)
{
    size_t need;
    WSL_CHECK_ARG(out != NULL);
    WSL_TRY(check_fitted(__func__, model));
    if (j >= model->m)
        return wsl__error(WSL_ERANGE, "%s: source %zu is outside the %zu sources", __func__, j,
                          model->m);
    need = (size_t)model->k * ((size_t)model->k + 1);
    if (len < need)
        return wsl__error(WSL_EBUFS, "%s: out holds %zu values, needs %zu", __func__, len, need);
    for (int32_t c = 0; c < model->k; c++)
        for (int32_t v = -1; v < model->k; v++)
            out[(size_t)c * ((size_t)model->k + 1) + (size_t)(v + 1)] =
                wsl__model_prob(model, j, c, v);
    return WSL_OK;
}

wsl_status wsl_label_model_accuracies(const wsl_label_model *model, double *out, size_t len)
{
    int32_t k;
    WSL_CHECK_ARG(out != NULL);
    WSL_TRY(check_fitted(__func__, model));
    if (len < model->m)
        return wsl__error(WSL_EBUFS, "%s: out holds %zu values, needs %zu", __func__, len,
                          model->m);
    k = model->k;
    for (size_t j = 0; j < model->m; j++) {
        double right = 0, voted = 0;
        for (int32_t c = 0; c < k; c++) {
            right += model->prior[c] * wsl__model_prob(model, j, c, c);
            voted += model->prior[c] * (1 - wsl__model_prob(model, j, c, -1));
        }
        /* right <= voted when the rows sum to 1; rounding may still put it a hair above. */
        out[j] = voted > 0 ? (right < voted ? right / voted : 1) : 0;
    }
    return WSL_OK;
}
