/*
 * The C API of libwsl_dist under mpirun (any number of ranks; CTest runs 1, 3 and 4): every
 * rank holds a block of rows of one synthetic label matrix, blocks of uneven size and some
 * empty; the distributed fit, the merged pattern table and the gathered probabilities must
 * equal, byte for byte, those of one process on all rows; failures on one rank must come back
 * on every rank with the failing rank's message. Not a Check suite: Check forks each test,
 * which an MPI process must not do. Exit status 0 when every check passed on every rank.
 */
#include "wsl/dist.h"
#include "wsl/synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size, failures;

#define CHECK(cond)                                                                             \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "rank %d: %s:%d: check failed: %s (last error: %s)\n", rank,        \
                    __FILE__, __LINE__, #cond, wsl_last_error());                               \
            failures++;                                                                         \
        }                                                                                       \
    } while (0)

#define CHECK_OK(expr) CHECK((expr) == WSL_OK)

/* Rows [lo, hi) of L into a new matrix. */
static wsl_label_matrix *rows(const wsl_label_matrix *L, size_t lo, size_t hi)
{
    size_t m = wsl_label_matrix_n_sources(L);
    int32_t *buf = malloc(((hi - lo) * m + 1) * sizeof *buf);
    wsl_label_matrix *S = NULL;
    for (size_t i = lo; i < hi; i++)
        CHECK_OK(wsl_label_matrix_row(L, i, buf + (i - lo) * m, m));
    if (hi > lo)
        CHECK_OK(wsl_label_matrix_from_buffer(&S, buf, hi - lo, m, m,
                                              wsl_label_matrix_cardinality(L), WSL_STORAGE_AUTO,
                                              NULL));
    else
        CHECK_OK(wsl_label_matrix_create(&S, 0, m, wsl_label_matrix_cardinality(L),
                                         WSL_STORAGE_AUTO, NULL));
    free(buf);
    return S;
}

/* Uneven blocks: rank r gets a share growing with r, rank 1 nothing when there are 3+. */
static void block(size_t n, int r, size_t *lo, size_t *hi)
{
    size_t total = 0, before = 0;
    for (int i = 0; i < size; i++) {
        size_t w = (size >= 3 && i == 1) ? 0 : (size_t)i + 1;
        total += w;
        if (i < r)
            before += w;
    }
    {
        size_t w = (size >= 3 && r == 1) ? 0 : (size_t)r + 1;
        *lo = n * before / total;
        *hi = n * (before + w) / total;
    }
}

/* Two files hold the same bytes. */
static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb, ca, cb;
    while (same) {
        ca = getc(fa);
        cb = getc(fb);
        same = ca == cb;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

static void check_model_bytes(const wsl_label_model *a, const wsl_label_model *b)
{
    wsl_buf x = WSL_BUF_INIT, y = WSL_BUF_INIT;
    CHECK_OK(wsl_label_model_save_buf(a, &x));
    CHECK_OK(wsl_label_model_save_buf(b, &y));
    CHECK(x.size == y.size && x.ptr && y.ptr && memcmp(x.ptr, y.ptr, x.size) == 0);
    wsl_buf_dispose(&x);
    wsl_buf_dispose(&y);
}

static void test_fit_and_predict(int32_t k, size_t n, size_t m, uint64_t seed, int root)
{
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL, *S;
    wsl_label_model *ref = NULL, *model = NULL;
    wsl_pattern_table *T = NULL, *merged = NULL, *whole = NULL;
    double *pref, *pl, *all = NULL;
    size_t lo, hi, n_all = 0;
    so.n_points = n;
    so.n_sources = m;
    so.cardinality = k;
    so.seed = seed;
    CHECK_OK(wsl_synth_generate(&L, &so, NULL, 0, NULL, 0, NULL, 0));
    block(n, rank, &lo, &hi);
    S = rows(L, lo, hi);
    /* the reference: one process, all rows */
    CHECK_OK(wsl_label_model_create(&ref, k, NULL));
    CHECK_OK(wsl_label_model_fit(ref, L, NULL));
    CHECK_OK(wsl_dist_fit(&model, k, S, NULL, root, MPI_COMM_WORLD));
    CHECK(model != NULL);
    if (model)
        check_model_bytes(model, ref);
    /* the merged table is the table of all rows */
    CHECK_OK(wsl_pattern_table_create(&T, m, k, NULL));
    CHECK_OK(wsl_pattern_table_add(T, S, NULL, 0));
    CHECK_OK(wsl_dist_patterns_reduce(&merged, T, root, MPI_COMM_WORLD));
    CHECK((merged != NULL) == (rank == root));
    if (rank == root && merged) {
        wsl_buf x = WSL_BUF_INIT, y = WSL_BUF_INIT;
        CHECK_OK(wsl_pattern_table_create(&whole, m, k, NULL));
        CHECK_OK(wsl_pattern_table_add(whole, L, NULL, 0));
        CHECK_OK(wsl_pattern_table_save_buf(merged, &x));
        CHECK_OK(wsl_pattern_table_save_buf(whole, &y));
        CHECK(x.size == y.size && memcmp(x.ptr, y.ptr, x.size) == 0);
        wsl_buf_dispose(&x);
        wsl_buf_dispose(&y);
    }
    /* each rank's rows, gathered in rank order: the probabilities of all rows */
    pref = malloc(n * (size_t)k * sizeof *pref);
    pl = malloc(((hi - lo) * (size_t)k + 1) * sizeof *pl);
    CHECK_OK(wsl_label_model_predict_proba(ref, L, pref, n * (size_t)k, NULL, 0));
    if (model)
        CHECK_OK(wsl_label_model_predict_proba(model, S, pl, (hi - lo) * (size_t)k, NULL, 0));
    CHECK_OK(wsl_dist_probs_gather(&all, &n_all, pl, hi - lo, (size_t)k, root, MPI_COMM_WORLD));
    if (rank == root) {
        CHECK(n_all == n && all != NULL);
        if (all)
            CHECK(memcmp(all, pref, n * (size_t)k * sizeof *all) == 0);
    } else {
        CHECK(all == NULL && n_all == 0);
    }
    /* written by the ranks: CSV printed on each rank, NPY gathered; the bytes of one process */
    {
        static const char *const ext[] = {"csv", "npy"};
        for (int e = 0; e < 2; e++) {
            char ref_path[64], path[64];
            snprintf(ref_path, sizeof ref_path, "/tmp/wsl_dist_api_%d_ref.%s", (int)getppid(),
                     ext[e]);
            snprintf(path, sizeof path, "/tmp/wsl_dist_api_%d.%s", (int)getppid(), ext[e]);
            MPI_Bcast(ref_path, (int)sizeof ref_path, MPI_CHAR, root, MPI_COMM_WORLD);
            MPI_Bcast(path, (int)sizeof path, MPI_CHAR, root, MPI_COMM_WORLD);
            if (rank == root)
                CHECK_OK(wsl_probs_write(pref, n, (size_t)k, ref_path, WSL_FORMAT_AUTO));
            CHECK_OK(wsl_dist_probs_write(pl, hi - lo, (size_t)k, path, WSL_FORMAT_AUTO, root,
                                          MPI_COMM_WORLD));
            if (rank == root) {
                CHECK(same_file(ref_path, path));
                unlink(ref_path);
                unlink(path);
            }
        }
    }
    wsl_array_free(all, NULL);
    free(pref);
    free(pl);
    wsl_pattern_table_free(T);
    wsl_pattern_table_free(merged);
    wsl_pattern_table_free(whole);
    wsl_label_model_free(model);
    wsl_label_model_free(ref);
    wsl_label_matrix_free(S);
    wsl_label_matrix_free(L);
}

/* A failure on one rank comes back on every rank, with that rank's message. */
static void test_errors(void)
{
    wsl_label_matrix *S = NULL;
    wsl_label_model *model = (wsl_label_model *)&model; /* must become NULL */
    wsl_pattern_table *T = NULL, *out = NULL;
    char expect[64];
    int bad = size - 1;
    wsl_status st;
    CHECK_OK(wsl_label_matrix_create(&S, 5, 3, 2, WSL_STORAGE_DENSE, NULL));
    st = wsl_dist_fit(&model, 2, rank == bad ? NULL : S, NULL, 0, MPI_COMM_WORLD);
    CHECK(st == WSL_EINVAL && model == NULL);
    snprintf(expect, sizeof expect, "rank %d: wsl_dist_fit: local is NULL", bad);
    CHECK(size == 1 || strstr(wsl_last_error(), expect) != NULL);
    /* different m on one rank */
    CHECK_OK(wsl_pattern_table_create(&T, rank == bad && size > 1 ? 4 : 3, 2, NULL));
    st = wsl_dist_patterns_reduce(&out, T, 0, MPI_COMM_WORLD);
    if (size > 1) {
        CHECK(st == WSL_EDIM && out == NULL);
        CHECK(strstr(wsl_last_error(), "3 to 4 sources") != NULL);
    } else {
        CHECK(st == WSL_OK && out != NULL);
        wsl_pattern_table_free(out);
        out = NULL;
    }
    /* a root that is no rank */
    st = wsl_dist_patterns_reduce(&out, T, size, MPI_COMM_WORLD);
    CHECK(st == WSL_EINVAL && strstr(wsl_last_error(), "root") != NULL);
    /* no rows anywhere: the fit's own error, from root */
    wsl_pattern_table_free(T);
    CHECK_OK(wsl_pattern_table_create(&T, 3, 2, NULL));
    st = wsl_dist_fit_patterns(&model, 2, T, NULL, 0, MPI_COMM_WORLD);
    CHECK(st == WSL_EINVAL && model == NULL && strstr(wsl_last_error(), "no rows") != NULL);
    /* gathered probabilities with different k */
    {
        double p[4] = {0.5, 0.5, 0.5, 0.5}, *all = NULL;
        size_t n_all = 7;
        st = wsl_dist_probs_gather(&all, &n_all, p, 1, rank == bad && size > 1 ? 4 : 2, 0,
                                   MPI_COMM_WORLD);
        if (size > 1)
            CHECK(st == WSL_EINVAL && all == NULL && n_all == 0);
    }
    wsl_pattern_table_free(T);
    wsl_label_matrix_free(S);
}

/* Shards of one file, in rank order, are its rows; a missing file fails everywhere. */
static void test_read_shard(void)
{
    char path[] = "/tmp/wsl_dist_api_XXXXXX.csv";
    wsl_read_options ro = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *S = NULL;
    long long n_local, n_total = 0;
    wsl_status st;
    if (rank == 0) {
        int fd = mkstemps(path, 4);
        FILE *f = fdopen(fd, "w");
        for (int i = 0; i < 101; i++)
            fprintf(f, "%d,%d,-1\n", i % 2, (i / 2) % 2);
        fclose(f);
    }
    MPI_Bcast(path, (int)sizeof path, MPI_CHAR, 0, MPI_COMM_WORLD);
    ro.cardinality = 2;
    CHECK_OK(wsl_dist_read_shard(&S, path, &ro, MPI_COMM_WORLD));
    n_local = (long long)wsl_label_matrix_n_points(S);
    MPI_Allreduce(&n_local, &n_total, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    CHECK(n_total == 101 && wsl_label_matrix_n_sources(S) == 3);
    wsl_label_matrix_free(S);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        unlink(path);
    st = wsl_dist_read_shard(&S, path, &ro, MPI_COMM_WORLD);
    CHECK(st == WSL_EIO && S == NULL && strstr(wsl_last_error(), path) != NULL);
}

int main(int argc, char **argv)
{
    int all_failures = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    test_fit_and_predict(2, 5000, 10, 1, 0);
    test_fit_and_predict(3, 3000, 7, 2, size - 1);
    test_fit_and_predict(2, 2, 3, 3, 0); /* fewer rows than ranks */
    test_errors();
    test_read_shard();
    MPI_Allreduce(&failures, &all_failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("dist_api_test: %d ranks, %d failed checks\n", size, all_failures);
    MPI_Finalize();
    return all_failures == 0 ? 0 : 1;
}
