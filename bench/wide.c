/*
 * Wide and many-class label models: m = 1,200 sources x k = 56 classes with 1%
 * coverage per source at n = 100,000, and k = 1,000 with sparse votes. Prints fit and predict
 * time, the peak resident memory, and accuracy against the generator's classes next to
 * majority vote. One thread.
 *
 * usage: wide [CASE]   (CASE: 1200x56, 1000 or all; default all; 1000 runs all sources voting
 *                      several classes, then half voting one class each)
 */
#include "wsl/wsl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Accuracy of the argmax of each row against gold (ties to the lowest class). */
static double accuracy(const double *p, const int32_t *gold, size_t n, int32_t k)
{
    size_t right = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t best = 0;
        for (int32_t c = 1; c < k; c++)
            if (p[i * (size_t)k + (size_t)c] > p[i * (size_t)k + (size_t)best])
                best = c;
        right += best == gold[i];
    }
    return (double)right / (double)n;
}

/* Counts EM iterations over every start. */
static int count_iter(int start, int iteration, double ll, void *payload)
{
    (void)start;
    (void)iteration;
    (void)ll;
    ++*(long *)payload;
    return 0;
}

static int run_case(size_t n, size_t m, int32_t k, double coverage, double one_polarity)
{
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    wsl_fit_options fo = WSL_FIT_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    wsl_label_model *M = NULL;
    int32_t *gold = malloc(n * sizeof *gold);
    double *probs = malloc(n * (size_t)k * sizeof *probs), t0, t_fit, t_pred, acc_mv;
    wsl_status st;
    long iters = 0;
    wsl_fit_report rep;
    fo.iter_fn = count_iter;
    fo.iter_payload = &iters;
    if (getenv("WIDE_VERBOSE"))
        fo.log_fn = wsl_log_stderr;
    so.n_points = n;
    so.n_sources = m;
    so.cardinality = k;
    so.coverage_min = so.coverage_max = coverage;
    so.one_polarity = one_polarity;
    so.storage = WSL_STORAGE_SPARSE;
    if (!gold || !probs ||
        wsl_synth_generate(&L, &so, gold, n, NULL, 0, NULL, 0) != WSL_OK ||
        wsl_label_model_create(&M, k, NULL) != WSL_OK) {
        fprintf(stderr, "wide: %s\n", wsl_last_error());
        return 1;
    }
    wsl_majority_vote_proba(L, NULL, NULL, probs, n * (size_t)k, NULL, 0);
    acc_mv = accuracy(probs, gold, n, k);
    t0 = now();
    st = wsl_label_model_fit(M, L, &fo);
    t_fit = now() - t0;
    if (st != WSL_OK) {
        printf("| %zu x %zu, k = %ld, coverage %.2f, one-class %.1f | | | failed after %.1f s: %s "
               "| | %ld | | %.4f |\n",
               n, m, (long)k, coverage, one_polarity, t_fit, wsl_last_error(), peak_rss_mib(),
               acc_mv);
        return 0;
    }
    t0 = now();
    st = wsl_label_model_predict_proba(M, L, probs, n * (size_t)k, NULL, 0);
    t_pred = now() - t0;
    wsl_label_model_report(M, &rep);
    printf("| %zu x %zu, k = %ld, coverage %.2f, one-class %.1f | %s | %zu | %ld (%d) | %.2f | "
           "%.2f | %ld | %.4f | %.4f |\n",
           n, m, (long)k, coverage, one_polarity,
           rep.tables == WSL_TABLES_ONE_COIN ? "one-coin" : "tables", rep.n_patterns, iters,
           rep.iterations, t_fit, t_pred, peak_rss_mib(),
           st == WSL_OK ? accuracy(probs, gold, n, k) : -1.0, acc_mv);
    fflush(stdout);
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    free(probs);
    free(gold);
    return 0;
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    int all = strcmp(which, "all") == 0;
    printf("| n x m, k, coverage per source, share of one-class sources | engine | patterns | EM "
           "iterations, all starts (winner) | fit (s) | predict (s) | peak RSS (MiB) | label "
           "model acc | majority vote acc |\n"
           "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    if (all || strcmp(which, "1200x56") == 0)
        run_case(100000, 1200, 56, 0.01, 0.0);
    if (all || strcmp(which, "1000") == 0) {
        run_case(100000, 100, 1000, 0.05, 0.0);
        run_case(100000, 100, 1000, 0.05, 0.5);
    }
    return 0;
}
