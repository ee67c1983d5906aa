/*
 * Scaling in n: fit and predict for n = 10^4 ... 10^7 records of m = 20 sources (k = 2,
 * coverage 0.5, generated in memory, one thread), with the number of distinct patterns and the
 * peak resident memory so far. Time grows with the patterns, which grow with n until the table
 * saturates (3^20 possible here: it never does at these sizes, so the growth stays linear).
 *
 * usage: scaling [MAX_N]   (default 10000000)
 */
#include "wsl/wsl.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

int main(int argc, char **argv)
{
    size_t max_n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;
    printf("| n x m | patterns | fit (s) | predict (s) | fit per 10^6 rows (s) | peak RSS so far "
           "(MiB) |\n|---|---:|---:|---:|---:|---:|\n");
    for (size_t n = 10000; n <= max_n; n *= 10) {
        wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
        wsl_label_matrix *L = NULL;
        wsl_label_model *M = NULL;
        wsl_fit_report rep;
        double *probs = malloc(n * 2 * sizeof *probs), t0, t_fit, t_pred;
        so.n_points = n;
        so.n_sources = 20;
        so.coverage_min = so.coverage_max = 0.5;
        so.storage = WSL_STORAGE_DENSE;
        if (!probs || wsl_synth_generate(&L, &so, NULL, 0, NULL, 0, NULL, 0) != WSL_OK ||
            wsl_label_model_create(&M, 2, NULL) != WSL_OK) {
            fprintf(stderr, "scaling: %s\n", wsl_last_error());
            return 1;
        }
        t0 = now();
        if (wsl_label_model_fit(M, L, NULL) != WSL_OK) {
            fprintf(stderr, "scaling: %s\n", wsl_last_error());
            return 1;
        }
        t_fit = now() - t0;
        t0 = now();
        wsl_label_model_predict_proba(M, L, probs, n * 2, NULL, 0);
        t_pred = now() - t0;
        wsl_label_model_report(M, &rep);
        printf("| %zu x 20 | %zu | %.3f | %.3f | %.3f | %ld |\n", n, rep.n_patterns, t_fit, t_pred,
               t_fit / ((double)n / 1e6), peak_rss_mib());
        fflush(stdout);
        wsl_label_model_free(M);
        wsl_label_matrix_free(L);
        free(probs);
    }
    return 0;
}
