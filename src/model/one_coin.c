/*
 * The one-coin engine (WSL_TABLES_ONE_COIN): label models with many classes.
 *
 * A source voting several classes votes the true class with probability acc_j and each other
 * class with (1 - acc_j) / (k - 1), at its observed rate whatever the class (abstains missing at
 * random). A source voting a single class a fires with probability h_j when y = a and f_j
 * otherwise (h_j >= f_j), its abstains informative as in the table engine's polarity model
 * (textbook one-coin collapses on such sources: a source "always wrong" explains a one-class
 * source's votes as well as one always right). Then, with b_c the summed log-odds of a row's
 * votes for class c (each vote adds its source's bonus_j to its class) and
 * e_c = P(y = c | every source abstained),
 *     P(y = c | votes) = e_c exp(b_c) / Z,   Z = sum_c e_c exp(b_c),
 * where b_c = 0 for every class no vote names: Z, the posterior and the expected counts of the
 * M-step take O(votes) per row, so 1,000 classes cost what 2 do. The parameters are O(m + k),
 * against the m k (k + 1) values of tables (800 MB each at 100 sources x 1,000 classes).
 *
 * MAP EM with the table engine's priors (an accuracy's Beta of pseudo_count pseudo-votes
 * centred on WSL__PRIOR_ACCURACY, a single-class source's two Betas, the learned class prior's
 * guard), starts, race and co-firing check. Patterns are visited in canonical order, so the
 * bits do not depend on how the table was built; a pass is O(votes) and single-threaded, so
 * n_threads changes nothing.
 */
#include "model_impl.h"

#include "votes/label_matrix_impl.h"

#include <math.h>
#include <string.h>

/* Accuracies and firing rates stay this far inside (0, 1): finite logs. */
#define MIN_PROB 1e-6

/* The classes one row's votes name, and its posterior over them. */
typedef struct oc_row {
    double *b;        /* k: summed log-odds of the votes per class (valid where named) */
    double *post;     /* k: posterior of the named classes */
    uint8_t *named;   /* k: 1 for a class named by a vote of the row (cleared after) */
    int32_t *classes; /* the named classes */
    size_t n;         /* named classes */
    double shift, z;  /* P(y = c) = pi_c exp(b_c - shift) / z, b_c = 0 where not named */
} oc_row;

static wsl_status row_init(oc_row *r, const wsl_allocator *a, int32_t k, size_t m)
{
    size_t nc = m < (size_t)k ? m : (size_t)k;
    memset(r, 0, sizeof *r);
    r->b = wsl__mallocarray(a, (size_t)k, sizeof *r->b);
    r->post = wsl__mallocarray(a, (size_t)k, sizeof *r->post);
    r->named = wsl__calloc(a, (size_t)k, 1);
    r->classes = wsl__mallocarray(a, nc ? nc : 1, sizeof *r->classes);
    return r->b && r->post && r->named && r->classes ? WSL_OK : WSL_ENOMEM;
}

static void row_release(oc_row *r, const wsl_allocator *a)
{
    wsl__free(a, r->b);
    wsl__free(a, r->post);
    wsl__free(a, r->named);
    wsl__free(a, r->classes);
}

/* The classes the votes name, each with b = 0. */
static void name_classes(oc_row *r, const int32_t *vals, size_t nv)
{
    r->n = 0;
    for (size_t i = 0; i < nv; i++) {
        int32_t c = vals[i];
        if (!r->named[c]) {
            r->named[c] = 1;
            r->b[c] = 0;
            r->classes[r->n++] = c;
        }
    }
}

/*
 * The posterior of a row given by its votes; each vote also adds nudge to its class. In log
 * space against the largest term (a named class's, or the unnamed classes' mass): thousands of
 * votes, or a class whose prior underflows, stay finite.
 */
static void row_posterior(const wsl_label_model *model, oc_row *r, const uint32_t *cols,
                          const int32_t *vals, size_t nv, double nudge)
{
    const double *e = model->eff_prior, *le = model->log_eff;
    size_t k = (size_t)model->k;
    double top, z = 0, mass = 0, rest;
    name_classes(r, vals, nv);
    for (size_t i = 0; i < nv; i++) {
        int32_t a = model->single[cols[i]];
        /* A single-class source voting another class (new votes only): the model gives that
         * vote probability 0 under every class; it is read as an abstain, as in
         * label_model.c. */
        if (a < 0 || a == vals[i])
            r->b[vals[i]] += model->bonus[cols[i]] + nudge;
    }
    for (size_t i = 0; i < r->n; i++)
        mass += e[r->classes[i]];
    rest = -INFINITY; /* the unnamed classes' log mass */
    if (r->n < k) {
        if (mass < 1 - 1e-6) {
            rest = log1p(-mass);
        } else { /* 1 - mass cancels: add the unnamed classes' shares themselves */
            double um = 0;
            for (size_t c = 0; c < k; c++)
                um += r->named[c] ? 0 : e[c];
            rest = um > 0 ? log(um) : -INFINITY;
        }
    }
    top = rest;
    for (size_t i = 0; i < r->n; i++) {
        int32_t c = r->classes[i];
        r->post[c] = le[c] + r->b[c];
        top = r->post[c] > top ? r->post[c] : top;
    }
    for (size_t i = 0; i < r->n; i++) {
        int32_t c = r->classes[i];
        r->post[c] = exp(r->post[c] - top);
        z += r->post[c];
    }
    if (rest > -INFINITY)
        z += exp(rest - top);
    for (size_t i = 0; i < r->n; i++)
        r->post[r->classes[i]] /= z;
    r->shift = top;
    r->z = z;
}

/* P(y = c) of row r for a class no vote named, into p[c] for every such class. */
static void unnamed_posterior(const wsl_label_model *model, const oc_row *r, double *p)
{
    double u = exp(-r->shift) / r->z;
    if (isfinite(u)) {
        for (int32_t c = 0; c < model->k; c++)
            p[c] = model->eff_prior[c] * u;
    } else { /* the unnamed classes' mass below e^-709: each from its log */
        for (int32_t c = 0; c < model->k; c++)
            p[c] = exp(model->log_eff[c] - r->shift) / r->z;
    }
}

static void row_clear(oc_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        r->named[r->classes[i]] = 0;
    r->n = 0;
}

double wsl__one_coin_refresh(wsl_label_model *model)
{
    int32_t k = model->k;
    int votes_only = model->report.abstain == WSL_ABSTAIN_VOTES_ONLY;
    double *e = model->eff_prior, top = -INFINITY, sum = 0;
    for (int32_t c = 0; c < k; c++)
        model->log_prior[c] = model->prior[c] > 0 ? log(model->prior[c]) : -INFINITY;
    memcpy(e, model->log_prior, (size_t)k * sizeof *e);
    for (size_t j = 0; j < model->m; j++) {
        int32_t a = model->single[j];
        double h = model->fire_in[j], f = model->fire_out[j];
        if (a < 0) {
            model->bonus[j] = log(model->acc[j]) + log((double)(k - 1)) - log1p(-model->acc[j]);
            continue;
        }
        /* A single-class source's abstain is evidence against its class (votes only: none). */
        model->bonus[j] = log(h) - log(f);
        if (!votes_only) {
            model->bonus[j] += log1p(-f) - log1p(-h);
            e[a] += log1p(-h) - log1p(-f);
        }
    }
    for (int32_t c = 0; c < k; c++)
        top = e[c] > top ? e[c] : top;
    for (int32_t c = 0; c < k; c++)
        sum += exp(e[c] - top);
    for (int32_t c = 0; c < k; c++) {
        model->log_eff[c] = e[c] - top - log(sum);
        e[c] = exp(model->log_eff[c]);
    }
    return top + log(sum);
}

typedef struct oc_ctx {
    const wsl_pattern_table *T;
    size_t gold_col; /* column of clamped gold labels, or >= T->m */
    size_t m;        /* sources (without the gold column) */
    int32_t k;
    wsl_fit_options o;
    wsl_lm_abstain mode; /* of the current phase (AUTO resolved) */
    double n_rows;
    double fire_ll;     /* log-likelihood of when the one-coin sources vote (observed rates) */
    double row_ll;      /* per row: log of e's normalizer plus the single-class sources' abstains */
    double *votes;      /* m: rows where the source votes */
    double *fire;       /* m: their share */
    int32_t *emits_one; /* m: the class of a source that votes only one, else -1 */
    double *right;      /* m: expected rows where the source's vote is the class */
    double *ntot;       /* k: expected rows per class */
    double *vote_log; /* m: a vote's log-probability when its class is not y, less its abstain's */
    double *hist, *best_hist;
    oc_row r;
} oc_ctx;

static void refresh(oc_ctx *x, wsl_label_model *model)
{
    double log_w = wsl__one_coin_refresh(model), abstains = 0;
    int votes_only = x->mode == WSL_ABSTAIN_VOTES_ONLY;
    for (size_t j = 0; j < x->m; j++) {
        double f = model->fire_out[j];
        if (model->single[j] < 0) {
            x->vote_log[j] = log1p(-model->acc[j]) - log((double)(x->k - 1));
        } else if (votes_only) {
            x->vote_log[j] = log(f);
        } else {
            x->vote_log[j] = log(f) - log1p(-f);
            abstains += log1p(-f);
        }
    }
    x->row_ll = log_w + abstains;
}

static double clamp_prob(double a)
{
    return a < MIN_PROB ? MIN_PROB : a > 1 - MIN_PROB ? 1 - MIN_PROB : a;
}

/* The gold label of pattern p (its last vote, in the gold column), or WSL_ABSTAIN; *nv is
 * reduced to the sources' votes. */
static int32_t pattern_gold(const oc_ctx *x, size_t p, size_t *nv)
{
    const wsl_pattern_table *T = x->T;
    size_t s0 = T->start[p];
    if (x->gold_col<T->m && * nv> 0 && T->cols[s0 + *nv - 1] == x->gold_col)
        return T->vals[s0 + --*nv];
    return WSL_ABSTAIN;
}

static void clear_counts(oc_ctx *x)
{
    memset(x->right, 0, x->m * sizeof *x->right);
    memset(x->ntot, 0, (size_t)x->k * sizeof *x->ntot);
}

/* A clamped row's counts: its class is gold, its votes right where they say gold. */
static void count_gold(oc_ctx *x, const uint32_t *cols, const int32_t *vals, size_t nv, double cnt,
                       int32_t gold)
{
    x->ntot[gold] += cnt;
    for (size_t i = 0; i < nv; i++)
        x->right[cols[i]] += vals[i] == gold ? cnt : 0;
}

/*
 * One pass: the log-likelihood (total) and, with accumulate, the expected counts. A class no
 * vote of a row names has posterior e_c u with the same u for all of them; the classes' totals
 * are e_c sum(u) plus what the named classes add beyond that.
 */
static double e_step(oc_ctx *x, const wsl_label_model *model, int accumulate)
{
    const wsl_pattern_table *T = x->T;
    const double *e = model->eff_prior;
    oc_row *r = &x->r;
    double ll = 0, U = 0;
    if (accumulate)
        clear_counts(x);
    for (size_t p = 0; p < T->n; p++) {
        size_t s0 = T->start[p], nv = T->start[p + 1] - s0;
        const uint32_t *cols = T->cols + s0;
        const int32_t *vals = T->vals + s0;
        double cnt = (double)T->counts[p], base = 0;
        int32_t gold = pattern_gold(x, p, &nv);
        for (size_t i = 0; i < nv; i++)
            base += x->vote_log[cols[i]];
        if (gold != WSL_ABSTAIN) {
            double bg = 0;
            for (size_t i = 0; i < nv; i++)
                bg += vals[i] == gold ? model->bonus[cols[i]] : 0;
            ll += cnt * (base + model->log_eff[gold] + bg);
            if (accumulate)
                count_gold(x, cols, vals, nv, cnt, gold);
            continue;
        }
        row_posterior(model, r, cols, vals, nv, 0);
        ll += cnt * (base + r->shift + log(r->z));
        if (accumulate) {
            double u = cnt * exp(-r->shift) / r->z;
            if (r->n < (size_t)x->k && isfinite(u)) {
                U += u;
                for (size_t i = 0; i < r->n; i++) {
                    int32_t c = r->classes[i];
                    x->ntot[c] += cnt * r->post[c] - e[c] * u;
                }
            } else {
                if (r->n < (size_t)x->k) { /* see unnamed_posterior */
                    for (int32_t c = 0; c < x->k; c++)
                        x->ntot[c] +=
                            r->named[c] ? 0 : cnt * exp(model->log_eff[c] - r->shift) / r->z;
                }
                for (size_t i = 0; i < r->n; i++)
                    x->ntot[r->classes[i]] += cnt * r->post[r->classes[i]];
            }
            for (size_t i = 0; i < nv; i++)
                x->right[cols[i]] += cnt * r->post[vals[i]];
        }
        row_clear(r);
    }
    if (accumulate)
        for (int32_t c = 0; c < x->k; c++)
            x->ntot[c] += e[c] * U;
    return ll + x->n_rows * x->row_ll + x->fire_ll;
}

/* A single-class source's two rates from its expected counts, MAP under its Betas and the
 * order h >= f (the MLE under that order pools the two), as the table engine's polarity. */
static void single_rates(const oc_ctx *x, wsl_label_model *model, size_t j)
{
    int32_t a = model->single[j];
    double Mh, h0, Mf, f0, h, f, va = x->right[j], vo = x->votes[j] - x->right[j];
    double ia = x->ntot[a], io = x->n_rows - x->ntot[a];
    wsl__single_class_prior(x->o.pseudo_count, x->fire[j], x->k, &Mh, &h0, &Mf, &f0);
    h = (va + Mh * h0) / (ia + Mh);
    f = (vo + Mf * f0) / (io + Mf);
    if (h < f)
        h = f = (va + vo + Mh * h0 + Mf * f0) / (ia + io + Mh + Mf);
    model->fire_in[j] = clamp_prob(h);
    model->fire_out[j] = clamp_prob(f);
}

static void m_step(oc_ctx *x, wsl_label_model *model)
{
    double W = x->o.pseudo_count;
    for (size_t j = 0; j < x->m; j++) {
        double den = x->votes[j] + W;
        if (model->single[j] >= 0) {
            single_rates(x, model, j);
            continue;
        }
        model->acc[j] = clamp_prob(den > 0 ? (x->right[j] + W * WSL__PRIOR_ACCURACY) / den
                                           : WSL__PRIOR_ACCURACY);
    }
    if (x->o.prior == WSL_PRIOR_LEARNED)
        wsl__prior_update(x->ntot, x->k, model->prior);
    refresh(x, model);
}

/* Log density (up to a constant) of the parameters' Beta priors. */
static double log_prior(const oc_ctx *x, const wsl_label_model *model)
{
    double W = x->o.pseudo_count, lp = 0;
    for (size_t j = 0; j < x->m; j++) {
        double Mh, h0, Mf, f0, h = model->fire_in[j], f = model->fire_out[j];
        if (model->single[j] < 0) {
            lp += W * (WSL__PRIOR_ACCURACY * log(model->acc[j]) +
                       (1 - WSL__PRIOR_ACCURACY) * log1p(-model->acc[j]));
            continue;
        }
        wsl__single_class_prior(x->o.pseudo_count, x->fire[j], x->k, &Mh, &h0, &Mf, &f0);
        lp += Mh * (h0 * log(h) + (1 - h0) * log1p(-h)) + Mf * (f0 * log(f) + (1 - f0) * log1p(-f));
    }
    return lp;
}

/* Expected counts from majority vote's posteriors (a row without votes: uniform). */
static void counts_of_majority(oc_ctx *x)
{
    const wsl_pattern_table *T = x->T;
    oc_row *r = &x->r;
    clear_counts(x);
    for (size_t p = 0; p < T->n; p++) {
        size_t s0 = T->start[p], nv = T->start[p + 1] - s0;
        const uint32_t *cols = T->cols + s0;
        const int32_t *vals = T->vals + s0;
        double cnt = (double)T->counts[p];
        int32_t gold = pattern_gold(x, p, &nv);
        if (gold != WSL_ABSTAIN) {
            count_gold(x, cols, vals, nv, cnt, gold);
            continue;
        }
        if (nv == 0) {
            for (int32_t c = 0; c < x->k; c++)
                x->ntot[c] += cnt / (double)x->k;
            continue;
        }
        name_classes(r, vals, nv);
        for (size_t i = 0; i < nv; i++)
            r->b[vals[i]] += 1;
        for (size_t i = 0; i < r->n; i++)
            x->ntot[r->classes[i]] += cnt * r->b[r->classes[i]] / (double)nv;
        for (size_t i = 0; i < nv; i++)
            x->right[cols[i]] += cnt * r->b[vals[i]] / (double)nv;
        row_clear(r);
    }
}

/* Put a start's parameters in place (the prior first): majority vote's counts, or one-coin
 * sources 70% accurate (precise) or at their triplet estimates (moments), single-class sources
 * at their priors' centres. */
static wsl_status start_init(oc_ctx *x, wsl_label_model *model, wsl_lm_start id)
{
    wsl__prior_start(&x->o, x->T, x->gold_col, x->k, model->prior);
    if (id == WSL_START_MAJORITY) {
        counts_of_majority(x);
        m_step(x, model);
        return WSL_OK;
    }
    if (id == WSL_START_MOMENTS)
        WSL_TRY(wsl__moment_accuracies(model, x->T, x->emits_one, x->fire, x->m,
                                       WSL__PRIOR_ACCURACY, model->acc));
    else
        for (size_t j = 0; j < x->m; j++)
            model->acc[j] = WSL__PRIOR_ACCURACY;
    for (size_t j = 0; j < x->m; j++) {
        double Mh, Mf;
        if (model->single[j] < 0) {
            model->acc[j] = clamp_prob(model->acc[j]);
            continue;
        }
        model->acc[j] = 0;
        wsl__single_class_prior(x->o.pseudo_count, x->fire[j], x->k, &Mh, &model->fire_in[j], &Mf,
                                &model->fire_out[j]);
    }
    refresh(x, model);
    return WSL_OK;
}

/* The engine for the shared loop and race (race.c): oc_ctx and model together. */
typedef struct oc_job {
    oc_ctx *x;
    wsl_label_model *model;
} oc_job;

static double job_e_step(void *c, int accumulate)
{
    oc_job *j = c;
    return e_step(j->x, j->model, accumulate);
}

static double job_log_prior(void *c)
{
    oc_job *j = c;
    return log_prior(j->x, j->model);
}

static void job_m_step(void *c)
{
    oc_job *j = c;
    m_step(j->x, j->model);
}

static wsl_status job_start(void *c, wsl_lm_start id)
{
    oc_job *j = c;
    return start_init(j->x, j->model, id);
}

/* The parameters: accuracies, both firing rates, the class prior. */
static void job_save(void *c, double *st)
{
    oc_job *j = c;
    size_t m = j->x->m;
    memcpy(st, j->model->acc, m * sizeof *st);
    memcpy(st + m, j->model->fire_in, m * sizeof *st);
    memcpy(st + 2 * m, j->model->fire_out, m * sizeof *st);
    memcpy(st + 3 * m, j->model->prior, (size_t)j->x->k * sizeof *st);
}

static void job_restore(void *c, const double *st)
{
    oc_job *j = c;
    size_t m = j->x->m;
    memcpy(j->model->acc, st, m * sizeof *st);
    memcpy(j->model->fire_in, st + m, m * sizeof *st);
    memcpy(j->model->fire_out, st + 2 * m, m * sizeof *st);
    memcpy(j->model->prior, st + 3 * m, (size_t)j->x->k * sizeof *st);
    refresh(j->x, j->model);
}

static wsl_status fit_starts(oc_ctx *x, wsl_label_model *model)
{
    static const wsl__em_ops ops = {job_e_step, job_log_prior, job_m_step, job_start,
                                    job_save,   job_restore,   NULL};
    oc_job job = {x, model};
    wsl__em_driver d = {&ops,    &job,        3 * x->m + (size_t)x->k, &x->o, x->n_rows,
                        x->hist, x->best_hist};
    model->report.abstain = x->mode; /* the scoring cache reads it */
    return wsl__em_race(&d, model);
}

/* Voting counts and rates; which sources vote one class (and fire by class, unless every
 * abstain is missing at random); the one-coin sources' firing log-likelihood. */
static wsl_status source_stats(oc_ctx *x, wsl_label_model *model)
{
    const wsl_pattern_table *T = x->T;
    int by_class = x->o.abstain != WSL_ABSTAIN_RANDOM && x->o.abstain != WSL_ABSTAIN_NEVER;
    memset(x->votes, 0, x->m * sizeof *x->votes);
    for (size_t j = 0; j < x->m; j++)
        x->emits_one[j] = WSL_ABSTAIN - 1; /* no vote seen yet */
    for (size_t p = 0; p < T->n; p++) {
        size_t nv = T->start[p + 1] - T->start[p];
        (void)pattern_gold(x, p, &nv);
        if (x->o.abstain == WSL_ABSTAIN_NEVER && nv != x->m)
            return wsl__error(WSL_EINVAL,
                              "wsl_label_model_fit: opts->abstain is "
                              "WSL_ABSTAIN_NEVER but %zu rows have abstains",
                              (size_t)T->counts[p]);
        for (size_t i = T->start[p]; i < T->start[p] + nv; i++) {
            size_t j = T->cols[i];
            int32_t v = T->vals[i], *one = &x->emits_one[j];
            x->votes[j] += (double)T->counts[p];
            *one = *one == WSL_ABSTAIN - 1 || *one == v ? v : WSL_ABSTAIN;
        }
    }
    x->fire_ll = 0;
    for (size_t j = 0; j < x->m; j++) {
        double f = x->votes[j] / x->n_rows, rest = x->n_rows - x->votes[j];
        if (x->emits_one[j] < WSL_ABSTAIN)
            x->emits_one[j] = WSL_ABSTAIN;
        x->fire[j] = f;
        model->single[j] = by_class ? x->emits_one[j] : WSL_ABSTAIN;
        if (model->single[j] >= 0)
            continue;
        model->rate[j] = f;
        if (x->votes[j] > 0)
            x->fire_ll += x->votes[j] * log(f);
        if (rest > 0)
            x->fire_ll += rest * log1p(-f);
    }
    return WSL_OK;
}

/* The starts, then (WSL_ABSTAIN_AUTO) the co-firing check of the single-class sources and, if
 * they fire together beyond the model, the refit on their votes only (as em.c). */
static wsl_status fit_phases(oc_ctx *x, wsl_label_model *model)
{
    double g, limit;
    x->mode = x->o.abstain == WSL_ABSTAIN_AUTO ? WSL_ABSTAIN_BY_POLARITY : x->o.abstain;
    WSL_TRY(fit_starts(x, model));
    model->report.cofire_g = model->report.cofire_limit = NAN;
    if (x->o.abstain != WSL_ABSTAIN_AUTO)
        return WSL_OK;
    WSL_TRY(wsl__cofire_test(model, x->T, model->single, x->m, &g, &limit));
    model->report.cofire_g = g;
    model->report.cofire_limit = limit;
    if (!(g > limit))
        return WSL_OK;
    wsl__log(x->o.log_fn, x->o.log_payload, WSL_LOG_INFO,
             "single-class sources co-fire beyond the model (mean G %.2f > %.2f): refitting "
             "with their votes only",
             g, limit);
    x->mode = WSL_ABSTAIN_VOTES_ONLY;
    if (x->o.prior == WSL_PRIOR_LEARNED)
        x->o.prior = WSL_PRIOR_UNIFORM;
    return fit_starts(x, model);
}

wsl_status wsl__one_coin_fit(wsl_label_model *model, const wsl_pattern_table *T, size_t gold_col,
                             const wsl_fit_options *opts)
{
    const wsl_allocator *a = &model->alloc;
    wsl_pattern_table *canon = NULL;
    oc_ctx x;
    wsl_status st;
    size_t mm;
    memset(&x, 0, sizeof x);
    if (T->total == 0)
        return wsl__error(WSL_EINVAL, "wsl_label_model_fit: no rows to fit");
    if (!T->canonical)
        WSL_TRY(wsl__patterns_canonical_copy(T, &canon));
    T = canon ? canon : T;
    x.T = T;
    x.k = model->k;
    x.gold_col = gold_col;
    x.m = gold_col < T->m ? T->m - 1 : T->m;
    x.o = *opts;
    x.n_rows = (double)T->total;
    mm = x.m ? x.m : 1;
    if ((st = wsl__model_alloc_one_coin(model, x.m)) != WSL_OK)
        goto done;
    x.votes = wsl__mallocarray(a, mm, sizeof *x.votes);
    x.fire = wsl__mallocarray(a, mm, sizeof *x.fire);
    x.emits_one = wsl__mallocarray(a, mm, sizeof *x.emits_one);
    x.right = wsl__mallocarray(a, mm, sizeof *x.right);
    x.vote_log = wsl__mallocarray(a, mm, sizeof *x.vote_log);
    x.ntot = wsl__mallocarray(a, (size_t)x.k, sizeof *x.ntot);
    x.hist = wsl__mallocarray(a, (size_t)x.o.max_iter, sizeof *x.hist);
    x.best_hist = wsl__mallocarray(a, (size_t)x.o.max_iter, sizeof *x.best_hist);
    if (!x.votes || !x.fire || !x.emits_one || !x.right || !x.vote_log || !x.ntot || !x.hist ||
        !x.best_hist || (st = row_init(&x.r, a, x.k, x.m)) != WSL_OK) {
        st = WSL_ENOMEM;
        goto done;
    }
    if ((st = source_stats(&x, model)) != WSL_OK || (st = fit_phases(&x, model)) != WSL_OK)
        goto done;
    if (model->n_history > 0) {
        if (!(model->history = wsl__mallocarray(a, model->n_history, sizeof *model->history))) {
            st = WSL_ENOMEM;
            goto done;
        }
        memcpy(model->history, x.best_hist, model->n_history * sizeof *model->history);
    }
    model->report.n_patterns = T->n;
    model->report.n_rows = T->total;
    model->report.tables = WSL_TABLES_ONE_COIN;
    model->report.abstain = x.mode;
    model->report.prior = x.o.prior;
    model->fitted = 1;
done:
    wsl_pattern_table_free(canon);
    wsl__free(a, x.votes);
    wsl__free(a, x.fire);
    wsl__free(a, x.emits_one);
    wsl__free(a, x.right);
    wsl__free(a, x.vote_log);
    wsl__free(a, x.ntot);
    wsl__free(a, x.hist);
    wsl__free(a, x.best_hist);
    row_release(&x.r, a);
    return st;
}

wsl_status wsl__one_coin_predict(const wsl_label_model *model, const wsl_label_matrix *L,
                                 double *probs, uint8_t *covered)
{
    const wsl_allocator *a = &model->alloc;
    size_t k = (size_t)model->k, mm = L->m ? L->m : 1;
    uint32_t *cols = wsl__mallocarray(a, mm, sizeof *cols);
    int32_t *vals = wsl__mallocarray(a, mm, sizeof *vals);
    oc_row r;
    wsl_status st = row_init(&r, a, model->k, L->m);
    if (st == WSL_OK && (!cols || !vals))
        st = WSL_ENOMEM;
    for (size_t i = 0; st == WSL_OK && i < L->n; i++) {
        double *p = probs + i * k;
        size_t nv = wsl__lm_row_votes(L, i, cols, vals);
        row_posterior(model, &r, cols, vals, nv, WSL__TIE_NUDGE);
        if (r.n < k)
            unnamed_posterior(model, &r, p);
        for (size_t e = 0; e < r.n; e++)
            p[r.classes[e]] = r.post[r.classes[e]];
        if (covered)
            covered[i] = nv > 0;
        row_clear(&r);
    }
    row_release(&r, a);
    wsl__free(a, cols);
    wsl__free(a, vals);
    return st;
}
