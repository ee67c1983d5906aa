#include "label_matrix_impl.h"

#include <string.h>

unsigned wsl__vote_elem(int32_t k)
{
    if (k <= INT8_MAX)
        return 1;
    if (k <= INT16_MAX)
        return 2;
    return 4;
}

static wsl_status check_shape(const char *fn, size_t m, int32_t k, wsl_storage storage)
{
    if (m == 0)
        return wsl__error(WSL_EINVAL, "%s: m (sources) must be >= 1 (got 0)", fn);
    if (k < 1 || k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EINVAL, "%s: k (classes) must be in 1..%d (got %ld)", fn,
                          WSL_MAX_CARDINALITY, (long)k);
    if (storage != WSL_STORAGE_AUTO && storage != WSL_STORAGE_DENSE &&
        storage != WSL_STORAGE_SPARSE)
        return wsl__error(WSL_EINVAL, "%s: storage must be WSL_STORAGE_AUTO, _DENSE or _SPARSE "
                                      "(got %d)", fn, (int)storage);
    if (storage == WSL_STORAGE_SPARSE && m > UINT32_MAX)
        return wsl__error(WSL_EINVAL, "%s: sparse storage takes at most %lu sources (got %zu)",
                          fn, (unsigned long)UINT32_MAX, m);
    return WSL_OK;
}

static wsl_status vote_range_error(const char *fn, size_t i, size_t j, int32_t v, int32_t k)
{
    return wsl__error(WSL_ERANGE, "%s: vote %ld at row %zu, column %zu is outside -1..%ld", fn,
                      (long)v, i, j, (long)k - 1);
}

/* A matrix with no rows allocated yet. */
static wsl_status new_empty(wsl_label_matrix **out, size_t m, int32_t k, wsl_storage storage,
                            const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl_label_matrix *L = wsl__malloc(&a, sizeof *L);
    if (!L)
        return WSL_ENOMEM;
    memset(L, 0, sizeof *L);
    L->alloc = a;
    L->m = m;
    L->k = k;
    L->storage = storage == WSL_STORAGE_SPARSE ? WSL_STORAGE_SPARSE : WSL_STORAGE_DENSE;
    L->elem = wsl__vote_elem(k);
    if (L->storage == WSL_STORAGE_SPARSE) {
        L->row_ptr = wsl__calloc(&a, 1, sizeof *L->row_ptr);
        if (!L->row_ptr) {
            wsl__free(&a, L);
            return WSL_ENOMEM;
        }
    }
    *out = L;
    return WSL_OK;
}

/* Make room for at least rows rows (dense cells or sparse row pointers), new rows abstaining. */
static wsl_status reserve_rows(wsl_label_matrix *L, size_t rows)
{
    size_t cap = L->row_cap ? L->row_cap : 16;
    if (rows <= L->row_cap)
        return WSL_OK;
    while (cap < rows)
        cap = cap > SIZE_MAX / 2 ? rows : cap * 2;
    if (L->storage == WSL_STORAGE_DENSE) {
        size_t cells, bytes;
        void *p;
        if (!wsl__mul_size(&cells, cap, L->m) || !wsl__mul_size(&bytes, cells, L->elem)) {
            cap = rows;
            if (!wsl__mul_size(&cells, cap, L->m) || !wsl__mul_size(&bytes, cells, L->elem))
                return wsl__error(WSL_ENOMEM, "label matrix of %zu x %zu votes overflows memory",
                                  rows, L->m);
        }
        p = wsl__realloc(&L->alloc, L->cells, bytes);
        if (!p)
            return WSL_ENOMEM;
        L->cells = p;
        /* -1 in every width is all bits set. */
        memset((char *)p + L->row_cap * L->m * L->elem, 0xff, (cap - L->row_cap) * L->m * L->elem);
    } else {
        size_t *p;
        if (cap == SIZE_MAX)
            return wsl__error(WSL_ENOMEM, "label matrix of %zu rows overflows memory", rows);
        p = wsl__reallocarray(&L->alloc, L->row_ptr, cap + 1, sizeof *p);
        if (!p)
            return WSL_ENOMEM;
        L->row_ptr = p;
    }
    L->row_cap = cap;
    return WSL_OK;
}

static wsl_status reserve_nnz(wsl_label_matrix *L, size_t nnz)
{
    size_t cap = L->nnz_cap ? L->nnz_cap : 64;
    uint32_t *c;
    void *v;
    if (nnz <= L->nnz_cap)
        return WSL_OK;
    while (cap < nnz)
        cap = cap > SIZE_MAX / 4 ? nnz : cap * 2;
    c = wsl__reallocarray(&L->alloc, L->cols, cap, sizeof *c);
    if (!c)
        return WSL_ENOMEM;
    L->cols = c;
    v = wsl__reallocarray(&L->alloc, L->vals, cap, L->elem);
    if (!v)
        return WSL_ENOMEM;
    L->vals = v;
    L->nnz_cap = cap;
    return WSL_OK;
}

/* Set row count to n (n <= row_cap), new sparse rows empty. */
static void grow_to(wsl_label_matrix *L, size_t n)
{
    if (L->storage == WSL_STORAGE_SPARSE) {
        for (size_t i = L->n + 1; i <= n; i++)
            L->row_ptr[i] = L->nnz;
    }
    L->n = n;
}

wsl_status wsl_label_matrix_create(wsl_label_matrix **out, size_t n, size_t m, int32_t k,
                                   wsl_storage storage, const wsl_allocator *alloc)
{
    wsl_label_matrix *L = NULL;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_TRY(check_shape(__func__, m, k, storage));
    WSL_TRY(new_empty(&L, m, k, storage, alloc));
    if (n > 0 && (st = reserve_rows(L, n)) != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    grow_to(L, n);
    *out = L;
    return WSL_OK;
}

void wsl_label_matrix_free(wsl_label_matrix *L)
{
    if (!L)
        return;
    wsl_allocator a = L->alloc;
    wsl__free(&a, L->cells);
    wsl__free(&a, L->row_ptr);
    wsl__free(&a, L->cols);
    wsl__free(&a, L->vals);
    wsl__free(&a, L);
}

static wsl_status check_row(const char *fn, const wsl_label_matrix *L, size_t i, const int32_t *row,
                            size_t *nnz)
{
    size_t c = 0;
    for (size_t j = 0; j < L->m; j++) {
        int32_t v = row[j];
        if (v < WSL_ABSTAIN || v >= L->k)
            return vote_range_error(fn, i, j, v, L->k);
        c += v != WSL_ABSTAIN;
    }
    *nnz = c;
    return WSL_OK;
}

/* Append a validated row holding nnz votes. */
static wsl_status push_row(wsl_label_matrix *L, const int32_t *row, size_t nnz)
{
    size_t i = L->n;
    WSL_TRY(reserve_rows(L, i + 1));
    if (L->storage == WSL_STORAGE_DENSE) {
        size_t base = i * L->m;
        for (size_t j = 0; j < L->m; j++)
            wsl__store_vote(L->cells, L->elem, base + j, row[j]);
    } else {
        size_t p = L->nnz;
        WSL_TRY(reserve_nnz(L, L->nnz + nnz));
        for (size_t j = 0; j < L->m; j++) {
            if (row[j] == WSL_ABSTAIN)
                continue;
            L->cols[p] = (uint32_t)j;
            wsl__store_vote(L->vals, L->elem, p, row[j]);
            p++;
        }
        L->nnz = p;
        L->row_ptr[i + 1] = p;
    }
    L->n = i + 1;
    return WSL_OK;
}

wsl_status wsl_label_matrix_append_row(wsl_label_matrix *L, const int32_t *row, size_t len)
{
    size_t nnz = 0;
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(row != NULL);
    if (len != L->m)
        return wsl__error(WSL_EDIM, "%s: row has %zu votes, matrix has %zu sources", __func__,
                          len, L->m);
    WSL_TRY(check_row(__func__, L, L->n, row, &nnz));
    return push_row(L, row, nnz);
}

wsl_storage wsl__pick_storage(size_t n, size_t m, int32_t k, size_t nnz)
{
    unsigned elem = wsl__vote_elem(k);
    double dense = (double)n * (double)m * elem;
    double sparse = (double)nnz * (sizeof(uint32_t) + elem) + (double)(n + 1) * sizeof(size_t);
    if (m <= UINT32_MAX && sparse < 0.5 * dense)
        return WSL_STORAGE_SPARSE;
    return WSL_STORAGE_DENSE;
}

wsl_status wsl_label_matrix_from_buffer(wsl_label_matrix **out, const int32_t *data, size_t n,
                                        size_t m, size_t ld, int32_t k, wsl_storage storage,
                                        const wsl_allocator *alloc)
{
    wsl_label_matrix *L = NULL;
    wsl_status st = WSL_OK;
    size_t total = 0, cells;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(data != NULL || n == 0);
    WSL_TRY(check_shape(__func__, m, k, storage));
    if (ld < m)
        return wsl__error(WSL_EINVAL, "%s: ld must be >= m (got ld %zu, m %zu)", __func__, ld, m);
    if (!wsl__mul_size(&cells, n, ld))
        return wsl__error(WSL_EINVAL, "%s: n * ld overflows (n %zu, ld %zu)", __func__, n, ld);
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        WSL_TRY(check_row(__func__, &(wsl_label_matrix){.m = m, .k = k}, i, data + i * ld, &c));
        total += c;
    }
    if (storage == WSL_STORAGE_AUTO)
        storage = wsl__pick_storage(n, m, k, total);
    WSL_TRY(new_empty(&L, m, k, storage, alloc));
    if ((st = reserve_rows(L, n)) != WSL_OK)
        goto done;
    if (storage == WSL_STORAGE_SPARSE && (st = reserve_nnz(L, total)) != WSL_OK)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const int32_t *row = data + i * ld;
        size_t c = 0;
        if (storage == WSL_STORAGE_SPARSE)
            for (size_t j = 0; j < m; j++)
                c += row[j] != WSL_ABSTAIN;
        if ((st = push_row(L, row, c)) != WSL_OK)
            goto done;
    }
done:
    if (st != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    *out = L;
    return WSL_OK;
}

/* Order triples by (item, source), keeping input order among equal keys (first answer wins). */
typedef struct {
    size_t item, source, order;
    int32_t label;
} keyed_triple;

static void sort_triples(keyed_triple *a, keyed_triple *tmp, size_t n)
{
    /* Bottom-up merge sort: stable, O(n log n), no recursion. */
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                const keyed_triple *x = &a[i], *y = &a[j];
                int y_first = y->item < x->item || (y->item == x->item && y->source < x->source);
                tmp[o++] = y_first ? a[j++] : a[i++];
            }
            while (i < mid)
                tmp[o++] = a[i++];
            while (j < hi)
                tmp[o++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof *a);
        if (width > SIZE_MAX / 2)
            break;
    }
}

wsl_status wsl_label_matrix_from_triples(wsl_label_matrix **out, const wsl_triple *triples,
                                         size_t n_triples, size_t n, size_t m, int32_t k,
                                         wsl_storage storage, const wsl_allocator *alloc,
                                         size_t *n_duplicates)
{
    wsl_allocator a = wsl__allocator(alloc);
    keyed_triple *kt = NULL, *tmp = NULL;
    wsl_label_matrix *L = NULL;
    size_t used = 0, dups = 0, max_item = 0, max_source = 0;
    wsl_status st = WSL_OK;

    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    if (n_duplicates)
        *n_duplicates = 0;
    WSL_CHECK_ARG(triples != NULL || n_triples == 0);
    WSL_TRY(check_shape(__func__, m ? m : 1, k, storage));
    for (size_t t = 0; t < n_triples; t++) {
        const wsl_triple *tr = &triples[t];
        if (tr->label < WSL_ABSTAIN || tr->label >= k)
            return wsl__error(WSL_ERANGE, "%s: triple %zu (item %zu, source %zu) has label %ld "
                                          "outside -1..%ld", __func__, t, tr->item, tr->source,
                              (long)tr->label, (long)k - 1);
        if ((n && tr->item >= n) || (m && tr->source >= m))
            return wsl__error(WSL_ERANGE, "%s: triple %zu has item %zu, source %zu; the matrix "
                                          "is %zu x %zu", __func__, t, tr->item, tr->source, n, m);
        if (tr->item == SIZE_MAX || tr->source >= UINT32_MAX)
            return wsl__error(WSL_ERANGE, "%s: triple %zu has item %zu, source %zu: too large",
                              __func__, t, tr->item, tr->source);
        if (tr->item + 1 > max_item)
            max_item = tr->item + 1;
        if (tr->source + 1 > max_source)
            max_source = tr->source + 1;
    }
    if (!n)
        n = max_item;
    if (!m)
        m = max_source;
    if (m == 0)
        return wsl__error(WSL_EINVAL, "%s: no triples and m == 0: the number of sources is "
                                      "unknown", __func__);
    kt = wsl__mallocarray(&a, n_triples, sizeof *kt);
    tmp = wsl__mallocarray(&a, n_triples, sizeof *tmp);
    if (!kt || !tmp) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t t = 0; t < n_triples; t++) {
        if (triples[t].label == WSL_ABSTAIN)
            continue;
        kt[used].item = triples[t].item;
        kt[used].source = triples[t].source;
        kt[used].label = triples[t].label;
        kt[used].order = t;
        used++;
    }
    sort_triples(kt, tmp, used);
    /* Drop repeated (item, source) pairs, keeping the first answer. */
    {
        size_t w = 0;
        for (size_t t = 0; t < used; t++) {
            if (w > 0 && kt[w - 1].item == kt[t].item && kt[w - 1].source == kt[t].source) {
                dups++;
                continue;
            }
            kt[w++] = kt[t];
        }
        used = w;
    }
    if (storage == WSL_STORAGE_AUTO)
        storage = wsl__pick_storage(n, m, k, used);
    if ((st = check_shape(__func__, m, k, storage)) != WSL_OK)
        goto done;
    if ((st = wsl_label_matrix_create(&L, n, m, k, storage, &a)) != WSL_OK)
        goto done;
    if (storage == WSL_STORAGE_SPARSE) {
        size_t t = 0;
        if ((st = reserve_nnz(L, used)) != WSL_OK)
            goto done;
        for (size_t i = 0; i < n; i++) {
            L->row_ptr[i] = t;
            while (t < used && kt[t].item == i) {
                L->cols[t] = (uint32_t)kt[t].source;
                wsl__store_vote(L->vals, L->elem, t, kt[t].label);
                t++;
            }
        }
        L->row_ptr[n] = t;
        L->nnz = t;
    } else {
        for (size_t t = 0; t < used; t++)
            wsl__store_vote(L->cells, L->elem, kt[t].item * m + kt[t].source, kt[t].label);
    }
done:
    wsl__free(&a, kt);
    wsl__free(&a, tmp);
    if (st != WSL_OK) {
        wsl_label_matrix_free(L);
        return st;
    }
    if (n_duplicates)
        *n_duplicates = dups;
    *out = L;
    return WSL_OK;
}

wsl_status wsl__label_matrix_grow(wsl_label_matrix *L, size_t rows)
{
    size_t n;
    if (!wsl__add_size(&n, L->n, rows))
        return wsl__error(WSL_ENOMEM, "label matrix of %zu + %zu rows overflows", L->n, rows);
    WSL_TRY(reserve_rows(L, n));
    grow_to(L, n);
    return WSL_OK;
}

void wsl__label_matrix_adopt_cells(wsl_label_matrix *L, void *cells, size_t n, size_t row_cap)
{
    wsl__free(&L->alloc, L->cells);
    L->cells = cells;
    L->n = n;
    L->row_cap = row_cap;
}

size_t wsl__lm_row_votes(const wsl_label_matrix *L, size_t i, uint32_t *cols, int32_t *vals)
{
    size_t c = 0;
    if (L->storage == WSL_STORAGE_SPARSE) {
        for (size_t p = L->row_ptr[i]; p < L->row_ptr[i + 1]; p++, c++) {
            cols[c] = L->cols[p];
            vals[c] = wsl__load_vote(L->vals, L->elem, p);
        }
        return c;
    }
    /* Every cell is written at the next free place and kept only if it is a vote: no branch
     * on the vote (abstains come and go at random), and c <= j keeps it inside m entries. */
    if (L->elem == 1) {
        const int8_t *row = (const int8_t *)L->cells + i * L->m;
        for (size_t j = 0; j < L->m; j++) {
            int32_t v = row[j];
            cols[c] = (uint32_t)j;
            vals[c] = v;
            c += v != WSL_ABSTAIN;
        }
        return c;
    }
    for (size_t j = 0; j < L->m; j++) {
        int32_t v = wsl__load_vote(L->cells, L->elem, i * L->m + j);
        cols[c] = (uint32_t)j;
        vals[c] = v;
        c += v != WSL_ABSTAIN;
    }
    return c;
}

wsl_status wsl_label_matrix_convert(wsl_label_matrix **out, const wsl_label_matrix *L,
                                    wsl_storage storage)
{
    wsl_label_matrix *R = NULL;
    int32_t *row = NULL;
    wsl_status st = WSL_OK;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(L != NULL);
    WSL_TRY(check_shape(__func__, L->m, L->k, storage));
    if (storage == WSL_STORAGE_AUTO) {
        size_t nnz = L->storage == WSL_STORAGE_SPARSE ? L->nnz : 0;
        if (L->storage == WSL_STORAGE_DENSE)
            for (size_t c = 0; c < L->n * L->m; c++)
                nnz += wsl__load_vote(L->cells, L->elem, c) != WSL_ABSTAIN;
        storage = wsl__pick_storage(L->n, L->m, L->k, nnz);
    }
    WSL_TRY(new_empty(&R, L->m, L->k, storage, &L->alloc));
    row = wsl__mallocarray(&R->alloc, L->m, sizeof *row);
    if (!row || (st = reserve_rows(R, L->n)) != WSL_OK) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < L->n; i++) {
        size_t c = 0;
        for (size_t j = 0; j < L->m; j++) {
            row[j] = wsl__lm_get(L, i, j);
            c += row[j] != WSL_ABSTAIN;
        }
        if ((st = push_row(R, row, c)) != WSL_OK)
            goto done;
    }
done:
    wsl__free(&R->alloc, row);
    if (st != WSL_OK) {
        wsl_label_matrix_free(R);
        return st;
    }
    *out = R;
    return WSL_OK;
}

size_t wsl_label_matrix_n_points(const wsl_label_matrix *L)
{
    return L ? L->n : 0;
}

size_t wsl_label_matrix_n_sources(const wsl_label_matrix *L)
{
    return L ? L->m : 0;
}

int32_t wsl_label_matrix_cardinality(const wsl_label_matrix *L)
{
    return L ? L->k : 0;
}

wsl_storage wsl_label_matrix_storage(const wsl_label_matrix *L)
{
    return L ? L->storage : WSL_STORAGE_AUTO;
}

static wsl_status check_cell(const char *fn, const wsl_label_matrix *L, size_t i, size_t j)
{
    if (i >= L->n || j >= L->m)
        return wsl__error(WSL_ERANGE, "%s: cell (%zu, %zu) is outside the %zu x %zu matrix", fn,
                          i, j, L->n, L->m);
    return WSL_OK;
}

wsl_status wsl_label_matrix_get(const wsl_label_matrix *L, size_t i, size_t j, int32_t *out)
{
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(out != NULL);
    WSL_TRY(check_cell(__func__, L, i, j));
    *out = wsl__lm_get(L, i, j);
    return WSL_OK;
}

wsl_status wsl_label_matrix_set(wsl_label_matrix *L, size_t i, size_t j, int32_t v)
{
    size_t p, end;
    WSL_CHECK_ARG(L != NULL);
    WSL_TRY(check_cell(__func__, L, i, j));
    if (v < WSL_ABSTAIN || v >= L->k)
        return vote_range_error(__func__, i, j, v, L->k);
    if (L->storage == WSL_STORAGE_DENSE) {
        wsl__store_vote(L->cells, L->elem, i * L->m + j, v);
        return WSL_OK;
    }
    end = L->row_ptr[i + 1];
    for (p = L->row_ptr[i]; p < end && L->cols[p] < j; p++)
        ;
    if (p < end && L->cols[p] == j) {
        if (v != WSL_ABSTAIN) {
            wsl__store_vote(L->vals, L->elem, p, v);
            return WSL_OK;
        }
        /* Remove the entry. */
        memmove(L->cols + p, L->cols + p + 1, (L->nnz - p - 1) * sizeof *L->cols);
        memmove((char *)L->vals + p * L->elem, (char *)L->vals + (p + 1) * L->elem,
                (L->nnz - p - 1) * L->elem);
        L->nnz--;
        for (size_t r = i + 1; r <= L->n; r++)
            L->row_ptr[r]--;
        return WSL_OK;
    }
    if (v == WSL_ABSTAIN)
        return WSL_OK;
    WSL_TRY(reserve_nnz(L, L->nnz + 1));
    memmove(L->cols + p + 1, L->cols + p, (L->nnz - p) * sizeof *L->cols);
    memmove((char *)L->vals + (p + 1) * L->elem, (char *)L->vals + p * L->elem,
            (L->nnz - p) * L->elem);
    L->cols[p] = (uint32_t)j;
    wsl__store_vote(L->vals, L->elem, p, v);
    L->nnz++;
    for (size_t r = i + 1; r <= L->n; r++)
        L->row_ptr[r]++;
    return WSL_OK;
}

wsl_status wsl_label_matrix_row(const wsl_label_matrix *L, size_t i, int32_t *row, size_t len)
{
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(row != NULL);
    if (i >= L->n)
        return wsl__error(WSL_ERANGE, "%s: row %zu is outside the %zu rows", __func__, i, L->n);
    if (len < L->m)
        return wsl__error(WSL_EBUFS, "%s: buffer holds %zu votes, row has %zu", __func__, len,
                          L->m);
    if (L->storage == WSL_STORAGE_DENSE) {
        for (size_t j = 0; j < L->m; j++)
            row[j] = wsl__load_vote(L->cells, L->elem, i * L->m + j);
    } else {
        for (size_t j = 0; j < L->m; j++)
            row[j] = WSL_ABSTAIN;
        for (size_t p = L->row_ptr[i]; p < L->row_ptr[i + 1]; p++)
            row[L->cols[p]] = wsl__load_vote(L->vals, L->elem, p);
    }
    return WSL_OK;
}

wsl_status wsl_label_matrix_to_buffer(const wsl_label_matrix *L, int32_t *out, size_t len)
{
    size_t cells;
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(out != NULL || L->n == 0);
    if (!wsl__mul_size(&cells, L->n, L->m) || len < cells)
        return wsl__error(WSL_EBUFS, "%s: buffer holds %zu votes, matrix has %zu x %zu", __func__,
                          len, L->n, L->m);
    for (size_t i = 0; i < L->n; i++)
        wsl_label_matrix_row(L, i, out + i * L->m, L->m);
    return WSL_OK;
}

wsl_status wsl_label_matrix_stats_get(const wsl_label_matrix *L, wsl_label_matrix_stats *out)
{
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(out != NULL);
    memset(out, 0, sizeof *out);
    out->n_points = L->n;
    out->n_sources = L->m;
    out->cardinality = L->k;
    out->storage = L->storage;
    for (size_t i = 0; i < L->n; i++) {
        size_t c = 0;
        if (L->storage == WSL_STORAGE_SPARSE) {
            c = L->row_ptr[i + 1] - L->row_ptr[i];
        } else {
            for (size_t j = 0; j < L->m; j++)
                c += wsl__load_vote(L->cells, L->elem, i * L->m + j) != WSL_ABSTAIN;
        }
        out->n_votes += c;
        out->n_covered += c > 0;
    }
    if (L->n) {
        out->coverage = (double)out->n_covered / (double)L->n;
        out->density = (double)out->n_votes / ((double)L->n * (double)L->m);
    }
    if (L->storage == WSL_STORAGE_DENSE)
        out->bytes = L->row_cap * L->m * L->elem;
    else
        out->bytes = (L->row_cap + 1) * sizeof(size_t) + L->nnz_cap * (sizeof(uint32_t) + L->elem);
    return WSL_OK;
}

wsl_status wsl_label_matrix_filter_unlabeled(wsl_label_matrix **out, const wsl_label_matrix *L,
                                             size_t *kept, size_t kept_len, size_t *n_kept)
{
    wsl_label_matrix *R = NULL;
    int32_t *row = NULL;
    uint32_t *cols = NULL;
    wsl_status st = WSL_OK;
    size_t n = 0;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(L != NULL);
    if (kept && kept_len < L->n)
        return wsl__error(WSL_EBUFS, "%s: kept holds %zu indices, the matrix has %zu rows",
                          __func__, kept_len, L->n);
    WSL_TRY(new_empty(&R, L->m, L->k, L->storage, &L->alloc));
    row = wsl__mallocarray(&R->alloc, L->m, sizeof *row);
    cols = wsl__mallocarray(&R->alloc, L->m, sizeof *cols);
    if (!row || !cols) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < L->n; i++) {
        size_t nnz = wsl__lm_row_votes(L, i, cols, row);
        if (nnz == 0)
            continue;
        for (size_t j = 0; j < L->m; j++)
            row[j] = wsl__lm_get(L, i, j);
        if ((st = push_row(R, row, nnz)) != WSL_OK)
            goto done;
        if (kept)
            kept[n] = i;
        n++;
    }
done:
    wsl__free(&R->alloc, row);
    wsl__free(&R->alloc, cols);
    if (st != WSL_OK) {
        wsl_label_matrix_free(R);
        return st;
    }
    if (n_kept)
        *n_kept = n;
    *out = R;
    return WSL_OK;
}
