/*
 * Shards of a label matrix file: shard i of P is a contiguous block of rows, the blocks of
 * shards 0..P-1 in order covering every row once, so that P processes each read their own
 * part of one file.
 *
 * CSV files are cut by bytes: shard i starts at the first line that starts at or after byte
 * i * size / P (shard 0 at 0) and ends where shard i + 1 starts, so each process reads about
 * size / P bytes and never the rest (plus line 1, for the number of fields, and the lines
 * before its block only to number a line in an error message). Other formats, and CSV that is
 * not a regular file, keep rows [i * n / P, (i + 1) * n / P): a C-order .npy file by reading
 * only their bytes, WRENCH JSON, triples and Fortran-order .npy by reading the whole file.
 */
#include "io_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Seek fp to pos (fseeko: offsets beyond long). */
static wsl_status seek_to(FILE *fp, const char *fn, const char *path, uint64_t pos)
{
    char err[128];
    if (pos > (uint64_t)INT64_MAX || fseeko(fp, (off_t)pos, SEEK_SET) != 0)
        return wsl__error(WSL_EIO, "%s: %s: cannot seek to byte %llu: %s", fn, path,
                          (unsigned long long)pos, wsl__strerror_r(errno, err, sizeof err));
    return WSL_OK;
}

static wsl_status read_error(FILE *fp, const char *fn, const char *path)
{
    char err[128];
    if (ferror(fp))
        return wsl__error(WSL_EIO, "%s: %s: read error: %s", fn, path,
                          wsl__strerror_r(errno, err, sizeof err));
    return wsl__error(WSL_EIO, "%s: %s: the file ended early (was it changed while read?)", fn,
                      path);
}

/*
 * Offset of the first line starting at or after pos: 0 for pos 0, else one past the first
 * '\n' at or after pos - 1, or size when there is none.
 */
static wsl_status line_start(FILE *fp, const char *fn, const char *path, uint64_t size,
                             uint64_t pos, unsigned char *chunk, uint64_t *out)
{
    uint64_t at;
    if (pos == 0 || pos >= size) {
        *out = pos == 0 ? 0 : size;
        return WSL_OK;
    }
    at = pos - 1;
    WSL_TRY(seek_to(fp, fn, path, at));
    while (at < size) {
        size_t want = size - at < WSL__IO_CHUNK ? (size_t)(size - at) : WSL__IO_CHUNK;
        size_t got = fread(chunk, 1, want, fp);
        const unsigned char *nl;
        if (got == 0)
            return read_error(fp, fn, path);
        nl = memchr(chunk, '\n', got);
        if (nl) {
            *out = at + (uint64_t)(nl - chunk) + 1;
            return WSL_OK;
        }
        at += got;
    }
    *out = size;
    return WSL_OK;
}

/* Lines ended before byte end: the number of the line before a shard starting there. */
static wsl_status count_lines(FILE *fp, const char *fn, const char *path, uint64_t end,
                              unsigned char *chunk, size_t *out)
{
    uint64_t at = 0;
    size_t lines = 0;
    WSL_TRY(seek_to(fp, fn, path, 0));
    while (at < end) {
        size_t want = end - at < WSL__IO_CHUNK ? (size_t)(end - at) : WSL__IO_CHUNK;
        size_t got = fread(chunk, 1, want, fp);
        if (got == 0)
            return read_error(fp, fn, path);
        for (size_t i = 0; i < got; i++)
            lines += chunk[i] == '\n';
        at += got;
    }
    *out = lines;
    return WSL_OK;
}

/* The fields of the file's line 1 into *m (0 when the file has no line); a blank line 1 is the
 * error the whole file gives. r is at the start of the file. */
static wsl_status first_line_fields(wsl__reader *r, const char *fn, size_t *m)
{
    const char *line;
    size_t len;
    bool got;
    *m = 0;
    WSL_TRY(wsl__reader_skip_bom(r, fn));
    WSL_TRY(wsl__reader_line(r, fn, &line, &len, &got));
    if (!got)
        return WSL_OK;
    if (wsl__line_blank(line, len))
        return wsl__reader_error(r, fn, 1, WSL_EFORMAT,
                                 "empty line (expected 1 comma-separated votes)");
    *m = wsl__count_fields(line, len);
    return WSL_OK;
}

static wsl_status csv_shard(wsl__reader *r, const char *fn, const char *path,
                            const wsl_read_options *o, size_t shard, size_t n_shards,
                            wsl_label_matrix **out)
{
    uint64_t size = r->file_size, lo, hi, b_lo, b_hi;
    size_t m1 = 0, lines = 0;
    unsigned char *chunk = NULL;
    wsl_status st;

    if ((st = first_line_fields(r, fn, &m1)) != WSL_OK)
        return st;
    /* nominal cuts i * size / P without overflow */
    b_lo = (size / n_shards) * shard + (size % n_shards) * shard / n_shards;
    b_hi = (size / n_shards) * (shard + 1) + (size % n_shards) * (shard + 1) / n_shards;
    chunk = wsl__malloc(&r->a, WSL__IO_CHUNK);
    if (!chunk)
        return WSL_ENOMEM;
    if ((st = line_start(r->fp, fn, path, size, b_lo, chunk, &lo)) != WSL_OK ||
        (st = line_start(r->fp, fn, path, size, shard + 1 == n_shards ? size : b_hi, chunk,
                         &hi)) != WSL_OK)
        goto done;
    if (lo >= hi) { /* no line starts in this shard's bytes */
        if (m1 == 0)
            st = wsl__error(WSL_EFORMAT, "%s: %s: no rows", fn, path);
        else
            st = wsl_label_matrix_create(out, 0, m1, o->cardinality ? o->cardinality : 2,
                                         o->storage, o->alloc);
        goto done;
    }
    /* Parse bytes [lo, hi) straight from the file, a chunk at a time. */
    if ((st = wsl__reader_range(r, fn, lo, hi, 0)) != WSL_OK)
        goto done;
    st = wsl__csv_read_m(r, fn, o, lo > 0 ? m1 : 0, out);
    if (st != WSL_OK && st != WSL_ENOMEM && lo > 0) {
        /* Number the line as in the file: count the lines before the shard, parse again. */
        wsl_status again;
        if ((again = count_lines(r->fp, fn, path, lo, chunk, &lines)) != WSL_OK ||
            (again = wsl__reader_range(r, fn, lo, hi, lines)) != WSL_OK) {
            st = again;
            goto done;
        }
        st = wsl__csv_read_m(r, fn, o, m1, out);
        if (st == WSL_OK) { /* cannot happen: the same bytes parsed twice */
            wsl_label_matrix_free(*out);
            *out = NULL;
            st = wsl__error(WSL_EINTERNAL, "%s: %s: shard %zu parsed differently twice", fn,
                            path, shard);
        }
    }
done:
    wsl__free(&r->a, chunk);
    return st;
}

/* Rows [lo, hi) of L into a new matrix. */
static wsl_status slice_rows(const wsl_label_matrix *L, size_t lo, size_t hi,
                             const wsl_read_options *o, wsl_label_matrix **out)
{
    size_t m = wsl_label_matrix_n_sources(L), cells;
    int32_t k = wsl_label_matrix_cardinality(L);
    wsl_allocator a = wsl__allocator(o->alloc);
    int32_t *buf;
    wsl_status st = WSL_OK;
    if (hi == lo)
        return wsl_label_matrix_create(out, 0, m, k, o->storage, o->alloc);
    if (!wsl__mul_size(&cells, hi - lo, m))
        return WSL_ENOMEM;
    buf = wsl__mallocarray(&a, cells, sizeof *buf);
    if (!buf)
        return WSL_ENOMEM;
    for (size_t i = lo; i < hi && st == WSL_OK; i++)
        st = wsl_label_matrix_row(L, i, buf + (i - lo) * m, m);
    if (st == WSL_OK)
        st = wsl_label_matrix_from_buffer(out, buf, hi - lo, m, m, k, o->storage, o->alloc);
    wsl__free(&a, buf);
    return st;
}

wsl_status wsl_votes_read_shard(wsl_label_matrix **out, const char *path,
                                const wsl_read_options *opts, size_t shard, size_t n_shards)
{
    static const char *const fn = "wsl_votes_read_shard";
    wsl_read_options o;
    wsl__reader r;
    wsl_label_matrix *L = NULL;
    wsl_status st;
    size_t n;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(path != NULL);
    if (n_shards == 0 || shard >= n_shards)
        return wsl__error(WSL_EINVAL, "%s: shard %zu of %zu: shards are numbered 0..n_shards-1",
                          fn, shard, n_shards);
    WSL_TRY(wsl__read_options_resolve(fn, opts, &o));
    if (o.format == WSL_FORMAT_AUTO)
        o.format = wsl_format_from_path(path);
    if (o.format == WSL_FORMAT_CSV) {
        WSL_TRY(wsl__reader_open_file(&r, fn, path, o.alloc));
        if (r.regular) {
            st = csv_shard(&r, fn, path, &o, shard, n_shards, out);
            wsl__reader_close(&r);
            return st;
        }
        wsl__reader_close(&r);
    }
    if (o.format == WSL_FORMAT_NPY) { /* C order: the shard's rows only */
        WSL_TRY(wsl__reader_open_file(&r, fn, path, o.alloc));
        st = wsl__npy_read_votes_shard(&r, fn, &o, shard, n_shards, out);
        wsl__reader_close(&r);
        return st;
    }
    /* Read whole (the message names wsl_votes_read), keep the shard's rows. */
    if ((st = wsl_votes_read(&L, path, &o)) != WSL_OK)
        return st;
    n = wsl_label_matrix_n_points(L);
    st = slice_rows(L, n / n_shards * shard + n % n_shards * shard / n_shards,
                    n / n_shards * (shard + 1) + n % n_shards * (shard + 1) / n_shards, &o, out);
    wsl_label_matrix_free(L);
    return st;
}
