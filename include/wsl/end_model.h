/*
 * libwsl — the end model: a small, fast classifier trained on the label model's probabilistic
 * labels, which generalizes past the labeling functions (it labels what no LF covers).
 *
 * Three nouns:
 * - wsl_features: a feature matrix, n rows x d columns, dense (given by the caller, products
 *   through BLAS) or sparse (compressed rows, from the caller or the featurizer).
 * - wsl_featurizer: text to sparse features — lower-case, tokenize, n-grams, feature hashing
 *   into 2^b buckets, optional TF-IDF weighting, unit-length rows.
 * - wsl_end_model: multinomial logistic (softmax) regression trained on probabilistic labels:
 *   the loss is the cross-entropy against the label model's distribution per row (noise-aware),
 *   not against its argmax; L2 regularization; L-BFGS to a gradient-norm tolerance; optional
 *   sample weights; rows no LF covered left out by default; early stopping on a validation
 *   split with gold labels. It keeps a copy of the featurizer it was trained with, if given, so
 *   a saved model classifies raw text.
 *
 * The fit is deterministic: no randomness is involved (zero start, full-batch L-BFGS), so the
 * same inputs give the same weights. Dense products go through OpenBLAS, whose threads may
 * reorder sums: compare dense fits across machines with a tolerance.
 */
#ifndef WSL_END_MODEL_H
#define WSL_END_MODEL_H

#include "wsl/analysis.h"
#include "wsl/common.h"
#include "wsl/label_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most columns a feature matrix may have (2^31 - 1: BLAS takes int dimensions). */
#define WSL_FEATURES_MAX_COLS ((size_t)2147483647)
/** Most weights (columns x classes) an end model may have (2^28, 2 GiB of doubles). */
#define WSL_END_MAX_WEIGHTS ((size_t)1 << 28)

/* ---------------------------------------------------------------- Feature matrices */

typedef struct wsl_features wsl_features;

/**
 * A dense n x d feature matrix from a row-major caller buffer: entry (i, j) is data[i * ld + j].
 * The data is copied.
 * @return WSL_OK, WSL_EINVAL (NULL out or data with n * d > 0, d == 0, d > WSL_FEATURES_MAX_COLS,
 *         ld < d, a NaN or infinite entry: the message names it), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_features_from_dense(wsl_features **out, const double *data, size_t n,
                                           size_t d, size_t ld, const wsl_allocator *alloc);

/**
 * A sparse n x d feature matrix from compressed rows: row i holds the entries
 * row_ptr[i] .. row_ptr[i+1]-1 of cols (column indices < d) and values. Copied. Duplicate
 * columns in a row add up in every product.
 * @param row_ptr  n + 1 non-decreasing offsets, row_ptr[0] == 0; row_ptr[n] entries follow.
 * @return WSL_OK, WSL_EINVAL (NULL pointers, d == 0 or > WSL_FEATURES_MAX_COLS, row_ptr not
 *         starting at 0 or decreasing, a column >= d, a NaN or infinite value), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_features_from_csr(wsl_features **out, size_t n, size_t d,
                                         const size_t *row_ptr, const size_t *cols,
                                         const double *values, const wsl_allocator *alloc);

/** Free a feature matrix. NULL is a no-op. @since 0.1 */
WSL_API void wsl_features_free(wsl_features *X);

/** Rows n (0 for NULL). @since 0.1 */
WSL_API size_t wsl_features_n_rows(const wsl_features *X);
/** Columns d (0 for NULL). @since 0.1 */
WSL_API size_t wsl_features_n_cols(const wsl_features *X);
/** Stored entries: n * d when dense, the entries kept when sparse (0 for NULL). @since 0.1 */
WSL_API size_t wsl_features_nnz(const wsl_features *X);
/** 1 when sparse, 0 when dense or NULL. @since 0.1 */
WSL_API int wsl_features_is_sparse(const wsl_features *X);

/**
 * The stored entries of row i: cols[t], values[t] for t < *nnz_out (all d columns of a dense
 * matrix; the kept entries of a sparse one, in stored order — ascending for the featurizer's).
 * *nnz_out is set even when the buffers are too short; NULL buffers with len 0 ask for it.
 * @return WSL_OK, WSL_EINVAL (NULL X or nnz_out), WSL_ERANGE (i >= n), WSL_EBUFS (len too
 *         short; nothing written).
 * @since 0.1
 */
WSL_API wsl_status wsl_features_row(const wsl_features *X, size_t i, size_t *cols,
                                    double *values, size_t len, size_t *nnz_out);

/* ---------------------------------------------------------------- Text featurizer */

typedef struct wsl_featurizer wsl_featurizer;

/**
 * How text becomes features. A token is a maximal run of ASCII letters and digits and bytes
 * >= 0x80 (so UTF-8 words stay whole); everything else separates tokens. Every n-gram of 1 to
 * ngram_max consecutive tokens is hashed (a 64-bit hash fixed by the saved format) into one of
 * 2^hash_bits columns, counted, optionally weighted, and the row is scaled to unit length.
 */
typedef struct wsl_featurizer_options {
    unsigned int version; /**< WSL_FEATURIZER_OPTIONS_VERSION */
    int hash_bits;        /**< columns d = 2^hash_bits, 1..24; default 18 */
    int ngram_max;        /**< n-grams of 1..ngram_max tokens, 1..4; default 2 (unigrams and
                               bigrams) */
    int lowercase;        /**< 0 or 1: ASCII letters lower-cased first; default 1 */
    int tfidf;            /**< 0 or 1: weight each count by the smoothed inverse document
                               frequency ln((1 + N) / (1 + df)) + 1 of its column, learned by
                               wsl_featurizer_fit() over N texts; default 0 */
    int sublinear_tf;     /**< 0 or 1: 1 + ln(count) instead of the count; default 0 */
    int normalize;        /**< 0 or 1: each non-empty row scaled to unit Euclidean norm;
                               default 1 */
} wsl_featurizer_options;

#define WSL_FEATURIZER_OPTIONS_VERSION 1
#define WSL_FEATURIZER_OPTIONS_INIT {WSL_FEATURIZER_OPTIONS_VERSION, 18, 2, 1, 0, 0, 1}

/** Set *opts to WSL_FEATURIZER_OPTIONS_INIT. @return WSL_OK, WSL_EINVAL (NULL). @since 0.1 */
WSL_API wsl_status wsl_featurizer_options_init(wsl_featurizer_options *opts);

/**
 * Check featurizer options; the message names the field and the value.
 * @return WSL_OK (also for NULL: defaults), WSL_EINVAL.
 * @since 0.1
 */
WSL_API wsl_status wsl_featurizer_options_validate(const wsl_featurizer_options *opts);

/**
 * Create a featurizer. Without TF-IDF it is ready to transform; with TF-IDF it must be fitted.
 * @param opts  NULL = defaults.
 * @return WSL_OK, WSL_EINVAL (NULL out, bad options), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_featurizer_create(wsl_featurizer **out, const wsl_featurizer_options *opts,
                                         const wsl_allocator *alloc);

/** Free a featurizer. NULL is a no-op. @since 0.1 */
WSL_API void wsl_featurizer_free(wsl_featurizer *fz);

/**
 * Learn the document frequency of every column from n texts (NUL-terminated UTF-8; an empty
 * text counts as a document with no token) for TF-IDF; without TF-IDF there is nothing to learn
 * and the texts are only checked. Refitting replaces the previous frequencies; on failure the
 * featurizer is unfitted.
 * @return WSL_OK, WSL_EINVAL (NULL fz, texts NULL with n > 0, a NULL text: the message names
 *         its index), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_featurizer_fit(wsl_featurizer *fz, const char *const *texts, size_t n);

/**
 * Features of n texts: a sparse n x 2^hash_bits matrix, columns ascending within each row,
 * allocated with the featurizer's allocator.
 * @return WSL_OK, WSL_EINVAL (NULL arguments, a NULL text), WSL_ESTATE (TF-IDF without a fit),
 *         WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_featurizer_transform(const wsl_featurizer *fz, const char *const *texts,
                                            size_t n, wsl_features **out);

/** Columns the featurizer produces, 2^hash_bits (0 for NULL). @since 0.1 */
WSL_API size_t wsl_featurizer_n_features(const wsl_featurizer *fz);

/** 1 when fitted (ready for TF-IDF), else 0. @since 0.1 */
WSL_API int wsl_featurizer_is_fitted(const wsl_featurizer *fz);

/** The featurizer's options. @return WSL_OK, WSL_EINVAL (NULL). @since 0.1 */
WSL_API wsl_status wsl_featurizer_get_options(const wsl_featurizer *fz,
                                              wsl_featurizer_options *out);

/* ---------------------------------------------------------------- Training options */

/** What early stopping watches on the validation split. */
typedef enum wsl_end_metric {
    WSL_END_METRIC_DEFAULT = 0,  /**< log loss */
    WSL_END_METRIC_LOG_LOSS = 1, /**< mean -ln p(gold) (smooth: the default) */
    WSL_END_METRIC_ACCURACY = 2, /**< accuracy, ties split */
    WSL_END_METRIC_F1 = 3        /**< F1 of class 1 (k = 2 only) */
} wsl_end_metric;

/** Called after every L-BFGS iteration; return non-zero to stop the fit (WSL_ECALLBACK). */
typedef int (*wsl_end_iter_fn)(int iteration, double loss, double grad_norm, void *payload);

/**
 * Training options. The objective is
 *   sum_i w_i H(q_i, softmax(x_i W + b)) / sum_i w_i  +  l2 / 2 * ||W||^2
 * over the rows i trained on, with q_i the row's probabilistic label, w_i its weight (1 by
 * default) and H the cross-entropy; the bias b is not regularized.
 */
typedef struct wsl_end_options {
    unsigned int version;         /**< WSL_END_OPTIONS_VERSION */
    double l2;                    /**< L2 strength, >= 0 and finite; default 1e-4 */
    int max_iter;                 /**< L-BFGS iterations, >= 1; default 500 */
    double tol;                   /**< converged when the gradient's Euclidean norm is <= tol,
                                       > 0; default 1e-5 */
    int memory;                   /**< L-BFGS correction pairs kept, 1..100; default 10 */
    const uint8_t *covered;       /**< NULL (every row covered), or n flags: 0 = no LF voted
                                       on the row (from wsl_label_model_predict_proba()) */
    size_t covered_len;           /**< entries of covered; must equal n */
    int keep_uncovered;           /**< 0: uncovered rows are left out of training (their
                                       label is only the class prior); 1: kept. Default 0 */
    const double *weights;        /**< NULL, or n sample weights, >= 0 and finite */
    size_t weights_len;           /**< entries of weights; must equal n */
    const wsl_features *valid_X;  /**< NULL, or a validation split with d columns: the fit
                                       keeps the weights of the iteration that scored best on
                                       it and stops after `patience` iterations without
                                       improvement */
    const int32_t *valid_gold;    /**< its gold labels, -1..k-1 (-1 = unknown, not counted) */
    size_t valid_gold_len;        /**< entries of valid_gold; must equal valid_X's rows */
    wsl_end_metric valid_metric;  /**< what "best" means */
    int patience;                 /**< iterations without improvement before stopping, >= 1;
                                       default 20 */
    wsl_end_iter_fn iter_fn;      /**< NULL, or called after every iteration */
    void *iter_payload;
    wsl_log_fn log_fn;            /**< NULL = silent; the fit logs its progress at debug level
                                       and its outcome at info level */
    void *log_payload;
} wsl_end_options;

#define WSL_END_OPTIONS_VERSION 1
#define WSL_END_OPTIONS_INIT                                                                    \
    {WSL_END_OPTIONS_VERSION, 1e-4, 500, 1e-5, 10, NULL, 0, 0, NULL, 0, NULL, NULL, 0,          \
     WSL_END_METRIC_DEFAULT, 20, NULL, NULL, NULL, NULL}

/** Set *opts to WSL_END_OPTIONS_INIT. @return WSL_OK, WSL_EINVAL (NULL). @since 0.1 */
WSL_API wsl_status wsl_end_options_init(wsl_end_options *opts);

/**
 * Check training options for k classes; the message names the field and the value. Lengths
 * against the data (covered_len, weights_len, valid_gold_len) are checked by the fit.
 * @return WSL_OK (also for NULL), WSL_EINVAL, WSL_ERANGE (a valid_gold label outside -1..k-1).
 * @since 0.1
 */
WSL_API wsl_status wsl_end_options_validate(const wsl_end_options *opts, int32_t k);

/* ---------------------------------------------------------------- The end model */

typedef struct wsl_end_model wsl_end_model;

/**
 * Create an unfitted end model for k classes.
 * @return WSL_OK, WSL_EINVAL (NULL out, k outside 2..WSL_MAX_CARDINALITY), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_create(wsl_end_model **out, int32_t k,
                                        const wsl_allocator *alloc);

/** Free an end model. NULL is a no-op. @since 0.1 */
WSL_API void wsl_end_model_free(wsl_end_model *model);

/**
 * Train on features X (n x d) and probabilistic labels probs (n x k row-major; each row
 * non-negative, summing to 1 within 1e-6, e.g. from wsl_label_model_predict_proba(); a hard
 * label is a one-hot row). Refitting discards the previous weights and keeps the featurizer,
 * if any (X must then have its column count).
 * @param opts  NULL = defaults.
 * @return WSL_OK (also when max_iter ran out: see the report's `converged`), WSL_EINVAL (NULL,
 *         bad options, a probability row that is not a distribution, no row left to train on
 *         or every weight 0), WSL_EDIM (probs_len, covered_len, weights_len or valid_gold_len
 *         differ from the rows, valid_X has other than d columns, the model's featurizer
 *         makes other than d columns, d x k above WSL_END_MAX_WEIGHTS), WSL_ERANGE (a
 *         validation gold label outside -1..k-1), WSL_ECALLBACK (iter_fn asked to stop),
 *         WSL_ENOMEM. On failure the model is unfitted.
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_fit(wsl_end_model *model, const wsl_features *X,
                                     const double *probs, size_t probs_len,
                                     const wsl_end_options *opts);

/**
 * Class probabilities softmax(x_i W + b) of every row of X into probs (n x k row-major,
 * probs_len >= n * k). Rows sum to 1 and are never NaN: when weights or features are so large
 * that scores overflow, the classes scored +infinity (or inf - inf) share the row equally.
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_ESTATE (not fitted), WSL_EDIM (X has other than d
 *         columns), WSL_EBUFS (nothing written).
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_predict_proba(const wsl_end_model *model, const wsl_features *X,
                                               double *probs, size_t probs_len);

/**
 * Hard labels of every row of X under a tie policy (see wsl_probs_to_labels()).
 * @return as wsl_end_model_predict_proba(); WSL_EINVAL also for a bad policy, WSL_EBUFS
 *         (labels_len < n), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_predict(const wsl_end_model *model, const wsl_features *X,
                                         wsl_tie_policy policy, uint64_t seed, int32_t *labels,
                                         size_t labels_len);

/**
 * Class probabilities of n texts through the model's featurizer (see
 * wsl_end_model_set_featurizer()), featurized a block at a time (memory independent of n).
 * @return as wsl_end_model_predict_proba(); WSL_ESTATE also when the model has no featurizer;
 *         WSL_EINVAL for a NULL text; WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_predict_text(const wsl_end_model *model,
                                              const char *const *texts, size_t n, double *probs,
                                              size_t probs_len);

/**
 * Score the model on X against gold labels with the label model's metrics
 * (wsl_metrics_compute(), every row counted as covered): accuracy, per-class and macro
 * precision/recall/F1, confusion, Brier score, log loss.
 * @return as wsl_end_model_predict_proba() and wsl_metrics_compute() (WSL_EDIM when gold_len
 *         differs from X's rows, WSL_ERANGE for a gold label outside -1..k-1), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_evaluate(const wsl_end_model *model, const wsl_features *X,
                                          const int32_t *gold, size_t gold_len, wsl_metrics *out,
                                          double *per_class, size_t per_class_len,
                                          double *confusion, size_t confusion_len);

/**
 * Keep a copy of fz (fitted if it uses TF-IDF) with the model, so that it is saved, loaded and
 * used by wsl_end_model_predict_text(). NULL removes it. On a fitted model its column count
 * must equal the model's.
 * @return WSL_OK, WSL_EINVAL (NULL model), WSL_ESTATE (fz uses TF-IDF and is not fitted),
 *         WSL_EDIM (column counts differ), WSL_ENOMEM (the model is unchanged).
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_set_featurizer(wsl_end_model *model, const wsl_featurizer *fz);

/** The model's featurizer (borrowed: valid until the model is freed or given another), or NULL. @since 0.1 */
WSL_API const wsl_featurizer *wsl_end_model_featurizer(const wsl_end_model *model);

/* ---------------------------------------------------------------- Inspection */

/** Classes k (0 for NULL). @since 0.1 */
WSL_API int32_t wsl_end_model_cardinality(const wsl_end_model *model);
/** Feature columns d of the fit (0 if unfitted). @since 0.1 */
WSL_API size_t wsl_end_model_n_features(const wsl_end_model *model);
/** 1 once fitted. @since 0.1 */
WSL_API int wsl_end_model_is_fitted(const wsl_end_model *model);

/** What a fit did. */
typedef struct wsl_end_report {
    int iterations;       /**< L-BFGS iterations */
    int evaluations;      /**< objective and gradient evaluations (passes over the rows) */
    int converged;        /**< 1: the gradient norm reached tol */
    int stopped_early;    /**< 1: the validation split stopped the fit */
    int best_iteration;   /**< the iteration whose weights were kept (0 = the zero start) */
    double loss;          /**< objective at the kept weights */
    double grad_norm;     /**< Euclidean norm of its gradient */
    double valid_score;   /**< validation metric of the kept weights; NaN without validation */
    size_t n_rows;        /**< rows trained on (positive weight) */
    size_t n_uncovered;   /**< rows left out because no LF covered them */
} wsl_end_report;

/** @return WSL_OK, WSL_EINVAL, WSL_ESTATE (not fitted). @since 0.1 */
WSL_API wsl_status wsl_end_model_report(const wsl_end_model *model, wsl_end_report *out);

/**
 * The weights: W (d x k row-major, W_len >= d * k) and the bias (k values); either may be NULL
 * with length 0.
 * @return WSL_OK, WSL_EINVAL, WSL_ESTATE (not fitted), WSL_EBUFS (nothing written).
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_weights(const wsl_end_model *model, double *W, size_t W_len,
                                         double *bias, size_t bias_len);

/* ---------------------------------------------------------------- Save and load */

/**
 * Serialize to a versioned JSON document ("format": "wsl.end_model", "format_version": 1): the
 * bias, the non-zero rows of W, the report and the featurizer (its options and document
 * frequencies), numbers as "%.17g" strings: predictions after load are bit-identical.
 * @return WSL_OK, WSL_EINVAL, WSL_ESTATE (not fitted), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_save_buf(const wsl_end_model *model, wsl_buf *out);

/** Save to a file (atomically). @return as save_buf, WSL_EIO. @since 0.1 */
WSL_API wsl_status wsl_end_model_save(const wsl_end_model *model, const char *path);

/**
 * Load from JSON bytes. Memory follows the document, not the column count it claims: when it
 * lists fewer than half of the rows of W (or of the featurizer's document frequencies), only
 * those are kept (predictions are the same bits; a dense X is multiplied through a temporary
 * dense W).
 * @return WSL_OK, WSL_EINVAL, WSL_EFORMAT (not JSON, wrong "format", unknown "format_version",
 *         missing, out-of-range or inconsistent fields, more than WSL_END_MAX_WEIGHTS weights),
 *         WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_end_model_load_buf(wsl_end_model **out, const char *json, size_t len,
                                          const wsl_allocator *alloc);

/** Load from a file. @return as load_buf, WSL_EIO. @since 0.1 */
WSL_API wsl_status wsl_end_model_load(wsl_end_model **out, const char *path,
                                      const wsl_allocator *alloc);

#ifdef __cplusplus
}
#endif

#endif /* WSL_END_MODEL_H */
