/*
 * The noise-aware objective and its gradient, and the forward pass for prediction.
 *
 * Per row i with weight omega_i (the weights sum to 1), scores z = x_i W + b, and target q_i:
 *   loss_i = sum_c q_ic (lse(z) - z_c) = s_i lse(z) - q_i . z,      s_i = sum_c q_ic
 *   d loss_i / d z_c = s_i softmax(z)_c - q_ic
 * Sparse rows are walked entry by entry (k = 2 has its own loop: the common case, and twice as
 * fast without the inner class loops); dense rows go through BLAS a block at a time.
 */
#include "endmodel_impl.h"
#include "matrix/matrix.h"

#include <math.h>
#include <string.h>

/* Sparse rows, k = 2. */
static double sparse_k2(const wsl__end_problem *P, const double *W, const double *b, double *gW,
                        double *gb)
{
    const wsl_features *X = P->X;
    double loss = 0, gb0 = 0, gb1 = 0;
    for (size_t i = 0; i < X->n; i++) {
        const double om = P->omega[i], *q = P->Q + 2 * i;
        const size_t lo = X->row_ptr[i], hi = X->row_ptr[i + 1];
        double z0 = b[0], z1 = b[1], m, lse, s, r0, r1;
        if (om == 0)
            continue;
        for (size_t t = lo; t < hi; t++) {
            const double v = X->vals[t], *w = W + 2 * (size_t)X->cols[t];
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
            double *g = gW + 2 * (size_t)X->cols[t];
            g[0] += v * r0;
            g[1] += v * r1;
        }
    }
    gb[0] = gb0;
    gb[1] = gb1;
    return loss;
}

/* Sparse rows, any k; z is a scratch of k values. */
static double sparse_k(const wsl__end_problem *P, const double *W, const double *b, double *gW,
                       double *gb, double *z)
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
            const double v = X->vals[t], *w = W + k * (size_t)X->cols[t];
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
            double *g = gW + k * (size_t)X->cols[t];
            for (size_t c = 0; c < k; c++)
                g[c] += v * z[c];
        }
    }
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
    else if (k == 2)
        loss = sparse_k2(P, W, b, gW, gb);
    else
        loss = sparse_k(P, W, b, gW, gb, P->block);
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
        wsl__softmax_inplace(probs + i * k, k);
    return WSL_OK;
}
