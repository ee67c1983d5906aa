/* Shared code of the fuzz targets: byte sources, invariant checks. */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "harness.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fuzz_check(int ok, const char *what, const char *file, int line)
{
    if (ok)
        return;
    fprintf(stderr, "%s:%d: fuzz check failed: %s\nlast error: %s\n", file, line, what,
            wsl_last_error());
    abort();
}

size_t fuzz_chunk(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return 4 + h % 64;
}

static char scratch[64];

const char *fuzz_write_file(const uint8_t *data, size_t size)
{
    struct stat sb;
    int fd;
    size_t done = 0;
    if (!scratch[0])
        snprintf(scratch, sizeof scratch, "%s/wsl-fuzz-%ld",
                 stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp",
                 (long)getpid());
    fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FUZZ_CHECK(fd >= 0);
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        FUZZ_CHECK(w > 0);
        done += (size_t)w;
    }
    FUZZ_CHECK(close(fd) == 0);
    return scratch;
}

int fuzz_open(wsl__reader *r, fuzz_source src, const uint8_t *data, size_t size, size_t chunk)
{
    memset(r, 0, sizeof *r);
    if (src == FUZZ_MEM) {
        wsl__reader_open_mem(r, (const char *)data, size, "fuzz", NULL);
        return 0;
    }
    if (src == FUZZ_FILE) {
        FUZZ_CHECK(wsl__reader_open_file(r, "fuzz", fuzz_write_file(data, size), NULL) ==
                   WSL_OK);
    } else {
        int fds[2];
        long cap;
        size_t done = 0;
        /* The reader keeps a pointer to its name: it must outlive this call. */
        static char path[64];
        FUZZ_CHECK(pipe(fds) == 0);
        cap = fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
        if (cap < 0)
            cap = fcntl(fds[1], F_GETPIPE_SZ);
        if (cap < 0 || size > (size_t)cap) {
            close(fds[0]);
            close(fds[1]);
            return -1;
        }
        while (done < size) {
            ssize_t w = write(fds[1], data + done, size - done);
            FUZZ_CHECK(w > 0);
            done += (size_t)w;
        }
        close(fds[1]);
        snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
        FUZZ_CHECK(wsl__reader_open_file(r, "fuzz", path, NULL) == WSL_OK);
        close(fds[0]); /* the reader holds its own descriptor */
        FUZZ_CHECK(!r->regular);
    }
    r->chunk_size = chunk;
    return 0;
}

void fuzz_close(wsl__reader *r)
{
    wsl__reader_close(r);
}

/* Rows to visit: every row when n * m is small; otherwise evenly spread rows whose cells add
 * up to about 2^22. (Triples may infer a shape of 2^20 x 2^20 that sparse storage holds in
 * memory proportional to the votes; scanning all its cells would only time the harness out.) */
#define FUZZ_SCAN_CELLS ((size_t)1 << 22)

static size_t row_stride(size_t n, size_t m)
{
    size_t cells;
    if (!wsl__mul_size(&cells, n, m))
        return n;
    return cells <= FUZZ_SCAN_CELLS ? 1 : cells / FUZZ_SCAN_CELLS + 1;
}

void fuzz_check_matrix(const wsl_label_matrix *L)
{
    size_t n = wsl_label_matrix_n_points(L), m = wsl_label_matrix_n_sources(L);
    size_t stride = row_stride(n, m);
    int32_t k = wsl_label_matrix_cardinality(L);
    wsl_label_matrix_stats st;
    int32_t *row;
    size_t votes = 0, covered = 0;
    FUZZ_CHECK(L != NULL);
    FUZZ_CHECK(m >= 1);
    FUZZ_CHECK(k >= 1 && k <= WSL_MAX_CARDINALITY);
    FUZZ_CHECK(wsl_label_matrix_stats_get(L, &st) == WSL_OK);
    FUZZ_CHECK(st.n_points == n && st.n_sources == m && st.cardinality == k);
    FUZZ_CHECK(st.n_votes <= st.n_points * st.n_sources && st.n_covered <= st.n_points);
    row = malloc(m * sizeof *row);
    FUZZ_CHECK(row != NULL);
    for (size_t i = 0; i < n; i = i + stride < n || i == n - 1 ? i + stride : n - 1) {
        size_t in_row = 0;
        FUZZ_CHECK(wsl_label_matrix_row(L, i, row, m) == WSL_OK);
        for (size_t j = 0; j < m; j++) {
            FUZZ_CHECK(row[j] >= WSL_ABSTAIN && row[j] < k);
            in_row += row[j] != WSL_ABSTAIN;
        }
        votes += in_row;
        covered += in_row > 0;
    }
    if (stride == 1) {
        FUZZ_CHECK(st.n_votes == votes);
        FUZZ_CHECK(st.n_covered == covered);
    }
    free(row);
}

int fuzz_same_matrix(const wsl_label_matrix *A, const wsl_label_matrix *B)
{
    size_t n = wsl_label_matrix_n_points(A), m = wsl_label_matrix_n_sources(A);
    size_t stride = row_stride(n, m);
    wsl_label_matrix_stats sa, sb;
    int32_t *ra, *rb;
    int same = 1;
    if (n != wsl_label_matrix_n_points(B) || m != wsl_label_matrix_n_sources(B) ||
        wsl_label_matrix_cardinality(A) != wsl_label_matrix_cardinality(B))
        return 0;
    FUZZ_CHECK(wsl_label_matrix_stats_get(A, &sa) == WSL_OK);
    FUZZ_CHECK(wsl_label_matrix_stats_get(B, &sb) == WSL_OK);
    if (sa.n_votes != sb.n_votes || sa.n_covered != sb.n_covered)
        return 0;
    ra = malloc(m * sizeof *ra);
    rb = malloc(m * sizeof *rb);
    FUZZ_CHECK(ra != NULL && rb != NULL);
    for (size_t i = 0; i < n && same; i = i + stride < n || i == n - 1 ? i + stride : n - 1) {
        FUZZ_CHECK(wsl_label_matrix_row(A, i, ra, m) == WSL_OK);
        FUZZ_CHECK(wsl_label_matrix_row(B, i, rb, m) == WSL_OK);
        same = memcmp(ra, rb, m * sizeof *ra) == 0;
    }
    free(ra);
    free(rb);
    return same;
}

static wsl_status read_votes(wsl__reader *r, const wsl_read_options *o, wsl_label_matrix **out)
{
    switch (o->format) {
    case WSL_FORMAT_CSV:
        return wsl__csv_read(r, "fuzz", o, out);
    case WSL_FORMAT_TRIPLES:
        return wsl__triples_read(r, "fuzz", o, out);
    case WSL_FORMAT_NPY:
        return wsl__npy_read_votes(r, "fuzz", o, out);
    case WSL_FORMAT_WRENCH:
        return wsl__wrench_read(r, "fuzz", o, out, NULL);
    default:
        break;
    }
    FUZZ_CHECK(0);
    return WSL_EINTERNAL;
}

/* Write L as format and read it back with its k and shape: the same votes. */
static void round_trip(const wsl_label_matrix *L, wsl_format format)
{
    static char path[80];
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *B = NULL;
    wsl_status st;
    if (!path[0])
        snprintf(path, sizeof path, "%s.out", fuzz_write_file(NULL, 0));
    FUZZ_CHECK(wsl_votes_write(L, path, format) == WSL_OK);
    o.format = format;
    o.cardinality = wsl_label_matrix_cardinality(L);
    o.n_points = wsl_label_matrix_n_points(L);
    o.n_sources = wsl_label_matrix_n_sources(L);
    st = wsl_votes_read(&B, path, &o);
    if (format == WSL_FORMAT_TRIPLES && st == WSL_EFORMAT && o.n_points > 0) {
        /* Triples write one line per vote: a matrix without votes has nothing to read. */
        wsl_label_matrix_stats s;
        FUZZ_CHECK(wsl_label_matrix_stats_get(L, &s) == WSL_OK);
        FUZZ_CHECK(s.n_votes == 0);
    } else if (format == WSL_FORMAT_CSV && st == WSL_EFORMAT &&
               wsl_label_matrix_n_points(L) == 0) {
        /* A matrix without rows is an empty file, which the CSV reader refuses. */
    } else {
        FUZZ_CHECK(st == WSL_OK);
        FUZZ_CHECK(fuzz_same_matrix(L, B));
    }
    wsl_label_matrix_free(B);
    unlink(path);
}

/*
 * Shards (CSV, NPY): read as shards 0..P-1 of the file (P from the input), the rows put end to
 * end are the whole file's; when the whole file fails, the first failing shard fails with the
 * same status and message (the error is in its rows, and the shards before it hold none).
 */
static void shards(const uint8_t *data, size_t size, wsl_format format, size_t chunk)
{
    const char *path = fuzz_write_file(data, size);
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *W = NULL;
    wsl_status whole;
    char msg[512];
    size_t P = 1 + chunk % 5, row = 0, n, m;
    int32_t *a, *b;
    o.format = format;
    whole = wsl_votes_read(&W, path, &o);
    snprintf(msg, sizeof msg, "%s", wsl_last_error());
    if (whole != WSL_OK) {
        for (size_t i = 0; i < P; i++) {
            wsl_label_matrix *S = NULL;
            wsl_status st = wsl_votes_read_shard(&S, path, &o, i, P);
            wsl_label_matrix_free(S);
            if (st != WSL_OK) {
                const char *e = strchr(wsl_last_error(), ':'), *w = strchr(msg, ':');
                FUZZ_CHECK(st == whole);
                FUZZ_CHECK(e != NULL && w != NULL && strcmp(e, w) == 0);
                return;
            }
        }
        FUZZ_CHECK(0); /* no shard found the whole file's error */
    }
    n = wsl_label_matrix_n_points(W);
    m = wsl_label_matrix_n_sources(W);
    o.cardinality = wsl_label_matrix_cardinality(W);
    a = malloc((n * m + 1) * sizeof *a);
    b = malloc((n * m + 1) * sizeof *b);
    FUZZ_CHECK(a != NULL && b != NULL);
    FUZZ_CHECK(wsl_label_matrix_to_buffer(W, a, n * m) == WSL_OK);
    for (size_t i = 0; i < P; i++) {
        wsl_label_matrix *S = NULL;
        size_t ns;
        FUZZ_CHECK(wsl_votes_read_shard(&S, path, &o, i, P) == WSL_OK);
        ns = wsl_label_matrix_n_points(S);
        FUZZ_CHECK(wsl_label_matrix_n_sources(S) == m && row + ns <= n);
        FUZZ_CHECK(wsl_label_matrix_to_buffer(S, b + row * m, ns * m) == WSL_OK);
        row += ns;
        wsl_label_matrix_free(S);
    }
    FUZZ_CHECK(row == n && memcmp(a, b, n * m * sizeof *a) == 0);
    free(a);
    free(b);
    wsl_label_matrix_free(W);
}

void fuzz_votes(const uint8_t *data, size_t size, wsl_format format)
{
    /* One storage for every source (the input picks it): results may depend on the storage
     * (triples refuse a dense shape far larger than the data), never on the source. */
    static const wsl_storage storages[3] = {WSL_STORAGE_AUTO, WSL_STORAGE_SPARSE,
                                            WSL_STORAGE_DENSE};
    wsl_label_matrix *L[FUZZ_N_SOURCES] = {NULL, NULL, NULL};
    wsl_status st[FUZZ_N_SOURCES];
    size_t chunk = fuzz_chunk(data, size);
    const wsl_storage storage = storages[chunk % 3];
    for (int s = 0; s < FUZZ_N_SOURCES; s++) {
        wsl_read_options o = WSL_READ_OPTIONS_INIT;
        wsl__reader r;
        o.format = format;
        o.storage = storage;
        if (s == FUZZ_MEM) {
            st[s] = wsl_votes_read_mem(&L[s], (const char *)data, size, "fuzz", &o);
        } else {
            if (fuzz_open(&r, (fuzz_source)s, data, size, chunk) != 0) {
                st[s] = st[0];
                continue;
            }
            st[s] = read_votes(&r, &o, &L[s]);
            fuzz_close(&r);
        }
        FUZZ_CHECK((st[s] == WSL_OK) == (L[s] != NULL));
        FUZZ_CHECK(st[s] == WSL_OK || st[s] == WSL_EFORMAT || st[s] == WSL_ERANGE);
        FUZZ_CHECK(st[s] == st[0]);
        if (st[s] != WSL_OK) {
            FUZZ_CHECK(wsl_last_error()[0] != '\0');
            continue;
        }
        fuzz_check_matrix(L[s]);
        if (s > 0 && L[s])
            FUZZ_CHECK(fuzz_same_matrix(L[0], L[s]));
    }
    if (L[0])
        round_trip(L[0], format);
    if (format == WSL_FORMAT_CSV || format == WSL_FORMAT_NPY)
        shards(data, size, format, chunk);
    for (int s = 0; s < FUZZ_N_SOURCES; s++)
        wsl_label_matrix_free(L[s]);
}
