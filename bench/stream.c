/*
 * Streaming fit: N records (default 100,000,000) of m = 10 sources, k = 2, generated on the fly
 * in chunks of 1,000,000 rows and added to one pattern table, never held in memory; then the
 * fit on the table, a partial fit (the table saved, loaded, and the last chunk's worth of new
 * votes added), and the peak resident memory. Sources: accuracies 0.55-0.9, coverage 0.5.
 *
 * usage: stream [N] [OUT.pat]   (OUT.pat defaults to /tmp/wsl_stream.pat, removed at the end)
 */
#include "wsl/wsl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define M 10
#define CHUNK 1000000

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

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double uniform(uint64_t *s)
{
    return (double)(next(s) >> 11) / 9007199254740992.0;
}

/* One chunk of rows from the fixed population of sources. */
static void fill(int32_t *buf, size_t rows, const double *acc, uint64_t *rng)
{
    for (size_t i = 0; i < rows; i++) {
        int32_t y = uniform(rng) < 0.5;
        for (size_t j = 0; j < M; j++)
            buf[i * M + j] = uniform(rng) < 0.5 ? (uniform(rng) < acc[j] ? y : 1 - y) : -1;
    }
}

static long peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024; /* Linux: KiB */
}

int main(int argc, char **argv)
{
    unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000ULL;
    const char *path = argc > 2 ? argv[2] : "/tmp/wsl_stream.pat";
    double acc[M], t0, t_add, t_fit, t_save, t_partial;
    int32_t *buf = malloc((size_t)CHUNK * M * sizeof *buf);
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    wsl_pattern_table *T = NULL, *back = NULL;
    wsl_label_model *model = NULL;
    wsl_fit_report rep;
    if (!buf || n == 0) {
        fprintf(stderr, "usage: stream [N >= 1] [OUT.pat]\n");
        return 2;
    }
    for (size_t j = 0; j < M; j++)
        acc[j] = 0.55 + 0.35 * (double)j / (M - 1);
    CHECK(wsl_pattern_table_create(&T, M, 2, NULL));
    t0 = now();
    for (unsigned long long done = 0; done < n; done += CHUNK) {
        size_t rows = n - done < CHUNK ? (size_t)(n - done) : CHUNK;
        wsl_label_matrix *L = NULL;
        fill(buf, rows, acc, &rng);
        CHECK(wsl_label_matrix_from_buffer(&L, buf, rows, M, M, 2, WSL_STORAGE_DENSE, NULL));
        CHECK(wsl_pattern_table_add(T, L, NULL, 0));
        wsl_label_matrix_free(L);
    }
    t_add = now() - t0;
    CHECK(wsl_label_model_create(&model, 2, NULL));
    t0 = now();
    CHECK(wsl_label_model_fit_patterns(model, T, NULL));
    t_fit = now() - t0;
    CHECK(wsl_label_model_report(model, &rep));
    t0 = now();
    CHECK(wsl_pattern_table_save(T, path));
    CHECK(wsl_pattern_table_load(&back, path, NULL));
    t_save = now() - t0;
    t0 = now();
    {
        wsl_label_matrix *L = NULL;
        fill(buf, CHUNK, acc, &rng);
        CHECK(wsl_label_matrix_from_buffer(&L, buf, CHUNK, M, M, 2, WSL_STORAGE_DENSE, NULL));
        CHECK(wsl_pattern_table_add(back, L, NULL, 0));
        wsl_label_matrix_free(L);
        CHECK(wsl_label_model_fit_patterns(model, back, NULL));
    }
    t_partial = now() - t0;
    printf("| rows | patterns | stream + add (s) | rows/s | fit (s) | save + load (s) | partial "
           "fit: +1M rows + refit (s) | peak RSS (MiB) |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    printf("| %llu | %zu | %.2f | %.3g | %.3f | %.3f | %.3f | %ld |\n", n,
           wsl_pattern_table_n_patterns(T), t_add, (double)n / t_add, t_fit, t_save, t_partial,
           peak_rss_mib());
    fprintf(stderr, "(fit: %d iterations, converged %d)\n", rep.iterations, rep.converged);
    remove(path);
    wsl_label_model_free(model);
    wsl_pattern_table_free(T);
    wsl_pattern_table_free(back);
    free(buf);
    return 0;
}
