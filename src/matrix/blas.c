#include "matrix.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <string.h>

static int fits_int(size_t v)
{
    return v <= (size_t)INT_MAX;
}

wsl_status wsl__matrix_init(wsl__matrix *M, const wsl_allocator *a, size_t rows, size_t cols)
{
    M->rows = rows;
    M->cols = cols;
    M->ld = cols;
    size_t cells;
    if (!wsl__mul_size(&cells, rows ? rows : 1, cols ? cols : 1)) {
        M->data = NULL;
        return wsl__error(WSL_ENOMEM, "matrix of %zu x %zu overflows", rows, cols);
    }
    M->data = wsl__calloc(a, cells, sizeof(double));
    return M->data ? WSL_OK : WSL_ENOMEM;
}

void wsl__matrix_release(wsl__matrix *M, const wsl_allocator *a)
{
    wsl__free(a, M->data);
    memset(M, 0, sizeof *M);
}

wsl_status wsl__gemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, double alpha,
                     const double *A, size_t lda, const double *B, size_t ldb, double beta,
                     double *C, size_t ldc)
{
    if (!fits_int(m) || !fits_int(n) || !fits_int(k) || !fits_int(lda) || !fits_int(ldb) ||
        !fits_int(ldc))
        return wsl__error(WSL_EINVAL, "gemm: dimension exceeds INT_MAX");
    if (m == 0 || n == 0)
        return WSL_OK;
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, A, (int)lda,
                B, (int)ldb, beta, C, (int)ldc);
    return WSL_OK;
}

wsl_status wsl__gemv(int trans, size_t m, size_t n, double alpha, const double *A, size_t lda,
                     const double *x, double beta, double *y)
{
    if (!fits_int(m) || !fits_int(n) || !fits_int(lda))
        return wsl__error(WSL_EINVAL, "gemv: dimension exceeds INT_MAX");
    if (m == 0 || n == 0)
        return WSL_OK;
    cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, (int)m, (int)n, alpha, A,
                (int)lda, x, 1, beta, y, 1);
    return WSL_OK;
}

double wsl__dot(size_t n, const double *x, const double *y)
{
    double s = 0;
    while (n > INT_MAX) {
        s += cblas_ddot(INT_MAX, x, 1, y, 1);
        x += INT_MAX;
        y += INT_MAX;
        n -= INT_MAX;
    }
    return s + cblas_ddot((int)n, x, 1, y, 1);
}

void wsl__axpy(size_t n, double alpha, const double *x, double *y)
{
    while (n > INT_MAX) {
        cblas_daxpy(INT_MAX, alpha, x, 1, y, 1);
        x += INT_MAX;
        y += INT_MAX;
        n -= INT_MAX;
    }
    cblas_daxpy((int)n, alpha, x, 1, y, 1);
}

void wsl__scal(size_t n, double alpha, double *x)
{
    while (n > INT_MAX) {
        cblas_dscal(INT_MAX, alpha, x, 1);
        x += INT_MAX;
        n -= INT_MAX;
    }
    cblas_dscal((int)n, alpha, x, 1);
}

double wsl__nrm2(size_t n, const double *x)
{
    if (n > INT_MAX) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += x[i] * x[i];
        return sqrt(s);
    }
    return cblas_dnrm2((int)n, x, 1);
}

double wsl__logsumexp(const double *x, size_t n)
{
    double mx = -INFINITY, s = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] > mx)
            mx = x[i];
    if (mx == -INFINITY)
        return -INFINITY;
    for (size_t i = 0; i < n; i++)
        s += exp(x[i] - mx);
    return mx + log(s);
}

