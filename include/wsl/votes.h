/*
 * libwsl — the label matrix.
 *
 * A label matrix holds the votes of m sources (labeling functions, crowd workers, prompts) on
 * n records: each vote is WSL_ABSTAIN (-1) or a class 0..k-1. Storage is compact (the smallest
 * integer type that holds k) and row-major. A sparse form keeps only the non-abstain votes
 * (compressed rows), for matrices like 20,000 items x 800 crowd workers.
 *
 * Both storages behave the same through this API; choose with wsl_storage or let
 * WSL_STORAGE_AUTO pick the smaller one.
 */
#ifndef WSL_VOTES_H
#define WSL_VOTES_H

#include "wsl/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wsl_label_matrix wsl_label_matrix;

/** How votes are stored. */
typedef enum wsl_storage {
    WSL_STORAGE_AUTO = 0,   /**< dense, or sparse when that takes less than half the memory */
    WSL_STORAGE_DENSE = 1,  /**< n x m cells of 1, 2 or 4 bytes */
    WSL_STORAGE_SPARSE = 2  /**< compressed sparse rows: only non-abstain votes */
} wsl_storage;

/** One vote in long form: record `item` got `label` from `source`. */
typedef struct wsl_triple {
    size_t item;
    size_t source;
    int32_t label;
} wsl_triple;

/** Summary figures of a label matrix. */
typedef struct wsl_label_matrix_stats {
    size_t n_points;      /**< records (rows) */
    size_t n_sources;     /**< sources (columns) */
    int32_t cardinality;  /**< classes k */
    wsl_storage storage;  /**< WSL_STORAGE_DENSE or WSL_STORAGE_SPARSE */
    size_t n_votes;       /**< non-abstain votes */
    size_t n_covered;     /**< rows with at least one vote */
    double coverage;      /**< n_covered / n_points (0 when n_points is 0) */
    double density;       /**< n_votes / (n_points * n_sources) (0 when empty) */
    size_t bytes;         /**< memory held by the votes */
} wsl_label_matrix_stats;

/* ---------------------------------------------------------------- Creation */

/**
 * Create an n x m label matrix with every vote WSL_ABSTAIN.
 * @param[out] out   the new matrix; NULL on failure.
 * @param n          rows (records); may be 0 and grown with wsl_label_matrix_append_row().
 * @param m          columns (sources), >= 1.
 * @param k          classes, 1..WSL_MAX_CARDINALITY.
 * @param storage    WSL_STORAGE_AUTO (dense here, since nothing is voted yet), _DENSE or _SPARSE.
 * @param alloc      allocator copied into the matrix, or NULL for the C library's.
 * @return WSL_OK, WSL_EINVAL (NULL out, m == 0, bad k or storage), WSL_ENOMEM (also when n*m
 *         overflows).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_create(wsl_label_matrix **out, size_t n, size_t m, int32_t k,
                                           wsl_storage storage, const wsl_allocator *alloc);

/**
 * Create a label matrix from a caller buffer of int32 votes, row-major with leading dimension
 * ld (>= m): vote (i, j) is data[i * ld + j]. The data is copied.
 * @return WSL_OK, WSL_EINVAL (NULL pointers, m == 0, ld < m, bad k or storage),
 *         WSL_ERANGE (a vote outside -1..k-1; the message names row and column), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_from_buffer(wsl_label_matrix **out, const int32_t *data,
                                                size_t n, size_t m, size_t ld, int32_t k,
                                                wsl_storage storage,
                                                const wsl_allocator *alloc);

/**
 * Create a label matrix from (item, source, label) triples, crowd-kit's long form.
 * n and m give the shape; 0 means "one more than the largest index seen". A triple whose label
 * is WSL_ABSTAIN is ignored. When one (item, source) pair occurs more than once, the first
 * answer is kept and later ones are counted in *n_duplicates (may be NULL).
 * @return WSL_OK, WSL_EINVAL (NULL pointers, bad k or storage, m would be 0),
 *         WSL_ERANGE (an index >= n or m, or a label outside -1..k-1; the message names the
 *         triple), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_from_triples(wsl_label_matrix **out, const wsl_triple *triples,
                                                 size_t n_triples, size_t n, size_t m, int32_t k,
                                                 wsl_storage storage, const wsl_allocator *alloc,
                                                 size_t *n_duplicates);

/**
 * Append one row of m votes (row-by-row construction, streams).
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_EDIM (len != m), WSL_ERANGE (a vote outside -1..k-1;
 *         nothing is appended), WSL_ENOMEM (nothing is appended).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_append_row(wsl_label_matrix *L, const int32_t *row, size_t len);

/**
 * Copy L into a new matrix with the given storage (WSL_STORAGE_AUTO picks the smaller).
 * @return WSL_OK, WSL_EINVAL, WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_convert(wsl_label_matrix **out, const wsl_label_matrix *L,
                                            wsl_storage storage);

/**
 * Copy the rows of L that have at least one vote into a new matrix (same storage), and their
 * row indices in L into kept[0..n_kept) when kept is not NULL (kept_len >= n_points(L)).
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_EBUFS (kept_len too small), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_filter_unlabeled(wsl_label_matrix **out,
                                                     const wsl_label_matrix *L, size_t *kept,
                                                     size_t kept_len, size_t *n_kept);

/** Free a label matrix. NULL is a no-op. @since 0.1 */
WSL_API void wsl_label_matrix_free(wsl_label_matrix *L);

/* ---------------------------------------------------------------- Access */

/** Rows (records); 0 for NULL. @since 0.1 */
WSL_API size_t wsl_label_matrix_n_points(const wsl_label_matrix *L);
/** Columns (sources); 0 for NULL. @since 0.1 */
WSL_API size_t wsl_label_matrix_n_sources(const wsl_label_matrix *L);
/** Classes k; 0 for NULL. @since 0.1 */
WSL_API int32_t wsl_label_matrix_cardinality(const wsl_label_matrix *L);
/** WSL_STORAGE_DENSE or WSL_STORAGE_SPARSE (WSL_STORAGE_AUTO for NULL). @since 0.1 */
WSL_API wsl_storage wsl_label_matrix_storage(const wsl_label_matrix *L);

/**
 * Read vote (i, j) into *out.
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_ERANGE (i >= n or j >= m).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_get(const wsl_label_matrix *L, size_t i, size_t j, int32_t *out);

/**
 * Set vote (i, j) to v (-1..k-1). On sparse storage this moves the votes after (i, j): build
 * sparse matrices with from_triples or append_row rather than cell by cell.
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_ERANGE (i, j or v out of range), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_set(wsl_label_matrix *L, size_t i, size_t j, int32_t v);

/**
 * Copy row i (m votes, abstains included) into row[0..m).
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_ERANGE (i >= n), WSL_EBUFS (len < m; nothing written).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_row(const wsl_label_matrix *L, size_t i, int32_t *row, size_t len);

/**
 * Copy all votes into a row-major n x m int32 buffer of at least len = n*m elements.
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_EBUFS (len < n*m; nothing written).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_to_buffer(const wsl_label_matrix *L, int32_t *out, size_t len);

/**
 * Summary figures: shape, votes, coverage, density, memory.
 * @return WSL_OK, WSL_EINVAL (NULL).
 * @since 0.1
 */
WSL_API wsl_status wsl_label_matrix_stats_get(const wsl_label_matrix *L, wsl_label_matrix_stats *out);


/* ---------------------------------------------------------------- Vote patterns */

/*
 * A pattern table holds the distinct rows of one or more label matrices with integer counts.
 * Label models iterate over patterns, never over records: 10 binary sources give at most 3^10
 * patterns however many records there are. Tables are mergeable (streams, threads, processes
 * each build one and add them) and integer counts make a fit identical whatever the merge order.
 */
typedef struct wsl_pattern_table wsl_pattern_table;

/**
 * Create an empty pattern table for m sources and k classes.
 * @return WSL_OK, WSL_EINVAL (NULL out, m == 0, bad k), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_pattern_table_create(wsl_pattern_table **out, size_t m, int32_t k,
                                            const wsl_allocator *alloc);

/**
 * Count the rows of L into T. If row_pattern is not NULL it receives, for each row i of L,
 * the index of its pattern in T (indices are stable: adding more rows never renumbers).
 * @param row_pattern  NULL, or an array of at least len >= n_points(L) entries.
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_EDIM (L has a different m or k than T),
 *         WSL_EBUFS (len < n_points), WSL_ENOMEM (T keeps the rows counted before the failure
 *         only if the failure was not midway; treat T as unusable after WSL_ENOMEM).
 * @since 0.1
 */
WSL_API wsl_status wsl_pattern_table_add(wsl_pattern_table *T, const wsl_label_matrix *L,
                                         size_t *row_pattern, size_t len);

/**
 * Count one row of m votes `count` times.
 * @return WSL_OK, WSL_EINVAL, WSL_EDIM (len != m), WSL_ERANGE (a vote outside -1..k-1),
 *         WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_pattern_table_add_row(wsl_pattern_table *T, const int32_t *row, size_t len,
                                             uint64_t count);

/**
 * Add every pattern and count of src into T.
 * @return WSL_OK, WSL_EINVAL, WSL_EDIM (different m or k), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_pattern_table_merge(wsl_pattern_table *T, const wsl_pattern_table *src);

/** Distinct patterns (0 for NULL). @since 0.1 */
WSL_API size_t wsl_pattern_table_n_patterns(const wsl_pattern_table *T);
/** Rows counted, the sum of the counts (0 for NULL). @since 0.1 */
WSL_API uint64_t wsl_pattern_table_n_rows(const wsl_pattern_table *T);
/** Sources m (0 for NULL). @since 0.1 */
WSL_API size_t wsl_pattern_table_n_sources(const wsl_pattern_table *T);
/** Classes k (0 for NULL). @since 0.1 */
WSL_API int32_t wsl_pattern_table_cardinality(const wsl_pattern_table *T);

/**
 * Read pattern p: its m votes into row[0..m) and its count into *count (either may be NULL).
 * @return WSL_OK, WSL_EINVAL, WSL_ERANGE (p >= n_patterns), WSL_EBUFS (row && len < m).
 * @since 0.1
 */
WSL_API wsl_status wsl_pattern_table_get(const wsl_pattern_table *T, size_t p, int32_t *row,
                                         size_t len, uint64_t *count);

/** Free a pattern table. NULL is a no-op. @since 0.1 */
WSL_API void wsl_pattern_table_free(wsl_pattern_table *T);

#ifdef __cplusplus
}
#endif

#endif /* WSL_VOTES_H */
