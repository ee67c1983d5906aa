/* Internals of the end model: feature matrices, the featurizer, the objective, L-BFGS. */
#ifndef WSL_SRC_ENDMODEL_IMPL_H
#define WSL_SRC_ENDMODEL_IMPL_H

#include "core/core.h"
#include "wsl/end_model.h"

#include <stdint.h>

/* ---------------------------------------------------------------- Feature matrices */

struct wsl_features {
    wsl_allocator alloc;
    size_t n, d;
    int sparse;
    double *dense;     /* dense: n x d row-major, ld = d */
    size_t *row_ptr;   /* sparse: n + 1 offsets */
    uint32_t *cols;    /* sparse: column of each entry (d <= 2^31, so 32 bits suffice) */
    double *vals;      /* sparse: value of each entry */
};

/* An empty sparse matrix with room for nnz entries (row_ptr zeroed). WSL_ENOMEM. */
wsl_status wsl__features_alloc_sparse(wsl_features **out, size_t n, size_t d, size_t nnz,
                                      const wsl_allocator *alloc);

/* ---------------------------------------------------------------- Featurizer */

struct wsl_featurizer {
    wsl_allocator alloc;
    wsl_featurizer_options opts;
    size_t d;          /* 2^hash_bits */
    int fitted;
    uint64_t n_docs;   /* texts seen by the fit */
    uint32_t *df;      /* d document frequencies (after a fit), else NULL; with df_cols, those
                          of the n_df listed columns */
    double *idf;       /* d weights (after a fit), else NULL; with df_cols, n_df */
    uint32_t *df_cols; /* NULL, or the ascending columns df and idf are about (the others have
                          df 0): a loaded featurizer whose document lists fewer than half of
                          the columns, so its memory follows the document, not hash_bits */
    size_t n_df;       /* entries of df_cols */
    double idf0;       /* idf of a column with df 0 */
};

/* Allocate df and idf for every column (zeroed), dropping df_cols; WSL_ENOMEM. */
wsl_status wsl__featurizer_alloc_stats(wsl_featurizer *fz);
/* Allocate df_cols, df and idf for n listed columns (zeroed); WSL_ENOMEM. */
wsl_status wsl__featurizer_alloc_listed(wsl_featurizer *fz, size_t n);
/* idf from n_docs and df (the one formula, shared by fit and load so loads are bit-exact). */
void wsl__featurizer_refresh_idf(wsl_featurizer *fz);
/* Document frequency of column j < d (after a fit with TF-IDF). */
uint32_t wsl__featurizer_df(const wsl_featurizer *fz, size_t j);
/* A copy with the given allocator; WSL_ENOMEM. */
wsl_status wsl__featurizer_clone(const wsl_featurizer *fz, const wsl_allocator *alloc,
                                 wsl_featurizer **out);
/* The 64-bit token hash (pinned by the saved format, tested against fixed values). */
uint64_t wsl__token_hash(const unsigned char *s, size_t len);

/* ---------------------------------------------------------------- The model */

struct wsl_end_model {
    wsl_allocator alloc;
    int32_t k;
    size_t d;            /* feature columns once fitted */
    int fitted;
    double *theta;       /* d x k weights W (row-major) followed by k biases; with rows,
                            n_listed x k weights (row rows[r] of W) followed by k biases */
    uint32_t *rows;      /* NULL (W dense), or the ascending columns whose weights theta holds
                            (the others are 0): a loaded model keeps only the rows its document
                            lists when they are fewer than half of d, so its memory follows the
                            document rather than the "d" it claims */
    size_t n_listed;     /* entries of rows */
    wsl_end_report report;
    double l2;           /* of the fit, saved for reference */
    wsl_featurizer *fz;  /* owned copy, or NULL */
};

/* Allocate theta for d columns (zeroed, dense), replacing any previous; WSL_EDIM beyond the
 * limit. */
wsl_status wsl__end_model_alloc(wsl_end_model *model, size_t d, const char *fn);
/* Row j < d of W (k values), or NULL when it is a row of zeros that rows leaves out. */
const double *wsl__end_model_row(const wsl_end_model *model, size_t j);
/* Probabilities of every row of X (X->d == model->d) with the model's weights, dense or not;
 * WSL_ENOMEM (dense X with listed rows expands W for BLAS). */
wsl_status wsl__end_model_scores(const wsl_end_model *model, const wsl_features *X,
                                 double *probs);

/* Resolved options (defaults applied, version-safe copy). */
void wsl__end_options_resolve(const wsl_end_options *opts, wsl_end_options *out);

/* ---------------------------------------------------------------- Objective (objective.c) */

/*
 * The training problem: targets Q (n x k), per-row weights omega (n values summing to 1; 0 =
 * row left out), l2. theta is W (d x k) then b (k).
 */
typedef struct wsl__end_problem {
    const wsl_features *X;
    const double *Q;
    const double *omega;
    size_t k;
    double l2;
    double *block;       /* scratch: block_rows x k scores (dense X), k scores (sparse) */
    size_t block_rows;   /* dense X: rows per BLAS call */
    double *wg;          /* sparse X: scratch of d x 2k doubles (weights and gradient rows
                            interleaved, see objective.c) */
} wsl__end_problem;

/* Allocate the scratch buffers of P for its X and k (block, wg); alloc NULL = C library.
 * WSL_ENOMEM. */
wsl_status wsl__end_problem_scratch(wsl__end_problem *P, const wsl_allocator *a);
void wsl__end_problem_release(wsl__end_problem *P, const wsl_allocator *a);

/* Most rows per BLAS block for dense features. */
#define WSL__END_BLOCK 256
/* Rows per block for k classes (fewer for a large k, so the scratch stays bounded). */
size_t wsl__end_block_rows(size_t k);

/* f(theta) and its gradient g (same length as theta). */
wsl_status wsl__end_objective(const wsl__end_problem *P, const double *theta, double *f,
                              double *g);

/* Scores z (k values) to probabilities in place: the softmax, or, when some scores overflowed
 * (+inf, or NaN from inf - inf), an equal share for each of those and 0 for the others. */
void wsl__end_softmax(double *z, size_t k);

/* Probabilities of every row of X (n x k) for parameters theta (d x k then k). Dense X goes
 * through BLAS straight into probs. */
wsl_status wsl__end_scores(const wsl_features *X, size_t k, const double *theta, double *probs);

/* ---------------------------------------------------------------- Compaction (compact.c) */

/* A sparse problem restricted to its weighted rows and the columns they use (X NULL: not
 * compacted, use the original). */
typedef struct wsl__end_compact {
    wsl_features *X;
    double *Q, *omega;
    uint32_t *orig;      /* compact column -> original column */
} wsl__end_compact;

/* Compact when at most half the columns are used (sparse X only). WSL_ENOMEM. */
wsl_status wsl__end_compact_build(wsl__end_compact *c, const wsl_features *X, const double *Q,
                                  const double *omega, size_t k, const wsl_allocator *a);
void wsl__end_compact_release(wsl__end_compact *c, const wsl_allocator *a);
/* Full parameters (d x k then k) from compact ones. */
void wsl__end_compact_expand(const wsl__end_compact *c, size_t d, size_t k, const double *x,
                             double *theta);

/* ---------------------------------------------------------------- L-BFGS (lbfgs.c) */

typedef wsl_status (*wsl__fg_fn)(void *ctx, const double *x, double *f, double *g);
/* After each iteration: return 1 to stop (early stopping), -1 to abort (WSL_ECALLBACK), 0 to go. */
typedef int (*wsl__iter_fn)(void *ctx, int iter, const double *x, double f, double gnorm);

typedef struct wsl__lbfgs_result {
    int iterations, evaluations, converged;
    double f, gnorm;
} wsl__lbfgs_result;

/*
 * Minimize f from x (updated in place) until ||g|| <= tol, max_iter iterations, the callback
 * stops it, or no step decreases f any more. Backtracking line search (Armijo, or approximate
 * Wolfe below f's rounding). D: NULL, or p positive values, a diagonal approximation of the
 * inverse Hessian (preconditioner). WSL_ENOMEM, WSL_ECALLBACK, or the fg function's status.
 */
wsl_status wsl__lbfgs(size_t p, double *x, const double *D, int memory, int max_iter, double tol,
                      wsl__fg_fn fg, void *fg_ctx, wsl__iter_fn iter, void *iter_ctx,
                      const wsl_allocator *alloc, wsl__lbfgs_result *res);

/* The preconditioner of P: 1 / (an upper bound of the Hessian's diagonal) per parameter. */
void wsl__end_preconditioner(const wsl__end_problem *P, double *D);

#endif
