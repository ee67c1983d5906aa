/*
 * The end model against an independent reference: a tiny problem (soft labels, sample
 * weights, uncovered rows, L2, 3 classes) fitted with dense and with sparse features, then
 * checked by tests/end_model_ref.py with numpy (Newton's method on the documented objective):
 * the gradient norm at the returned weights is below the tolerance, and the weights equal the
 * reference within 1e-6.
 *
 * usage: ref_end_model PYTHON SCRIPT. Exits 77 (skipped) when PYTHON or numpy is absent.
 */
#include <wsl/wsl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { N = 60, D = 5, K = 3 };

#define CHECK(call)                                                                             \
    do {                                                                                        \
        wsl_status st_ = (call);                                                                \
        if (st_ != WSL_OK) {                                                                    \
            fprintf(stderr, "%s: %s\n", #call, wsl_last_error());                               \
            exit(1);                                                                            \
        }                                                                                       \
    } while (0)

/* A small deterministic generator (the test must not depend on libwsl's internals). */
static double uniform(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) * 0x1.0p-53;
}

static void write_solution(FILE *f, const char *name, const wsl_end_model *m)
{
    double W[D * K], b[K];
    CHECK(wsl_end_model_weights(m, W, D * K, b, K));
    fprintf(f, "%s\n", name);
    for (int j = 0; j < D; j++)
        fprintf(f, "%.17g %.17g %.17g\n", W[j * K], W[j * K + 1], W[j * K + 2]);
    fprintf(f, "%.17g %.17g %.17g\n", b[0], b[1], b[2]);
}

int main(int argc, char **argv)
{
    static double X[N * D], Q[N * K], w[N], vals[N * D];
    static size_t row_ptr[N + 1], cols[N * D];
    static uint8_t covered[N];
    const double l2 = 0.05, tol = 1e-8;
    unsigned long long seed = 42;
    char cmd[1024], path[] = "/tmp/wslrefXXXXXX";
    size_t nnz = 0;
    wsl_features *Xd = NULL, *Xs = NULL;
    wsl_end_model *md = NULL, *ms = NULL;
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    FILE *f;
    int fd, rc;
    if (argc != 3) {
        fprintf(stderr, "usage: ref_end_model PYTHON SCRIPT\n");
        return 2;
    }
    snprintf(cmd, sizeof cmd, "'%s' -c 'import numpy' 2>/dev/null", argv[1]);
    if (access(argv[1], X_OK) != 0 || system(cmd) != 0) {
        printf("SKIPPED: %s with numpy is not available\n", argv[1]);
        return 77;
    }
    /* Features with zeros (so the sparse form differs from the dense one), soft labels,
     * weights in [0.5, 2), every seventh row uncovered. */
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < D; j++) {
            double v = uniform(&seed) < 0.3 ? 0 : 2 * uniform(&seed) - 1;
            X[i * D + j] = v;
            if (v != 0) {
                cols[nnz] = (size_t)j;
                vals[nnz++] = v;
            }
        }
        row_ptr[i + 1] = nnz;
        for (int c = 0; c < K; c++)
            s += Q[i * K + c] = uniform(&seed) + (c == (int)(X[i * D] > 0) ? 1 : 0);
        for (int c = 0; c < K; c++)
            Q[i * K + c] /= s;
        w[i] = 0.5 + 1.5 * uniform(&seed);
        covered[i] = i % 7 != 3;
    }
    CHECK(wsl_features_from_dense(&Xd, X, N, D, D, NULL));
    CHECK(wsl_features_from_csr(&Xs, N, D, row_ptr, cols, vals, NULL));
    o.l2 = l2;
    o.tol = tol;
    o.weights = w;
    o.weights_len = N;
    o.covered = covered;
    o.covered_len = N;
    CHECK(wsl_end_model_create(&md, K, NULL));
    CHECK(wsl_end_model_create(&ms, K, NULL));
    CHECK(wsl_end_model_fit(md, Xd, Q, N * K, &o));
    CHECK(wsl_end_model_fit(ms, Xs, Q, N * K, &o));

    if ((fd = mkstemp(path)) < 0 || !(f = fdopen(fd, "w"))) {
        perror(path);
        return 1;
    }
    fprintf(f, "%d %d %d %.17g %.17g\n", N, D, K, l2, tol);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++)
            fprintf(f, "%.17g ", X[i * D + j]);
        for (int c = 0; c < K; c++)
            fprintf(f, "%.17g ", Q[i * K + c]);
        fprintf(f, "%.17g %d\n", w[i], covered[i]);
    }
    write_solution(f, "libwsl dense (BLAS)", md);
    write_solution(f, "libwsl sparse", ms);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s'", argv[1], argv[2], path);
    rc = system(cmd);
    unlink(path);
    wsl_end_model_free(md);
    wsl_end_model_free(ms);
    wsl_features_free(Xd);
    wsl_features_free(Xs);
    return rc == 0 ? 0 : 1;
}
