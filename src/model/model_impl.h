/* Internal layout of wsl_label_model and the EM engine shared by fit, predict and save/load. */
#ifndef WSL_SRC_MODEL_IMPL_H
#define WSL_SRC_MODEL_IMPL_H

#include "core/core.h"
#include "votes/patterns_impl.h"
#include "wsl/label_model.h"

/* A source's vote is believed right with this probability before seeing data. */
#define WSL__PRIOR_ACCURACY 0.7
/* EM iterations every start runs before the best one goes on alone (see race.c). */
#define WSL__START_RACE 1
/* Tables of at least this many votes race their starts on a sample of a quarter as many
 * votes or fewer (model->sample_min_votes): 3 race iterations and the winner's 3 to 5 on a
 * sample of a fraction 1 / f cost (6 to 8) / f passes over all votes, against the 2 to 4
 * that sampling saves, so the sample is worth it from f = 4 on. */
#define WSL__SAMPLE_MIN_VOTES ((size_t)1 << 23)
/* Log-score added per vote for its class at prediction: far below any fitted difference. */
#define WSL__TIE_NUDGE 1e-6
/* Most threads a fit or predict takes (opts->n_threads, wsl_label_model_set_threads). */
#define WSL__MAX_THREADS 1024

/* Votes for class 1 among a two-class row's votes (each 0 or 1), summed in a register. */
static inline size_t wsl__class1_votes(const int32_t *vals, size_t nnz)
{
    size_t ones = 0;
    for (size_t e = 0; e < nnz; e++)
        ones += (size_t)vals[e];
    return ones;
}

/* Limit on a clique's joint table: (k + 1)^size outcomes per class. */
#define WSL__CLIQUE_MAX_OUTCOMES 4096

/*
 * Groups of dependent sources. Each clique has one joint class-conditional table over its
 * members' votes (abstain included): P(v_1..v_s | y = c) at table[off[q] + c * size[q] + idx],
 * idx = sum_j (v_j + 1) * stride[j]. Members keep their own (marginal) tables for inspection
 * and as the prior mean of the joint table; the joint replaces them in the likelihood.
 */
typedef struct wsl__cliques {
    size_t n;            /* cliques */
    size_t *start;       /* n + 1 offsets into members */
    uint32_t *members;   /* source indices, ascending within each clique */
    size_t *size;        /* n: (k + 1)^members */
    size_t *off;         /* n + 1 offsets into table */
    double *table;       /* joint tables, off[n] values */
    double *log_table;
    int32_t *of_source;  /* m: the clique of source j, or -1 */
    size_t *stride;      /* m: (k + 1)^(position of j in its clique) */
} wsl__cliques;

struct wsl_label_model {
    wsl_allocator alloc;
    int32_t k;
    size_t m;
    int fitted;
    int threads;        /* predict's threads: wsl_label_model_set_threads, or the last fit's
                           opts->n_threads; 0 = 1 */
    size_t sample_min_votes; /* tables of at least this many votes race on a sample (see
                                WSL__SAMPLE_MIN_VOTES; a field so that tests can lower it) */
    double *prior;      /* k */
    double *table;      /* m * k * (k + 1): P(v | c) at [(j * k + c) * (k + 1) + v + 1] */
    double *log_table;  /* log of table, -inf where 0 */
    double *log_prior;  /* k */
    double *delta;      /* scoring cache: log P(v | c) - log P(abstain | c) (0 when a source
                           never abstains, and for a clique's members, whose joint table scores
                           them) at [(j * (k + 1) + v + 1) * k + c], c contiguous */
    double *abstain_log; /* scoring cache: sum over sources outside cliques of log P(abstain | c) */
    wsl_fit_report report;
    double *history;    /* penalized log-likelihood per row, per iteration of the winner */
    size_t n_history;
    wsl__cliques cl;    /* dependent sources; cl.n == 0 when every source is independent */
    /* One-coin models (report.tables == WSL_TABLES_ONE_COIN, see one_coin.c) keep no tables:
     * table, log_table, delta and abstain_log are NULL, these are set. */
    int one_coin;
    int32_t *single;    /* m: the class a source votes, when it votes one class and its firing
                           says it (two rates below), else -1 (one coin) */
    double *acc;        /* m: one coin: P(vote = y | the source votes), else 0 */
    double *rate;       /* m: one coin: P(the source votes), whatever the class, else 0 */
    double *fire_in;    /* m: single class a: P(fires | y = a), else 0 */
    double *fire_out;   /* m: single class a: P(fires | y != a), else 0 */
    double *bonus;      /* m: log-odds a vote adds to its class (scoring cache) */
    double *eff_prior;  /* k: P(y = c | every source abstained) (scoring cache) */
    double *log_eff;    /* k: its log, finite where it underflows */
};

static inline size_t wsl__tab_index(int32_t k, size_t j, int32_t c, int32_t v)
{
    return (j * (size_t)k + (size_t)c) * ((size_t)k + 1) + (size_t)(v + 1);
}

/* P(source j votes v | y = c), v = -1 for abstain: from the tables, or one-coin parameters. */
static inline double wsl__model_prob(const wsl_label_model *model, size_t j, int32_t c, int32_t v)
{
    if (model->one_coin) {
        int32_t a = model->single[j];
        double r = model->rate[j], q = model->acc[j], p;
        if (a >= 0) {
            p = c == a ? model->fire_in[j] : model->fire_out[j];
            return v < 0 ? 1 - p : v == a ? p : 0;
        }
        return v < 0 ? 1 - r : v == c ? r * q : r * (1 - q) / (double)(model->k - 1);
    }
    return model->table[wsl__tab_index(model->k, j, c, v)];
}

/* Resolve defaults of the options (opts may be NULL) into *out. */
void wsl__fit_options_resolve(const wsl_fit_options *opts, wsl_fit_options *out);

/* Allocate the parameter arrays of a model for m sources (frees previous ones). */
wsl_status wsl__model_alloc_params(wsl_label_model *model, size_t m);
/* The same for a one-coin model (the arrays of its fields above, prior and log_prior). */
wsl_status wsl__model_alloc_one_coin(wsl_label_model *model, size_t m);

/* The class prior's starting value: opts->class_prior, uniform, or the gold labels' balance
 * (add-one) found in T's column gold_col; uniform for a learned prior. */
void wsl__prior_start(const wsl_fit_options *o, const wsl_pattern_table *T, size_t gold_col,
                      int32_t k, double *prior);
/* Beta priors of a single-class source's two rates (see em.c): Mh pseudo-rows centred on h0
 * for P(fires | its class), Mf on f0 for P(fires | another class), given its coverage. */
void wsl__single_class_prior(double pseudo_count, double cov, int32_t k, double *Mh, double *h0,
                             double *Mf, double *f0);
/* A learned prior's M-step from expected class counts: proportional to them, then no class
 * below a fifth of uniform (the guard against collapse onto one class). */
void wsl__prior_update(const double *ntot, int32_t k, double *prior);

/* What an EM engine gives the shared loop and race (race.c); ctx is the engine's own. */
typedef struct wsl__em_ops {
    double (*e_step)(void *ctx, int accumulate); /* total log-likelihood; counts if asked */
    double (*log_prior)(void *ctx);              /* of the current parameters */
    void (*m_step)(void *ctx);
    wsl_status (*start)(void *ctx, wsl_lm_start id); /* a start's parameters in place */
    void (*save)(void *ctx, double *state);          /* the parameters, state_len doubles */
    void (*restore)(void *ctx, const double *state); /* and back, scoring caches refreshed */
    int (*sample)(void *ctx, int on); /* NULL, or E-steps on a sample of the rows from now
                                         (on = 1; returns 1 if so) or on all of them (on = 0) */
} wsl__em_ops;

typedef struct wsl__em_driver {
    const wsl__em_ops *ops;
    void *ctx;
    size_t state_len;
    const wsl_fit_options *o; /* max_iter, tol, starts, the callbacks */
    double n_rows;
    double *hist, *best_hist; /* max_iter each: the current start's, the winner's */
} wsl__em_driver;

/*
 * EM iterations it0 .. it_end - 1 from the current parameters; prev is the penalized
 * log-likelihood of iteration it0 - 1 (-INFINITY for none). Stops early at convergence. *iters
 * receives the iterations done in all, *pen the penalized log-likelihood of the last E-step;
 * unless converged, the parameters are those of the M-step after it.
 */
wsl_status wsl__em_iterate(const wsl__em_driver *d, int start_id, int it0, int it_end,
                           double prev, int *iters, int *converged, double *pen, double *ll);
/* Race the requested starts; the winner, run to convergence, is left in place, its history in
 * d->best_hist and model->n_history, the report's iterations, converged, start and
 * likelihoods set. */
wsl_status wsl__em_race(const wsl__em_driver *d, wsl_label_model *model);
/* Carry on the fit in place (converged at a looser tolerance than d->o->tol; its history in
 * d->best_hist) to d->o->tol, the report and history continued. */
wsl_status wsl__em_continue(const wsl__em_driver *d, wsl_label_model *model);

/* One-coin engine (one_coin.c): fit on a pattern table, refresh the scoring caches (bonus,
 * eff_prior, log_prior) after the parameters changed (returns log sum_c pi_c prod_j P(abstain_j
 * | c) over single-class sources, the eff_prior's normalizer), and predict. */
wsl_status wsl__one_coin_fit(wsl_label_model *model, const wsl_pattern_table *T, size_t gold_col,
                             const wsl_fit_options *opts);
double wsl__one_coin_refresh(wsl_label_model *model);
wsl_status wsl__one_coin_predict(const wsl_label_model *model, const wsl_label_matrix *L,
                                 double *probs, uint8_t *covered);

/* The class source j votes when it votes a single class, else -1 (from its fitted table). */
int32_t wsl__model_single_class(const wsl_label_model *model, size_t j);

/* Recompute log_table and log_prior from table and prior. */
void wsl__model_refresh_logs(wsl_label_model *model);

/*
 * Log joint scores s[c] = log pi_c + sum_j log P(vote_j | c) for one row given by its
 * non-abstain votes. abstain_sum[c] = sum_j log P(abstain_j | c) over sources outside cliques
 * is precomputed. Each clique's outcome index for the row is given (cl.n entries), or, with
 * given NULL, computed into cidx (cl.n entries, may be NULL without cliques). With given, the
 * votes of clique members are added from delta, which holds 0 for them (x + 0 is x: the same
 * bits as skipping them). k is model->k: inline with a constant k (the E-step's k = 2 path),
 * the class loops unroll.
 */
static inline void wsl__model_scores(const wsl_label_model *model, int32_t k,
                                     const double *abstain_sum, const uint32_t *cols,
                                     const int32_t *vals, size_t nnz, double *s, size_t *cidx,
                                     const size_t *given)
{
    const wsl__cliques *cl = &model->cl;
    const size_t *ci = given ? given : cidx;
    if (k == 2) {
        /* The sums in registers, not through s: the same additions in the same order. */
        double s0 = model->log_prior[0] + abstain_sum[0], s1 = model->log_prior[1] + abstain_sum[1];
        if (given) {
            for (size_t e = 0; e < nnz; e++) {
                const double *d = model->delta + ((size_t)cols[e] * 3 + (size_t)(vals[e] + 1)) * 2;
                s0 += d[0];
                s1 += d[1];
            }
        } else {
            for (size_t q = 0; q < cl->n; q++)
                cidx[q] = 0;
            for (size_t e = 0; e < nnz; e++) {
                const double *d = model->delta + ((size_t)cols[e] * 3 + (size_t)(vals[e] + 1)) * 2;
                if (cl->n && cl->of_source[cols[e]] >= 0) {
                    cidx[cl->of_source[cols[e]]] += (size_t)(vals[e] + 1) * cl->stride[cols[e]];
                    continue;
                }
                s0 += d[0];
                s1 += d[1];
            }
        }
        for (size_t q = 0; q < cl->n; q++) {
            const double *lt = cl->log_table + cl->off[q] + ci[q];
            s0 += lt[0];
            s1 += lt[cl->size[q]];
        }
        s[0] = s0;
        s[1] = s1;
        return;
    }
    for (int32_t c = 0; c < k; c++)
        s[c] = model->log_prior[c] + abstain_sum[c];
    if (!given)
        for (size_t q = 0; q < cl->n; q++)
            cidx[q] = 0; /* every member abstains until a vote says otherwise */
    for (size_t e = 0; e < nnz; e++) {
        const double *restrict d =
            model->delta + ((size_t)cols[e] * ((size_t)k + 1) + (size_t)(vals[e] + 1)) * (size_t)k;
        double *restrict out = s;
        if (!given && cl->n && cl->of_source[cols[e]] >= 0) {
            cidx[cl->of_source[cols[e]]] += (size_t)(vals[e] + 1) * cl->stride[cols[e]];
            continue;
        }
        for (int32_t c = 0; c < k; c++)
            out[c] += d[c];
    }
    for (size_t q = 0; q < cl->n; q++) {
        const double *lt = cl->log_table + cl->off[q] + ci[q];
        for (int32_t c = 0; c < k; c++)
            s[c] += lt[(size_t)c * cl->size[q]];
    }
}

/*
 * Predict's scoring of a two-class model without cliques (logit2.c): a vote's log-odds g and
 * tie count d (+1 for class 1, -1 for class 0) at [3 j + v + 1], both 0 for an abstain and for
 * a vote predict reads as one; the sum is kept in four parts, part i adding sources
 * bound[i]..bound[i + 1] - 1.
 */
typedef struct wsl__logit2 {
    double z0; /* the log-odds of a row without votes */
    double *g;
    int8_t *d;
    size_t bound[5];
} wsl__logit2;

/* lg for model (impossible: predict's flags, or NULL); lg->g NULL when the model is not such
 * a model, or a vote rules a class out (the general scoring then handles the infinities). */
wsl_status wsl__logit2_init(const wsl_label_model *model, const uint8_t *impossible,
                            wsl__logit2 *lg);
void wsl__logit2_free(const wsl_label_model *model, wsl__logit2 *lg);

/* p[0..1] for the votes cols/vals (column order). */
void wsl__logit2_votes(const wsl__logit2 *lg, const uint32_t *cols, const int32_t *vals, size_t nnz,
                       double *p);

/* p[0..1] for a dense row of m one-byte votes, the same bits as its votes; returns how many
 * votes it holds when asked to count them (else 0). */
size_t wsl__logit2_row(const wsl__logit2 *lg, const int8_t *row, double *p, int count);

/* abstain_sum[c] = sum_j log P(abstain_j | c) over sources outside cliques, k entries. */
void wsl__model_abstain_sum(const wsl_label_model *model, double *abstain_sum);

/* Fit on a pattern table; gold_col (if < T->m) is the column holding clamped gold labels. */
wsl_status wsl__em_fit(wsl_label_model *model, const wsl_pattern_table *T, size_t gold_col,
                       const wsl_fit_options *opts);

/*
 * Triplet-method accuracies of the sources voting several classes (single[j] < 0) into acc[m];
 * the others, and sources without enough joint votes, get `fallback`. See moments.c.
 */
wsl_status wsl__moment_accuracies(const wsl_label_model *model, const wsl_pattern_table *T,
                                  const int32_t *single, const double *fire, size_t m,
                                  double fallback, double *acc);

/*
 * Set the cliques of a model with m sources (frees previous ones): n_groups groups, group g
 * holding sizes[g] source indices from members (concatenated). Groups of one source are
 * dropped. Errors name the group: an index >= m, a source in two groups, a joint table over
 * WSL__CLIQUE_MAX_OUTCOMES outcomes per class. Tables are zeroed.
 */
wsl_status wsl__cliques_set(wsl_label_model *model, const size_t *members, const size_t *sizes,
                            size_t n_groups, const char *fn);
void wsl__cliques_release(wsl_label_model *model);
/* Deep copy of src's cliques into dst (same k and m). */
wsl_status wsl__cliques_copy(wsl_label_model *dst, const wsl_label_model *src);
/* Joint tables = product of the members' tables (independence), then logs. */
void wsl__cliques_from_marginals(wsl_label_model *model);
void wsl__cliques_refresh_logs(wsl_label_model *model);
/* Prior mean of clique q's outcome idx under class c: the product of the members' tables. */
double wsl__clique_prior_mean(const wsl_label_model *model, size_t q, int32_t c, size_t idx);

/* The observed joint votes of every pair of sources (what the pair statistics compare with the
 * model): counted once per table, whatever model is then tested against them. */
typedef struct wsl__pair_counts {
    size_t m, S, cells; /* S outcomes per source (abstain + votes, or abstain + fired) */
    int fire_only;      /* too many pair cells: firing only */
    double n;           /* rows */
    double *both;       /* per pair i < j, the both-voted cells */
    double *margin;     /* m x S outcome counts */
    double *obs, *expct; /* S x S scratch */
} wsl__pair_counts;

/* Count T's pairs over columns < m (votes of columns >= m ignored). Patterns in table order. */
wsl_status wsl__pair_counts_init(wsl__pair_counts *pc, const wsl_allocator *a,
                                 const wsl_pattern_table *T, size_t m);
void wsl__pair_counts_release(wsl__pair_counts *pc, const wsl_allocator *a);

/*
 * Pair statistics of co-voting beyond the model: g[i * m + j] the G statistic, df[i * m + j]
 * its degrees of freedom (df may be NULL); NaN for two members of one clique, 0 on the
 * diagonal.
 */
void wsl__pair_dependence(const wsl_label_model *model, wsl__pair_counts *pc, double *g,
                          double *df);

/* Permute the latent classes so that the sources agree with them (see relabel.c). */
wsl_status wsl__model_relabel(wsl_label_model *model, int *changed);

/*
 * Posterior-predictive check of the fitted model on the firing of single-class sources
 * (single[j] >= 0): for every pair, the G statistic of the 2 x 2 co-firing table against the
 * model's expected co-firing with the observed margins. Under the model each is about
 * chi-square with one degree of freedom, so their mean is about 1 with standard deviation
 * sqrt(2 / pairs): *limit = 1 + 3 sqrt(2 / pairs). *g and *limit are NaN with fewer than two
 * such sources (or too many to pair up).
 */
wsl_status wsl__cofire_test(const wsl_label_model *model, const wsl_pattern_table *T,
                            const int32_t *single, size_t m, double *g, double *limit);

#endif
