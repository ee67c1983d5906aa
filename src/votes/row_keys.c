#include "row_keys.h"

#include <stdlib.h>
#include <string.h>

unsigned wsl__row_key_bits(const wsl_label_matrix *L)
{
    unsigned bits = 1;
    if (L->storage != WSL_STORAGE_DENSE || L->m == 0)
        return 0;
    while (((uint64_t)1 << bits) < (uint64_t)L->k + 1)
        bits++;
    return L->m * bits <= 64 ? bits : 0;
}

wsl__row_coder wsl__row_coder_of(const wsl_label_matrix *L)
{
    wsl__row_coder rc = {wsl__row_key_bits(L), 0, {0}, 0};
    uint64_t u = 1;
    if (!rc.bits)
        return rc;
    for (size_t j = 0; j < L->m; j++) {
        rc.pow[j < 18 ? j : 17] = (uint32_t)u; /* meaningful only if the universe is small */
        u *= (uint64_t)L->k + 1;
        if (u > WSL__DIRECT_KEYS)
            return rc;
    }
    rc.universe = u;
    /* M = floor(2^40 / d) + 1 for d = k + 1: M d - 2^40 is at most d, so for keys n below
     * 2^17 the error n (M d - 2^40) < 2^34 < 2^40 and floor(n M / 2^40) = floor(n / d)
     * (Granlund-Montgomery; checked for every n below 2^17, every d to 2,000 and a sample
     * above). */
    rc.magic = ((uint64_t)1 << 40) / ((uint64_t)L->k + 1) + 1;
    return rc;
}

static wsl_status alloc_slots(wsl__keymap *map, size_t cap)
{
    map->keys = wsl__mallocarray(map->alloc, cap, sizeof *map->keys);
    map->vals = wsl__mallocarray(map->alloc, cap, sizeof *map->vals);
    if (!map->keys || !map->vals) {
        wsl__free(map->alloc, map->keys);
        wsl__free(map->alloc, map->vals);
        map->keys = NULL;
        map->vals = NULL;
        return WSL_ENOMEM;
    }
    memset(map->vals, 0xff, cap * sizeof *map->vals); /* SIZE_MAX everywhere */
    map->cap = cap;
    return WSL_OK;
}

wsl_status wsl__keymap_init(wsl__keymap *map, const wsl_allocator *alloc, uint64_t universe)
{
    memset(map, 0, sizeof *map);
    map->alloc = alloc;
    if (universe) {
        if (!(map->vals = wsl__mallocarray(alloc, (size_t)universe, sizeof *map->vals)))
            return WSL_ENOMEM;
        memset(map->vals, 0xff, (size_t)universe * sizeof *map->vals);
        map->cap = (size_t)universe;
        return WSL_OK;
    }
    return alloc_slots(map, 1024);
}

void wsl__keymap_release(wsl__keymap *map)
{
    wsl__free(map->alloc, map->keys);
    wsl__free(map->alloc, map->vals);
    memset(map, 0, sizeof *map);
}

static void insert_slot(wsl__keymap *map, uint64_t key, size_t val)
{
    size_t s = (size_t)wsl__splitmix64(key) & (map->cap - 1);
    while (map->vals[s] != SIZE_MAX)
        s = (s + 1) & (map->cap - 1);
    map->keys[s] = key;
    map->vals[s] = val;
}

wsl_status wsl__keymap_put(wsl__keymap *map, uint64_t key, size_t val)
{
    if (!map->keys) {
        map->vals[key] = val;
        map->n++;
        return WSL_OK;
    }
    if (2 * (map->n + 1) > map->cap) {
        /* Keep the load at most one half: probes stay short. */
        wsl__keymap old = *map;
        if (old.cap > SIZE_MAX / 4 || alloc_slots(map, 2 * old.cap) != WSL_OK) {
            *map = old;
            return WSL_ENOMEM;
        }
        for (size_t s = 0; s < old.cap; s++)
            if (old.vals[s] != SIZE_MAX)
                insert_slot(map, old.keys[s], old.vals[s]);
        wsl__free(map->alloc, old.keys);
        wsl__free(map->alloc, old.vals);
    }
    insert_slot(map, key, val);
    map->n++;
    return WSL_OK;
}

/* Rows looked at to tell whether rows repeat (on the stack: 8 KiB of keys). */
#define DISTINCT_PROBE 1024

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

size_t wsl__equal_pairs(uint64_t *v, size_t n)
{
    size_t pairs = 0;
    qsort(v, n, sizeof *v, cmp_u64);
    for (size_t i = 1; i < n; i++)
        pairs += v[i] == v[i - 1];
    return pairs;
}

int wsl__rows_distinct(const wsl_label_matrix *L, const wsl__row_coder *rc)
{
    uint64_t keys[DISTINCT_PROBE];
    size_t n = L->n < DISTINCT_PROBE ? L->n : DISTINCT_PROBE, pairs;
    /* Rows spread over L. With D equally frequent rows, s of them hold about s^2 / (2 D) pairs
     * of equal rows (more when some rows are frequent): at least n / 4 distinct rows, the
     * rows mostly differ, when pairs <= 2 s^2 / n. */
    for (size_t i = 0; i < n; i++)
        keys[i] = wsl__row_code(L, (size_t)((double)i * (double)L->n / (double)n), rc);
    pairs = wsl__equal_pairs(keys, n);
    return n > 0 && (double)pairs <= 2.0 * (double)n * (double)n / (double)L->n;
}
