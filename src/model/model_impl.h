/* Internal layout of wsl_label_model and the EM engine shared by fit, predict and save/load. */
#ifndef WSL_SRC_MODEL_IMPL_H
#define WSL_SRC_MODEL_IMPL_H

#include "core/core.h"
#include "votes/patterns_impl.h"
#include "wsl/label_model.h"

struct wsl_label_model {
    wsl_allocator alloc;
    int32_t k;
    size_t m;
    int fitted;
    double *prior;      /* k */
    double *table;      /* m * k * (k + 1): P(v | c) at [(j * k + c) * (k + 1) + v + 1] */
    double *log_table;  /* log of table, -inf where 0 */
    double *log_prior;  /* k */
    wsl_fit_report report;
    double *history;    /* penalized log-likelihood per row, per iteration of the winner */
    size_t n_history;
};

static inline size_t wsl__tab_index(int32_t k, size_t j, int32_t c, int32_t v)
{
    return (j * (size_t)k + (size_t)c) * ((size_t)k + 1) + (size_t)(v + 1);
}

/* Resolve defaults of the options (opts may be NULL) into *out. */
void wsl__fit_options_resolve(const wsl_fit_options *opts, wsl_fit_options *out);

/* Allocate the parameter arrays of a model for m sources (frees previous ones). */
wsl_status wsl__model_alloc_params(wsl_label_model *model, size_t m);

/* The class source j votes when it votes a single class, else -1 (from its fitted table). */
int32_t wsl__model_single_class(const wsl_label_model *model, size_t j);

/* Recompute log_table and log_prior from table and prior. */
void wsl__model_refresh_logs(wsl_label_model *model);

/*
 * Log joint scores s[c] = log pi_c + sum_j log P(vote_j | c) for one row given by its
 * non-abstain votes. abstain_sum[c] = sum_j log P(abstain_j | c) is precomputed.
 */
void wsl__model_scores(const wsl_label_model *model, const double *abstain_sum,
                       const uint32_t *cols, const int32_t *vals, size_t nnz, double *s);

/* abstain_sum[c] = sum_j log P(abstain_j | c), k entries. */
void wsl__model_abstain_sum(const wsl_label_model *model, double *abstain_sum);

/* Fit on a pattern table; gold_col (if < T->m) is the column holding clamped gold labels. */
wsl_status wsl__em_fit(wsl_label_model *model, const wsl_pattern_table *T, size_t gold_col,
                       const wsl_fit_options *opts);

/*
 * Triplet-method accuracies of the sources voting several classes (single[j] < 0) into acc[m];
 * the others, and sources without enough joint votes, get `fallback`. See moments.c.
 */
wsl_status wsl__moment_accuracies(const wsl_label_model *model, const wsl_pattern_table *T,
                                  const size_t *order, const int32_t *single, const double *fire,
                                  size_t m, double fallback, double *acc);

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
                            const size_t *order, const int32_t *single, size_t m, double *g,
                            double *limit);

#endif
