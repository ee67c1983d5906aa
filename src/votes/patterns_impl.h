/* Internal layout of wsl_pattern_table, read directly by the label model. */
#ifndef WSL_SRC_PATTERNS_IMPL_H
#define WSL_SRC_PATTERNS_IMPL_H

#include "core/core.h"
#include "wsl/votes.h"

#include <string.h>

struct wsl_pattern_table {
    wsl_allocator alloc;
    size_t m;
    int32_t k;
    size_t n, cap;        /* patterns, allocated patterns */
    size_t *start;        /* start[p]..start[p+1]: the votes of pattern p in cols/vals */
    uint64_t *counts;
    uint64_t *hashes;
    uint32_t *cols;       /* non-abstain votes, column order within a pattern */
    int32_t *vals;
    size_t n_votes, votes_cap;
    size_t *slots;        /* open addressing: pattern index + 1, 0 = empty */
    size_t n_slots;       /* power of two */
    uint64_t total;
    int canonical;        /* patterns stored in canonical order (cleared by an insert) */
};

/* Find or insert the pattern with these votes; *index receives its index. */
wsl_status wsl__patterns_insert(wsl_pattern_table *T, const uint32_t *cols, const int32_t *vals,
                                size_t nnz, uint64_t count, size_t *index);

/* A permutation of 0..n-1 ordering patterns canonically (by their votes), so that sums over
 * patterns do not depend on insertion order. order has T->n entries. */
void wsl__patterns_canonical_order(const wsl_pattern_table *T, size_t *order);

/*
 * A copy of T with its patterns stored in canonical order (no hash slots: not for inserting),
 * so that passes over the patterns read memory in sequence. Free with wsl_pattern_table_free.
 */
wsl_status wsl__patterns_canonical_copy(const wsl_pattern_table *T, wsl_pattern_table **out);

/*
 * A sample of a canonical table's rows, for a fit's first iterations: each pattern keeps
 * floor(c / f) of its c rows and one more for a fraction (c mod f) / f of the patterns,
 * chosen by their hashes (the same sample for the same table, however it was built). Patterns
 * left with no row are dropped; the order stays canonical. f >= 1.
 */
wsl_status wsl__patterns_thin(const wsl_pattern_table *T, uint64_t f, wsl_pattern_table **out);

/*
 * The same order in place, for a table its owner is about to fit and free: the hash slots are
 * released and each array is replaced by its reordered, trimmed copy one at a time, so the
 * peak is the table plus its largest array rather than two tables. On failure T is only fit
 * to be freed.
 */
wsl_status wsl__patterns_canonicalize(wsl_pattern_table *T);

/*
 * The canonical table of L's rows (as wsl_pattern_table_add into a new table, then
 * wsl__patterns_canonicalize). Dense rows are counted by their packed keys, or by their bytes
 * when too wide for a key, and each distinct row's votes are then written once, straight into
 * canonical order, so no vote array is ever copied; on up to n_threads threads (the same table
 * for any number), when there are enough votes. Sparse rows take the general path.
 */
wsl_status wsl__patterns_of_rows(const wsl_label_matrix *L, const wsl_allocator *alloc,
                                 wsl_pattern_table **out, int n_threads);

/*
 * Each row's pattern, for a fit that predicts the rows it fitted: ids[i] is row i's id (the
 * ids live in the caller's probabilities, overwritten later: no memory of their own), and
 * map[id] is the index of its pattern in the canonical table (UINT32_MAX for an id no row has). map
 * is set by wsl__patterns_of_rows_ids (allocated with the table's allocator, map_len entries), or
 * left NULL when the rows took a path that does not record them (sparse storage, more than
 * UINT32_MAX rows): the caller then predicts them row by row.
 */
typedef struct wsl__row_patterns {
    unsigned char *ids; /* n uint32_t values, through memcpy: the bytes belong to doubles */
    uint32_t *map;
    size_t map_len;
} wsl__row_patterns;

/* Row i's id in rp->ids. */
static inline uint32_t wsl__row_id(const wsl__row_patterns *rp, size_t i)
{
    uint32_t id;
    memcpy(&id, rp->ids + i * sizeof id, sizeof id);
    return id;
}

/* wsl__patterns_of_rows, recording each row's pattern into *rp (rp->map NULL on entry). */
wsl_status wsl__patterns_of_rows_ids(const wsl_label_matrix *L, const wsl_allocator *alloc,
                                     wsl_pattern_table **out, wsl__row_patterns *rp, int n_threads);

#endif
