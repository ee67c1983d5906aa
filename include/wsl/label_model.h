/*
 * libwsl — label models: majority vote baselines and the generative EM label model.
 *
 * The generative model: a latent true class y ~ pi; sources vote independently given y through
 * class-conditional tables theta_j[c][v] = P(source j votes v | y = c), v in {abstain, 0..k-1}.
 * The model is fitted by EM without any gold label, on the table of distinct vote patterns with
 * counts (never per record): MAP EM with Dirichlet pseudo-counts that encode the belief that a
 * source's vote is more often right than any particular wrong class, several deterministic
 * starts each scored by the penalized likelihood of its own parameters, and the best run to
 * convergence.
 */
#ifndef WSL_LABEL_MODEL_H
#define WSL_LABEL_MODEL_H

#include "wsl/common.h"
#include "wsl/votes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- Majority vote */

/** How a hard label is chosen when several classes tie for the highest probability. */
typedef enum wsl_tie_policy {
    WSL_TIE_ABSTAIN = 0,       /**< the label is WSL_ABSTAIN */
    WSL_TIE_HASH = 1,          /**< a tied class picked by a hash of the row index (deterministic) */
    WSL_TIE_RANDOM = 2,        /**< a tied class picked by a generator seeded with `seed` */
    WSL_TIE_LOWEST = 3         /**< the lowest tied class */
} wsl_tie_policy;

/**
 * Majority vote probabilities: row i gets the (weighted) share of votes of each class; rows
 * with no vote get `prior` (k values summing to 1, or NULL for uniform).
 * @param weights   m non-negative source weights, or NULL for plain majority vote.
 * @param probs     n x k row-major output, probs_len >= n*k.
 * @param covered   NULL or n flags: 1 when the row has at least one (positively weighted) vote.
 * @return WSL_OK, WSL_EINVAL (NULL, negative or non-finite weight, bad prior), WSL_EBUFS.
 * @since 0.1
 */
WSL_API wsl_status wsl_majority_vote_proba(const wsl_label_matrix *L, const double *weights,
                                           const double *prior, double *probs, size_t probs_len,
                                           uint8_t *covered, size_t covered_len);

/**
 * Hard labels from an n x k probability matrix under a tie policy (ties: classes within 1e-12
 * of the maximum).
 * @return WSL_OK, WSL_EINVAL (NULL, k < 1, bad policy), WSL_EBUFS (labels_len < n).
 * @since 0.1
 */
WSL_API wsl_status wsl_probs_to_labels(const double *probs, size_t n, size_t k,
                                       wsl_tie_policy policy, uint64_t seed, int32_t *labels,
                                       size_t labels_len);

/* ---------------------------------------------------------------- Label model options */

/** How the class-conditional tables are parametrized. */
typedef enum wsl_lm_tables {
    WSL_TABLES_DEFAULT = 0,        /**< the benchmark-chosen default (see the README):
                                        POLARITY, or ONE_COIN when full tables would hold more
                                        than 2^23 values (m k (k + 1)) and the options ask
                                        nothing only tables can do */
    WSL_TABLES_FULL = 1,           /**< a free table P(vote v | y = c) per source and class */
    WSL_TABLES_CLASS_ACCURACY = 2, /**< per class: P(right | voted, y = c); errors spread evenly
                                        over the classes the source emits */
    WSL_TABLES_ACCURACY = 3,       /**< one accuracy per source; errors spread evenly */
    WSL_TABLES_POLARITY = 4,       /**< a source that votes a single class a has two rates,
                                        P(vote a | y = a) >= P(vote a | y != a); sources voting
                                        several classes get full tables */
    WSL_TABLES_ONE_COIN = 5        /**< many classes: a source voting several classes has one
                                        accuracy (errors spread evenly over the other k - 1
                                        classes, abstains missing at random); a source voting
                                        a single class has two firing rates as with POLARITY
                                        (by the abstain option; RANDOM makes it one-coin too).
                                        O(m + k) parameters and O(votes) work per row whatever
                                        k; no informative abstains for multi-class sources, no
                                        source priors, no dependency groups */
} wsl_lm_tables;

/** How abstentions enter the model. */
typedef enum wsl_lm_abstain {
    WSL_ABSTAIN_DEFAULT = 0,
    WSL_ABSTAIN_INFORMATIVE = 1,   /**< P(abstain | y = c) depends on the class */
    WSL_ABSTAIN_RANDOM = 2,        /**< abstaining says nothing about the class */
    WSL_ABSTAIN_NEVER = 3,         /**< the sources always vote (language-model prompts); an
                                        abstain in the data is then an error */
    WSL_ABSTAIN_BY_POLARITY = 4,   /**< informative for a source that votes a single class (its
                                        firing is all it says), missing at random for sources
                                        that vote several classes (crowd workers) */
    WSL_ABSTAIN_VOTES_ONLY = 5,    /**< as BY_POLARITY, but a single-class source's abstains
                                        are left out of the posterior (only its votes count) and
                                        the class prior is uniform: for single-class sources that
                                        fire together more than the class explains */
    WSL_ABSTAIN_AUTO = 6           /**< BY_POLARITY, refitted as VOTES_ONLY when the single-class
                                        sources' co-firing fails a posterior-predictive G-test
                                        (the report says which was used) */
} wsl_lm_abstain;

/** How the class prior pi is obtained. */
typedef enum wsl_lm_prior {
    WSL_PRIOR_DEFAULT = 0,
    WSL_PRIOR_LEARNED = 1,         /**< learned by EM, with a guard against collapse */
    WSL_PRIOR_FIXED = 2,           /**< opts->class_prior */
    WSL_PRIOR_UNIFORM = 3,
    WSL_PRIOR_GOLD = 4             /**< class balance of opts->gold */
} wsl_lm_prior;

/** Starting points of EM (bit flags); the start with the best penalized likelihood wins. */
typedef enum wsl_lm_start {
    WSL_START_MAJORITY = 1,        /**< posteriors of majority vote */
    WSL_START_PRECISE = 2,         /**< every source 70% precise (Snorkel-like) */
    WSL_START_MOMENTS = 4,         /**< agreement-based (triplet) accuracy estimates */
    WSL_START_ALL = 7
} wsl_lm_start;

/** Whether the fit looks for dependent sources (see the README, "Correlated LFs"). */
typedef enum wsl_lm_deps {
    WSL_DEPS_DEFAULT = 0,          /**< the benchmark-chosen default (see the README) */
    WSL_DEPS_OFF = 1,              /**< only the groups declared in the options */
    WSL_DEPS_LEARN = 2             /**< declared groups, plus groups learned from the votes: a
                                        pair of sources (or cliques) that co-vote beyond the
                                        model is merged when the likelihood gain pays for the
                                        joint table by BIC, then refitted, until none does */
} wsl_lm_deps;

/** Called after each EM iteration; return non-zero to stop the fit (WSL_ECALLBACK). */
typedef int (*wsl_lm_iter_fn)(int start, int iteration, double log_likelihood, void *payload);

typedef struct wsl_fit_options {
    unsigned int version;       /**< WSL_FIT_OPTIONS_VERSION */
    wsl_lm_tables tables;       /**< parametrization */
    wsl_lm_abstain abstain;     /**< abstain handling */
    wsl_lm_prior prior;         /**< class prior */
    const double *class_prior;  /**< k probabilities for WSL_PRIOR_FIXED, else NULL */
    double pseudo_count;        /**< strength of the prior on each source's table, in
                                     pseudo-votes, >= 0; negative = default (2) */
    int max_iter;               /**< EM iterations per start, >= 1 */
    double tol;                 /**< stop when the penalized log-likelihood per row improves by
                                     less than this, > 0 */
    unsigned int starts;        /**< wsl_lm_start flags, non-zero */
    uint64_t seed;              /**< only used to break exact ties; the fit is deterministic */
    int n_threads;              /**< >= 1; results never depend on it */
    const int32_t *gold;        /**< NULL, or n labels (-1 unknown) clamped during the fit */
    size_t gold_len;            /**< entries of gold; must equal the rows fitted */
    wsl_lm_iter_fn iter_fn;     /**< NULL, or called after every iteration (on a table of
                                     more than 8 million votes, also after those of the race
                                     on a sample of the rows: see the README, "starts") */
    void *iter_payload;
    wsl_log_fn log_fn;          /**< NULL = silent */
    void *log_payload;
    /* version 2 */
    const double *const *source_priors; /**< NULL, or m pointers, one per source: NULL (the
                                             default prior) or k x (k + 1) prior means
                                             P(vote v | y = c), row c = (abstain, class 0, ...,
                                             class k-1), each row summing to 1. Such a source
                                             gets a full table with informative abstains,
                                             MAP under this Dirichlet prior */
    size_t n_source_priors;             /**< entries of source_priors; must equal m */
    double source_prior_strength;       /**< pseudo-rows behind each class row of a given
                                             table, > 0; <= 0 = default (100) */
    const size_t *dep_members;          /**< declared groups of dependent sources: the source
                                             indices of every group, concatenated */
    const size_t *dep_sizes;            /**< n_dep_groups sizes (groups must be disjoint; a
                                             group's joint table has (k + 1)^size outcomes
                                             per class, at most 4096) */
    size_t n_dep_groups;
    wsl_lm_deps deps;                   /**< learn more groups from the votes or not */
} wsl_fit_options;

#define WSL_FIT_OPTIONS_VERSION 2
#define WSL_FIT_OPTIONS_INIT                                                                    \
    {WSL_FIT_OPTIONS_VERSION, WSL_TABLES_DEFAULT, WSL_ABSTAIN_DEFAULT, WSL_PRIOR_DEFAULT, NULL,  \
     -1.0, 500, 1e-7, WSL_START_ALL, 0, 1, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0, -1.0, NULL, \
     NULL, 0, WSL_DEPS_DEFAULT}

/** Set *opts to WSL_FIT_OPTIONS_INIT. @return WSL_OK, WSL_EINVAL (NULL). @since 0.1 */
WSL_API wsl_status wsl_fit_options_init(wsl_fit_options *opts);

/**
 * Check fit options for k classes; the message names the field and the value.
 * @return WSL_OK, WSL_EINVAL.
 * @since 0.1
 */
WSL_API wsl_status wsl_fit_options_validate(const wsl_fit_options *opts, int32_t k);

/* ---------------------------------------------------------------- The label model */

typedef struct wsl_label_model wsl_label_model;

/**
 * Create an unfitted label model for k classes.
 * @return WSL_OK, WSL_EINVAL (NULL out, k outside 2..WSL_MAX_CARDINALITY), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_create(wsl_label_model **out, int32_t k,
                                          const wsl_allocator *alloc);

/** Free a label model. NULL is a no-op. @since 0.1 */
WSL_API void wsl_label_model_free(wsl_label_model *model);

/**
 * Fit the model to a label matrix (dense or sparse). Refitting discards the previous fit.
 * @param opts  NULL = defaults.
 * @return WSL_OK, WSL_EINVAL (bad options), WSL_EDIM (L's k differs from the model's, or gold
 *         length differs from the rows), WSL_ECALLBACK (iter_fn asked to stop), WSL_ENOMEM.
 *         On failure the model is unfitted.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_fit(wsl_label_model *model, const wsl_label_matrix *L,
                                       const wsl_fit_options *opts);

/**
 * Fit from a pattern table (streams, merged tables). opts->gold is not allowed here.
 * @return as wsl_label_model_fit().
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_fit_patterns(wsl_label_model *model,
                                                const wsl_pattern_table *T,
                                                const wsl_fit_options *opts);

/**
 * Class probabilities of every row of L: probs is n x k row-major, probs_len >= n*k. Rows sum
 * to 1 and are never NaN. A row with no vote gets the posterior given that every source
 * abstained (the class prior when abstains say nothing about the class); covered (NULL or n
 * flags) says which rows had a vote. Exact ties go the way of the votes (a 1e-6 log-score
 * nudge per vote). A vote the fit gives probability 0 under every class (a class the source
 * never voted) is read as an abstain.
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_ESTATE (not fitted), WSL_EDIM (L has a different m or
 *         k), WSL_EBUFS (probs_len < n*k or covered_len < n; nothing written).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_predict_proba(const wsl_label_model *model,
                                                 const wsl_label_matrix *L, double *probs,
                                                 size_t probs_len, uint8_t *covered,
                                                 size_t covered_len);

/**
 * Fit on L and predict L's rows in one call: the same model as wsl_label_model_fit(L, opts)
 * and the same probabilities, bit for bit, as wsl_label_model_predict_proba(L) after it, but
 * rows that repeat are not read again: the fit remembers which vote pattern every row has (in
 * probs itself, so nothing is allocated per row), and predict then scores each distinct
 * pattern once (holding their probabilities, as predict's caches do) and copies. The usual
 * workflow (fit on the training votes, then label those same rows) costs about a fit.
 * The patterns are scored on opts->n_threads threads, the rows copied on one. When most rows
 * are their own pattern (more patterns than half the rows, as with wide rows), scoring a row
 * costs less than fetching its pattern's probabilities, so the rows are scored again, as
 * predict would; so are sparse votes, opts->gold and the one-coin engine. probs and covered
 * are as for wsl_label_model_predict_proba(); on failure the model is unfitted and probs holds
 * no probabilities.
 * @return as wsl_label_model_fit(), WSL_EINVAL (NULL probs), WSL_EBUFS (probs_len < n*k or
 *         covered_len < n; checked before the fit).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_fit_predict_proba(wsl_label_model *model,
                                                     const wsl_label_matrix *L,
                                                     const wsl_fit_options *opts, double *probs,
                                                     size_t probs_len, uint8_t *covered,
                                                     size_t covered_len);

/**
 * Threads for wsl_label_model_predict_proba() and wsl_label_model_predict(): rows are split
 * into contiguous ranges, one per thread (at least 16,384 rows each). The probabilities do not
 * depend on it, bit for bit. A fit sets it to opts->n_threads; a loaded model starts at 1.
 * Set it before predicting, not while another thread predicts with the model. Models of the
 * one-coin engine (WSL_TABLES_ONE_COIN) predict on one thread, and so does any L of fewer than
 * 32,768 rows. With more than one thread, the model's allocator is called from those threads:
 * it must be thread-safe (the C library's is).
 * @return WSL_OK, WSL_EINVAL (NULL model, n_threads outside 1..1024).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_set_threads(wsl_label_model *model, int n_threads);

/**
 * Hard labels of every row of L under a tie policy.
 * @return as wsl_label_model_predict_proba(), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_predict(const wsl_label_model *model, const wsl_label_matrix *L,
                                           wsl_tie_policy policy, uint64_t seed, int32_t *labels,
                                           size_t labels_len);

/* ---------------------------------------------------------------- Inspection */

/** Classes k (0 for NULL). @since 0.1 */
WSL_API int32_t wsl_label_model_cardinality(const wsl_label_model *model);
/** Sources m of the fit (0 if unfitted). @since 0.1 */
WSL_API size_t wsl_label_model_n_sources(const wsl_label_model *model);
/** 1 once fitted. @since 0.1 */
WSL_API int wsl_label_model_is_fitted(const wsl_label_model *model);

/** What a fit did. */
typedef struct wsl_fit_report {
    int iterations;              /**< EM iterations of the winning start */
    int converged;               /**< 1 when the tolerance was reached */
    wsl_lm_start start;          /**< the start that won */
    double log_likelihood;       /**< per row, at the end of the fit */
    double penalized;            /**< log-likelihood plus log prior, per row */
    size_t n_patterns;           /**< distinct vote patterns fitted */
    uint64_t n_rows;             /**< rows fitted */
    wsl_lm_tables tables;        /**< parametrization used (defaults resolved) */
    wsl_lm_abstain abstain;
    wsl_lm_prior prior;
    int fallback;                /**< 1 when the votes could not identify the model (its
                                      likelihood gain over "votes independent of the class"
                                      did not pay for its parameters, by BIC) and the model fell
                                      back to majority vote with 70%-accurate sources */
    double cofire_g;             /**< WSL_ABSTAIN_AUTO: mean G statistic (one degree of freedom
                                      each) of the single-class source pairs' co-firing against
                                      the fitted model; NaN when not computed */
    size_t learned_cliques;      /**< WSL_DEPS_LEARN: merges the structure search accepted */
    int relabeled;               /**< 1 when EM ended in a labelling where the sources agree
                                      with other classes than their own, and the latent classes
                                      were permuted (prior and tables together; the likelihood
                                      is unchanged) to the labelling that maximizes agreement,
                                      sum over classes and sources of pi_c P(vote c | y = c) */
    double cofire_limit;         /**< the mean G above which the fit switched to VOTES_ONLY:
                                      1 + 3 sqrt(2 / pairs); NaN when not computed */
} wsl_fit_report;

/** @return WSL_OK, WSL_EINVAL, WSL_ESTATE (not fitted). @since 0.1 */
WSL_API wsl_status wsl_label_model_report(const wsl_label_model *model, wsl_fit_report *out);

/**
 * The per-iteration penalized log-likelihood (per row) of the winning start: copies up to len
 * values and sets *n_out to the number available.
 * @return WSL_OK, WSL_EINVAL, WSL_ESTATE.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_history(const wsl_label_model *model, double *out, size_t len,
                                           size_t *n_out);

/** Class prior pi into out[0..k). @return WSL_OK, WSL_EINVAL, WSL_ESTATE, WSL_EBUFS. @since 0.1 */
WSL_API wsl_status wsl_label_model_class_prior(const wsl_label_model *model, double *out, size_t len);

/**
 * Source j's class-conditional table: out[c * (k + 1) + (v + 1)] = P(vote v | y = c), v from
 * -1 (abstain) to k-1; len >= k * (k + 1).
 * @return WSL_OK, WSL_EINVAL, WSL_ESTATE, WSL_ERANGE (j >= m), WSL_EBUFS.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_source_table(const wsl_label_model *model, size_t j,
                                                double *out, size_t len);

/**
 * Estimated accuracy of each source: P(vote = y | the source votes), out[0..m).
 * @return WSL_OK, WSL_EINVAL, WSL_ESTATE, WSL_EBUFS.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_accuracies(const wsl_label_model *model, double *out, size_t len);

/* ---------------------------------------------------------------- Dependencies */

/**
 * The cliques (groups of dependent sources) of the fit, declared or learned. Sets *n_cliques
 * and *n_members (either may be NULL) and, when the buffers are long enough, sizes[q] (members
 * of clique q) and members (all cliques' sources, concatenated, ascending within a clique).
 * @return WSL_OK, WSL_EINVAL, WSL_ESTATE (not fitted), WSL_EBUFS (a buffer too short: the
 *         counts are still set; pass NULL buffers with length 0 to ask for them).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_cliques(const wsl_label_model *model, size_t *sizes,
                                           size_t sizes_len, size_t *members, size_t members_len,
                                           size_t *n_cliques, size_t *n_members);

/**
 * Clique q's joint table: out[c * outcomes + idx] = P(outcome idx | y = c), where the outcome
 * index of votes v_1..v_s of its members (ascending) is sum_i (v_i + 1) (k + 1)^(i - 1).
 * *outcomes (may be NULL) receives (k + 1)^s; len >= k * outcomes.
 * @return WSL_OK, WSL_EINVAL, WSL_ESTATE, WSL_ERANGE (q >= cliques), WSL_EBUFS.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_clique_table(const wsl_label_model *model, size_t q,
                                                double *out, size_t len, size_t *outcomes);

/**
 * How much each pair of sources co-votes on L beyond what the model explains: g[i * m + j] is
 * the G statistic of their joint votes (abstain included) against the model's expectation,
 * df[i * m + j] its degrees of freedom (about chi-square under the model: G far above df means
 * the two share logic). NaN for two members of one clique, 0 on the diagonal. With many
 * sources and classes (more than 2^22 pair cells, or more than 63 classes) only firing is
 * compared. df may be NULL.
 * @return WSL_OK, WSL_EINVAL, WSL_ESTATE, WSL_EDIM (L's m or k differ), WSL_EBUFS, WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_dependencies(const wsl_label_model *model,
                                                const wsl_label_matrix *L, double *g,
                                                size_t g_len, double *df, size_t df_len);

/* ---------------------------------------------------------------- Save and load */

/**
 * Serialize to a versioned JSON document ("format": "wsl.label_model", "format_version": 1),
 * numbers printed to round-trip exactly: predictions after load are bit-identical.
 * @return WSL_OK, WSL_EINVAL, WSL_ESTATE (not fitted), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_save_buf(const wsl_label_model *model, wsl_buf *out);

/** Save to a file (atomically). @return as save_buf, WSL_EIO. @since 0.1 */
WSL_API wsl_status wsl_label_model_save(const wsl_label_model *model, const char *path);

/**
 * Load from JSON bytes.
 * @return WSL_OK, WSL_EINVAL, WSL_EFORMAT (not JSON, wrong "format", unknown "format_version",
 *         missing or inconsistent fields), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_model_load_buf(wsl_label_model **out, const char *json, size_t len,
                                            const wsl_allocator *alloc);

/** Load from a file. @return as load_buf, WSL_EIO. @since 0.1 */
WSL_API wsl_status wsl_label_model_load(wsl_label_model **out, const char *path,
                                        const wsl_allocator *alloc);

#ifdef __cplusplus
}
#endif

#endif /* WSL_LABEL_MODEL_H */
