/*
 * End-model training speed on hashed-text-like sparse features: n rows (default 1,000,000) x
 * 2^b columns (default 2^18), k = 2, probabilistic labels.
 *
 * The rows are drawn like hashed n-grams of short texts: 10..40 terms per row from a Zipf(1.1)
 * vocabulary of 2^20 terms, hashed into the 2^b columns (collisions merge), counts, rows scaled
 * to unit length. Labels: a planted weight vector, q(class 1) = sigmoid(4 z), so every row has
 * a soft label as a label model would give it.
 *
 * Measured (medians of `runs` runs):
 * - one epoch: one objective + gradient evaluation, a full pass over the rows;
 * - the fit to convergence with the default options (L-BFGS, gradient norm <= 1e-5, L2 1e-4):
 *   seconds, iterations, passes;
 * - agreement: the gradient norm at the returned weights, recomputed from scratch with the
 *   objective, against the tolerance.
 *
 * usage: end_speed [N_ROWS [RUNS [HASH_BITS]]]
 */
#include "core/core.h"
#include "endmodel/endmodel_impl.h"
#include "matrix/matrix.h"
#include "wsl/wsl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call)                                                                             \
    do {                                                                                        \
        wsl_status st_ = (call);                                                                \
        if (st_ != WSL_OK) {                                                                    \
            fprintf(stderr, "%s: %s\n", wsl_strerror(st_), wsl_last_error());                   \
            exit(1);                                                                            \
        }                                                                                       \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The synthetic problem: CSR arrays and soft labels. */
static wsl_features *generate(size_t n, int bits, uint64_t seed, double **probs_out)
{
    const size_t vocab = (size_t)1 << 20, d = (size_t)1 << bits;
    double *cdf = malloc(vocab * sizeof *cdf), *w = malloc(d * sizeof *w), *probs;
    size_t *row_ptr = malloc((n + 1) * sizeof *row_ptr), cap = n * 26, nnz = 0;
    size_t *cols = malloc(cap * sizeof *cols);
    double *vals = malloc(cap * sizeof *vals), total = 0;
    wsl_features *X = NULL;
    wsl__rng rng;
    probs = malloc(n * 2 * sizeof *probs);
    if (!cdf || !w || !row_ptr || !cols || !vals || !probs) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    wsl__rng_seed(&rng, seed);
    for (size_t t = 0; t < vocab; t++)
        cdf[t] = total += pow((double)(t + 1), -1.1);
    for (size_t j = 0; j < d; j++)
        w[j] = 2 * wsl__rng_uniform(&rng) - 1;
    row_ptr[0] = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b[40];
        size_t m = 10 + wsl__rng_below(&rng, 31), start = nnz;
        double norm2 = 0, z = 0;
        for (size_t t = 0; t < m; t++) {
            double u = wsl__rng_uniform(&rng) * total;
            size_t lo = 0, hi = vocab - 1;
            while (lo < hi) { /* the term: first cdf >= u */
                size_t mid = (lo + hi) / 2;
                if (cdf[mid] < u)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            b[t] = (uint32_t)(wsl__splitmix64(lo) >> (64 - bits));
        }
        qsort(b, m, sizeof b[0], cmp_u32);
        if (nnz + m > cap) {
            cap *= 2;
            cols = realloc(cols, cap * sizeof *cols);
            vals = realloc(vals, cap * sizeof *vals);
            if (!cols || !vals)
                exit(1);
        }
        for (size_t t = 0; t < m;) {
            size_t u = t;
            while (u < m && b[u] == b[t])
                u++;
            cols[nnz] = b[t];
            vals[nnz++] = (double)(u - t);
            t = u;
        }
        for (size_t t = start; t < nnz; t++)
            norm2 += vals[t] * vals[t];
        for (size_t t = start; t < nnz; t++) {
            vals[t] /= sqrt(norm2);
            z += vals[t] * w[cols[t]];
        }
        probs[2 * i + 1] = 1 / (1 + exp(-4 * z));
        probs[2 * i] = 1 - probs[2 * i + 1];
        row_ptr[i + 1] = nnz;
    }
    CHECK(wsl_features_from_csr(&X, n, d, row_ptr, cols, vals, NULL));
    free(cdf);
    free(w);
    free(row_ptr);
    free(cols);
    free(vals);
    *probs_out = probs;
    return X;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 3, bits = argc > 3 ? atoi(argv[3]) : 18;
    const size_t k = 2;
    double *probs, *omega, *theta, *g, f, t0;
    double *t_epoch = malloc((size_t)runs * sizeof *t_epoch);
    double *t_fit = malloc((size_t)runs * sizeof *t_fit), *t_pass = malloc((size_t)runs * sizeof *t_pass);
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    wsl_end_report r;
    wsl__end_problem P;
    wsl_features *X;
    size_t p;
    if (n == 0 || runs < 1 || bits < 1 || bits > 24) {
        fprintf(stderr, "usage: end_speed [N_ROWS [RUNS [HASH_BITS]]]\n");
        return 2;
    }
    t0 = now();
    X = generate(n, bits, 1, &probs);
    printf("%zu rows x 2^%d columns, %zu non-zeros (%.1f per row), k = 2; generated in %.1f s\n",
           n, bits, wsl_features_nnz(X), (double)wsl_features_nnz(X) / (double)n, now() - t0);

    /* One epoch: a full objective + gradient evaluation. */
    p = X->d * k + k;
    omega = malloc(n * sizeof *omega);
    theta = calloc(p, sizeof *theta);
    g = malloc(p * sizeof *g);
    for (size_t i = 0; i < n; i++)
        omega[i] = 1.0 / (double)n;
    for (size_t j = 0; j < p; j++)
        theta[j] = 1e-3 * (double)(j % 7);
    memset(&P, 0, sizeof P);
    P.X = X;
    P.Q = probs;
    P.omega = omega;
    P.k = k;
    P.l2 = o.l2;
    CHECK(wsl__end_problem_scratch(&P, NULL));
    for (int i = 0; i < runs; i++) {
        t0 = now();
        CHECK(wsl__end_objective(&P, theta, &f, g));
        t_epoch[i] = now() - t0;
    }

    /* The fit to convergence, default options. */
    for (int i = 0; i < runs; i++) {
        wsl_end_model *m = NULL;
        CHECK(wsl_end_model_create(&m, 2, NULL));
        t0 = now();
        CHECK(wsl_end_model_fit(m, X, probs, n * k, &o));
        t_fit[i] = now() - t0;
        CHECK(wsl_end_model_report(m, &r));
        t_pass[i] = t_fit[i] / r.evaluations;
        if (i == runs - 1) {
            /* Agreement: the gradient at the returned weights, recomputed from scratch. */
            double gn;
            CHECK(wsl_end_model_weights(m, theta, X->d * k, theta + X->d * k, k));
            CHECK(wsl__end_objective(&P, theta, &f, g));
            gn = wsl__nrm2(p, g);
            printf("agreement: gradient norm at the returned weights %.3g (recomputed), %.3g "
                   "(reported), tolerance %.0e: %s\n", gn, r.grad_norm, o.tol,
                   gn <= o.tol ? "below" : "ABOVE");
        }
        wsl_end_model_free(m);
    }
    printf("\n| what | seconds (median of %d) |\n|---|---:|\n", runs);
    printf("| one epoch (objective + gradient, one pass over %zu rows) | %.3f |\n", n,
           median(t_epoch, runs));
    printf("| fit to convergence (%d iterations, %d passes, loss %.6f) | %.2f |\n",
           r.iterations, r.evaluations, r.loss, median(t_fit, runs));
    printf("| fit per pass (fit time / passes) | %.3f |\n", median(t_pass, runs));
    wsl__end_problem_release(&P, NULL);
    free(omega);
    free(theta);
    free(g);
    free(probs);
    free(t_epoch);
    free(t_fit);
    free(t_pass);
    wsl_features_free(X);
    return 0;
}
