/*
 * libwsl — a synthetic population of sources with known accuracies.
 *
 * Records get a true class from a class prior; each source fires (votes) with its coverage and,
 * when it fires, votes the true class with its accuracy, else a uniformly random other class.
 * A share of the sources can be "one-polarity", like most real labeling functions: such a source
 * only ever votes its own class c, fires with its coverage when the class is c, and otherwise
 * fires at the rate that makes its precision equal its accuracy. The sources are conditionally
 * independent given the class; the generator is deterministic from its seed (same options, same
 * votes, bit for bit, on every platform).
 *
 * Cost: O(n_points x n_sources) time; memory is the label matrix plus O(n_sources) scratch.
 *
 * Planned (not yet implemented): planted dependencies, i.e. sources that copy another source's
 * vote with some probability, to test dependency detection. They will be appended to
 * wsl_synth_options as new fields with WSL_SYNTH_OPTIONS_VERSION 2; version 1 callers keep
 * getting exactly the votes they get today.
 */
#ifndef WSL_SYNTH_H
#define WSL_SYNTH_H

#include "wsl/common.h"
#include "wsl/votes.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wsl_synth_options {
    unsigned int version;        /**< WSL_SYNTH_OPTIONS_VERSION */
    size_t n_points;             /**< records, >= 1 */
    size_t n_sources;            /**< sources, >= 1 */
    int32_t cardinality;         /**< classes k, 2..WSL_MAX_CARDINALITY */
    double accuracy_min;         /**< per-source accuracy drawn uniformly in */
    double accuracy_max;         /**<   [accuracy_min, accuracy_max] within (0, 1] */
    double coverage_min;         /**< per-source coverage drawn uniformly in */
    double coverage_max;         /**<   [coverage_min, coverage_max] within [0, 1] */
    const double *class_prior;   /**< NULL = uniform, else k probabilities summing to 1 */
    double one_polarity;         /**< share of one-polarity sources, in [0, 1] */
    wsl_storage storage;         /**< storage of the votes; AUTO picks by the expected number of
                                      votes (the matrix is built once, never converted) */
    uint64_t seed;               /**< any value; the same seed gives the same votes */
    const wsl_allocator *alloc;  /**< allocator of the votes; NULL = C library */
    /* version 2: planted dependencies (never reorder the fields above) */
    size_t n_copies;             /**< the last n_copies sources copy source copy_source */
    size_t copy_source;          /**< < n_sources - n_copies */
    double copy_redraw;          /**< a copied vote is redrawn independently (with the copied
                                      source's parameters) with this probability: 0 = exact
                                      copies; copiers report the copied source's accuracy */
    size_t n_error_pairs;        /**< sources (0, 1), (2, 3), ... up to 2 n_error_pairs: when the
                                      first of a pair votes a wrong class and the second votes,
                                      the second repeats that wrong vote with probability
                                      error_coupling (pairs with a one-polarity source are left
                                      independent); the second reports its accuracy after this */
    double error_coupling;       /**< in [0, 1] */
} wsl_synth_options;

#define WSL_SYNTH_OPTIONS_VERSION 2
#define WSL_SYNTH_OPTIONS_INIT                                                                  \
    {WSL_SYNTH_OPTIONS_VERSION, 10000, 10, 2, 0.55, 0.9, 0.2, 0.6, NULL, 0.0,                   \
     WSL_STORAGE_AUTO, 1, NULL, 0, 0, 0.0, 0, 0.0}

/** Check options; the message names the field. @return WSL_OK, WSL_EINVAL. @since 0.1 */
WSL_API wsl_status wsl_synth_options_validate(const wsl_synth_options *opts);

/**
 * Generate votes, the true classes and the true accuracy of every source.
 * @param[out] votes_out  n_points x n_sources votes; NULL on failure.
 * @param gold            NULL, or gold_len >= n_points entries receiving the true classes.
 * @param accuracy        NULL, or accuracy_len >= n_sources entries receiving each source's
 *                        true accuracy P(vote right | it votes) (for one-polarity sources: its
 *                        precision). It is the drawn accuracy, except for a one-polarity source
 *                        whose drawn accuracy is out of reach (even firing on every record of
 *                        the other classes leaves its precision higher, or its class has prior
 *                        1): then it is the precision reached. A source with coverage 0 never
 *                        votes and reports its drawn accuracy.
 * @param polarity        NULL, or polarity_len >= n_sources entries: the class of a one-polarity
 *                        source (uniform over the classes of positive prior), or WSL_ABSTAIN for
 *                        sources voting every class.
 * @return WSL_OK, WSL_EINVAL (bad options), WSL_EBUFS (a buffer too short), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_synth_generate(wsl_label_matrix **votes_out, const wsl_synth_options *opts,
                                      int32_t *gold, size_t gold_len, double *accuracy,
                                      size_t accuracy_len, int32_t *polarity, size_t polarity_len);

#ifdef __cplusplus
}
#endif

#endif /* WSL_SYNTH_H */
