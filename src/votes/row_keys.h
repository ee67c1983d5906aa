/*
 * Packed keys of dense rows, for the hot loops that map rows to vote patterns (building a
 * pattern table, predicting). A row of m votes packs into one 64-bit key when m * bits <= 64,
 * bits = the width of (vote + 1) in 0..k; equal keys are equal rows. A small open-addressing
 * map from keys to indices caches what a key maps to, so each distinct row is looked at once.
 */
#ifndef WSL_SRC_ROW_KEYS_H
#define WSL_SRC_ROW_KEYS_H

#include "label_matrix_impl.h"

/* Bits per vote when L's rows pack into 64-bit keys (dense storage), else 0. */
unsigned wsl__row_key_bits(const wsl_label_matrix *L);

/* Rows with at most this many possible patterns ((k + 1)^m) index a direct table instead of
 * hashing: 2^17 slots of 8 bytes stay in the caches, and a lookup is one load. */
#define WSL__DIRECT_KEYS ((uint64_t)1 << 17)
/* Sources of a row with direct keys, at most: (k + 1)^m <= 2^17 with k + 1 >= 2. */
#define WSL__DIRECT_MAX_M 17

/* How rows become keys: none (bits 0), packed (bits per vote), or direct (universe > 0: the
 * key is the row's mixed-radix value sum_j (v_j + 1) (k + 1)^j, below universe). */
typedef struct wsl__row_coder {
    unsigned bits;
    uint64_t universe;
    uint32_t pow[18]; /* direct keys: (k + 1)^j (m <= 17 when (k + 1)^m <= 2^17) */
    uint64_t magic;   /* direct keys: key / (k + 1) = key * magic >> 40, exact below 2^17 */
} wsl__row_coder;

wsl__row_coder wsl__row_coder_of(const wsl_label_matrix *L);

/* The packed key of row i (bits from wsl__row_key_bits). */
static inline uint64_t wsl__row_key(const wsl_label_matrix *L, size_t i, unsigned bits)
{
    uint64_t key = 0;
    size_t m = L->m;
    if (L->elem == 1) {
        const int8_t *c = (const int8_t *)L->cells + i * m;
        for (size_t j = 0; j < m; j++)
            key |= (uint64_t)(uint8_t)(c[j] + 1) << (bits * j);
    } else {
        for (size_t j = 0; j < m; j++)
            key |= (uint64_t)(uint32_t)(wsl__load_vote(L->cells, L->elem, i * m + j) + 1)
                   << (bits * j);
    }
    return key;
}

/* The key of row i under coder rc (rc->bits != 0). */
static inline uint64_t wsl__row_code(const wsl_label_matrix *L, size_t i, const wsl__row_coder *rc)
{
    uint64_t key = 0, radix = (uint64_t)L->k + 1;
    size_t m = L->m;
    if (!rc->universe)
        return wsl__row_key(L, i, rc->bits);
    if (L->elem == 1) {
        /* Independent products rather than Horner's chain: the hot loop of a fit. */
        const int8_t *c = (const int8_t *)L->cells + i * m;
        uint32_t k32 = 0;
        for (size_t j = 0; j < m; j++)
            k32 += (uint32_t)(uint8_t)(c[j] + 1) * rc->pow[j];
        return k32;
    } else {
        for (size_t j = m; j-- > 0;)
            key = key * radix +
                  (uint64_t)(uint32_t)(wsl__load_vote(L->cells, L->elem, i * m + j) + 1);
    }
    return key;
}

/* Adjacent equal values of v (n entries) once sorted: v is sorted in place. How many rows of
 * a probe repeat an earlier one (the probes that size a count by its distinct rows). */
size_t wsl__equal_pairs(uint64_t *v, size_t n);

/* Whether L's rows mostly differ (about n / 4 distinct rows or more, from the pairs of equal
 * keys under rc among 1024 rows spread over L; rc->bits != 0): then a map of keys would take
 * nearly every row, and hashing the rows' bytes costs less. */
int wsl__rows_distinct(const wsl_label_matrix *L, const wsl__row_coder *rc);

/* The votes of a row from its key under rc (rc->bits != 0): the non-abstain columns in order
 * into cols and vals, which hold m entries (each digit is written, then kept only if it is a
 * vote: abstains come at random, a branch on them would miss half the time); returns how many.
 * The inverse of wsl__row_code. */
static inline size_t wsl__row_decode(uint64_t key, const wsl__row_coder *rc, size_t m, int32_t k,
                                     uint32_t *cols, int32_t *vals)
{
    size_t nnz = 0;
    uint64_t radix = (uint64_t)k + 1, mask = rc->bits < 64 ? ((uint64_t)1 << rc->bits) - 1 : ~0ULL;
    for (size_t j = 0; j < m; j++) {
        uint64_t d;
        if (rc->universe) { /* a multiply, not a 64-bit division: decoding is a hot loop */
            uint64_t q = key * rc->magic >> 40;
            d = key - q * radix;
            key = q;
        } else {
            d = (key >> (rc->bits * j)) & mask;
        }
        cols[nnz] = (uint32_t)j;
        vals[nnz] = (int32_t)d - 1;
        nnz += d != 0;
    }
    return nnz;
}

typedef struct wsl__keymap {
    uint64_t *keys; /* NULL for a direct map */
    size_t *vals;   /* SIZE_MAX = empty slot */
    size_t cap, n;  /* cap: a power of two, or a direct map's universe */
    const wsl_allocator *alloc;
} wsl__keymap;

/* universe 0: a hash map of any keys; else a direct table of keys 0..universe-1. */
wsl_status wsl__keymap_init(wsl__keymap *map, const wsl_allocator *alloc, uint64_t universe);
void wsl__keymap_release(wsl__keymap *map);

/* The value stored for key, or SIZE_MAX. */
static inline size_t wsl__keymap_get(const wsl__keymap *map, uint64_t key)
{
    size_t s;
    if (!map->keys)
        return map->vals[key];
    s = (size_t)wsl__splitmix64(key) & (map->cap - 1);
    while (map->vals[s] != SIZE_MAX) {
        if (map->keys[s] == key)
            return map->vals[s];
        s = (s + 1) & (map->cap - 1);
    }
    return SIZE_MAX;
}

/* Store key -> val (val != SIZE_MAX; key not yet present). */
wsl_status wsl__keymap_put(wsl__keymap *map, uint64_t key, size_t val);

#endif
