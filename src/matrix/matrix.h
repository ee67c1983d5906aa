/*
 * The dense matrix core: row-major double with a leading dimension. The only module that talks
 * to BLAS; <cblas.h> is included in blas.c alone. Wrappers take size_t and refuse dimensions
 * above INT_MAX before casting.
 */
#ifndef WSL_SRC_MATRIX_H
#define WSL_SRC_MATRIX_H

#include "core/core.h"

#include <math.h>

typedef struct wsl__matrix {
    double *data;
    size_t rows, cols, ld; /* ld >= cols */
} wsl__matrix;

wsl_status wsl__matrix_init(wsl__matrix *M, const wsl_allocator *a, size_t rows, size_t cols);
void wsl__matrix_release(wsl__matrix *M, const wsl_allocator *a);

static inline double *wsl__matrix_row(const wsl__matrix *M, size_t i)
{
    return M->data + i * M->ld;
}

/* C = alpha * op(A) * op(B) + beta * C, row-major. */
wsl_status wsl__gemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, double alpha,
                     const double *A, size_t lda, const double *B, size_t ldb, double beta,
                     double *C, size_t ldc);
/* y = alpha * op(A) * x + beta * y. */
wsl_status wsl__gemv(int trans, size_t m, size_t n, double alpha, const double *A, size_t lda,
                     const double *x, double beta, double *y);
double wsl__dot(size_t n, const double *x, const double *y);
void wsl__axpy(size_t n, double alpha, const double *x, double *y);
void wsl__scal(size_t n, double alpha, double *x);
double wsl__nrm2(size_t n, const double *x);

/* Numerically safe log(sum(exp(x))) over n values. */
double wsl__logsumexp(const double *x, size_t n);
/*
 * In place: x <- exp(x - logsumexp(x)). Returns s, the sum of exp(x - max) (1 <= s <= n), with
 * the max in *mx: the logsumexp is *mx + log(s), left to the callers that need it (a log a
 * row). Inline: the E-step's inner loop.
 */
static inline double wsl__softmax_parts(double *x, size_t n, double *mx_out)
{
    double mx = -INFINITY, s = 0;
    if (n == 2 && x[0] == x[0] && x[1] == x[1] && x[0] < INFINITY && x[1] < INFINITY) {
        /* The same values as below without a branch on which class leads (a coin flip per
         * row in the E-step): exp(0) is 1 for a tie, and 1 + e is e + 1. NaN and +inf take
         * the general loop. */
        double a = x[0], b = x[1], hi = a > b ? a : b, lo = a > b ? b : a, e;
        *mx_out = hi;
        if (hi == -INFINITY) {
            x[0] = x[1] = 0.5;
            return 1.0;
        }
        e = exp(lo - hi);
        s = 1.0 + e;
        x[0] = (a > b ? 1.0 : e) / s;
        x[1] = (a > b ? e : 1.0) / s;
        return s;
    }
    for (size_t i = 0; i < n; i++)
        if (x[i] > mx)
            mx = x[i];
    *mx_out = mx;
    if (mx == -INFINITY) {
        for (size_t i = 0; i < n; i++)
            x[i] = 1.0 / (double)n;
        return 1.0;
    }
    /* One exp per class (none for the largest: exp(0) is 1), reused for the normalization:
     * the E-step's cost is mostly these exps. */
    for (size_t i = 0; i < n; i++) {
        x[i] = x[i] == mx ? 1.0 : exp(x[i] - mx);
        s += x[i];
    }
    for (size_t i = 0; i < n; i++)
        x[i] /= s;
    return s;
}

/* In place: x <- exp(x - logsumexp(x)); returns the logsumexp. */
static inline double wsl__softmax_inplace(double *x, size_t n)
{
    double mx, s = wsl__softmax_parts(x, n, &mx);
    return mx + log(s);
}

#endif
