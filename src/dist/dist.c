/*
 * The label model over MPI (libwsl_dist): shards, pattern tables merged up a binary tree, the
 * fit at root, the model broadcast as JSON, probabilities gathered in rank order.
 *
 * Built on libwsl's public API only. Every function is collective and fails on all ranks
 * together (agree()): a rank that fails locally still takes part in every message of the
 * protocol, sending a failure mark in place of data, so no rank waits for one that gave up.
 */
#include "wsl/dist.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bytes per point-to-point message (MPI counts are int). */
#define CHUNK ((size_t)1 << 30)
/* The length a failed rank sends in place of a table. */
#define FAILED UINT64_MAX

/* Return a failed status (already agreed on by every rank). */
#define TRY(expr)                                                                                  \
    do {                                                                                           \
        wsl_status try_st_ = (expr);                                                               \
        if (try_st_ != WSL_OK)                                                                     \
            return try_st_;                                                                        \
    } while (0)

enum { TAG_LEN = 0x5751, TAG_ACK, TAG_DATA, TAG_PROBS };

/*
 * Wait for a request without spinning: MPI implementations busy-poll in blocking calls, and a
 * rank waiting for a slower one (root fitting, a rank still parsing its shard) would take a
 * core from it on a machine with fewer cores than ranks. Polls every 200 us.
 */
static void wait_idle(MPI_Request *req)
{
    int done = 0;
    const struct timespec pause = {0, 200000};
    MPI_Test(req, &done, MPI_STATUS_IGNORE);
    while (!done) {
        nanosleep(&pause, NULL);
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
    }
}

/* One message (status and text) of the failing rank. */
typedef struct failure {
    int status;
    char msg[512];
} failure;

/*
 * Every rank returns the status of the lowest failing rank, and wsl_last_error() becomes its
 * message ("rank R: ..." when there are several ranks). WSL_OK when no rank failed.
 */
static wsl_status agree(wsl_status st, MPI_Comm comm)
{
    int rank, size, mine, first;
    failure f;
    MPI_Request req;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    mine = st != WSL_OK ? rank : INT_MAX;
    MPI_Iallreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm, &req);
    wait_idle(&req);
    if (first == INT_MAX)
        return WSL_OK;
    memset(&f, 0, sizeof f);
    if (rank == first) {
        const char *msg = wsl_last_error();
        f.status = (int)st;
        snprintf(f.msg, sizeof f.msg, "%s", msg && *msg ? msg : wsl_strerror(st));
    }
    MPI_Bcast(&f, (int)sizeof f, MPI_BYTE, first, comm);
    if (size > 1)
        return wsl_set_error((wsl_status)f.status, "rank %d: %s", first, f.msg);
    return wsl_set_error((wsl_status)f.status, "%s", f.msg);
}

wsl_status wsl_dist_agree(wsl_status status, MPI_Comm comm)
{
    return agree(status, comm);
}

static wsl_status check_root(const char *fn, int root, MPI_Comm comm)
{
    int size;
    MPI_Comm_size(comm, &size);
    if (root < 0 || root >= size)
        return wsl_set_error(WSL_EINVAL,
                             "%s: root %d is not a rank of the communicator (ranks "
                             "0..%d)",
                             fn, root, size - 1);
    return WSL_OK;
}

/* ---------------------------------------------------------------- point to point */

/* Send len bytes to dest (FAILED: no data), after dest said it has room for them. */
static void send_bytes(const unsigned char *data, uint64_t len, int dest, MPI_Comm comm)
{
    int ack = 0;
    MPI_Request req;
    MPI_Send(&len, 1, MPI_UINT64_T, dest, TAG_LEN, comm);
    if (len == FAILED)
        return;
    MPI_Irecv(&ack, 1, MPI_INT, dest, TAG_ACK, comm, &req);
    wait_idle(&req); /* dest may still be reading its own shard */
    if (!ack)
        return;
    for (uint64_t off = 0; off < len; off += CHUNK) {
        uint64_t n = len - off < CHUNK ? len - off : CHUNK;
        MPI_Send(data + off, (int)n, MPI_BYTE, dest, TAG_DATA, comm);
    }
}

/*
 * Receive what send_bytes() sends from src: *data (malloc'ed) and *len. WSL_OK with
 * *data NULL when src failed; WSL_ENOMEM when there is no room (src then sends nothing more).
 */
static wsl_status recv_bytes(const char *fn, unsigned char **data, uint64_t *len, int src,
                             MPI_Comm comm)
{
    int ack;
    MPI_Request req;
    *data = NULL;
    MPI_Irecv(len, 1, MPI_UINT64_T, src, TAG_LEN, comm, &req);
    wait_idle(&req); /* src may still be reading its shard */
    if (*len == FAILED)
        return WSL_OK;
    *data = *len <= SIZE_MAX - 1 ? malloc((size_t)*len + 1) : NULL;
    ack = *data != NULL;
    MPI_Send(&ack, 1, MPI_INT, src, TAG_ACK, comm);
    if (!ack)
        return wsl_set_error(WSL_ENOMEM,
                             "%s: no memory for the %llu bytes of rank %d's pattern "
                             "table",
                             fn, (unsigned long long)*len, src);
    for (uint64_t off = 0; off < *len; off += CHUNK) {
        uint64_t n = *len - off < CHUNK ? *len - off : CHUNK;
        MPI_Recv(*data + off, (int)n, MPI_BYTE, src, TAG_DATA, comm, MPI_STATUS_IGNORE);
    }
    return WSL_OK;
}

/* ---------------------------------------------------------------- shards */

static wsl_status dist_read_shard(wsl_label_matrix **out, const char *path,
                                  const wsl_read_options *opts, MPI_Comm comm)
{
    int rank, size;
    wsl_label_matrix *L = NULL;
    wsl_status st;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    if (!out)
        st = wsl_set_error(WSL_EINVAL, "wsl_dist_read_shard: out is NULL");
    else
        st = wsl_votes_read_shard(&L, path, opts, (size_t)rank, (size_t)size);
    if ((st = agree(st, comm)) != WSL_OK) {
        wsl_label_matrix_free(L);
        L = NULL;
    }
    if (out)
        *out = L;
    return st;
}

/* ---------------------------------------------------------------- pattern tables */

/* A table to merge into: a copy of local (merged into an empty one). */
static wsl_status copy_table(wsl_pattern_table **out, const wsl_pattern_table *local)
{
    wsl_status st = wsl_pattern_table_create(out, wsl_pattern_table_n_sources(local),
                                             wsl_pattern_table_cardinality(local), NULL);
    if (st == WSL_OK && (st = wsl_pattern_table_merge(*out, local)) != WSL_OK) {
        wsl_pattern_table_free(*out);
        *out = NULL;
    }
    return st;
}

static wsl_status dist_patterns_reduce(wsl_pattern_table **out, const wsl_pattern_table *local,
                                       int root, MPI_Comm comm)
{
    static const char *const fn = "wsl_dist_patterns_reduce";
    int rank, size, rel, poisoned = 0;
    long long shape[4], all[4];
    wsl_pattern_table *acc = NULL;
    wsl_status st = WSL_OK;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    if (out)
        *out = NULL;
    if (!out || !local)
        st = wsl_set_error(WSL_EINVAL, "%s: %s is NULL", fn, out ? "local" : "out");
    else
        st = check_root(fn, root, comm);
    TRY(agree(st, comm));
    /* The same m and k on every rank: the largest and (negated) smallest of each. */
    shape[0] = (long long)wsl_pattern_table_n_sources(local);
    shape[1] = (long long)wsl_pattern_table_cardinality(local);
    shape[2] = -shape[0];
    shape[3] = -shape[1];
    MPI_Allreduce(shape, all, 4, MPI_LONG_LONG, MPI_MAX, comm);
    if (all[0] != -all[2] || all[1] != -all[3])
        return wsl_set_error(WSL_EDIM,
                             "%s: the ranks' votes differ in shape: %lld to %lld "
                             "sources, %lld to %lld classes",
                             fn, -all[2], all[0], -all[3], all[1]);
    /* Binary tree over the ranks relative to root: in round s, a rank whose bit s is set sends
     * its table to the rank 2^s below and is done; the others merge what they receive. */
    rel = (rank - root + size) % size;
    for (int step = 1; step < size; step <<= 1) {
        if (rel & step) {
            wsl_buf b = WSL_BUF_INIT;
            if (st == WSL_OK && !poisoned)
                st = wsl_pattern_table_save_buf(acc ? acc : local, &b);
            send_bytes((const unsigned char *)b.ptr, st == WSL_OK && !poisoned ? b.size : FAILED,
                       (rel - step + root) % size, comm);
            wsl_buf_dispose(&b);
            break;
        }
        if (rel + step < size) {
            int src = (rel + step + root) % size;
            unsigned char *data = NULL;
            uint64_t len = 0;
            wsl_status rs = recv_bytes(fn, &data, &len, src, comm);
            if (st == WSL_OK)
                st = rs;
            if (rs == WSL_OK && !data)
                poisoned = 1; /* src or a rank below it failed: their message, in agree() */
            if (st == WSL_OK && !poisoned && !acc)
                st = copy_table(&acc, local);
            if (st == WSL_OK && !poisoned) {
                wsl_pattern_table *T = NULL;
                char name[64];
                snprintf(name, sizeof name, "the pattern table of rank %d", src);
                st = wsl_pattern_table_load_buf(&T, data, (size_t)len, name, NULL);
                if (st == WSL_OK)
                    st = wsl_pattern_table_merge(acc, T);
                wsl_pattern_table_free(T);
            }
            free(data);
        }
    }
    if (st == WSL_OK && !poisoned && rank == root && !acc)
        st = copy_table(&acc, local); /* one rank */
    if ((st = agree(st, comm)) != WSL_OK || rank != root) {
        wsl_pattern_table_free(acc);
        return st;
    }
    *out = acc;
    return WSL_OK;
}

/* ---------------------------------------------------------------- the fit */

/* Broadcast root's bytes (len known at root) to every rank; *data malloc'ed on the others. */
static wsl_status bcast_bytes(const char *fn, char **data, uint64_t *len, int root, MPI_Comm comm)
{
    int rank;
    wsl_status st = WSL_OK;
    MPI_Comm_rank(comm, &rank);
    MPI_Bcast(len, 1, MPI_UINT64_T, root, comm);
    if (rank != root) {
        *data = *len <= SIZE_MAX - 1 ? malloc((size_t)*len + 1) : NULL;
        if (!*data)
            st = wsl_set_error(WSL_ENOMEM, "%s: no memory for the %llu bytes of the model", fn,
                               (unsigned long long)*len);
    }
    if ((st = agree(st, comm)) != WSL_OK) {
        if (rank != root) {
            free(*data);
            *data = NULL;
        }
        return st;
    }
    for (uint64_t off = 0; off < *len; off += CHUNK) {
        uint64_t n = *len - off < CHUNK ? *len - off : CHUNK;
        MPI_Bcast(*data + off, (int)n, MPI_BYTE, root, comm);
    }
    return WSL_OK;
}

static wsl_status dist_fit_patterns(wsl_label_model **out, int32_t k,
                                    const wsl_pattern_table *local, const wsl_fit_options *opts,
                                    int root, MPI_Comm comm)
{
    static const char *const fn = "wsl_dist_fit_patterns";
    int rank;
    wsl_pattern_table *T = NULL;
    wsl_label_model *model = NULL;
    wsl_buf json = WSL_BUF_INIT;
    char *data = NULL;
    uint64_t len = 0;
    wsl_status st = WSL_OK;
    MPI_Comm_rank(comm, &rank);
    if (out)
        *out = NULL;
    else
        st = wsl_set_error(WSL_EINVAL, "%s: out is NULL", fn);
    TRY(agree(st, comm));
    TRY(dist_patterns_reduce(&T, local, root, comm));
    if (rank == root) {
        if ((st = wsl_label_model_create(&model, k, NULL)) == WSL_OK &&
            (st = wsl_label_model_fit_patterns(model, T, opts)) == WSL_OK &&
            (st = wsl_label_model_save_buf(model, &json)) == WSL_OK) {
            data = json.ptr;
            len = json.size;
        }
    }
    wsl_pattern_table_free(T);
    if ((st = agree(st, comm)) != WSL_OK ||
        (st = bcast_bytes(fn, &data, &len, root, comm)) != WSL_OK)
        goto done;
    if (rank != root)
        st = wsl_label_model_load_buf(&model, data, (size_t)len, NULL);
    st = agree(st, comm);
done:
    if (rank != root)
        free(data);
    wsl_buf_dispose(&json);
    if (st != WSL_OK) {
        wsl_label_model_free(model);
        return st;
    }
    *out = model;
    return WSL_OK;
}

static wsl_status dist_fit(wsl_label_model **out, int32_t k, const wsl_label_matrix *local,
                           const wsl_fit_options *opts, int root, MPI_Comm comm)
{
    static const char *const fn = "wsl_dist_fit";
    wsl_pattern_table *T = NULL;
    wsl_status st = WSL_OK;
    if (out)
        *out = NULL;
    if (!out || !local)
        st = wsl_set_error(WSL_EINVAL, "%s: %s is NULL", fn, out ? "local" : "out");
    else if (opts && opts->gold)
        st = wsl_set_error(WSL_EINVAL, "%s: opts->gold is not supported across ranks", fn);
    else if ((st = wsl_pattern_table_create(&T, wsl_label_matrix_n_sources(local),
                                            wsl_label_matrix_cardinality(local), NULL)) == WSL_OK)
        st = wsl_pattern_table_add(T, local, NULL, 0);
    if ((st = agree(st, comm)) == WSL_OK)
        st = dist_fit_patterns(out, k, T, opts, root, comm);
    wsl_pattern_table_free(T);
    return st;
}

/* ---------------------------------------------------------------- probabilities */

/* The same k on every rank (checked after an agree: every rank gets here). */
static wsl_status same_k(const char *fn, size_t k, MPI_Comm comm)
{
    uint64_t kk[2], kall[2];
    kk[0] = k;
    kk[1] = UINT64_MAX - k;
    MPI_Allreduce(kk, kall, 2, MPI_UINT64_T, MPI_MAX, comm);
    if (kall[0] != UINT64_MAX - kall[1])
        return wsl_set_error(WSL_EINVAL,
                             "%s: the ranks' probabilities have %llu to %llu "
                             "classes",
                             fn, (unsigned long long)(UINT64_MAX - kall[1]),
                             (unsigned long long)kall[0]);
    return WSL_OK;
}

static wsl_status dist_probs_gather(double **out, size_t *n_out, const double *probs,
                                    size_t n_local, size_t k, int root, MPI_Comm comm)
{
    static const char *const fn = "wsl_dist_probs_gather";
    int rank, size;
    uint64_t mine[2], *counts = NULL, total = 0;
    double *all = NULL;
    wsl_status st = WSL_OK;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    if (out)
        *out = NULL;
    if (n_out)
        *n_out = 0;
    if (!out || !n_out || (!probs && n_local > 0))
        st = wsl_set_error(WSL_EINVAL, "%s: %s is NULL", fn,
                           !out     ? "out"
                           : !n_out ? "n_out"
                                    : "probs");
    else if (k < 1)
        st = wsl_set_error(WSL_EINVAL, "%s: k is 0", fn);
    else if ((st = check_root(fn, root, comm)) == WSL_OK && rank == root) {
        counts = malloc((size_t)size * sizeof *counts);
        if (!counts)
            st = WSL_ENOMEM;
    }
    TRY(agree(st, comm));
    if ((st = same_k(fn, k, comm)) != WSL_OK) {
        free(counts);
        return st;
    }
    mine[0] = n_local;
    MPI_Gather(mine, 1, MPI_UINT64_T, counts, 1, MPI_UINT64_T, root, comm);
    if (rank == root) {
        for (int r = 0; r < size; r++)
            total += counts[r];
        if (total > SIZE_MAX / k || total * k > SIZE_MAX / sizeof *all)
            st = wsl_set_error(WSL_ENOMEM, "%s: %llu x %zu probabilities do not fit in memory", fn,
                               (unsigned long long)total, k);
        else if (!(all = malloc((total ? (size_t)total : 1) * k * sizeof *all)))
            st = wsl_set_error(WSL_ENOMEM,
                               "%s: no memory for %llu x %zu probabilities at rank "
                               "%d",
                               fn, (unsigned long long)total, k, root);
    }
    if ((st = agree(st, comm)) != WSL_OK) {
        free(counts);
        free(all);
        return st;
    }
    /* Doubles per message: CHUNK bytes. */
    if (rank == root) {
        size_t at = 0;
        for (int r = 0; r < size; r++) {
            size_t n = (size_t)counts[r] * k;
            if (r == root) {
                if (n)
                    memcpy(all + at, probs, n * sizeof *all);
            } else {
                for (size_t off = 0; off < n; off += CHUNK / sizeof *all) {
                    size_t c = n - off < CHUNK / sizeof *all ? n - off : CHUNK / sizeof *all;
                    MPI_Recv(all + at + off, (int)c, MPI_DOUBLE, r, TAG_PROBS, comm,
                             MPI_STATUS_IGNORE);
                }
            }
            at += n;
        }
        *out = all;
        *n_out = (size_t)total;
    } else {
        size_t n = n_local * k;
        for (size_t off = 0; off < n; off += CHUNK / sizeof *probs) {
            size_t c = n - off < CHUNK / sizeof *probs ? n - off : CHUNK / sizeof *probs;
            MPI_Send(probs + off, (int)c, MPI_DOUBLE, root, TAG_PROBS, comm);
        }
    }
    free(counts);
    return WSL_OK;
}

/* Every rank's bytes at root, in rank order: *out (malloc'ed, NUL-terminated) on root. */
static wsl_status gather_bytes(const char *fn, const char *data, size_t len, char **out,
                               size_t *out_len, int root, MPI_Comm comm)
{
    int rank, size;
    uint64_t mine = len, *counts = NULL, total = 0;
    char *all = NULL;
    wsl_status st = WSL_OK;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    if (rank == root && !(counts = malloc((size_t)size * sizeof *counts)))
        st = WSL_ENOMEM;
    TRY(agree(st, comm));
    MPI_Gather(&mine, 1, MPI_UINT64_T, counts, 1, MPI_UINT64_T, root, comm);
    if (rank == root) {
        for (int r = 0; r < size; r++)
            total += counts[r];
        if (total > SIZE_MAX - 1 || !(all = malloc((size_t)total + 1)))
            st = wsl_set_error(WSL_ENOMEM, "%s: no memory for %llu bytes at rank %d", fn,
                               (unsigned long long)total, root);
    }
    if ((st = agree(st, comm)) != WSL_OK) {
        free(counts);
        return st;
    }
    if (rank == root) {
        size_t at = 0;
        for (int r = 0; r < size; r++) {
            size_t n = (size_t)counts[r];
            if (r == root) {
                if (n)
                    memcpy(all + at, data, n);
            } else {
                for (size_t off = 0; off < n; off += CHUNK) {
                    size_t c = n - off < CHUNK ? n - off : CHUNK;
                    MPI_Recv(all + at + off, (int)c, MPI_BYTE, r, TAG_DATA, comm,
                             MPI_STATUS_IGNORE);
                }
            }
            at += n;
        }
        all[at] = '\0';
        *out = all;
        *out_len = at;
    } else {
        for (size_t off = 0; off < len; off += CHUNK) {
            size_t c = len - off < CHUNK ? len - off : CHUNK;
            MPI_Send(data + off, (int)c, MPI_BYTE, root, TAG_DATA, comm);
        }
    }
    free(counts);
    return WSL_OK;
}

static wsl_status dist_probs_write(const double *probs, size_t n_local, size_t k, const char *path,
                                   wsl_format format, int root, MPI_Comm comm)
{
    static const char *const fn = "wsl_dist_probs_write";
    double *all = NULL;
    size_t n = 0;
    int rank;
    wsl_status st = WSL_OK;
    MPI_Comm_rank(comm, &rank);
    if (!path)
        st = wsl_set_error(WSL_EINVAL, "%s: path is NULL", fn);
    else if (!probs && n_local > 0)
        st = wsl_set_error(WSL_EINVAL, "%s: probs is NULL", fn);
    else
        st = check_root(fn, root, comm);
    TRY(agree(st, comm));
    if (format == WSL_FORMAT_AUTO)
        format = wsl_format_from_path(path);
    if (format == WSL_FORMAT_CSV) {
        /* Each rank prints its own rows (printing doubles to round-trip is most of the cost);
         * root puts the texts end to end and writes them. */
        wsl_buf text = WSL_BUF_INIT;
        char *bytes = NULL;
        size_t len = 0;
        TRY(same_k(fn, k, comm));
        st = wsl_probs_write_buf(probs, n_local, k, WSL_FORMAT_CSV, &text);
        if ((st = agree(st, comm)) == WSL_OK &&
            (st = gather_bytes(fn, text.ptr, text.size, &bytes, &len, root, comm)) == WSL_OK) {
            if (rank == root)
                st = wsl_bytes_write(bytes, len, path);
            st = agree(st, comm);
        }
        wsl_buf_dispose(&text);
        free(bytes);
        return st;
    }
    TRY(dist_probs_gather(&all, &n, probs, n_local, k, root, comm));
    if (rank == root)
        st = wsl_probs_write(all, n, k, path, format);
    free(all);
    return agree(st, comm);
}

/* ---------------------------------------------------------------- entry points */

/*
 * Each entry point works on a duplicate of the caller's communicator, so that its messages
 * never match a receive the calling program has posted (MPI_ANY_TAG, MPI_ANY_SOURCE).
 */
#define ON_DUP(comm, call)                                                                         \
    do {                                                                                           \
        MPI_Comm dup_;                                                                             \
        wsl_status dup_st_;                                                                        \
        MPI_Comm_dup((comm), &dup_);                                                               \
        dup_st_ = call;                                                                            \
        MPI_Comm_free(&dup_);                                                                      \
        return dup_st_;                                                                            \
    } while (0)

wsl_status wsl_dist_read_shard(wsl_label_matrix **out, const char *path,
                               const wsl_read_options *opts, MPI_Comm comm)
{
    ON_DUP(comm, dist_read_shard(out, path, opts, dup_));
}

wsl_status wsl_dist_patterns_reduce(wsl_pattern_table **out, const wsl_pattern_table *local,
                                    int root, MPI_Comm comm)
{
    ON_DUP(comm, dist_patterns_reduce(out, local, root, dup_));
}

wsl_status wsl_dist_fit_patterns(wsl_label_model **out, int32_t k, const wsl_pattern_table *local,
                                 const wsl_fit_options *opts, int root, MPI_Comm comm)
{
    ON_DUP(comm, dist_fit_patterns(out, k, local, opts, root, dup_));
}

wsl_status wsl_dist_fit(wsl_label_model **out, int32_t k, const wsl_label_matrix *local,
                        const wsl_fit_options *opts, int root, MPI_Comm comm)
{
    ON_DUP(comm, dist_fit(out, k, local, opts, root, dup_));
}

wsl_status wsl_dist_probs_gather(double **out, size_t *n_out, const double *probs, size_t n_local,
                                 size_t k, int root, MPI_Comm comm)
{
    ON_DUP(comm, dist_probs_gather(out, n_out, probs, n_local, k, root, dup_));
}

wsl_status wsl_dist_probs_write(const double *probs, size_t n_local, size_t k, const char *path,
                                wsl_format format, int root, MPI_Comm comm)
{
    ON_DUP(comm, dist_probs_write(probs, n_local, k, path, format, root, dup_));
}
