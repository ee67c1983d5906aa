/* The label matrix: construction, access, storage conversion, failure paths, OOM. */
#include "wsl_test_util.h"

#include <stdlib.h>
#include <string.h>

static const int32_t small[] = {
    0, -1, 1,  /* row 0 */
    -1, -1, -1, /* row 1: uncovered */
    1, 1, -1,  /* row 2 */
    2, 0, 0,   /* row 3 */
};

static void assert_same_as_small(const wsl_label_matrix *L)
{
    int32_t row[3];
    ck_assert_uint_eq(wsl_label_matrix_n_points(L), 4);
    ck_assert_uint_eq(wsl_label_matrix_n_sources(L), 3);
    for (size_t i = 0; i < 4; i++) {
        WSL_ASSERT_OK(wsl_label_matrix_row(L, i, row, 3));
        for (size_t j = 0; j < 3; j++) {
            int32_t v;
            WSL_ASSERT_OK(wsl_label_matrix_get(L, i, j, &v));
            ck_assert_int_eq(v, small[i * 3 + j]);
            ck_assert_int_eq(row[j], small[i * 3 + j]);
        }
    }
}

START_TEST(test_from_buffer_both_storages)
{
    wsl_storage storages[] = {WSL_STORAGE_DENSE, WSL_STORAGE_SPARSE, WSL_STORAGE_AUTO};
    for (size_t s = 0; s < 3; s++) {
        wsl_label_matrix *L = NULL;
        wsl_label_matrix_stats st;
        WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, storages[s], NULL));
        assert_same_as_small(L);
        ck_assert_int_eq(wsl_label_matrix_cardinality(L), 3);
        WSL_ASSERT_OK(wsl_label_matrix_stats_get(L, &st));
        ck_assert_uint_eq(st.n_votes, 7);
        ck_assert_uint_eq(st.n_covered, 3);
        ck_assert_double_eq_tol(st.coverage, 0.75, 1e-12);
        ck_assert_double_eq_tol(st.density, 7.0 / 12.0, 1e-12);
        if (storages[s] != WSL_STORAGE_AUTO)
            ck_assert_int_eq(wsl_label_matrix_storage(L), storages[s]);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_leading_dimension)
{
    int32_t buf[4 * 5];
    wsl_label_matrix *L = NULL;
    for (size_t i = 0; i < 20; i++)
        buf[i] = 99; /* padding must never be read */
    for (size_t i = 0; i < 4; i++)
        memcpy(buf + i * 5, small + i * 3, 3 * sizeof(int32_t));
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, buf, 4, 3, 5, 3, WSL_STORAGE_DENSE, NULL));
    assert_same_as_small(L);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_append_rows)
{
    for (int s = 1; s <= 2; s++) {
        wsl_label_matrix *L = NULL;
        WSL_ASSERT_OK(wsl_label_matrix_create(&L, 0, 3, 3, (wsl_storage)s, NULL));
        for (size_t i = 0; i < 4; i++)
            WSL_ASSERT_OK(wsl_label_matrix_append_row(L, small + i * 3, 3));
        assert_same_as_small(L);
        /* Many rows: growth keeps earlier rows intact. */
        for (size_t i = 0; i < 1000; i++)
            WSL_ASSERT_OK(wsl_label_matrix_append_row(L, small + (i % 4) * 3, 3));
        ck_assert_uint_eq(wsl_label_matrix_n_points(L), 1004);
        for (size_t i = 0; i < 1004; i++) {
            int32_t v;
            WSL_ASSERT_OK(wsl_label_matrix_get(L, i, 2, &v));
            ck_assert_int_eq(v, small[(i % 4) * 3 + 2]);
        }
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_set_get)
{
    for (int s = 1; s <= 2; s++) {
        wsl_label_matrix *L = NULL;
        int32_t v;
        WSL_ASSERT_OK(wsl_label_matrix_create(&L, 5, 4, 3, (wsl_storage)s, NULL));
        WSL_ASSERT_OK(wsl_label_matrix_get(L, 4, 3, &v));
        ck_assert_int_eq(v, WSL_ABSTAIN);
        WSL_ASSERT_OK(wsl_label_matrix_set(L, 2, 3, 2));
        WSL_ASSERT_OK(wsl_label_matrix_set(L, 2, 1, 1));
        WSL_ASSERT_OK(wsl_label_matrix_set(L, 0, 0, 0));
        WSL_ASSERT_OK(wsl_label_matrix_set(L, 4, 0, 1));
        WSL_ASSERT_OK(wsl_label_matrix_get(L, 2, 3, &v));
        ck_assert_int_eq(v, 2);
        WSL_ASSERT_OK(wsl_label_matrix_get(L, 2, 1, &v));
        ck_assert_int_eq(v, 1);
        WSL_ASSERT_OK(wsl_label_matrix_set(L, 2, 1, WSL_ABSTAIN));
        WSL_ASSERT_OK(wsl_label_matrix_get(L, 2, 1, &v));
        ck_assert_int_eq(v, WSL_ABSTAIN);
        WSL_ASSERT_OK(wsl_label_matrix_get(L, 2, 3, &v));
        ck_assert_int_eq(v, 2);
        WSL_ASSERT_OK(wsl_label_matrix_get(L, 4, 0, &v));
        ck_assert_int_eq(v, 1);
        WSL_ASSERT_OK(wsl_label_matrix_get(L, 0, 0, &v));
        ck_assert_int_eq(v, 0);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_triples)
{
    wsl_triple t[] = {
        {3, 2, 0}, {0, 0, 0}, {0, 2, 1}, {2, 0, 1}, {2, 1, 1},
        {3, 0, 2}, {3, 1, 0}, {0, 2, 0} /* duplicate of (0,2): first answer (1) wins */,
        {1, 1, WSL_ABSTAIN} /* ignored */,
    };
    for (int s = 0; s <= 2; s++) {
        wsl_label_matrix *L = NULL;
        size_t dups = 99;
        WSL_ASSERT_OK(wsl_label_matrix_from_triples(&L, t, 9, 0, 0, 3, (wsl_storage)s, NULL, &dups));
        ck_assert_uint_eq(dups, 1);
        assert_same_as_small(L);
        wsl_label_matrix_free(L);
    }
    /* Explicit shape larger than the indices seen. */
    {
        wsl_label_matrix *L = NULL;
        WSL_ASSERT_OK(wsl_label_matrix_from_triples(&L, t, 9, 10, 7, 3, WSL_STORAGE_SPARSE, NULL,
                                                    NULL));
        ck_assert_uint_eq(wsl_label_matrix_n_points(L), 10);
        ck_assert_uint_eq(wsl_label_matrix_n_sources(L), 7);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_convert_and_to_buffer)
{
    wsl_label_matrix *L = NULL, *S = NULL, *D = NULL;
    int32_t out[12];
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, WSL_STORAGE_DENSE, NULL));
    WSL_ASSERT_OK(wsl_label_matrix_convert(&S, L, WSL_STORAGE_SPARSE));
    ck_assert_int_eq(wsl_label_matrix_storage(S), WSL_STORAGE_SPARSE);
    assert_same_as_small(S);
    WSL_ASSERT_OK(wsl_label_matrix_convert(&D, S, WSL_STORAGE_DENSE));
    assert_same_as_small(D);
    WSL_ASSERT_OK(wsl_label_matrix_to_buffer(S, out, 12));
    ck_assert_mem_eq(out, small, sizeof small);
    WSL_ASSERT_STATUS(wsl_label_matrix_to_buffer(S, out, 11), WSL_EBUFS);
    wsl_label_matrix_free(L);
    wsl_label_matrix_free(S);
    wsl_label_matrix_free(D);
}
END_TEST

START_TEST(test_wide_cardinality)
{
    /* k up to WSL_MAX_CARDINALITY: int16 and int32 storage. */
    int32_t ks[] = {2, 127, 128, 1000, 32767, 32768, 70000, WSL_MAX_CARDINALITY};
    for (size_t c = 0; c < sizeof ks / sizeof ks[0]; c++) {
        int32_t k = ks[c];
        int32_t buf[6] = {k - 1, -1, 0, k / 2, -1, k - 1};
        for (int s = 1; s <= 2; s++) {
            wsl_label_matrix *L = NULL;
            int32_t out[6];
            WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, buf, 2, 3, 3, k, (wsl_storage)s, NULL));
            WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, out, 6));
            ck_assert_mem_eq(out, buf, sizeof buf);
            wsl_label_matrix_free(L);
        }
    }
}
END_TEST

START_TEST(test_sparse_crowd_scale)
{
    /* 20,000 items x 800 workers, 10 answers per item: sparse must not allocate 16M cells. */
    size_t n = 20000, m = 800, per = 10, nt = n * per;
    wsl_triple *t = malloc(nt * sizeof *t);
    wsl_label_matrix *L = NULL;
    wsl_label_matrix_stats st;
    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < per; r++) {
            t[i * per + r].item = i;
            t[i * per + r].source = (i * 7 + r * 79) % m;
            t[i * per + r].label = (int32_t)((i + r) % 4);
        }
    WSL_ASSERT_OK(wsl_label_matrix_from_triples(&L, t, nt, n, m, 4, WSL_STORAGE_AUTO, NULL, NULL));
    ck_assert_int_eq(wsl_label_matrix_storage(L), WSL_STORAGE_SPARSE);
    WSL_ASSERT_OK(wsl_label_matrix_stats_get(L, &st));
    ck_assert_uint_eq(st.n_votes, nt);
    ck_assert_uint_lt(st.bytes, n * m / 4);
    wsl_label_matrix_free(L);
    free(t);
}
END_TEST

START_TEST(test_errors)
{
    wsl_label_matrix *L = (wsl_label_matrix *)1;
    int32_t bad[] = {0, 3, -1};
    int32_t worse[] = {0, -2, 1};
    int32_t v, row[2];
    wsl_triple t1 = {0, 0, 5};
    wsl_triple t2 = {5, 0, 1};

    WSL_ASSERT_STATUS(wsl_label_matrix_create(NULL, 1, 1, 2, WSL_STORAGE_DENSE, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_matrix_create(&L, 1, 0, 2, WSL_STORAGE_DENSE, NULL), WSL_EINVAL);
    ck_assert_ptr_null(L);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "m (sources)"));
    WSL_ASSERT_STATUS(wsl_label_matrix_create(&L, 1, 1, 0, WSL_STORAGE_DENSE, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "got 0"));
    WSL_ASSERT_STATUS(wsl_label_matrix_create(&L, 1, 1, WSL_MAX_CARDINALITY + 1, WSL_STORAGE_DENSE,
                                              NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_matrix_create(&L, 1, 1, 2, (wsl_storage)7, NULL), WSL_EINVAL);
    /* n*m overflow: out of memory, not a crash or a wrapped allocation. */
    WSL_ASSERT_STATUS(wsl_label_matrix_create(&L, SIZE_MAX / 2, 4, 2, WSL_STORAGE_DENSE, NULL),
                      WSL_ENOMEM);
    ck_assert_ptr_null(L);

    WSL_ASSERT_STATUS(wsl_label_matrix_from_buffer(&L, bad, 1, 3, 3, 3, WSL_STORAGE_DENSE, NULL),
                      WSL_ERANGE);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "row 0, column 1"));
    WSL_ASSERT_STATUS(wsl_label_matrix_from_buffer(&L, worse, 1, 3, 3, 3, WSL_STORAGE_DENSE, NULL),
                      WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_label_matrix_from_buffer(&L, small, 4, 3, 2, 3, WSL_STORAGE_DENSE, NULL),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_matrix_from_buffer(&L, NULL, 4, 3, 3, 3, WSL_STORAGE_DENSE, NULL),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_matrix_from_buffer(&L, small, SIZE_MAX / 2, 3, 3, 3,
                                                   WSL_STORAGE_DENSE, NULL), WSL_EINVAL);

    WSL_ASSERT_STATUS(wsl_label_matrix_from_triples(&L, &t1, 1, 0, 0, 3, WSL_STORAGE_AUTO, NULL,
                                                    NULL), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_label_matrix_from_triples(&L, &t2, 1, 3, 0, 3, WSL_STORAGE_AUTO, NULL,
                                                    NULL), WSL_ERANGE);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "item 5"));
    WSL_ASSERT_STATUS(wsl_label_matrix_from_triples(&L, NULL, 0, 0, 0, 3, WSL_STORAGE_AUTO, NULL,
                                                    NULL), WSL_EINVAL);

    WSL_ASSERT_OK(wsl_label_matrix_create(&L, 2, 2, 2, WSL_STORAGE_DENSE, NULL));
    WSL_ASSERT_STATUS(wsl_label_matrix_append_row(L, bad, 3), WSL_EDIM);
    WSL_ASSERT_STATUS(wsl_label_matrix_append_row(L, bad + 1, 2), WSL_ERANGE);
    ck_assert_uint_eq(wsl_label_matrix_n_points(L), 2); /* nothing appended */
    WSL_ASSERT_STATUS(wsl_label_matrix_append_row(NULL, bad, 2), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_matrix_get(L, 2, 0, &v), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_label_matrix_get(L, 0, 2, &v), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_label_matrix_get(L, 0, 0, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_matrix_set(L, 0, 0, 2), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_label_matrix_set(L, 0, 0, -2), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_label_matrix_row(L, 5, row, 2), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_label_matrix_row(L, 0, row, 1), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_label_matrix_stats_get(L, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_label_matrix_convert(NULL, L, WSL_STORAGE_DENSE), WSL_EINVAL);
    wsl_label_matrix_free(L);
    wsl_label_matrix_free(NULL);
    ck_assert_uint_eq(wsl_label_matrix_n_points(NULL), 0);
    ck_assert_int_eq(wsl_label_matrix_cardinality(NULL), 0);
}
END_TEST

/* Walk the failing allocator over every allocating call: each failure is WSL_ENOMEM, no leak. */
typedef wsl_status (*alloc_case)(const wsl_allocator *a);

static wsl_status oom_from_buffer(const wsl_allocator *a)
{
    for (int s = 0; s <= 2; s++) {
        wsl_label_matrix *L = (wsl_label_matrix *)&L;
        wsl_status st = wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, (wsl_storage)s, a);
        if (st != WSL_OK)
            ck_assert_ptr_null(L); /* constructors set *out to NULL on failure */
        wsl_label_matrix_free(L);
        if (st != WSL_OK)
            return st;
    }
    return WSL_OK;
}

static wsl_status oom_triples(const wsl_allocator *a)
{
    wsl_triple t[] = {{0, 0, 1}, {1, 1, 0}, {1, 0, 1}, {1, 0, 0}};
    for (int s = 0; s <= 2; s++) {
        wsl_label_matrix *L = NULL;
        size_t dups = 0;
        wsl_status st = wsl_label_matrix_from_triples(&L, t, 4, 0, 0, 2, (wsl_storage)s, a, &dups);
        for (int to = 0; st == WSL_OK && to <= 2; to++) {
            wsl_label_matrix *D = (wsl_label_matrix *)&D;
            st = wsl_label_matrix_convert(&D, L, (wsl_storage)to);
            if (st != WSL_OK)
                ck_assert_ptr_null(D);
            wsl_label_matrix_free(D);
        }
        wsl_label_matrix_free(L);
        if (st != WSL_OK)
            return st;
    }
    return WSL_OK;
}

/* After WSL_ENOMEM nothing was appended or set, and the matrix takes the retried call. */
static wsl_status oom_append(const wsl_allocator *a)
{
    for (int s = 1; s <= 2; s++) {
        wsl_label_matrix *L = NULL;
        wsl_status st = wsl_label_matrix_create(&L, 0, 3, 3, (wsl_storage)s, a);
        for (size_t i = 0; st == WSL_OK && i < 100; i++) {
            const int32_t *row = small + (i % 4) * 3;
            st = wsl_label_matrix_append_row(L, row, 3);
            if (st == WSL_ENOMEM) {
                ck_assert_uint_eq(wsl_label_matrix_n_points(L), i);
                st = wsl_label_matrix_append_row(L, row, 3);
            }
            if (st == WSL_OK) {
                int32_t back[3];
                ck_assert_uint_eq(wsl_label_matrix_n_points(L), i + 1);
                WSL_ASSERT_OK(wsl_label_matrix_row(L, i, back, 3));
                ck_assert_mem_eq(back, row, sizeof back);
            }
        }
        for (size_t c = 0; st == WSL_OK && c < 12; c++) {
            /* sparse: inserting (and removing) votes moves the ones after them */
            size_t i = (c * 37) % 100, j = c % 3;
            int32_t v = (int32_t)(c % 4) - 1, got;
            int32_t before;
            WSL_ASSERT_OK(wsl_label_matrix_get(L, i, j, &before));
            st = wsl_label_matrix_set(L, i, j, v);
            if (st == WSL_ENOMEM) {
                WSL_ASSERT_OK(wsl_label_matrix_get(L, i, j, &got));
                ck_assert_int_eq(got, before);
                st = wsl_label_matrix_set(L, i, j, v);
            }
            if (st == WSL_OK) {
                WSL_ASSERT_OK(wsl_label_matrix_get(L, i, j, &got));
                ck_assert_int_eq(got, v);
            }
        }
        wsl_label_matrix_free(L);
        if (st != WSL_OK)
            return st;
    }
    return WSL_OK;
}

/* ---------------------------------------------------------------- patterns */

START_TEST(test_patterns_count)
{
    for (int s = 1; s <= 2; s++) {
        wsl_label_matrix *L = NULL;
        wsl_pattern_table *T = NULL;
        size_t idx[8];
        int32_t rows[8 * 3];
        uint64_t count, total = 0;
        int32_t row[3];
        for (size_t i = 0; i < 8; i++)
            memcpy(rows + i * 3, small + (i % 4) * 3, 3 * sizeof(int32_t));
        WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, rows, 8, 3, 3, 3, (wsl_storage)s, NULL));
        WSL_ASSERT_OK(wsl_pattern_table_create(&T, 3, 3, NULL));
        WSL_ASSERT_OK(wsl_pattern_table_add(T, L, idx, 8));
        ck_assert_uint_eq(wsl_pattern_table_n_patterns(T), 4);
        ck_assert_uint_eq(wsl_pattern_table_n_rows(T), 8);
        for (size_t i = 0; i < 8; i++) {
            ck_assert_uint_eq(idx[i], idx[i % 4]);
            WSL_ASSERT_OK(wsl_pattern_table_get(T, idx[i], row, 3, &count));
            ck_assert_mem_eq(row, small + (i % 4) * 3, sizeof row);
            ck_assert_uint_eq(count, 2);
        }
        for (size_t p = 0; p < 4; p++) {
            WSL_ASSERT_OK(wsl_pattern_table_get(T, p, NULL, 0, &count));
            total += count;
        }
        ck_assert_uint_eq(total, 8);
        wsl_pattern_table_free(T);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_patterns_merge)
{
    wsl_pattern_table *A = NULL, *B = NULL, *C = NULL;
    int32_t r1[] = {0, -1, 1}, r2[] = {-1, -1, -1}, r3[] = {2, 2, 2};
    uint64_t count;
    int32_t row[3];
    WSL_ASSERT_OK(wsl_pattern_table_create(&A, 3, 3, NULL));
    WSL_ASSERT_OK(wsl_pattern_table_create(&B, 3, 3, NULL));
    WSL_ASSERT_OK(wsl_pattern_table_add_row(A, r1, 3, 5));
    WSL_ASSERT_OK(wsl_pattern_table_add_row(A, r2, 3, 1));
    WSL_ASSERT_OK(wsl_pattern_table_add_row(B, r2, 3, 2));
    WSL_ASSERT_OK(wsl_pattern_table_add_row(B, r3, 3, 7));
    WSL_ASSERT_OK(wsl_pattern_table_merge(A, B));
    ck_assert_uint_eq(wsl_pattern_table_n_patterns(A), 3);
    ck_assert_uint_eq(wsl_pattern_table_n_rows(A), 15);
    WSL_ASSERT_OK(wsl_pattern_table_get(A, 1, row, 3, &count));
    ck_assert_mem_eq(row, r2, sizeof row);
    ck_assert_uint_eq(count, 3);
    WSL_ASSERT_OK(wsl_pattern_table_get(A, 2, row, 3, &count));
    ck_assert_mem_eq(row, r3, sizeof row);
    ck_assert_uint_eq(count, 7);
    /* A table of all-abstain rows holds no vote at all (no vote arrays): it merges too. */
    WSL_ASSERT_OK(wsl_pattern_table_create(&C, 3, 3, NULL));
    WSL_ASSERT_OK(wsl_pattern_table_add_row(C, r2, 3, 4));
    WSL_ASSERT_OK(wsl_pattern_table_merge(A, C));
    ck_assert_uint_eq(wsl_pattern_table_n_patterns(A), 3);
    ck_assert_uint_eq(wsl_pattern_table_n_rows(A), 19);
    WSL_ASSERT_OK(wsl_pattern_table_get(A, 1, row, 3, &count));
    ck_assert_uint_eq(count, 7);
    wsl_pattern_table_free(C);
    C = NULL;
    /* Errors. */
    WSL_ASSERT_OK(wsl_pattern_table_create(&C, 4, 3, NULL));
    WSL_ASSERT_STATUS(wsl_pattern_table_merge(A, C), WSL_EDIM);
    wsl_pattern_table_free(C);
    WSL_ASSERT_STATUS(wsl_pattern_table_merge(A, A), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_pattern_table_add_row(A, r1, 2, 1), WSL_EDIM);
    r3[1] = 3;
    WSL_ASSERT_STATUS(wsl_pattern_table_add_row(A, r3, 3, 1), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_pattern_table_get(A, 3, row, 3, &count), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_pattern_table_get(A, 0, row, 2, &count), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_pattern_table_create(NULL, 3, 3, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_pattern_table_create(&C, 0, 3, NULL), WSL_EINVAL);
    ck_assert_ptr_null(C);
    WSL_ASSERT_STATUS(wsl_pattern_table_create(&C, 3, 0, NULL), WSL_EINVAL);
    {
        wsl_label_matrix *L = NULL;
        size_t idx[1];
        WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, WSL_STORAGE_DENSE, NULL));
        WSL_ASSERT_STATUS(wsl_pattern_table_add(A, L, idx, 1), WSL_EBUFS);
        WSL_ASSERT_STATUS(wsl_pattern_table_add(B, NULL, NULL, 0), WSL_EINVAL);
        wsl_label_matrix_free(L);
        WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 4, WSL_STORAGE_DENSE, NULL));
        WSL_ASSERT_STATUS(wsl_pattern_table_add(A, L, NULL, 0), WSL_EDIM);
        wsl_label_matrix_free(L);
    }
    ck_assert_uint_eq(wsl_pattern_table_n_patterns(NULL), 0);
    wsl_pattern_table_free(NULL);
    wsl_pattern_table_free(A);
    wsl_pattern_table_free(B);
}
END_TEST

START_TEST(test_patterns_many)
{
    /* 3^8 distinct rows, each twice: rehashing keeps every count. */
    wsl_pattern_table *T = NULL;
    int32_t row[8];
    WSL_ASSERT_OK(wsl_pattern_table_create(&T, 8, 2, NULL));
    for (int rep = 0; rep < 2; rep++)
        for (int code = 0; code < 6561; code++) {
            int c = code;
            for (int j = 0; j < 8; j++, c /= 3)
                row[j] = c % 3 - 1;
            WSL_ASSERT_OK(wsl_pattern_table_add_row(T, row, 8, 1));
        }
    ck_assert_uint_eq(wsl_pattern_table_n_patterns(T), 6561);
    ck_assert_uint_eq(wsl_pattern_table_n_rows(T), 13122);
    for (size_t p = 0; p < 6561; p++) {
        uint64_t count;
        WSL_ASSERT_OK(wsl_pattern_table_get(T, p, NULL, 0, &count));
        ck_assert_uint_eq(count, 2);
    }
    wsl_pattern_table_free(T);
}
END_TEST

static wsl_status oom_patterns(const wsl_allocator *a)
{
    wsl_pattern_table *T = NULL, *U = NULL;
    wsl_label_matrix *L = NULL;
    int32_t row[3] = {1, 1, 1};
    size_t rp[4];
    wsl_status st = wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, WSL_STORAGE_DENSE, NULL);
    if (st == WSL_OK)
        st = wsl_pattern_table_create(&T, 3, 3, a);
    if (st == WSL_OK)
        st = wsl_pattern_table_create(&U, 3, 3, a);
    if (st == WSL_OK)
        st = wsl_pattern_table_add(T, L, rp, 4); /* T is unusable after ENOMEM (documented) */
    if (st == WSL_OK)
        st = wsl_pattern_table_add_row(U, row, 3, 4);
    for (int i = 0; st == WSL_OK && i < 200; i++) {
        uint64_t rows = wsl_pattern_table_n_rows(U);
        size_t pats = wsl_pattern_table_n_patterns(U);
        row[i % 3] = (row[i % 3] + 2) % 4 - 1;
        st = wsl_pattern_table_add_row(U, row, 3, 1);
        if (st == WSL_ENOMEM) {
            /* nothing counted, and the table takes the row again */
            ck_assert_uint_eq(wsl_pattern_table_n_rows(U), rows);
            ck_assert_uint_eq(wsl_pattern_table_n_patterns(U), pats);
            st = wsl_pattern_table_add_row(U, row, 3, 1);
        }
    }
    if (st == WSL_OK)
        st = wsl_pattern_table_merge(T, U);
    if (st == WSL_OK)
        ck_assert_uint_eq(wsl_pattern_table_n_rows(T), 4 + 4 + 200);
    wsl_pattern_table_free(T);
    wsl_pattern_table_free(U);
    wsl_label_matrix_free(L);
    return st;
}

START_TEST(test_filter_unlabeled)
{
    for (int s = 1; s <= 2; s++) {
        wsl_label_matrix *L = NULL, *F = NULL;
        size_t kept[4], n_kept = 0;
        int32_t row[3];
        WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, (wsl_storage)s, NULL));
        WSL_ASSERT_OK(wsl_label_matrix_filter_unlabeled(&F, L, kept, 4, &n_kept));
        ck_assert_uint_eq(n_kept, 3);
        ck_assert_uint_eq(wsl_label_matrix_n_points(F), 3);
        ck_assert_uint_eq(kept[0], 0);
        ck_assert_uint_eq(kept[1], 2);
        ck_assert_uint_eq(kept[2], 3);
        WSL_ASSERT_OK(wsl_label_matrix_row(F, 1, row, 3));
        ck_assert_mem_eq(row, small + 6, sizeof row);
        ck_assert_int_eq(wsl_label_matrix_storage(F), s);
        wsl_label_matrix_free(F);
        WSL_ASSERT_STATUS(wsl_label_matrix_filter_unlabeled(&F, L, kept, 3, &n_kept), WSL_EBUFS);
        WSL_ASSERT_STATUS(wsl_label_matrix_filter_unlabeled(&F, NULL, NULL, 0, NULL), WSL_EINVAL);
        wsl_label_matrix_free(L);
    }
}
END_TEST

static wsl_status oom_filter(const wsl_allocator *a)
{
    for (int s = 1; s <= 2; s++) {
        wsl_label_matrix *L = NULL, *F = (wsl_label_matrix *)&F;
        size_t kept[4], n_kept = 9;
        wsl_status st = wsl_label_matrix_from_buffer(&L, small, 4, 3, 3, 3, (wsl_storage)s, a);
        if (st == WSL_OK) {
            st = wsl_label_matrix_filter_unlabeled(&F, L, kept, 4, &n_kept);
            if (st != WSL_OK)
                ck_assert_ptr_null(F);
            wsl_label_matrix_free(F);
        }
        wsl_label_matrix_free(L);
        if (st != WSL_OK)
            return st;
    }
    return WSL_OK;
}

typedef struct oom_case_entry {
    const char *name;
    alloc_case fn;
} oom_case_entry;

static const oom_case_entry oom_cases[] = {
    {"from_buffer", oom_from_buffer}, {"from_triples+convert", oom_triples},
    {"create+append_row+set", oom_append}, {"pattern tables", oom_patterns},
    {"filter_unlabeled", oom_filter}};

static wsl_status run_case(const wsl_allocator *a, void *ctx)
{
    return ((const oom_case_entry *)ctx)->fn(a);
}

START_TEST(test_oom_walk)
{
    wsl_test_oom_walk(oom_cases[_i].name, run_case, (void *)&oom_cases[_i]);
}
END_TEST

static Suite *votes_suite(void)
{
    Suite *s = suite_create("votes");
    TCase *core = tcase_create("core");
    TCase *edge = tcase_create("edge");
    TCase *errors = tcase_create("errors");
    TCase *oom = tcase_create("oom");
    TCase *patterns = tcase_create("patterns");
    tcase_add_test(core, test_from_buffer_both_storages);
    tcase_add_test(core, test_leading_dimension);
    tcase_add_test(core, test_append_rows);
    tcase_add_test(core, test_set_get);
    tcase_add_test(core, test_triples);
    tcase_add_test(core, test_convert_and_to_buffer);
    tcase_add_test(core, test_filter_unlabeled);
    tcase_add_test(edge, test_wide_cardinality);
    tcase_add_test(edge, test_sparse_crowd_scale);
    tcase_add_test(errors, test_errors);
    tcase_add_test(patterns, test_patterns_count);
    tcase_add_test(patterns, test_patterns_merge);
    tcase_add_test(patterns, test_patterns_many);
    tcase_add_loop_test(oom, test_oom_walk, 0, (int)(sizeof oom_cases / sizeof oom_cases[0]));
    suite_add_tcase(s, core);
    suite_add_tcase(s, edge);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, patterns);
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(votes_suite());
}
