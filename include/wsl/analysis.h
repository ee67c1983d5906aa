/*
 * libwsl — analysis: the LF summary (what each source does and how it interacts with the
 * others), metrics of probabilistic labels against gold, and metrics per slice of the data.
 */
#ifndef WSL_ANALYSIS_H
#define WSL_ANALYSIS_H

#include "wsl/common.h"
#include "wsl/label_model.h"
#include "wsl/votes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- LF summary */

typedef struct wsl_lf_summary wsl_lf_summary;

/** One source (column) of the summary. Fractions are over all rows of the matrix. */
typedef struct wsl_lf_stats {
    size_t n_polarity;     /**< number of distinct classes it emits (see _polarity()) */
    double coverage;       /**< rows it votes on / rows */
    double overlaps;       /**< rows where it and at least one other source vote / rows */
    double conflicts;      /**< rows where it votes and another source votes another class /
                                rows */
    int has_gold;          /**< 1 when gold labels were given */
    size_t correct;        /**< rows with gold where its vote equals gold */
    size_t incorrect;      /**< rows with gold where its vote differs */
    double precision;      /**< correct / (correct + incorrect); NaN when it voted on no gold
                                row (Snorkel calls this "empirical accuracy") */
    double learned_accuracy; /**< the model's estimate P(vote right | it votes); NaN without a
                                  model */
} wsl_lf_stats;

/** Totals over rows. */
typedef struct wsl_lf_totals {
    size_t n_points;
    size_t n_sources;
    double coverage;   /**< rows with at least one vote / rows */
    double overlap;    /**< rows with at least two votes / rows */
    double conflict;   /**< rows whose votes disagree / rows */
    size_t n_gold;     /**< rows with a known gold label (0 without gold) */
} wsl_lf_totals;

/**
 * Compute the summary of L in one pass over its votes (O(votes), also for sparse storage).
 * @param gold   NULL, or gold_len == n_points labels in -1..k-1 (-1 = unknown, not counted).
 * @param model  NULL, or a label model fitted with the same number of sources (learned accuracy).
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_EDIM (gold or model size), WSL_ERANGE (a gold label
 *         outside -1..k-1), WSL_ESTATE (model not fitted), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_summary_compute(wsl_lf_summary **out, const wsl_label_matrix *L,
                                          const int32_t *gold, size_t gold_len,
                                          const wsl_label_model *model);

/** Free a summary. NULL is a no-op. @since 0.1 */
WSL_API void wsl_lf_summary_free(wsl_lf_summary *summary);

/** Statistics of source j. @return WSL_OK, WSL_EINVAL, WSL_ERANGE (j >= m). @since 0.1 */
WSL_API wsl_status wsl_lf_summary_stats(const wsl_lf_summary *summary, size_t j, wsl_lf_stats *out);

/**
 * The classes source j emits, ascending, into classes[0..len); *n_out gets how many there are.
 * @return WSL_OK, WSL_EINVAL, WSL_ERANGE (j >= m), WSL_EBUFS (len too small; nothing written).
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_summary_polarity(const wsl_lf_summary *summary, size_t j,
                                           int32_t *classes, size_t len, size_t *n_out);

/** Totals. @return WSL_OK, WSL_EINVAL. @since 0.1 */
WSL_API wsl_status wsl_lf_summary_totals(const wsl_lf_summary *summary, wsl_lf_totals *out);

/* ---------------------------------------------------------------- Metrics */

/** Metrics of probabilistic labels against gold, and which rows they count. */
typedef struct wsl_metrics {
    size_t n_rows;          /**< rows given */
    size_t n_counted;       /**< rows counted: gold known and (covered_only) covered */
    size_t n_unknown_gold;  /**< rows skipped: gold -1 */
    size_t n_uncovered;     /**< rows without a vote (all rows are covered when covered is NULL) */
    int covered_only;       /**< 1: uncovered rows were skipped */
    double coverage;        /**< covered rows / rows */
    double accuracy;        /**< ties count 1/t over the t tied classes */
    double macro_precision, macro_recall, macro_f1; /**< over classes present in gold or predicted */
    double brier;           /**< mean over counted rows of sum_c (p_c - [c = gold])^2 */
    double log_loss;        /**< mean of -log p_gold, p clipped to [1e-15, 1] */
} wsl_metrics;

/**
 * Score an n x k probability matrix against gold labels.
 * @param covered       NULL (every row covered) or n flags (from predict_proba).
 * @param covered_only  1: count covered rows only; 0: count all rows with gold.
 * @param per_class     NULL, or per_class_len >= 3*k values: precision, recall and F1 of each
 *                      class (row-major k x 3; NaN where undefined).
 * @param confusion     NULL, or confusion_len >= k*k values: confusion[gold * k + predicted],
 *                      ties split evenly.
 * @return WSL_OK, WSL_EINVAL (NULL, k < 1, NaN or negative probability), WSL_EDIM
 *         (gold_len != n), WSL_ERANGE (gold outside -1..k-1), WSL_EBUFS, WSL_ENOMEM (only
 *         when confusion is NULL: k x k scratch from the C library).
 * @since 0.1
 */
WSL_API wsl_status wsl_metrics_compute(const double *probs, size_t n, size_t k, const int32_t *gold,
                                       size_t gold_len, const uint8_t *covered, int covered_only,
                                       wsl_metrics *out, double *per_class, size_t per_class_len,
                                       double *confusion, size_t confusion_len);

/**
 * Metrics per slice. Slices are the columns of S (n rows, one column per slicing function,
 * vote 1 = the row is in the slice; apply slicing functions with wsl_lf_apply() and k = 2).
 * out[s] gets the metrics of the rows in slice s. Scratch memory comes from S's allocator.
 * @return as wsl_metrics_compute(); WSL_EDIM (S has other than n rows), WSL_EBUFS (out_len <
 *         number of slices), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_metrics_by_slice(const double *probs, size_t n, size_t k, const int32_t *gold,
                                        size_t gold_len, const uint8_t *covered, int covered_only,
                                        const wsl_label_matrix *S, wsl_metrics *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* WSL_ANALYSIS_H */
