/* Collecting parsed votes into a label matrix in the narrowest cell width. */
#include "io_internal.h"
#include "votes/label_matrix_impl.h"

#include <string.h>

void wsl__sink_init(wsl__vote_sink *s, size_t m, int32_t k, const wsl_allocator *alloc)
{
    memset(s, 0, sizeof *s);
    s->a = wsl__allocator(alloc);
    s->m = m;
    s->k = k;
    s->elem = k > 0 ? wsl__vote_elem(k) : 1;
    s->max_vote = WSL_ABSTAIN;
}

void wsl__sink_free(wsl__vote_sink *s)
{
    wsl__free(&s->a, s->cells);
    wsl__free(&s->a, s->row);
    s->cells = NULL;
    s->row = NULL;
    s->n = s->cap = 0;
}

static wsl_status cells_bytes(const wsl__vote_sink *s, size_t rows, unsigned elem, size_t *out)
{
    size_t cells;
    if (!wsl__mul_size(&cells, rows, s->m) || !wsl__mul_size(out, cells, elem))
        return wsl__error(WSL_ENOMEM, "label matrix of %zu x %zu votes overflows memory", rows,
                          s->m);
    return WSL_OK;
}

/* Widen every cell to elem bytes, in place from the end (new cells never overtake old ones). */
static wsl_status widen(wsl__vote_sink *s, unsigned elem)
{
    size_t bytes, count = s->cap * s->m;
    unsigned char *p;
    if (elem <= s->elem)
        return WSL_OK;
    if (s->cap > 0) {
        WSL_TRY(cells_bytes(s, s->cap, elem, &bytes));
        p = wsl__realloc(&s->a, s->cells, bytes);
        if (!p)
            return WSL_ENOMEM;
        s->cells = p;
        for (size_t c = count; c-- > 0;)
            wsl__store_vote(p, elem, c, wsl__load_vote(p, s->elem, c));
    }
    s->elem = elem;
    return WSL_OK;
}

static wsl_status note_vote(wsl__vote_sink *s, int32_t v)
{
    if (v > s->max_vote) {
        s->max_vote = v;
        WSL_TRY(widen(s, wsl__vote_elem(v + 1)));
    }
    return WSL_OK;
}

wsl_status wsl__sink_reserve(wsl__vote_sink *s, size_t rows)
{
    size_t cap, bytes, old_bytes;
    unsigned char *p;
    if (rows <= s->cap)
        return WSL_OK;
    cap = s->cap ? s->cap : 64;
    while (cap < rows)
        cap = cap > SIZE_MAX / 2 ? rows : cap * 2;
    if (cells_bytes(s, cap, s->elem, &bytes) != WSL_OK) {
        cap = rows;
        WSL_TRY(cells_bytes(s, cap, s->elem, &bytes));
    }
    p = wsl__realloc(&s->a, s->cells, bytes);
    if (!p)
        return WSL_ENOMEM;
    old_bytes = s->cap * s->m * s->elem;
    /* -1 in every width is all bits set. */
    memset(p + old_bytes, 0xff, bytes - old_bytes);
    s->cells = p;
    s->cap = cap;
    return WSL_OK;
}

wsl_status wsl__sink_push_row(wsl__vote_sink *s, const int32_t *row)
{
    size_t base;
    for (size_t j = 0; j < s->m; j++)
        WSL_TRY(note_vote(s, row[j]));
    WSL_TRY(wsl__sink_reserve(s, s->n + 1));
    base = s->n * s->m;
    for (size_t j = 0; j < s->m; j++)
        wsl__store_vote(s->cells, s->elem, base + j, row[j]);
    s->n++;
    return WSL_OK;
}

wsl_status wsl__sink_set(wsl__vote_sink *s, size_t i, size_t j, int32_t v)
{
    WSL_TRY(note_vote(s, v));
    wsl__store_vote(s->cells, s->elem, i * s->m + j, v);
    if (i >= s->n)
        s->n = i + 1;
    return WSL_OK;
}

int32_t wsl__sink_k(const wsl__vote_sink *s)
{
    if (s->k > 0)
        return s->k;
    return s->max_vote + 1 > 2 ? s->max_vote + 1 : 2;
}

wsl_status wsl__sink_finish(wsl__vote_sink *s, wsl_storage storage, wsl_label_matrix **out)
{
    wsl_label_matrix *L = NULL;
    wsl_status st = WSL_OK;
    int32_t k = wsl__sink_k(s);

    *out = NULL;
    if (storage == WSL_STORAGE_AUTO) {
        size_t nnz = 0;
        for (size_t c = 0; c < s->n * s->m; c++)
            nnz += wsl__load_vote(s->cells, s->elem, c) != WSL_ABSTAIN;
        storage = wsl__pick_storage(s->n, s->m, k, nnz);
    }
    if ((st = wsl_label_matrix_create(&L, 0, s->m, k, storage, &s->a)) != WSL_OK)
        goto done;
    if (storage == WSL_STORAGE_DENSE && L->elem == s->elem) {
        /* Adopt the cells: shrink to fit when possible (failure keeps the larger block). */
        if (s->n > 0 && s->n < s->cap) {
            size_t bytes = s->n * s->m * s->elem;
            unsigned char *p = s->a.realloc_fn ? s->a.realloc_fn(s->cells, bytes, s->a.payload)
                                               : NULL;
            if (p) {
                s->cells = p;
                s->cap = s->n;
            }
        }
        if (s->n > 0) {
            wsl__label_matrix_adopt_cells(L, s->cells, s->n, s->cap);
            s->cells = NULL;
            s->cap = 0;
        }
        goto done;
    }
    s->row = wsl__mallocarray(&s->a, s->m, sizeof *s->row);
    if (!s->row) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = 0; j < s->m; j++)
            s->row[j] = wsl__load_vote(s->cells, s->elem, i * s->m + j);
        if ((st = wsl_label_matrix_append_row(L, s->row, s->m)) != WSL_OK)
            goto done;
    }
done:
    wsl__sink_free(s);
    if (st != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    *out = L;
    return WSL_OK;
}
