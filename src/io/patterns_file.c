/*
 * Pattern tables on disk: the sufficient statistics of a fit, for partial fits (add more
 * votes later and refit) and for merging tables built on several machines or streams.
 *
 * Binary, little-endian, versioned:
 *   magic  "WSLPAT" 0x01 '\n'                      (8 bytes; 0x01 is the format version)
 *   u64 m, u64 k, u64 n_patterns, u64 n_rows
 *   n_patterns times: u64 count (>= 1), u32 nnz (<= m), nnz times (u32 column, i32 vote)
 *                     with columns strictly increasing, votes in 0..k-1
 * The sum of the counts is n_rows; every pattern appears once.
 */
#include "io_internal.h"
#include "votes/patterns_impl.h"

#include <string.h>

static const unsigned char MAGIC[8] = {'W', 'S', 'L', 'P', 'A', 'T', 0x01, '\n'};

static void put_u64(wsl__out *o, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    wsl__out_bytes(o, b, 8);
}

static void put_u32(wsl__out *o, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    wsl__out_bytes(o, b, 4);
}

wsl_status wsl_pattern_table_save(const wsl_pattern_table *T, const char *path)
{
    wsl__out o;
    WSL_CHECK_ARG(T != NULL);
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl__out_open(&o, __func__, path, &T->alloc));
    wsl__out_bytes(&o, MAGIC, sizeof MAGIC);
    put_u64(&o, T->m);
    put_u64(&o, (uint64_t)T->k);
    put_u64(&o, T->n);
    put_u64(&o, T->total);
    /* Canonical order: the same table gives the same bytes however it was built. */
    {
        size_t *order = wsl__mallocarray(&T->alloc, T->n ? T->n : 1, sizeof *order);
        if (!order) {
            wsl__out_abort(&o);
            return WSL_ENOMEM;
        }
        wsl__patterns_canonical_order(T, order);
        for (size_t i = 0; i < T->n && !wsl__out_failed(&o); i++) {
            size_t p = order[i];
            put_u64(&o, T->counts[p]);
            put_u32(&o, (uint32_t)(T->start[p + 1] - T->start[p]));
            for (size_t e = T->start[p]; e < T->start[p + 1]; e++) {
                put_u32(&o, T->cols[e]);
                put_u32(&o, (uint32_t)T->vals[e]);
            }
        }
        wsl__free(&T->alloc, order);
    }
    return wsl__out_commit(&o);
}

static unsigned char *put_le(unsigned char *b, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    return b + bytes;
}

wsl_status wsl_pattern_table_save_buf(const wsl_pattern_table *T, wsl_buf *out)
{
    size_t size, body, *order;
    unsigned char *buf, *b;
    WSL_CHECK_ARG(out != NULL);
    out->ptr = NULL;
    out->size = 0;
    memset(&out->alloc_, 0, sizeof out->alloc_);
    WSL_CHECK_ARG(T != NULL);
    /* 40 header bytes, 12 per pattern, 8 per vote, and the NUL of a wsl_buf */
    if (!wsl__mul_size(&size, T->n, 12) || !wsl__mul_size(&body, T->n_votes, 8) ||
        size > SIZE_MAX - body - 41)
        return wsl__error(WSL_ENOMEM, "%s: %zu patterns with %zu votes do not fit in memory",
                          __func__, T->n, T->n_votes);
    size += body + 40;
    order = wsl__mallocarray(&T->alloc, T->n ? T->n : 1, sizeof *order);
    buf = wsl__malloc(&T->alloc, size + 1);
    if (!order || !buf) {
        wsl__free(&T->alloc, order);
        wsl__free(&T->alloc, buf);
        return WSL_ENOMEM;
    }
    memcpy(buf, MAGIC, sizeof MAGIC);
    b = buf + sizeof MAGIC;
    b = put_le(b, T->m, 8);
    b = put_le(b, (uint64_t)T->k, 8);
    b = put_le(b, T->n, 8);
    b = put_le(b, T->total, 8);
    wsl__patterns_canonical_order(T, order);
    for (size_t i = 0; i < T->n; i++) {
        size_t p = order[i];
        b = put_le(b, T->counts[p], 8);
        b = put_le(b, T->start[p + 1] - T->start[p], 4);
        for (size_t e = T->start[p]; e < T->start[p + 1]; e++) {
            b = put_le(b, T->cols[e], 4);
            b = put_le(b, (uint32_t)T->vals[e], 4);
        }
    }
    *b = '\0';
    wsl__free(&T->alloc, order);
    out->ptr = (char *)buf;
    out->size = size;
    out->alloc_ = T->alloc;
    return WSL_OK;
}

/* Exactly n bytes, or a format error naming what was cut. */
static wsl_status get_bytes(wsl__reader *r, const char *fn, void *dst, size_t n, const char *what)
{
    size_t got = 0;
    WSL_TRY(wsl__reader_read(r, fn, dst, n, &got));
    if (got != n)
        return wsl__error(WSL_EFORMAT, "%s: %s: the file ends inside %s", fn, r->name, what);
    return WSL_OK;
}

static uint64_t le64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static wsl_status read_table(wsl__reader *r, const char *fn, const wsl_allocator *alloc,
                             wsl_pattern_table **out)
{
    unsigned char head[40], buf[12];
    uint64_t m, k, n, rows, sum = 0, remaining;
    size_t cap = 0; /* of cols and vals */
    uint32_t *cols = NULL;
    int32_t *vals = NULL;
    wsl_pattern_table *T = NULL;
    wsl_status st;
    WSL_TRY(get_bytes(r, fn, head, sizeof head, "the header"));
    if (memcmp(head, MAGIC, 6) != 0)
        return wsl__error(WSL_EFORMAT, "%s: %s is not a libwsl pattern table", fn, r->name);
    if (head[6] != MAGIC[6] || head[7] != MAGIC[7])
        return wsl__error(WSL_EFORMAT, "%s: %s: unknown pattern table version %u (this library "
                                       "reads %u)", fn, r->name, head[6], MAGIC[6]);
    m = le64(head + 8);
    k = le64(head + 16);
    n = le64(head + 24);
    rows = le64(head + 32);
    if (m < 1 || m > UINT32_MAX || k < 1 || k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EFORMAT, "%s: %s: m = %llu or k = %llu is out of range", fn,
                          r->name, (unsigned long long)m, (unsigned long long)k);
    /* Every pattern takes at least 12 bytes: a claimed count the file cannot hold is refused
     * before anything is allocated. */
    if (wsl__reader_remaining(r, &remaining) && n > remaining / 12)
        return wsl__error(WSL_EFORMAT, "%s: %s claims %llu patterns in %llu bytes", fn, r->name,
                          (unsigned long long)n, (unsigned long long)remaining);
    WSL_TRY(wsl_pattern_table_create(&T, (size_t)m, (int32_t)k, alloc));
    for (uint64_t i = 0; i < n; i++) {
        uint64_t count;
        uint32_t nnz;
        size_t before = T->n, p;
        if ((st = get_bytes(r, fn, buf, 12, "a pattern")) != WSL_OK)
            goto done;
        count = le64(buf);
        nnz = le32(buf + 8);
        if (count == 0 || nnz > m || count > UINT64_MAX - sum) {
            st = wsl__error(WSL_EFORMAT, "%s: %s: pattern %llu has count %llu and %lu votes "
                                         "(m = %llu)", fn, r->name, (unsigned long long)i,
                            (unsigned long long)count, (unsigned long)nnz, (unsigned long long)m);
            goto done;
        }
        for (uint32_t e = 0; e < nnz; e++) {
            uint32_t c;
            int32_t v;
            if ((st = get_bytes(r, fn, buf, 8, "a pattern's votes")) != WSL_OK)
                goto done;
            if (e == cap) { /* the scratch grows with the votes read, not with a claimed m */
                size_t c2 = cap < 8 ? 16 : 2 * cap;
                uint32_t *nc;
                int32_t *nv;
                if (c2 > m)
                    c2 = (size_t)m;
                if (!(nc = wsl__reallocarray(&T->alloc, cols, c2, sizeof *nc))) {
                    st = WSL_ENOMEM;
                    goto done;
                }
                cols = nc;
                if (!(nv = wsl__reallocarray(&T->alloc, vals, c2, sizeof *nv))) {
                    st = WSL_ENOMEM;
                    goto done;
                }
                vals = nv;
                cap = c2;
            }
            c = le32(buf);
            v = (int32_t)le32(buf + 4);
            if (c >= m || (e > 0 && c <= cols[e - 1]) || v < 0 || (uint64_t)v >= k) {
                st = wsl__error(WSL_EFORMAT, "%s: %s: pattern %llu: vote %ld of source %lu is "
                                             "out of order or out of range", fn, r->name,
                                (unsigned long long)i, (long)v, (unsigned long)c);
                goto done;
            }
            cols[e] = c;
            vals[e] = v;
        }
        if ((st = wsl__patterns_insert(T, cols, vals, nnz, count, &p)) != WSL_OK)
            goto done;
        if (T->n == before) {
            st = wsl__error(WSL_EFORMAT, "%s: %s: pattern %llu appears twice", fn, r->name,
                            (unsigned long long)i);
            goto done;
        }
        sum += count;
    }
    if (sum != rows) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: the counts add up to %llu rows, the header says "
                                     "%llu", fn, r->name, (unsigned long long)sum,
                        (unsigned long long)rows);
        goto done;
    }
    {
        size_t got = 0;
        if ((st = wsl__reader_read(r, fn, buf, 1, &got)) != WSL_OK)
            goto done;
        if (got != 0) {
            st = wsl__error(WSL_EFORMAT, "%s: %s: bytes after the last pattern", fn, r->name);
            goto done;
        }
    }
done:
    if (T) {
        wsl__free(&T->alloc, cols);
        wsl__free(&T->alloc, vals);
    }
    if (st != WSL_OK) {
        wsl_pattern_table_free(T);
        return st;
    }
    *out = T;
    return WSL_OK;
}

wsl_status wsl_pattern_table_load(wsl_pattern_table **out, const char *path,
                                  const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl__reader r;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl__reader_open_file(&r, __func__, path, &a));
    st = read_table(&r, __func__, alloc, out);
    wsl__reader_close(&r);
    return st;
}

wsl_status wsl_pattern_table_load_buf(wsl_pattern_table **out, const void *data, size_t len,
                                      const char *name, const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl__reader r;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(data != NULL || len == 0);
    wsl__reader_open_mem(&r, data ? (const char *)data : "", len, name, &a);
    st = read_table(&r, __func__, alloc, out);
    wsl__reader_close(&r);
    return st;
}
