/* Internal layout of wsl_label_matrix, shared by the modules that read votes at speed. */
#ifndef WSL_SRC_LABEL_MATRIX_IMPL_H
#define WSL_SRC_LABEL_MATRIX_IMPL_H

#include "core/core.h"
#include "wsl/votes.h"

struct wsl_label_matrix {
    wsl_allocator alloc;
    size_t n, m;
    int32_t k;
    wsl_storage storage;  /* DENSE or SPARSE, never AUTO */
    unsigned elem;        /* bytes per stored vote: 1, 2 or 4 */
    size_t row_cap;       /* rows allocated */
    /* dense: row_cap * m cells */
    void *cells;
    /* sparse (CSR): row_ptr[row_cap + 1], cols/vals of nnz_cap entries; vals use `elem` bytes */
    size_t *row_ptr;
    uint32_t *cols;
    void *vals;
    size_t nnz, nnz_cap;
};

/* Bytes per vote needed for classes 0..k-1 plus -1. */
unsigned wsl__vote_elem(int32_t k);

static inline int32_t wsl__load_vote(const void *base, unsigned elem, size_t idx)
{
    switch (elem) {
    case 1:
        return ((const int8_t *)base)[idx];
    case 2:
        return ((const int16_t *)base)[idx];
    default:
        return ((const int32_t *)base)[idx];
    }
}

static inline void wsl__store_vote(void *base, unsigned elem, size_t idx, int32_t v)
{
    switch (elem) {
    case 1:
        ((int8_t *)base)[idx] = (int8_t)v;
        break;
    case 2:
        ((int16_t *)base)[idx] = (int16_t)v;
        break;
    default:
        ((int32_t *)base)[idx] = v;
        break;
    }
}

static inline int32_t wsl__lm_get(const wsl_label_matrix *L, size_t i, size_t j)
{
    if (L->storage == WSL_STORAGE_DENSE)
        return wsl__load_vote(L->cells, L->elem, i * L->m + j);
    for (size_t p = L->row_ptr[i]; p < L->row_ptr[i + 1]; p++) {
        if (L->cols[p] == j)
            return wsl__load_vote(L->vals, L->elem, p);
        if (L->cols[p] > j)
            break;
    }
    return WSL_ABSTAIN;
}

/* The rule of WSL_STORAGE_AUTO: sparse when it takes less than half the memory of dense. */
wsl_storage wsl__pick_storage(size_t n, size_t m, int32_t k, size_t nnz);

/* Add rows abstaining everywhere to a dense matrix (for writers that fill cells in place). */
wsl_status wsl__label_matrix_grow(wsl_label_matrix *L, size_t rows);

/* Hand a dense matrix with no rows a block of row_cap * m cells (L->elem bytes each, rows
 * beyond n abstaining) allocated with L's allocator; L owns it from now on. */
void wsl__label_matrix_adopt_cells(wsl_label_matrix *L, void *cells, size_t n, size_t row_cap);

/*
 * The non-abstain votes of row i, in column order, into cols/vals (each of capacity m: a dense
 * row may write past the returned count, up to m entries). Returns their number.
 */
size_t wsl__lm_row_votes(const wsl_label_matrix *L, size_t i, uint32_t *cols, int32_t *vals);

#endif
