/*
 * The noise-aware objective and its gradient, and the forward pass for prediction.
 *
 * Per row i with weight omega_i (the weights sum to 1), scores z = x_i W + b, and target q_i:
 *   loss_i = sum_c q_ic (lse(z) - z_c) = s_i lse(z) - q_i . z,      s_i = sum_c q_ic
 *   d loss_i / d z_c = s_i softmax(z)_c - q_ic
 * Sparse rows are walked entry by entry (k = 2, the common case, has its own loop without the
 * inner class loops); dense rows go through BLAS a block at a time.
 */
#include "endmodel_impl.h"
#include "matrix/matrix.h"

#include <math.h>
#include <string.h>

/*
 * Sparse rows read W[j] and then add into gW[j] for the same columns: two cache misses per
 * entry when W and gW are separate d x k arrays (the columns of hashed text are scattered over
 * megabytes). The sparse loops therefore work on one interleaved array, row j holding
 * (W[j][0..k), gW[j][0..k)), so the second access hits the line the first one loaded; the
 * copies in and out cost O(d k) per pass, a few percent of the pass.
 */

/* Rows of hashed text touch columns all over wg: fetch the ones PREFETCH entries ahead while
 * the current ones are summed, so the loads overlap instead of stalling one by one. */
#define PREFETCH 24
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH_ROW(p) __builtin_prefetch((p), 1, 1)
#else
#define PREFETCH_ROW(p) ((void)(p))
#endif

/* Sparse rows, k = 2, on the interleaved array wg (d x 4). */
static double sparse_k2(const wsl__end_problem *P, double *wg, const double *b, double *gb)
{
    const wsl_features *X = P->X;
    const size_t end = X->row_ptr[X->n];
    double loss = 0, gb0 = 0, gb1 = 0;
    for (size_t i = 0; i < X->n; i++) {
        const double om = P->omega[i], *q = P->Q + 2 * i;
        const size_t lo = X->row_ptr[i], hi = X->row_ptr[i + 1];
        double z0 = b[0], z1 = b[1], m, lse, s, r0, r1;
        if (om == 0)
            continue;
        for (size_t t = lo; t < hi; t++) {
            const double v = X->vals[t], *w = wg + 4 * (size_t)X->cols[t];
            if (t + PREFETCH < end)
                PREFETCH_ROW(wg + 4 * (size_t)X->cols[t + PREFETCH]);
            z0 += v * w[0];
            z1 += v * w[1];
        }
        m = z0 > z1 ? z0 : z1;
        lse = m + log1p(exp(-fabs(z0 - z1)));
        s = q[0] + q[1];
        loss += om * (s * lse - q[0] * z0 - q[1] * z1);
        r0 = om * (s * exp(z0 - lse) - q[0]);
        r1 = om * (s * exp(z1 - lse) - q[1]);
        gb0 += r0;
        gb1 += r1;
        for (size_t t = lo; t < hi; t++) {
            const double v = X->vals[t];
            double *g = wg + 4 * (size_t)X->cols[t] + 2;
            g[0] += v * r0;
            g[1] += v * r1;
        }
    }
    gb[0] = gb0;
    gb[1] = gb1;
    return loss;
}

/* Sparse rows, any k, on the interleaved array wg (d x 2k); z is a scratch of k values. */
static double sparse_k(const wsl__end_problem *P, double *wg, const double *b, double *gb,
                       double *z)
{
    const wsl_features *X = P->X;
    const size_t k = P->k;
    double loss = 0;
    for (size_t i = 0; i < X->n; i++) {
        const double om = P->omega[i], *q = P->Q + k * i;
        const size_t lo = X->row_ptr[i], hi = X->row_ptr[i + 1];
        double lse, s = 0, qz = 0;
        if (om == 0)
            continue;
        memcpy(z, b, k * sizeof *z);
        for (size_t t = lo; t < hi; t++) {
            const double v = X->vals[t], *w = wg + 2 * k * (size_t)X->cols[t];
            for (size_t c = 0; c < k; c++)
                z[c] += v * w[c];
        }
        lse = wsl__logsumexp(z, k);
        for (size_t c = 0; c < k; c++) {
            s += q[c];
            qz += q[c] * z[c];
        }
        loss += om * (s * lse - qz);
        for (size_t c = 0; c < k; c++) {
            z[c] = om * (s * exp(z[c] - lse) - q[c]); /* z becomes the residual */
            gb[c] += z[c];
        }
        for (size_t t = lo; t < hi; t++) {
            const double v = X->vals[t];
            double *g = wg + 2 * k * (size_t)X->cols[t] + k;
            for (size_t c = 0; c < k; c++)
                g[c] += v * z[c];
        }
    }
    return loss;
}

/* Sparse rows: W into the interleaved array, the loop, its gradient half out into gW. */
static double sparse(const wsl__end_problem *P, const double *W, const double *b, double *gW,
                     double *gb)
{
    const size_t k = P->k, d = P->X->d;
    double *wg = P->wg, loss;
    for (size_t j = 0; j < d; j++) {
        memcpy(wg + 2 * k * j, W + k * j, k * sizeof *wg);
        memset(wg + 2 * k * j + k, 0, k * sizeof *wg);
    }
    loss = k == 2 ? sparse_k2(P, wg, b, gb) : sparse_k(P, wg, b, gb, P->block);
    for (size_t j = 0; j < d; j++)
        memcpy(gW + k * j, wg + 2 * k * j + k, k * sizeof *gW);
    return loss;
}

/* Rows of a block: bias in, X_blk W added by BLAS. */
static wsl_status block_scores(const wsl_features *X, size_t k, const double *W, const double *b,
                               size_t i0, size_t rows, double *Z)
{
    for (size_t r = 0; r < rows; r++)
        memcpy(Z + r * k, b, k * sizeof *Z);
    return wsl__gemm(0, 0, rows, k, X->d, 1.0, X->dense + i0 * X->d, X->d, W, k, 1.0, Z, k);
}

/* Dense rows through BLAS: Z = X_blk W + b, residuals in place, gW += X_blk^T R. */
static wsl_status dense(const wsl__end_problem *P, const double *W, const double *b, double *gW,
                        double *gb, double *loss_out)
{
    const wsl_features *X = P->X;
    const size_t k = P->k;
    const size_t B = P->block_rows;
    double loss = 0;
    for (size_t i0 = 0; i0 < X->n; i0 += B) {
        const size_t rows = X->n - i0 < B ? X->n - i0 : B;
        double *Z = P->block;
        WSL_TRY(block_scores(X, k, W, b, i0, rows, Z));
        for (size_t r = 0; r < rows; r++) {
            const double om = P->omega[i0 + r], *q = P->Q + k * (i0 + r);
            double *z = Z + r * k, lse, s = 0, qz = 0;
            if (om == 0) {
                memset(z, 0, k * sizeof *z);
                continue;
            }
            lse = wsl__logsumexp(z, k);
            for (size_t c = 0; c < k; c++) {
                s += q[c];
                qz += q[c] * z[c];
            }
            loss += om * (s * lse - qz);
            for (size_t c = 0; c < k; c++) {
                z[c] = om * (s * exp(z[c] - lse) - q[c]);
                gb[c] += z[c];
            }
        }
        WSL_TRY(wsl__gemm(1, 0, X->d, k, rows, 1.0, X->dense + i0 * X->d, X->d, Z, k, 1.0, gW,
                          k));
    }
    *loss_out = loss;
    return WSL_OK;
}

wsl_status wsl__end_objective(const wsl__end_problem *P, const double *theta, double *f,
                              double *g)
{
    const size_t k = P->k, dk = P->X->d * k;
    const double *W = theta, *b = theta + dk;
    double *gW = g, *gb = g + dk, loss;
    memset(g, 0, (dk + k) * sizeof *g);
    if (!P->X->sparse)
        WSL_TRY(dense(P, W, b, gW, gb, &loss));
    else
        loss = sparse(P, W, b, gW, gb);
    if (P->l2 > 0) {
        double w2 = wsl__dot(dk, W, W);
        loss += 0.5 * P->l2 * w2;
        wsl__axpy(dk, P->l2, W, gW);
    }
    *f = loss;
    return WSL_OK;
}

size_t wsl__end_block_rows(size_t k)
{
    /* Blocks of at most 64k doubles, so a huge k never asks for a huge scratch. */
    size_t rows = ((size_t)1 << 16) / k;
    return rows < 1 ? 1 : rows > WSL__END_BLOCK ? WSL__END_BLOCK : rows;
}

void wsl__end_softmax(double *z, size_t k)
{
    size_t top = 0;
    for (size_t c = 0; c < k; c++)
        top += z[c] == INFINITY || isnan(z[c]);
    if (!top) {
        double mx;
        wsl__softmax_parts(z, k, &mx); /* the log-sum-exp is not needed */
        return;
    }
    /* Overflowed scores (huge weights or features): x W + b is +inf, or inf - inf, for some
     * classes. No finite score competes with them; they share the row. */
    for (size_t c = 0; c < k; c++)
        z[c] = z[c] == INFINITY || isnan(z[c]) ? 1.0 / (double)top : 0.0;
}

wsl_status wsl__end_scores(const wsl_features *X, size_t k, const double *theta, double *probs)
{
    const double *W = theta, *b = theta + X->d * k;
    if (!X->sparse) {
        /* Straight into probs, a bounded number of rows per BLAS call (INT_MAX limits). */
        const size_t B = (size_t)1 << 20;
        for (size_t i0 = 0; i0 < X->n; i0 += B) {
            const size_t rows = X->n - i0 < B ? X->n - i0 : B;
            WSL_TRY(block_scores(X, k, W, b, i0, rows, probs + i0 * k));
        }
    } else {
        for (size_t i = 0; i < X->n; i++) {
            double *z = probs + i * k;
            memcpy(z, b, k * sizeof *z);
            for (size_t t = X->row_ptr[i]; t < X->row_ptr[i + 1]; t++) {
                const double v = X->vals[t], *w = W + k * (size_t)X->cols[t];
                for (size_t c = 0; c < k; c++)
                    z[c] += v * w[c];
            }
        }
    }
    for (size_t i = 0; i < X->n; i++)
        wsl__end_softmax(probs + i * k, k);
    return WSL_OK;
}

wsl_status wsl__end_problem_scratch(wsl__end_problem *P, const wsl_allocator *alloc)
{
    const wsl_allocator a = wsl__allocator(alloc);
    const size_t k = P->k;
    P->block_rows = P->X->sparse ? 1 : wsl__end_block_rows(k);
    P->block = wsl__mallocarray(&a, P->block_rows, k * sizeof *P->block);
    P->wg = P->X->sparse && P->block ? wsl__mallocarray(&a, P->X->d, 2 * k * sizeof *P->wg) : NULL;
    if (!P->block || (P->X->sparse && !P->wg)) {
        wsl__end_problem_release(P, alloc);
        return WSL_ENOMEM;
    }
    return WSL_OK;
}

void wsl__end_problem_release(wsl__end_problem *P, const wsl_allocator *alloc)
{
    const wsl_allocator a = wsl__allocator(alloc);
    wsl__free(&a, P->block);
    wsl__free(&a, P->wg);
    P->block = NULL;
    P->wg = NULL;
}

void wsl__end_preconditioner(const wsl__end_problem *P, double *D)
{
    /*
     * The Hessian's diagonal at W: sum_i omega_i s_i p_ic (1 - p_ic) x_ij^2 (+ l2 on W). Hashed
     * text makes it span orders of magnitude (a frequent n-gram against one seen twice), which
     * a scalar initial matrix cannot follow: L-BFGS then needs many more iterations. p (1 - p)
     * is at most 1/4; 1/4 keeps the first, preconditioned step from overshooting.
     */
    const wsl_features *X = P->X;
    const size_t k = P->k, d = X->d;
    double bias = 0;
    memset(D, 0, (d * k + k) * sizeof *D);
    for (size_t i = 0; i < X->n; i++) {
        double w = P->omega[i], s = 0;
        for (size_t c = 0; c < k; c++)
            s += P->Q[i * k + c];
        w *= 0.25 * s;
        if (w == 0)
            continue;
        bias += w;
        if (X->sparse) {
            for (size_t t = X->row_ptr[i]; t < X->row_ptr[i + 1]; t++)
                D[(size_t)X->cols[t] * k] += w * X->vals[t] * X->vals[t];
        } else {
            const double *x = X->dense + i * d;
            for (size_t j = 0; j < d; j++)
                D[j * k] += w * x[j] * x[j];
        }
    }
    for (size_t j = 0; j < d; j++) {
        double h = D[j * k] + P->l2;
        for (size_t c = 0; c < k; c++)
            D[j * k + c] = h > 0 ? 1.0 / h : 1.0;
    }
    for (size_t c = 0; c < k; c++)
        D[d * k + c] = 1.0 / bias;
}
