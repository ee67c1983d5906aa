/*
 * Applier speed: 1,000,000 records x 20 LFs, (a) trivial LFs that return a field of a struct,
 * (b) keyword LFs (strstr) over ~60-character texts; 1 and 2 threads; medians of 5 runs.
 * The applier's own overhead is measured against a direct loop: the same LF calls through
 * function pointers, each vote stored into a freshly allocated int8 matrix, nothing else.
 * usage: apply [N_RECORDS]
 */
#include "wsl/wsl.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_LFS 20
#define RUNS 5

typedef struct rec {
    int32_t field[N_LFS];
    char text[64];
} rec;

static int32_t lf_field(const wsl_lf_input *in, void *payload)
{
    const rec *r = in->record;
    return r->field[(size_t)(uintptr_t)payload];
}

static const char *const keywords[N_LFS] = {
    "check", "subscribe", "channel", "video", "song", "love", "free", "http", "please", "money",
    "music", "like", "view", "new", "best", "watch", "click", "win", "gift", "share"};

static int32_t lf_keyword(const wsl_lf_input *in, void *payload)
{
    const rec *r = in->record;
    size_t j = (size_t)(uintptr_t)payload;
    return strstr(r->text, keywords[j]) ? (int32_t)(j % 2) : WSL_ABSTAIN;
}

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

static double median_seconds(const wsl_lf_set *set, const rec *r, size_t n, int threads)
{
    double t[RUNS];
    wsl_apply_options o = WSL_APPLY_OPTIONS_INIT;
    o.n_threads = threads;
    for (int k = 0; k < RUNS; k++) {
        wsl_label_matrix *L = NULL;
        double t0 = now();
        if (wsl_lf_apply(&L, set, r, n, sizeof *r, &o, NULL) != WSL_OK) {
            fprintf(stderr, "apply failed: %s\n", wsl_last_error());
            exit(1);
        }
        t[k] = now() - t0;
        wsl_label_matrix_free(L);
    }
    qsort(t, RUNS, sizeof *t, cmp_double);
    return t[RUNS / 2];
}

/* The baseline: what any apply must do at least (call every LF, store every vote). */
static wsl_lf_fn volatile direct_fns[N_LFS];

static double median_direct(const rec *r, size_t n)
{
    double t[RUNS];
    for (int k = 0; k < RUNS; k++) {
        double t0 = now();
        int8_t *cells = malloc(n * N_LFS);
        wsl_lf_input in;
        long check = 0;
        if (!cells)
            exit(1);
        in.views = NULL;
        for (size_t i = 0; i < n; i++) {
            in.record = &r[i];
            in.index = i;
            for (size_t j = 0; j < N_LFS; j++) {
                wsl_lf_fn fn = direct_fns[j];
                cells[i * N_LFS + j] = (int8_t)fn(&in, (void *)(uintptr_t)j);
            }
        }
        for (size_t i = 0; i < n * N_LFS; i += 4099)
            check += cells[i];
        t[k] = now() - t0;
        free(cells);
        if (check == LONG_MIN)
            printf("unreachable\n");
    }
    qsort(t, RUNS, sizeof *t, cmp_double);
    return t[RUNS / 2];
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    rec *r = malloc(n * sizeof *r);
    wsl_lf_set *trivial = NULL, *keyword = NULL;
    const char *words[] = {"check", "out", "my", "new", "video", "song", "love", "this", "please",
                           "subscribe", "channel", "great", "music", "free", "gift", "win"};
    uint64_t x = 88172645463325252ULL;
    const char *kind[2] = {"trivial (return a field)", "keyword (strstr, ~60 chars)"};
    double t_apply[2][2];
    if (!r)
        return 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        for (int j = 0; j < N_LFS; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            r[i].field[j] = (int32_t)(x % 3) - 1;
        }
        r[i].text[0] = '\0';
        while (len < 52) {
            const char *w;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w = words[x % 16];
            if (len + strlen(w) + 1 >= sizeof r[i].text)
                break;
            strcat(r[i].text, w);
            strcat(r[i].text, " ");
            len += strlen(w) + 1;
        }
    }
    if (wsl_lf_set_create(&trivial, 2, NULL) || wsl_lf_set_create(&keyword, 2, NULL))
        return 1;
    for (size_t j = 0; j < N_LFS; j++) {
        char name[32];
        snprintf(name, sizeof name, "field%zu", j);
        wsl_lf_set_add(trivial, name, lf_field, (void *)(uintptr_t)j);
        snprintf(name, sizeof name, "kw_%s", keywords[j]);
        wsl_lf_set_add(keyword, name, lf_keyword, (void *)(uintptr_t)j);
    }
    printf("| LFs | threads | seconds (median of %d) | records/s | ns per (record, LF) | speed-up |\n",
           RUNS);
    printf("|---|---:|---:|---:|---:|---:|\n");
    for (int s = 0; s < 2; s++) {
        const wsl_lf_set *set = s ? keyword : trivial;
        for (int threads = 1; threads <= 2; threads++) {
            t_apply[s][threads - 1] = median_seconds(set, r, n, threads);
            printf("| %s | %d | %.4f | %.3g | %.2f | %.2fx |\n", kind[s], threads,
                   t_apply[s][threads - 1], (double)n / t_apply[s][threads - 1],
                   t_apply[s][threads - 1] * 1e9 / ((double)n * N_LFS),
                   t_apply[s][0] / t_apply[s][threads - 1]);
        }
    }
    printf("\n| LFs | direct loop, ns per call | applier (1 thread), ns per call | applier "
           "overhead, ns per call |\n|---|---:|---:|---:|\n");
    for (int s = 0; s < 2; s++) {
        double direct, calls = (double)n * N_LFS;
        for (size_t j = 0; j < N_LFS; j++)
            direct_fns[j] = s ? lf_keyword : lf_field;
        direct = median_direct(r, n);
        printf("| %s | %.2f | %.2f | %.2f |\n", kind[s], direct * 1e9 / calls,
               t_apply[s][0] * 1e9 / calls, (t_apply[s][0] - direct) * 1e9 / calls);
    }
    wsl_lf_set_free(trivial);
    wsl_lf_set_free(keyword);
    free(r);
    return 0;
}
