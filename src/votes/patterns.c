#include "patterns_impl.h"
#include "row_keys.h"

#include "label_matrix_impl.h"

#include <stdlib.h>
#include <pthread.h>
#include <string.h>

wsl_status wsl_pattern_table_create(wsl_pattern_table **out, size_t m, int32_t k,
                                    const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl_pattern_table *T;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    if (m == 0 || m > UINT32_MAX)
        return wsl__error(WSL_EINVAL, "%s: m (sources) must be in 1..%lu (got %zu)", __func__,
                          (unsigned long)UINT32_MAX, m);
    if (k < 1 || k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EINVAL, "%s: k (classes) must be in 1..%d (got %ld)", __func__,
                          WSL_MAX_CARDINALITY, (long)k);
    T = wsl__calloc(&a, 1, sizeof *T);
    if (!T)
        return WSL_ENOMEM;
    T->alloc = a;
    T->m = m;
    T->k = k;
    T->start = wsl__calloc(&a, 1, sizeof *T->start);
    if (!T->start) {
        wsl__free(&a, T);
        return WSL_ENOMEM;
    }
    *out = T;
    return WSL_OK;
}

void wsl_pattern_table_free(wsl_pattern_table *T)
{
    if (!T)
        return;
    wsl_allocator a = T->alloc;
    wsl__free(&a, T->start);
    wsl__free(&a, T->counts);
    wsl__free(&a, T->hashes);
    wsl__free(&a, T->cols);
    wsl__free(&a, T->vals);
    wsl__free(&a, T->slots);
    wsl__free(&a, T);
}

/*
 * A pattern's hash: the sum of its votes' mixes, mixed. The votes' mixes do not wait on each
 * other (a chain of mixes would cost the mix's latency a vote), and a dense row is hashed by
 * looking its cells up in a table of mixes (hash_row), with no list of votes made first.
 */
static inline uint64_t vote_mix(uint32_t col, int32_t val)
{
    return wsl__splitmix64(((uint64_t)col << 32) | (uint32_t)val);
}

static inline uint64_t hash_finish(uint64_t sum)
{
    return wsl__splitmix64(sum ^ 0x243f6a8885a308d3ULL);
}

static uint64_t hash_votes(const uint32_t *cols, const int32_t *vals, size_t nnz)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < nnz; i++)
        sum += vote_mix(cols[i], vals[i]);
    return hash_finish(sum);
}

static wsl_status rehash(wsl_pattern_table *T, size_t n_slots)
{
    size_t *slots = wsl__calloc(&T->alloc, n_slots, sizeof *slots);
    if (!slots)
        return WSL_ENOMEM;
    for (size_t p = 0; p < T->n; p++) {
        size_t s = (size_t)T->hashes[p] & (n_slots - 1);
        while (slots[s])
            s = (s + 1) & (n_slots - 1);
        slots[s] = p + 1;
    }
    wsl__free(&T->alloc, T->slots);
    T->slots = slots;
    T->n_slots = n_slots;
    return WSL_OK;
}

/* Room for one more pattern of extra_votes votes in the pattern and vote arrays. */
static wsl_status reserve(wsl_pattern_table *T, size_t extra_votes)
{
    if (T->n == T->cap) {
        size_t cap = T->cap ? T->cap * 2 : 64;
        size_t *start;
        uint64_t *counts, *hashes;
        start = wsl__reallocarray(&T->alloc, T->start, cap + 1, sizeof *start);
        if (!start)
            return WSL_ENOMEM;
        T->start = start;
        counts = wsl__reallocarray(&T->alloc, T->counts, cap, sizeof *counts);
        if (!counts)
            return WSL_ENOMEM;
        T->counts = counts;
        hashes = wsl__reallocarray(&T->alloc, T->hashes, cap, sizeof *hashes);
        if (!hashes)
            return WSL_ENOMEM;
        T->hashes = hashes;
        T->cap = cap;
    }
    if (T->n_votes + extra_votes > T->votes_cap) {
        size_t cap = T->votes_cap ? T->votes_cap : 256;
        uint32_t *cols;
        int32_t *vals;
        while (cap < T->n_votes + extra_votes)
            cap *= 2;
        cols = wsl__reallocarray(&T->alloc, T->cols, cap, sizeof *cols);
        if (!cols)
            return WSL_ENOMEM;
        T->cols = cols;
        vals = wsl__reallocarray(&T->alloc, T->vals, cap, sizeof *vals);
        if (!vals)
            return WSL_ENOMEM;
        T->vals = vals;
        T->votes_cap = cap;
    }
    return WSL_OK;
}

wsl_status wsl__patterns_insert(wsl_pattern_table *T, const uint32_t *cols, const int32_t *vals,
                                size_t nnz, uint64_t count, size_t *index)
{
    uint64_t h = hash_votes(cols, vals, nnz);
    size_t s;
    /* Keep the load factor at most 1/2. A canonicalized table has no slots: they are rebuilt
     * here. */
    if ((T->n + 1) * 2 > T->n_slots) {
        size_t n_slots = 128;
        while ((T->n + 1) * 2 > n_slots)
            n_slots *= 2;
        WSL_TRY(rehash(T, n_slots));
    }
    s = (size_t)h & (T->n_slots - 1);
    while (T->slots[s]) {
        size_t p = T->slots[s] - 1;
        size_t len = T->start[p + 1] - T->start[p];
        if (T->hashes[p] == h && len == nnz &&
            (nnz == 0 || (memcmp(T->cols + T->start[p], cols, nnz * sizeof *cols) == 0 &&
                          memcmp(T->vals + T->start[p], vals, nnz * sizeof *vals) == 0))) {
            T->counts[p] += count;
            T->total += count;
            *index = p;
            return WSL_OK;
        }
        s = (s + 1) & (T->n_slots - 1);
    }
    WSL_TRY(reserve(T, nnz));
    if (nnz > 0) { /* cols may still be NULL while no pattern has a vote */
        memcpy(T->cols + T->n_votes, cols, nnz * sizeof *cols);
        memcpy(T->vals + T->n_votes, vals, nnz * sizeof *vals);
    }
    T->start[T->n] = T->n_votes;
    T->n_votes += nnz;
    T->start[T->n + 1] = T->n_votes;
    T->counts[T->n] = count;
    T->hashes[T->n] = h;
    T->slots[s] = T->n + 1;
    *index = T->n++;
    T->total += count;
    T->canonical = 0;
    return WSL_OK;
}

wsl_status wsl_pattern_table_add(wsl_pattern_table *T, const wsl_label_matrix *L,
                                 size_t *row_pattern, size_t len)
{
    uint32_t *cols = NULL;
    int32_t *vals = NULL;
    wsl_status st = WSL_OK;
    wsl__keymap map = {NULL, NULL, 0, 0, NULL};
    wsl__row_coder rc;
    WSL_CHECK_ARG(T != NULL);
    WSL_CHECK_ARG(L != NULL);
    if (L->m != T->m || L->k != T->k)
        return wsl__error(WSL_EDIM,
                          "%s: votes have %zu sources and %ld classes, the table %zu "
                          "and %ld",
                          __func__, L->m, (long)L->k, T->m, (long)T->k);
    if (row_pattern && len < L->n)
        return wsl__error(WSL_EBUFS, "%s: row_pattern holds %zu entries, votes have %zu rows",
                          __func__, len, L->n);
    cols = wsl__mallocarray(&T->alloc, T->m ? T->m : 1, sizeof *cols);
    vals = wsl__mallocarray(&T->alloc, T->m ? T->m : 1, sizeof *vals);
    if (!cols || !vals) {
        st = WSL_ENOMEM;
        goto done;
    }
    if ((rc = wsl__row_coder_of(L)).bits != 0) {
        /* Dense rows that pack into a key: each distinct row is hashed and compared once. */
        if ((st = wsl__keymap_init(&map, &T->alloc, rc.universe)) != WSL_OK)
            goto done;
        for (size_t i = 0; i < L->n; i++) {
            uint64_t key = wsl__row_code(L, i, &rc);
            size_t p = wsl__keymap_get(&map, key);
            if (p != SIZE_MAX) {
                T->counts[p]++;
                T->total++;
            } else {
                size_t nnz = wsl__lm_row_votes(L, i, cols, vals);
                if ((st = wsl__patterns_insert(T, cols, vals, nnz, 1, &p)) != WSL_OK ||
                    (st = wsl__keymap_put(&map, key, p)) != WSL_OK)
                    goto done;
            }
            if (row_pattern)
                row_pattern[i] = p;
        }
        goto done;
    }
    for (size_t i = 0; i < L->n; i++) {
        size_t nnz = wsl__lm_row_votes(L, i, cols, vals), p;
        if ((st = wsl__patterns_insert(T, cols, vals, nnz, 1, &p)) != WSL_OK)
            goto done;
        if (row_pattern)
            row_pattern[i] = p;
    }
done:
    wsl__keymap_release(&map);
    wsl__free(&T->alloc, cols);
    wsl__free(&T->alloc, vals);
    return st;
}

wsl_status wsl_pattern_table_add_row(wsl_pattern_table *T, const int32_t *row, size_t len,
                                     uint64_t count)
{
    uint32_t *cols = NULL;
    int32_t *vals = NULL;
    size_t nnz = 0, p;
    wsl_status st;
    WSL_CHECK_ARG(T != NULL);
    WSL_CHECK_ARG(row != NULL);
    if (len != T->m)
        return wsl__error(WSL_EDIM, "%s: row has %zu votes, table has %zu sources", __func__, len,
                          T->m);
    for (size_t j = 0; j < len; j++)
        if (row[j] < WSL_ABSTAIN || row[j] >= T->k)
            return wsl__error(WSL_ERANGE, "%s: vote %ld in column %zu is outside -1..%ld", __func__,
                              (long)row[j], j, (long)T->k - 1);
    cols = wsl__mallocarray(&T->alloc, T->m, sizeof *cols);
    vals = wsl__mallocarray(&T->alloc, T->m, sizeof *vals);
    if (!cols || !vals) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t j = 0; j < len; j++) {
        if (row[j] != WSL_ABSTAIN) {
            cols[nnz] = (uint32_t)j;
            vals[nnz++] = row[j];
        }
    }
    st = wsl__patterns_insert(T, cols, vals, nnz, count, &p);
done:
    wsl__free(&T->alloc, cols);
    wsl__free(&T->alloc, vals);
    return st;
}

wsl_status wsl_pattern_table_merge(wsl_pattern_table *T, const wsl_pattern_table *src)
{
    WSL_CHECK_ARG(T != NULL);
    WSL_CHECK_ARG(src != NULL);
    WSL_CHECK_ARG(T != src);
    if (src->m != T->m || src->k != T->k)
        return wsl__error(WSL_EDIM,
                          "%s: tables differ: %zu sources and %ld classes vs %zu and "
                          "%ld",
                          __func__, src->m, (long)src->k, T->m, (long)T->k);
    for (size_t p = 0; p < src->n; p++) {
        size_t idx, s = src->start[p], len = src->start[p + 1] - s;
        /* A table whose only pattern is all abstains has no vote arrays (NULL + 0 is UB). */
        WSL_TRY(wsl__patterns_insert(T, len ? src->cols + s : NULL, len ? src->vals + s : NULL, len,
                                     src->counts[p], &idx));
    }
    return WSL_OK;
}

size_t wsl_pattern_table_n_patterns(const wsl_pattern_table *T)
{
    return T ? T->n : 0;
}

uint64_t wsl_pattern_table_n_rows(const wsl_pattern_table *T)
{
    return T ? T->total : 0;
}

size_t wsl_pattern_table_n_sources(const wsl_pattern_table *T)
{
    return T ? T->m : 0;
}

int32_t wsl_pattern_table_cardinality(const wsl_pattern_table *T)
{
    return T ? T->k : 0;
}

wsl_status wsl_pattern_table_get(const wsl_pattern_table *T, size_t p, int32_t *row, size_t len,
                                 uint64_t *count)
{
    WSL_CHECK_ARG(T != NULL);
    if (p >= T->n)
        return wsl__error(WSL_ERANGE, "%s: pattern %zu is outside the %zu patterns", __func__, p,
                          T->n);
    if (row && len < T->m)
        return wsl__error(WSL_EBUFS, "%s: row holds %zu votes, patterns have %zu", __func__, len,
                          T->m);
    if (row) {
        for (size_t j = 0; j < T->m; j++)
            row[j] = WSL_ABSTAIN;
        for (size_t e = T->start[p]; e < T->start[p + 1]; e++)
            row[T->cols[e]] = T->vals[e];
    }
    if (count)
        *count = T->counts[p];
    return WSL_OK;
}

/*
 * Canonical order: by the hash of the votes, then by the (column, vote) sequences. The hash is
 * a function of the votes alone, so the order depends only on which patterns the table holds.
 */
/* (column, vote) sequences lexicographically, a prefix first. */
static int cmp_votes(const uint32_t *ca, const int32_t *va, size_t na, const uint32_t *cb,
                     const int32_t *vb, size_t nb)
{
    for (size_t i = 0; i < na && i < nb; i++) {
        if (ca[i] != cb[i])
            return ca[i] < cb[i] ? -1 : 1;
        if (va[i] != vb[i])
            return va[i] < vb[i] ? -1 : 1;
    }
    return (na > nb) - (na < nb);
}

static int cmp_pattern(const wsl_pattern_table *T, size_t a, size_t b)
{
    size_t ia = T->start[a], ib = T->start[b];
    if (T->hashes[a] != T->hashes[b])
        return T->hashes[a] < T->hashes[b] ? -1 : 1;
    return cmp_votes(T->cols + ia, T->vals + ia, T->start[a + 1] - ia, T->cols + ib, T->vals + ib,
                     T->start[b + 1] - ib);
}

static int cmp_pattern_cb(const void *ctx, size_t a, size_t b)
{
    return cmp_pattern(ctx, a, b);
}

/* Before, in canonical order: by hash, ties (rare) by cmp; without hashes (h NULL), cmp is
 * the whole order. */
typedef int (*tie_cmp)(const void *ctx, size_t x, size_t y);

static int before(const uint64_t *h, const size_t *idx, size_t x, size_t y, tie_cmp cmp,
                  const void *ctx)
{
    if (h && h[x] != h[y])
        return h[x] < h[y];
    return cmp(ctx, idx[x], idx[y]) < 0;
}

static void swap_at(uint64_t *h, size_t *idx, size_t x, size_t y)
{
    size_t ti = idx[x];
    idx[x] = idx[y];
    idx[y] = ti;
    if (h) {
        uint64_t th = h[x];
        h[x] = h[y];
        h[y] = th;
    }
}

/* Heap sort of idx[lo..hi) (and h[] alongside, if not NULL): a bucket too full for insertion
 * sort, or the whole table when the bucket sort cannot allocate (it needs no memory). */
static void heap_range(uint64_t *h, size_t *idx, size_t lo, size_t hi, tie_cmp cmp, const void *ctx)
{
    size_t n = hi - lo;
    if (h)
        h += lo;
    idx += lo;
    for (size_t end = n, start = n / 2;;) {
        size_t root;
        if (start > 0) {
            root = --start;
        } else {
            if (end <= 1)
                return;
            swap_at(h, idx, 0, --end);
            root = 0;
        }
        for (;;) { /* sift root down within [0, end) */
            size_t child = 2 * root + 1, sw = root;
            if (child >= end)
                break;
            if (before(h, idx, sw, child, cmp, ctx))
                sw = child;
            if (child + 1 < end && before(h, idx, sw, child + 1, cmp, ctx))
                sw = child + 1;
            if (sw == root)
                break;
            swap_at(h, idx, root, sw);
            root = sw;
        }
    }
}

/*
 * order = 0..n-1 in canonical order of hashes, ties by cmp. The hashes are uniform, so one
 * counting pass on their top bits (about one bucket per pattern) leaves buckets of a few
 * patterns each, sorted in place: insertion sort, or heap sort for a bucket of more than 16
 * (equal top bits for many patterns, which only crafted votes would give). Returns 0 when the
 * sort cannot allocate.
 */
static int radix_order(const uint64_t *hashes, size_t n, size_t *order, const wsl_allocator *a,
                       tie_cmp cmp, const void *ctx)
{
    unsigned bits = 8;
    size_t *count;
    uint64_t *h;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (n < 2)
        return 1;
    while (bits < 22 && ((size_t)1 << bits) < n)
        bits++;
    count = wsl__calloc(a, ((size_t)1 << bits) + 1, sizeof *count);
    h = wsl__mallocarray(a, n, sizeof *h);
    if (!count || !h) {
        wsl__free(a, count);
        wsl__free(a, h);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        count[(hashes[i] >> (64 - bits)) + 1]++;
    for (size_t b = 0; b < (size_t)1 << bits; b++)
        count[b + 1] += count[b];
    for (size_t i = 0; i < n; i++) {
        size_t at = count[hashes[i] >> (64 - bits)]++;
        h[at] = hashes[i];
        order[at] = i;
    }
    /* count[b] is now where bucket b + 1 starts. */
    for (size_t b = 0, lo = 0; b < (size_t)1 << bits; lo = count[b++]) {
        size_t hi = count[b];
        if (hi - lo > 16) {
            heap_range(h, order, lo, hi, cmp, ctx);
            continue;
        }
        for (size_t i = lo + 1; i < hi; i++) {
            uint64_t ch = h[i];
            size_t cur = order[i], j = i;
            for (; j > lo && (h[j - 1] > ch || (h[j - 1] == ch && cmp(ctx, order[j - 1], cur) > 0));
                 j--) {
                h[j] = h[j - 1];
                order[j] = order[j - 1];
            }
            h[j] = ch;
            order[j] = cur;
        }
    }
    wsl__free(a, count);
    wsl__free(a, h);
    return 1;
}

void wsl__patterns_canonical_order(const wsl_pattern_table *T, size_t *order)
{
    if (!radix_order(T->hashes, T->n, order, &T->alloc, cmp_pattern_cb, T))
        heap_range(NULL, order, 0, T->n, cmp_pattern_cb, T); /* the same order; order[] is
                                                                already 0..n-1 */
}

/* An empty table shaped like T (no hash slots: not for inserting), with room for n patterns
 * and n_votes votes; NULL without memory. */
static wsl_pattern_table *table_like(const wsl_pattern_table *T, size_t n, size_t n_votes)
{
    const wsl_allocator *a = &T->alloc;
    wsl_pattern_table *C = wsl__calloc(a, 1, sizeof *C);
    if (!C)
        return NULL;
    C->alloc = T->alloc;
    C->m = T->m;
    C->k = T->k;
    C->start = wsl__mallocarray(a, n + 1, sizeof *C->start);
    C->counts = wsl__mallocarray(a, n ? n : 1, sizeof *C->counts);
    C->hashes = wsl__mallocarray(a, n ? n : 1, sizeof *C->hashes);
    C->cols = wsl__mallocarray(a, n_votes ? n_votes : 1, sizeof *C->cols);
    C->vals = wsl__mallocarray(a, n_votes ? n_votes : 1, sizeof *C->vals);
    if (!C->start || !C->counts || !C->hashes || !C->cols || !C->vals) {
        wsl_pattern_table_free(C);
        return NULL;
    }
    C->start[0] = 0;
    return C;
}

wsl_status wsl__patterns_canonical_copy(const wsl_pattern_table *T, wsl_pattern_table **out)
{
    const wsl_allocator *a = &T->alloc;
    size_t n = T->n, *order;
    wsl_pattern_table *C;
    *out = NULL;
    order = wsl__mallocarray(a, n ? n : 1, sizeof *order);
    C = order ? table_like(T, n, T->n_votes) : NULL;
    if (!C) {
        wsl__free(a, order);
        return WSL_ENOMEM;
    }
    wsl__patterns_canonical_order(T, order);
    C->start[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t p = order[i], len = T->start[p + 1] - T->start[p];
        if (len) { /* an all-abstain table has no vote arrays: memcpy must not see NULL */
            memcpy(C->cols + C->start[i], T->cols + T->start[p], len * sizeof *C->cols);
            memcpy(C->vals + C->start[i], T->vals + T->start[p], len * sizeof *C->vals);
        }
        C->start[i + 1] = C->start[i] + len;
        C->counts[i] = T->counts[p];
        C->hashes[i] = T->hashes[p];
    }
    C->n = C->cap = n;
    C->n_votes = C->votes_cap = T->n_votes;
    C->total = T->total;
    C->canonical = 1;
    wsl__free(a, order);
    *out = C;
    return WSL_OK;
}

/* Pattern p's count in a thinning by f: its share c / f, and one more row for a fraction
 * (c mod f) / f of the patterns, chosen by their hash. */
static uint64_t thinned_count(const wsl_pattern_table *T, size_t p, uint64_t f)
{
    uint64_t c = T->counts[p];
    return c / f + (wsl__splitmix64(T->hashes[p]) % f < c % f);
}

wsl_status wsl__patterns_thin(const wsl_pattern_table *T, uint64_t f, wsl_pattern_table **out)
{
    size_t n = 0, n_votes = 0;
    wsl_pattern_table *S;
    *out = NULL;
    for (size_t p = 0; p < T->n; p++)
        if (thinned_count(T, p, f)) {
            n++;
            n_votes += T->start[p + 1] - T->start[p];
        }
    if (!(S = table_like(T, n, n_votes)))
        return WSL_ENOMEM;
    for (size_t p = 0; p < T->n; p++) {
        uint64_t c = thinned_count(T, p, f);
        size_t len = T->start[p + 1] - T->start[p], i = S->n;
        if (!c)
            continue;
        if (len) {
            memcpy(S->cols + S->start[i], T->cols + T->start[p], len * sizeof *S->cols);
            memcpy(S->vals + S->start[i], T->vals + T->start[p], len * sizeof *S->vals);
        }
        S->start[i + 1] = S->start[i] + len;
        S->counts[i] = c;
        S->hashes[i] = T->hashes[p];
        S->total += c;
        S->n++;
    }
    S->cap = n;
    S->n_votes = S->votes_cap = n_votes;
    S->canonical = 1;
    *out = S;
    return WSL_OK;
}

/* dst[i] = src[order[i]] for 8-byte values; frees src. */
static uint64_t *permuted_u64(const wsl_allocator *a, uint64_t *src, const size_t *order, size_t n)
{
    uint64_t *dst = wsl__mallocarray(a, n ? n : 1, sizeof *dst);
    if (!dst)
        return NULL;
    for (size_t i = 0; i < n; i++)
        dst[i] = src[order[i]];
    wsl__free(a, src);
    return dst;
}

/* A table's per-pattern arrays (counts, hashes) in order; on failure T is only fit to be
 * freed. */
static wsl_status permute_stats(const wsl_allocator *a, wsl_pattern_table *T, const size_t *order)
{
    uint64_t *u;
    if (!(u = permuted_u64(a, T->counts, order, T->n)))
        return WSL_ENOMEM;
    T->counts = u;
    if (!(u = permuted_u64(a, T->hashes, order, T->n)))
        return WSL_ENOMEM;
    T->hashes = u;
    return WSL_OK;
}

/* The votes of the patterns in order, into a new array of n_votes elements of size bytes;
 * frees src. start is the old layout, new_start the new one. */
static void *permuted_votes(const wsl_allocator *a, void *src, size_t size, const size_t *order,
                            const size_t *start, const size_t *new_start, size_t n, size_t n_votes)
{
    char *dst = wsl__mallocarray(a, n_votes ? n_votes : 1, size);
    if (!dst)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t p = order[i], len = start[p + 1] - start[p];
        if (len)
            memcpy(dst + new_start[i] * size, (char *)src + start[p] * size, len * size);
    }
    wsl__free(a, src);
    return dst;
}

wsl_status wsl__patterns_canonicalize(wsl_pattern_table *T)
{
    const wsl_allocator *a = &T->alloc;
    size_t n = T->n, *order, *start;
    void *v;
    if (T->canonical)
        return WSL_OK;
    wsl__free(a, T->slots); /* insert rebuilds them if it is ever called again */
    T->slots = NULL;
    T->n_slots = 0;
    order = wsl__mallocarray(a, n ? n : 1, sizeof *order);
    start = wsl__mallocarray(a, n + 1, sizeof *start);
    if (!order || !start)
        goto oom;
    wsl__patterns_canonical_order(T, order);
    start[0] = 0;
    for (size_t i = 0; i < n; i++)
        start[i + 1] = start[i] + (T->start[order[i] + 1] - T->start[order[i]]);
    if (permute_stats(a, T, order) != WSL_OK)
        goto oom;
    if (T->n_votes > 0) { /* an all-abstain table has no vote arrays */
        if (!(v = permuted_votes(a, T->cols, sizeof *T->cols, order, T->start, start, n,
                                 T->n_votes)))
            goto oom;
        T->cols = v;
        if (!(v = permuted_votes(a, T->vals, sizeof *T->vals, order, T->start, start, n,
                                 T->n_votes)))
            goto oom;
        T->vals = v;
    }
    wsl__free(a, T->start);
    T->start = start;
    T->cap = n;
    T->votes_cap = T->n_votes;
    T->canonical = 1;
    wsl__free(a, order);
    return WSL_OK;
oom:
    wsl__free(a, order);
    wsl__free(a, start);
    return WSL_ENOMEM;
}

/* A distinct row's votes from its key: a packed row key (decoded) or, for rows too wide for
 * one, the index of its first occurrence (read from the matrix). */
typedef struct key_votes {
    const wsl_label_matrix *L;
    const wsl__row_coder *rc; /* NULL: keys are row indices */
} key_votes;

static size_t votes_of(const key_votes *kv, uint64_t key, uint32_t *cols, int32_t *vals)
{
    if (kv->rc)
        return wsl__row_decode(key, kv->rc, kv->L->m, kv->L->k, cols, vals);
    return wsl__lm_row_votes(kv->L, (size_t)key, cols, vals);
}

/* Patterns ahead whose rows are prefetched when their votes are read from the matrix. */
#define ROW_PREFETCH 16
/* Rows hashed ahead of their probes. */
#define HASH_BLOCK 64
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH_READ(p) __builtin_prefetch((p), 0, 0)
#else
#define PREFETCH_READ(p) ((void)(p))
#endif

/* Ties of the hashes (rare) are broken by the votes, as cmp_pattern does. */
typedef struct key_cmp {
    const uint64_t *keys;
    const key_votes *kv;
    uint32_t *ca, *cb;
    int32_t *va, *vb;
} key_cmp;

static int cmp_keys_cb(const void *ctx, size_t a, size_t b)
{
    const key_cmp *c = ctx;
    size_t na = votes_of(c->kv, c->keys[a], c->ca, c->va);
    size_t nb = votes_of(c->kv, c->keys[b], c->cb, c->vb);
    return cmp_votes(c->ca, c->va, na, c->cb, c->vb, nb);
}

/* The votes of patterns lo..hi-1 written into their places, through m entries of scratch. */
typedef struct vote_part {
    wsl_pattern_table *T;
    const key_votes *kv;
    const uint64_t *keys;
    size_t lo, hi;
    uint32_t *cols;
    int32_t *vals;
} vote_part;

static void *write_part(void *arg)
{
    const vote_part *vp = arg;
    wsl_pattern_table *T = vp->T;
    const wsl_label_matrix *L = vp->kv->L;
    for (size_t i = vp->lo; i < vp->hi; i++) {
        /* Through the scratch: reading a row may write up to m entries before it knows which
         * are votes, more than the pattern's place holds. */
        size_t nnz;
        if (!vp->kv->rc && i + ROW_PREFETCH < vp->hi) {
            /* Rows by their first occurrence, in canonical (hash) order: a random read each,
             * so ask for the rows a few patterns ahead (both ends: a row may span two lines). */
            const char *ahead =
                (const char *)L->cells + vp->keys[i + ROW_PREFETCH] * L->m * L->elem;
            PREFETCH_READ(ahead);
            PREFETCH_READ(ahead + L->m * L->elem - 1);
        }
        nnz = votes_of(vp->kv, vp->keys[i], vp->cols, vp->vals);
        if (nnz) {
            memcpy(T->cols + T->start[i], vp->cols, nnz * sizeof *vp->cols);
            memcpy(T->vals + T->start[i], vp->vals, nnz * sizeof *vp->vals);
        }
    }
    return NULL;
}

/* Votes a part of the writing takes at least, to be worth a thread. */
#define WRITE_PART_VOTES ((size_t)1 << 18)

/*
 * Every pattern's votes into its place (T->start set), on up to n_threads threads: the parts
 * hold patterns of about as many votes each and write where no other part does, so the table
 * is the same for any number. cols and vals are m entries of scratch for the first part. A
 * part whose thread does not start (or whose scratch is not there) runs on this thread.
 */
static void write_votes(wsl_pattern_table *T, const key_votes *kv, const uint64_t *keys,
                        uint32_t *cols, int32_t *vals, const wsl_allocator *a, int n_threads)
{
    size_t total = T->start[T->n], m = kv->L->m, n_parts = n_threads > 1 ? (size_t)n_threads : 1;
    vote_part one = {T, kv, keys, 0, T->n, cols, vals}, *parts = NULL;
    pthread_t *th = NULL;
    uint32_t *sc = NULL;
    int32_t *sv = NULL;
    unsigned char *started = NULL;
    if (total / WRITE_PART_VOTES < n_parts)
        n_parts = total / WRITE_PART_VOTES > 1 ? total / WRITE_PART_VOTES : 1;
    if (n_parts > 1) {
        parts = wsl__mallocarray(a, n_parts, sizeof *parts);
        th = wsl__mallocarray(a, n_parts, sizeof *th);
        started = wsl__calloc(a, n_parts, 1);
        sc = wsl__mallocarray(a, (n_parts - 1) * m, sizeof *sc);
        sv = wsl__mallocarray(a, (n_parts - 1) * m, sizeof *sv);
    }
    if (!parts || !th || !started || !sc || !sv) { /* one part, or no memory for more */
        write_part(&one);
        goto done;
    }
    for (size_t t = 0, lo = 0; t < n_parts; t++) {
        /* The part ends at the first pattern at or past its share of the votes. */
        size_t goal = total / n_parts * (t + 1), hi = lo, top = T->n;
        if (t + 1 == n_parts)
            hi = T->n;
        while (hi < top) { /* lowest i in [hi, top] with start[i] >= goal */
            size_t mid = hi + (top - hi) / 2;
            if (T->start[mid] < goal)
                hi = mid + 1;
            else
                top = mid;
        }
        parts[t] = one;
        parts[t].lo = lo;
        parts[t].hi = hi;
        if (t > 0) {
            parts[t].cols = sc + (t - 1) * m;
            parts[t].vals = sv + (t - 1) * m;
        }
        lo = hi;
    }
    for (size_t t = 1; t < n_parts; t++)
        started[t] = pthread_create(&th[t], NULL, write_part, &parts[t]) == 0;
    write_part(&parts[0]);
    for (size_t t = 1; t < n_parts; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            write_part(&parts[t]);
    }
done:
    wsl__free(a, parts);
    wsl__free(a, th);
    wsl__free(a, started);
    wsl__free(a, sc);
    wsl__free(a, sv);
}

/* Row i's id for a fused fit and predict (rp NULL: not recorded). */
static inline void put_row_id(const wsl__row_patterns *rp, size_t i, uint32_t id)
{
    if (rp)
        memcpy(rp->ids + i * sizeof id, &id, sizeof id);
}

/* Largest table of vote mixes (m x (k + 1) entries) hash_row looks cells up in. */
#define MIX_TABLE_MAX 65536

/* The table of vote mixes for L's cells: entry j (k + 1) + v + 1 is vote v of source j's mix,
 * 0 for an abstain. NULL when too large or out of memory: hash_row then mixes each vote. */
static uint64_t *mix_table(const wsl_label_matrix *L, const wsl_allocator *a)
{
    size_t K1 = (size_t)L->k + 1;
    uint64_t *mix;
    /* Not for fewer rows than a source has outcomes: the table would cost more than it saves. */
    if (L->m > MIX_TABLE_MAX / K1 || L->n < K1 ||
        !(mix = wsl__mallocarray(a, L->m * K1, sizeof *mix)))
        return NULL;
    for (size_t j = 0; j < L->m; j++) {
        mix[j * K1] = 0;
        for (size_t v = 0; v + 1 < K1; v++)
            mix[j * K1 + v + 1] = vote_mix((uint32_t)j, (int32_t)v);
    }
    return mix;
}

/* hash_votes of dense row i, from its cells; *nnz receives its number of votes. */
static uint64_t hash_row(const wsl_label_matrix *L, size_t i, const uint64_t *mix, size_t *nnz)
{
    size_t K1 = (size_t)L->k + 1, votes = 0;
    uint64_t sum = 0;
    if (mix && L->elem == 1) {
        const int8_t *row = (const int8_t *)L->cells + i * L->m;
        for (size_t j = 0; j < L->m; j++) {
            sum += mix[j * K1 + (size_t)(row[j] + 1)];
            votes += row[j] != WSL_ABSTAIN;
        }
    } else {
        for (size_t j = 0; j < L->m; j++) {
            int32_t v = wsl__load_vote(L->cells, L->elem, i * L->m + j);
            if (mix)
                sum += mix[j * K1 + (size_t)(v + 1)];
            else
                sum += v != WSL_ABSTAIN ? vote_mix((uint32_t)j, v) : 0;
            votes += v != WSL_ABSTAIN;
        }
    }
    *nnz = votes;
    return hash_finish(sum);
}

/* Rows whose hashes are looked at to size the count. */
#define SIZE_PROBE 4096

/*
 * About how many distinct rows L has, from SIZE_PROBE rows spread over it: with D equally
 * frequent rows, s draws hold about s^2 / (2 D) pairs of equal rows (more when some rows are
 * frequent, which only lowers the estimate), so D is about s^2 / (2 pairs); at most L->n.
 * The probe's hashes go in h (SIZE_PROBE entries).
 */
static size_t estimate_distinct(const wsl_label_matrix *L, const uint64_t *mix, uint64_t *h)
{
    size_t n = L->n < SIZE_PROBE ? L->n : SIZE_PROBE, pairs, nnz;
    double est;
    for (size_t i = 0; i < n; i++)
        h[i] = hash_row(L, (size_t)((double)i * (double)L->n / (double)n), mix, &nnz);
    pairs = wsl__equal_pairs(h, n);
    if (pairs == 0)
        return L->n;
    est = (double)n * (double)n / (2.0 * (double)pairs);
    return est < (double)L->n ? (size_t)est : L->n;
}

/* The count's per-pattern arrays, freed (and NULL). */
static void free_counted(const wsl_allocator *a, uint64_t **keys, uint64_t **counts,
                         uint64_t **rowh, uint32_t **nnzs)
{
    wsl__free(a, *keys);
    wsl__free(a, *counts);
    wsl__free(a, *rowh);
    wsl__free(a, *nnzs);
    *keys = *counts = *rowh = NULL;
    *nnzs = NULL;
}

/*
 * Dense rows too wide for a 64-bit key: the distinct rows by their bytes (found by their
 * hash_votes, computed from the cells, equal rows confirmed by comparing them), as the index
 * of each one's first occurrence in *keys, its count in *counts and its hash in *hashes (the
 * table's canonical order needs no other), and its number of votes in *nnz. Votes are read
 * only later, once per distinct row. A slot holds a pattern's index + 1 and, with fewer than
 * 2^32 rows, the top half of its hash: a probe passes another row's slot without reading that
 * row's hash (a cache miss). The slots and arrays start sized for the patterns the rows seem
 * to hold (estimate_distinct): no growth and no rehash when nearly every row differs.
 */
static wsl_status count_rows_by_bytes(const wsl_label_matrix *L, const wsl_allocator *a,
                                      const wsl__row_patterns *rp, uint64_t **keys_out,
                                      uint64_t **counts_out, uint64_t **hashes_out,
                                      uint32_t **nnz_out, size_t *n_out)
{
    size_t bytes = L->m * L->elem, n = 0, cap = 0, n_slots = 1024, nb[HASH_BLOCK];
    const unsigned char *cells = L->cells;
    uint64_t *keys = NULL, *counts = NULL, *rowh = NULL, *mix = mix_table(L, a), *slots;
    uint32_t *nnzs = NULL;
    uint64_t hb[HASH_BLOCK];
    const uint64_t tag_mask = L->n < UINT32_MAX ? ~(uint64_t)UINT32_MAX : 0, idx_mask = ~tag_mask;
    wsl_status st = WSL_OK;
    if (L->n >= 2 * SIZE_PROBE) {
        /* Sized for about as many patterns as the rows seem to hold (twice the estimate, at
         * most every row): no growth when nearly every row differs, little memory when rows
         * repeat. Without the memory, the count grows as it goes. */
        uint64_t *h = wsl__mallocarray(a, SIZE_PROBE, sizeof *h);
        size_t est = h ? estimate_distinct(L, mix, h) : 0;
        wsl__free(a, h);
        if (est > L->n / 2)
            est = L->n / 2;
        if (est >= 4096) {
            cap = 2 * est;
            keys = wsl__mallocarray(a, cap, sizeof *keys);
            counts = wsl__mallocarray(a, cap, sizeof *counts);
            rowh = wsl__mallocarray(a, cap, sizeof *rowh);
            nnzs = wsl__mallocarray(a, cap, sizeof *nnzs);
            while (n_slots < 2 * cap && n_slots < SIZE_MAX / 4)
                n_slots *= 2;
            if (!keys || !counts || !rowh || !nnzs) {
                free_counted(a, &keys, &counts, &rowh, &nnzs);
                cap = 0;
                n_slots = 1024;
            }
        }
    }
    slots = wsl__calloc(a, n_slots, sizeof *slots);
    if (!slots && n_slots > 1024) /* sized for more than it needs to start with */
        slots = wsl__calloc(a, n_slots = 1024, sizeof *slots);
    if (!slots)
        goto oom;
    for (size_t i = 0; i < L->n; i++) {
        const unsigned char *row = cells + i * bytes;
        uint64_t h, v = 0;
        size_t s;
        if (i % HASH_BLOCK == 0) {
            /* A block's hashes first, and their slots asked for: the probes' cache misses
             * (one a row, nearly every row distinct when rows are this wide) then overlap. */
            for (size_t r = i; r < L->n && r < i + HASH_BLOCK; r++) {
                hb[r - i] = hash_row(L, r, mix, &nb[r - i]);
                PREFETCH_READ(&slots[(size_t)hb[r - i] & (n_slots - 1)]);
            }
        }
        h = hb[i % HASH_BLOCK];
        s = (size_t)h & (n_slots - 1);
        for (; (v = slots[s]) != 0; s = (s + 1) & (n_slots - 1)) {
            size_t p = (size_t)(v & idx_mask) - 1;
            if ((v & tag_mask) == (h & tag_mask) && rowh[p] == h &&
                memcmp(cells + keys[p] * bytes, row, bytes) == 0)
                break;
        }
        if (v) {
            size_t p = (size_t)(v & idx_mask) - 1;
            counts[p]++;
            put_row_id(rp, i, (uint32_t)p);
            continue;
        }
        if (n == cap) {
            size_t c = cap ? 2 * cap : 256;
            uint64_t *nk, *nc, *nh;
            uint32_t *nz;
            if (!(nk = wsl__reallocarray(a, keys, c, sizeof *nk)))
                goto oom;
            keys = nk;
            if (!(nc = wsl__reallocarray(a, counts, c, sizeof *nc)))
                goto oom;
            counts = nc;
            if (!(nh = wsl__reallocarray(a, rowh, c, sizeof *nh)))
                goto oom;
            rowh = nh;
            if (!(nz = wsl__reallocarray(a, nnzs, c, sizeof *nz)))
                goto oom;
            nnzs = nz;
            cap = c;
        }
        keys[n] = i;
        counts[n] = 1;
        rowh[n] = h;
        nnzs[n] = (uint32_t)nb[i % HASH_BLOCK];
        put_row_id(rp, i, (uint32_t)n);
        slots[s] = (h & tag_mask) | (uint64_t)++n;
        if (2 * n > n_slots) { /* load at most 1/2 */
            uint64_t *ns = wsl__calloc(a, 2 * n_slots, sizeof *ns);
            if (!ns)
                goto oom;
            n_slots *= 2;
            for (size_t p = 0; p < n; p++) {
                size_t t = (size_t)rowh[p] & (n_slots - 1);
                while (ns[t])
                    t = (t + 1) & (n_slots - 1);
                ns[t] = (rowh[p] & tag_mask) | (uint64_t)(p + 1);
            }
            wsl__free(a, slots);
            slots = ns;
        }
    }
    goto done;
oom:
    st = WSL_ENOMEM;
    free_counted(a, &keys, &counts, &rowh, &nnzs);
done:
    wsl__free(a, slots);
    wsl__free(a, mix);
    *keys_out = keys;
    *counts_out = counts;
    *hashes_out = rowh;
    *nnz_out = nnzs;
    *n_out = n;
    return st;
}

static wsl_status of_rows(const wsl_label_matrix *L, const wsl_allocator *alloc,
                          wsl_pattern_table **out, wsl__row_patterns *rp, int n_threads)
{
    wsl__row_coder rc = wsl__row_coder_of(L);
    wsl__keymap map = {NULL, NULL, 0, 0, NULL};
    wsl_pattern_table *T = NULL;
    wsl_allocator al = wsl__allocator(alloc); /* outlives T on failure */
    const wsl_allocator *a = &al;
    uint64_t *keys = NULL, *u;
    uint32_t *hits = NULL; /* direct keys: rows per possible key, then with rp each key's
                              pattern */
    size_t n = 0, cap = 0, n_votes, *order = NULL;
    int hashed = 0; /* the direct keys' pass and the row bytes' count hash as they go */
    uint32_t *nnzs = NULL; /* each pattern's number of votes, before the reordering */
    uint32_t *cols = NULL;
    int32_t *vals = NULL;
    wsl_status st = WSL_OK;
    *out = NULL;
    key_votes kv;
    /* Packed keys of many possible rows that seldom repeat: nearly every row would enter the
     * map of keys (grown, then decoded and hashed once more); hashing their bytes as they go
     * by costs less (1M x 20: the table in about 2/3 of the time). The same table either way. */
    if (rc.bits && !rc.universe && wsl__rows_distinct(L, &rc))
        rc.bits = 0;
    kv.L = L;
    kv.rc = rc.bits ? &rc : NULL;
    WSL_TRY(wsl_pattern_table_create(&T, L->m, L->k, alloc));
    if (rp && L->n > UINT32_MAX)
        rp = NULL; /* ids would not fit: the caller predicts row by row */
    if (!rc.bits && L->storage != WSL_STORAGE_DENSE) {
        rp = NULL;
        if ((st = wsl_pattern_table_add(T, L, NULL, 0)) == WSL_OK &&
            (st = wsl__patterns_canonicalize(T)) == WSL_OK)
            goto done;
        goto fail;
    }
    if (!rc.bits) {
        if ((st = count_rows_by_bytes(L, a, rp, &keys, &T->counts, &T->hashes, &nnzs, &n)) !=
            WSL_OK)
            goto fail;
        hashed = 1;
    } else if (rc.universe && L->n <= UINT32_MAX) {
        /* Few possible rows: one counter per possible row, a table that stays in the cache
         * (a row costs one increment), then the rows that occurred, in key order. */
        if (!(hits = wsl__calloc(a, (size_t)rc.universe, sizeof *hits)))
            goto oom;
        if (rp) {
            for (size_t i = 0; i < L->n; i++) {
                uint32_t key = (uint32_t)wsl__row_code(L, i, &rc);
                hits[key]++;
                put_row_id(rp, i, key);
            }
        } else {
            for (size_t i = 0; i < L->n; i++)
                hits[wsl__row_code(L, i, &rc)]++;
        }
        for (uint64_t key = 0; key < rc.universe; key++)
            n += hits[key] != 0;
        keys = wsl__mallocarray(a, n ? n : 1, sizeof *keys);
        T->counts = wsl__mallocarray(a, n ? n : 1, sizeof *T->counts);
        if (!keys || !T->counts)
            goto oom;
        T->hashes = wsl__mallocarray(a, n ? n : 1, sizeof *T->hashes);
        nnzs = wsl__mallocarray(a, n ? n : 1, sizeof *nnzs);
        if (!T->hashes || !nnzs)
            goto oom;
        {
            /* The keys in order, each one's votes kept as digits counting up (an odometer, no
             * division), hashed as the pass below would (m <= 17 here). */
            uint32_t dc[WSL__DIRECT_MAX_M];
            int32_t dv[WSL__DIRECT_MAX_M];
            uint32_t digit[WSL__DIRECT_MAX_M] = {0};
            uint32_t radix = (uint32_t)L->k + 1;
            n = 0;
            for (uint64_t key = 0; key < rc.universe; key++) {
                if (hits[key]) {
                    size_t nnz = 0;
                    for (size_t j = 0; j < L->m; j++) {
                        dc[nnz] = (uint32_t)j;
                        dv[nnz] = (int32_t)digit[j] - 1;
                        nnz += digit[j] != 0;
                    }
                    keys[n] = key;
                    T->hashes[n] = hash_votes(dc, dv, nnz);
                    nnzs[n] = (uint32_t)nnz;
                    T->counts[n++] = hits[key];
                }
                for (size_t j = 0; j < L->m && ++digit[j] == radix; j++)
                    digit[j] = 0;
            }
        }
        hashed = 1;
        if (!rp) {
            wsl__free(a, hits);
            hits = NULL;
        }
    } else {
        /* Count the distinct rows by key. */
        if ((st = wsl__keymap_init(&map, a, rc.universe)) != WSL_OK)
            goto fail;
        for (size_t i = 0; i < L->n; i++) {
            uint64_t key = wsl__row_code(L, i, &rc);
            size_t p = wsl__keymap_get(&map, key);
            if (p != SIZE_MAX) {
                T->counts[p]++;
                put_row_id(rp, i, (uint32_t)p);
                continue;
            }
            if (n == cap) {
                size_t c = cap ? 2 * cap : 64;
                uint64_t *nk = wsl__reallocarray(a, keys, c, sizeof *nk), *nc;
                if (!nk)
                    goto oom;
                keys = nk;
                if (!(nc = wsl__reallocarray(a, T->counts, c, sizeof *nc)))
                    goto oom;
                T->counts = nc;
                cap = c;
            }
            keys[n] = key;
            T->counts[n] = 1;
            put_row_id(rp, i, (uint32_t)n);
            if ((st = wsl__keymap_put(&map, key, n++)) != WSL_OK)
                goto fail;
        }
    }
    wsl__keymap_release(&map);
    T->n = n;
    T->total = L->n;
    /* Hashes of the votes (what orders patterns canonically, whatever built the table). */
    cols = wsl__mallocarray(a, 2 * L->m, sizeof *cols);
    vals = wsl__mallocarray(a, 2 * L->m, sizeof *vals);
    if (!T->hashes) /* also the row bytes' count of no row */
        T->hashes = wsl__mallocarray(a, n ? n : 1, sizeof *T->hashes);
    if (!nnzs)
        nnzs = wsl__mallocarray(a, n ? n : 1, sizeof *nnzs);
    order = wsl__mallocarray(a, n ? n : 1, sizeof *order);
    if (!cols || !vals || !T->hashes || !nnzs || !order)
        goto oom;
    for (size_t p = 0; p < n && !hashed; p++) {
        size_t nnz = votes_of(&kv, keys[p], cols, vals);
        T->hashes[p] = hash_votes(cols, vals, nnz);
        nnzs[p] = (uint32_t)nnz;
    }
    {
        key_cmp kc = {keys, &kv, cols, cols + L->m, vals, vals + L->m};
        if (!radix_order(T->hashes, n, order, a, cmp_keys_cb, &kc))
            goto oom;
    }
    if (rp && hits) { /* a row's id is its key; keys no row has map to UINT32_MAX */
        memset(hits, 0xff, (size_t)rc.universe * sizeof *hits);
        for (size_t c = 0; c < n; c++)
            hits[keys[order[c]]] = (uint32_t)c;
        rp->map = hits;
        rp->map_len = (size_t)rc.universe;
        hits = NULL;
    } else if (rp) { /* a row's id is its pattern's place before the reordering */
        if (!(rp->map = wsl__mallocarray(a, n ? n : 1, sizeof *rp->map)))
            goto oom;
        for (size_t c = 0; c < n; c++)
            rp->map[order[c]] = (uint32_t)c;
        rp->map_len = n;
    }
    /* Everything per pattern into canonical order, one array at a time. */
    if (!(u = permuted_u64(a, keys, order, n)))
        goto oom;
    keys = u;
    if (permute_stats(a, T, order) != WSL_OK)
        goto oom;
    {
        /* Every pattern's place among the votes, known before any is written: the writing can
         * be cut into parts. */
        size_t *start = wsl__reallocarray(a, T->start, n + 1, sizeof *start);
        if (!start)
            goto oom;
        T->start = start;
        start[0] = 0;
        for (size_t c = 0; c < n; c++)
            start[c + 1] = start[c] + nnzs[order[c]];
        n_votes = start[n];
    }
    wsl__free(a, order);
    wsl__free(a, nnzs);
    order = NULL;
    nnzs = NULL;
    T->cols = wsl__mallocarray(a, n_votes ? n_votes : 1, sizeof *T->cols);
    T->vals = wsl__mallocarray(a, n_votes ? n_votes : 1, sizeof *T->vals);
    if (!T->cols || !T->vals)
        goto oom;
    write_votes(T, &kv, keys, cols, vals, a, n_threads);
    T->n_votes = T->votes_cap = n_votes;
    T->cap = n;
    T->canonical = 1;
    goto done;
oom:
    st = WSL_ENOMEM;
fail:
    wsl__keymap_release(&map);
    wsl_pattern_table_free(T);
    T = NULL;
    if (rp) {
        wsl__free(&al, rp->map);
        rp->map = NULL;
    }
done:
    wsl__free(&al, hits);
    wsl__free(&al, keys);
    wsl__free(&al, order);
    wsl__free(&al, nnzs);
    wsl__free(&al, cols);
    wsl__free(&al, vals);
    *out = T;
    return st;
}

wsl_status wsl__patterns_of_rows(const wsl_label_matrix *L, const wsl_allocator *alloc,
                                 wsl_pattern_table **out, int n_threads)
{
    return of_rows(L, alloc, out, NULL, n_threads);
}

wsl_status wsl__patterns_of_rows_ids(const wsl_label_matrix *L, const wsl_allocator *alloc,
                                     wsl_pattern_table **out, wsl__row_patterns *rp, int n_threads)
{
    rp->map = NULL;
    rp->map_len = 0;
    return of_rows(L, alloc, out, rp, n_threads);
}
