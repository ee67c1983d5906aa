/*
 * Label-model speed: n x m votes, k = 2, 50% abstain, generated in memory. Times one pass over
 * the votes (a checksum of every vote), the fit and predict_proba, each the median of 5 runs,
 * and reports fit/pass and predict/pass measured in the same run, on 1 and 2 threads (the fit
 * gives the same bits on any number; predict splits its rows over the fit's threads, with the
 * same bits too); and the one call that fits and predicts the same rows
 * (wsl_label_model_fit_predict_proba: the same bits, rows that repeat scored once). Then the memory
 * of one fit + predict on one thread, both ways: the peak resident memory above what the votes and
 * the probabilities (and the program) already hold, read from /proc (VmHWM, reset through
 * clear_refs).
 * usage: speed [N [M]]
 */
#include "wsl/wsl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5

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

static double median(double *t)
{
    qsort(t, RUNS, sizeof *t, cmp_double);
    return t[RUNS / 2];
}

/* A "VmRSS" / "VmHWM" line of /proc/self/status, in KiB (-1 if unreadable). */
static long status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t len = strlen(key);
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, len) == 0 && line[len] == ':')
            v = strtol(line + len + 1, NULL, 10);
    fclose(f);
    return v;
}

/* Peak resident memory of one fit + predict (fused: in one call) above what was resident
 * before it, in KiB. */
static long extra_kib(const wsl_label_matrix *L, double *probs, size_t n, int fused)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    wsl_label_model *M = NULL;
    long base;
    if (!f)
        return -1;
    fputs("5", f); /* resets VmHWM to the current VmRSS */
    fclose(f);
    base = status_kib("VmRSS");
    wsl_label_model_create(&M, 2, NULL);
    if (fused ? wsl_label_model_fit_predict_proba(M, L, NULL, probs, n * 2, NULL, 0) != WSL_OK
              : (wsl_label_model_fit(M, L, NULL) != WSL_OK ||
                 wsl_label_model_predict_proba(M, L, probs, n * 2, NULL, 0) != WSL_OK))
        return -1;
    wsl_label_model_free(M);
    return status_kib("VmHWM") - base;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    size_t m = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 10;
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    int32_t *buf = NULL;
    double *probs = malloc(n * 2 * sizeof *probs);
    double t_pass[RUNS], t_fit[RUNS], t_pred[RUNS], t_both[RUNS];
    uint64_t checksum = 0;
    long extra, extra_fused;
    so.n_points = n;
    so.n_sources = m;
    so.coverage_min = so.coverage_max = 0.5;
    so.storage = WSL_STORAGE_DENSE;
    if (!probs || wsl_synth_generate(&L, &so, NULL, 0, NULL, 0, NULL, 0) != WSL_OK) {
        fprintf(stderr, "speed: %s\n", wsl_last_error());
        return 1;
    }
    buf = malloc(m * sizeof *buf);
    /* Memory first, in a fresh heap: memory that earlier runs freed but the C library kept
     * would otherwise hide part of the peak. The probabilities are touched so that they are
     * resident before, like the votes. */
    memset(probs, 0, n * 2 * sizeof *probs);
    extra = extra_kib(L, probs, n, 0);
    extra_fused = extra_kib(L, probs, n, 1);
    printf("| n x m | threads | pass (s) | fit (s) | predict (s) | fit + predict (s) | one call "
           "(s) | fit / pass | predict / pass | one call / pass |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int threads = 1; threads <= 2; threads++) {
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        o.n_threads = threads;
        for (int r = 0; r < RUNS; r++) {
            wsl_label_model *M = NULL;
            double t0 = now();
            /* The reference pass: read every vote once through the public row accessor. */
            for (size_t i = 0; i < n; i++) {
                wsl_label_matrix_row(L, i, buf, m);
                for (size_t j = 0; j < m; j++)
                    checksum += (uint64_t)(buf[j] + 1) * (j + 1);
            }
            t_pass[r] = now() - t0;
            wsl_label_model_create(&M, 2, NULL);
            t0 = now();
            if (wsl_label_model_fit(M, L, &o) != WSL_OK) {
                fprintf(stderr, "speed: %s\n", wsl_last_error());
                return 1;
            }
            t_fit[r] = now() - t0;
            t0 = now();
            wsl_label_model_predict_proba(M, L, probs, n * 2, NULL, 0);
            t_pred[r] = now() - t0;
            wsl_label_model_free(M);
            M = NULL;
            wsl_label_model_create(&M, 2, NULL);
            t0 = now();
            if (wsl_label_model_fit_predict_proba(M, L, &o, probs, n * 2, NULL, 0) != WSL_OK) {
                fprintf(stderr, "speed: %s\n", wsl_last_error());
                return 1;
            }
            t_both[r] = now() - t0;
            wsl_label_model_free(M);
        }
        {
            double pass = median(t_pass), fit = median(t_fit), pred = median(t_pred);
            double both = median(t_both);
            printf("| %zu x %zu | %d | %.4f | %.4f | %.4f | %.4f | %.4f | %.1f | %.1f | %.1f |\n",
                   n, m, threads, pass, fit, pred, fit + pred, both, fit / pass, pred / pass,
                   both / pass);
        }
    }
    {
        /* Votes: the cells the matrix holds (dense, one byte each at k = 2); probabilities:
         * n x 2 doubles. */
        double votes_mib = (double)(n * m) / 1048576.0, probs_mib = (double)(n * 2 * 8) / 1048576.0;
        printf(
            "\nmemory of one fit + predict at %zu x %zu: votes %.1f MiB, probabilities %.1f MiB, "
            "peak resident memory %.1f MiB above them (%.0f%% of votes + probabilities); "
            "in one call %.1f MiB (%.0f%%)\n",
            n, m, votes_mib, probs_mib, (double)extra / 1024.0,
            100.0 * ((double)extra / 1024.0) / (votes_mib + probs_mib),
            (double)extra_fused / 1024.0,
            100.0 * ((double)extra_fused / 1024.0) / (votes_mib + probs_mib));
    }
    fprintf(stderr, "(checksum %llu)\n", (unsigned long long)checksum);
    free(buf);
    free(probs);
    wsl_label_matrix_free(L);
    return 0;
}
