/* io: every format read and written, malformed input, atomic writes, OOM walks, real data. */
#include "wsl_test_util.h"

#include "io/io_internal.h"
#include "libc_fail.h" /* the reader's line limit, for a small-limit test */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------- Helpers */

#define ASSERT_ERR_HAS(sub)                                                                     \
    ck_assert_msg(strstr(wsl_last_error(), (sub)) != NULL, "last error '%s' lacks '%s'",        \
                  wsl_last_error(), (sub))

static char tmpdir[256];

static void make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/wsliotestXXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[512];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tmpdir);
}

/* Number of entries in tmpdir (temporary files left behind show up here). */
static size_t tmpdir_entries(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    size_t c = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        c += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return c;
}

static const char *tpath(const char *name)
{
    static char p[2][512];
    static int which;
    which ^= 1;
    snprintf(p[which], sizeof p[which], "%s/%s", tmpdir, name);
    return p[which];
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static wsl_label_matrix *synth_votes(uint64_t seed, size_t n);

static wsl_status read_mem(wsl_label_matrix **L, wsl_format fmt, const char *text, size_t len,
                           int32_t k)
{
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    o.format = fmt;
    o.cardinality = k;
    return wsl_votes_read_mem(L, text, len, "mem", &o);
}

static void assert_cells(const wsl_label_matrix *L, const int32_t *want, size_t n, size_t m)
{
    ck_assert_uint_eq(wsl_label_matrix_n_points(L), n);
    ck_assert_uint_eq(wsl_label_matrix_n_sources(L), m);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            int32_t v;
            WSL_ASSERT_OK(wsl_label_matrix_get(L, i, j, &v));
            ck_assert_msg(v == want[i * m + j], "cell (%zu, %zu) is %d, expected %d", i, j, v,
                          want[i * m + j]);
        }
}

static void assert_same(const wsl_label_matrix *A, const wsl_label_matrix *B)
{
    size_t n = wsl_label_matrix_n_points(A), m = wsl_label_matrix_n_sources(A);
    ck_assert_uint_eq(n, wsl_label_matrix_n_points(B));
    ck_assert_uint_eq(m, wsl_label_matrix_n_sources(B));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            int32_t a, b;
            WSL_ASSERT_OK(wsl_label_matrix_get(A, i, j, &a));
            WSL_ASSERT_OK(wsl_label_matrix_get(B, i, j, &b));
            ck_assert_msg(a == b, "cell (%zu, %zu): %d vs %d", i, j, a, b);
        }
}

static uint64_t rng_state;
static uint32_t next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

/* n x m votes in -1..k-1, about a third abstaining; the largest class k-1 occurs. */
static int32_t *random_votes(size_t n, size_t m, int32_t k, uint64_t seed)
{
    int32_t *v = malloc(n * m * sizeof *v);
    ck_assert_ptr_nonnull(v);
    rng_state = seed * 2654435761u + 1;
    for (size_t c = 0; c < n * m; c++)
        v[c] = next_rand() % 3 == 0 ? WSL_ABSTAIN : (int32_t)(next_rand() % (uint32_t)k);
    v[n * m - 1] = k - 1;
    return v;
}

/* A .npy file image: preamble of the given version, the header dict padded to 64, the body. */
static char *npy_image(int version, const char *dict, const void *body, size_t body_len,
                       size_t *len)
{
    size_t pre = version == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = pre + dl + 1, pad = (64 - total % 64) % 64, hlen = dl + pad + 1;
    char *b = malloc(pre + hlen + body_len + 1);
    ck_assert_ptr_nonnull(b);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (char)version;
    b[7] = 0;
    b[8] = (char)(hlen & 0xff);
    b[9] = (char)((hlen >> 8) & 0xff);
    if (version != 1) {
        b[10] = (char)((hlen >> 16) & 0xff);
        b[11] = (char)((hlen >> 24) & 0xff);
    }
    memcpy(b + pre, dict, dl);
    memset(b + pre + dl, ' ', pad);
    b[pre + dl + pad] = '\n';
    if (body_len)
        memcpy(b + pre + hlen, body, body_len);
    *len = pre + hlen + body_len;
    return b;
}

static const char *shared(const char *rel)
{
    static char p[2][1024];
    static int which;
    which ^= 1;
    snprintf(p[which], sizeof p[which], "%s/%s", WSL_SHARED_DATA_DIR, rel);
    return p[which];
}

static bool have_shared(void)
{
    struct stat sb;
    if (stat(WSL_SHARED_DATA_DIR, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "test_io: %s not found; skipping tests on real data\n",
                WSL_SHARED_DATA_DIR);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- core */

START_TEST(test_format_names)
{
    wsl_format f;
    ck_assert_str_eq(wsl_format_name(WSL_FORMAT_CSV), "csv");
    ck_assert_str_eq(wsl_format_name(WSL_FORMAT_TRIPLES), "triples");
    ck_assert_str_eq(wsl_format_name(WSL_FORMAT_NPY), "npy");
    ck_assert_str_eq(wsl_format_name(WSL_FORMAT_WRENCH), "wrench");
    ck_assert_str_eq(wsl_format_name(WSL_FORMAT_AUTO), "auto");
    ck_assert_ptr_nonnull(wsl_format_name((wsl_format)42));
    WSL_ASSERT_OK(wsl_format_parse("triples", &f));
    ck_assert_int_eq(f, WSL_FORMAT_TRIPLES);
    WSL_ASSERT_OK(wsl_format_parse("NPY", &f));
    ck_assert_int_eq(f, WSL_FORMAT_NPY);
    WSL_ASSERT_STATUS(wsl_format_parse("xml", &f), WSL_EINVAL);
    ASSERT_ERR_HAS("xml");
    WSL_ASSERT_STATUS(wsl_format_parse(NULL, &f), WSL_EINVAL);
    ck_assert_int_eq(wsl_format_from_path("a/b/L_train.csv"), WSL_FORMAT_CSV);
    ck_assert_int_eq(wsl_format_from_path("x.NPY"), WSL_FORMAT_NPY);
    ck_assert_int_eq(wsl_format_from_path("train.json"), WSL_FORMAT_WRENCH);
    ck_assert_int_eq(wsl_format_from_path("votes.txt"), WSL_FORMAT_AUTO);
    ck_assert_int_eq(wsl_format_from_path("dir.csv/votes"), WSL_FORMAT_AUTO);
    ck_assert_int_eq(wsl_format_from_path(NULL), WSL_FORMAT_AUTO);
}
END_TEST

START_TEST(test_options_validate)
{
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    WSL_ASSERT_OK(wsl_read_options_validate(&o));
    o.cardinality = -3;
    WSL_ASSERT_STATUS(wsl_read_options_validate(&o), WSL_EINVAL);
    ASSERT_ERR_HAS("opts->cardinality must be in 0..1000000 (got -3)");
    o.cardinality = 2;
    o.storage = (wsl_storage)7;
    WSL_ASSERT_STATUS(wsl_read_options_validate(&o), WSL_EINVAL);
    ASSERT_ERR_HAS("opts->storage");
    o.storage = WSL_STORAGE_AUTO;
    o.format = (wsl_format)9;
    WSL_ASSERT_STATUS(wsl_read_options_validate(&o), WSL_EINVAL);
    ASSERT_ERR_HAS("opts->format");
    o.format = WSL_FORMAT_CSV;
    o.version = 0;
    WSL_ASSERT_STATUS(wsl_read_options_validate(&o), WSL_EINVAL);
    ASSERT_ERR_HAS("opts->version");
    WSL_ASSERT_STATUS(wsl_read_options_validate(NULL), WSL_EINVAL);
}
END_TEST

START_TEST(test_csv_layouts)
{
    static const int32_t want[] = {0, -1, 1, -1, -1, -1};
    static const char *texts[] = {
        "0,-1,1\n-1,-1,-1\n",             /* plain */
        "0,-1,1\r\n-1,-1,-1\r\n",         /* CRLF */
        "0,-1,1\n-1,-1,-1",               /* no final newline */
        " 0 ,\t-1,1\t\n -1 , -1 ,-1 \r\n", /* blanks around numbers */
        "\xef\xbb\xbf" "0,-1,+1\n-1,-1,-1\n", /* BOM, explicit sign */
    };
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        wsl_label_matrix *L = NULL;
        WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_CSV, texts[t], strlen(texts[t]), 0));
        assert_cells(L, want, 2, 3);
        ck_assert_int_eq(wsl_label_matrix_cardinality(L), 2);
        wsl_label_matrix_free(L);
    }
}
END_TEST

START_TEST(test_csv_cardinality)
{
    wsl_label_matrix *L = NULL;
    WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_CSV, "-1,-1\n-1,-1\n", 12, 0));
    ck_assert_int_eq(wsl_label_matrix_cardinality(L), 2); /* at least 2 */
    wsl_label_matrix_free(L);
    WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_CSV, "4,0\n", 4, 0));
    ck_assert_int_eq(wsl_label_matrix_cardinality(L), 5);
    wsl_label_matrix_free(L);
    WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_CSV, "4,0\n", 4, 9));
    ck_assert_int_eq(wsl_label_matrix_cardinality(L), 9);
    wsl_label_matrix_free(L);
    /* Widening while reading: small votes first, then one that needs 16 and 32 bits. */
    WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_CSV, "1,0\n0,-1\n200,3\n70000,-1\n", 24, 0));
    ck_assert_int_eq(wsl_label_matrix_cardinality(L), 70001);
    {
        static const int32_t want[] = {1, 0, 0, -1, 200, 3, 70000, -1};
        assert_cells(L, want, 4, 2);
    }
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_csv_storage)
{
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    char text[4096];
    size_t len = 0;
    /* 20 x 40, one vote per row: AUTO picks sparse. */
    for (int i = 0; i < 20; i++) {
        for (int j = 0; j < 40; j++)
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%d", j ? "," : "",
                                    j == i ? 1 : -1);
        text[len++] = '\n';
    }
    o.format = WSL_FORMAT_CSV;
    WSL_ASSERT_OK(wsl_votes_read_mem(&L, text, len, NULL, &o));
    ck_assert_int_eq(wsl_label_matrix_storage(L), WSL_STORAGE_SPARSE);
    wsl_label_matrix_free(L);
    o.storage = WSL_STORAGE_DENSE;
    WSL_ASSERT_OK(wsl_votes_read_mem(&L, text, len, NULL, &o));
    ck_assert_int_eq(wsl_label_matrix_storage(L), WSL_STORAGE_DENSE);
    wsl_label_matrix_free(L);
    /* Dense votes: AUTO stays dense. */
    o.storage = WSL_STORAGE_AUTO;
    WSL_ASSERT_OK(wsl_votes_read_mem(&L, "1,0\n0,1\n", 8, NULL, &o));
    ck_assert_int_eq(wsl_label_matrix_storage(L), WSL_STORAGE_DENSE);
    wsl_label_matrix_free(L);
}
END_TEST

/* Round trips: every format x storage x k in {2, 300, 70000}. */
static const wsl_format rt_formats[] = {WSL_FORMAT_CSV, WSL_FORMAT_TRIPLES, WSL_FORMAT_NPY,
                                        WSL_FORMAT_WRENCH};
static const wsl_storage rt_storages[] = {WSL_STORAGE_DENSE, WSL_STORAGE_SPARSE};
static const int32_t rt_ks[] = {2, 300, 70000};

START_TEST(test_roundtrip)
{
    wsl_format fmt = rt_formats[_i / 6];
    wsl_storage storage = rt_storages[(_i / 3) % 2];
    int32_t k = rt_ks[_i % 3];
    const size_t n = 37, m = 6;
    const char *ext[] = {"", ".csv", ".csv", ".npy", ".json"};
    char name[64];
    int32_t *votes = random_votes(n, m, k, (uint64_t)_i + 1);
    wsl_label_matrix *L = NULL, *R = NULL;
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    const char *path;

    make_tmpdir();
    snprintf(name, sizeof name, "votes%s", ext[fmt]);
    path = tpath(name);
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, votes, n, m, m, k, storage, NULL));
    WSL_ASSERT_OK(wsl_votes_write(L, path, fmt));
    o.format = fmt;
    o.cardinality = k;
    o.storage = storage;
    WSL_ASSERT_OK(wsl_votes_read(&R, path, &o));
    assert_cells(R, votes, n, m);
    ck_assert_int_eq(wsl_label_matrix_cardinality(R), k);
    ck_assert_int_eq(wsl_label_matrix_storage(R), storage);
    wsl_label_matrix_free(R);
    /* Inferred k: 1 + the largest vote. */
    o.cardinality = 0;
    o.storage = WSL_STORAGE_AUTO;
    WSL_ASSERT_OK(wsl_votes_read(&R, path, &o));
    assert_cells(R, votes, n, m);
    ck_assert_int_eq(wsl_label_matrix_cardinality(R), k);
    wsl_label_matrix_free(R);
    if (fmt == WSL_FORMAT_NPY) {
        /* The narrowest dtype that holds k. */
        size_t len;
        char *bytes = slurp(path, &len);
        const char *want = k == 2 ? "'|i1'" : k == 300 ? "'<i2'" : "'<i4'";
        ck_assert_msg(strstr(bytes + 10, want) != NULL, "header lacks %s", want);
        ck_assert_uint_eq((len - n * m * (size_t)(k == 2 ? 1 : k == 300 ? 2 : 4)) % 64, 0);
        free(bytes);
    }
    if (fmt != WSL_FORMAT_TRIPLES) {
        /* AUTO by extension. */
        WSL_ASSERT_OK(wsl_votes_read(&R, path, NULL));
        assert_cells(R, votes, n, m);
        wsl_label_matrix_free(R);
    }
    /* Memory input gives the same. */
    {
        size_t len;
        char *bytes = slurp(path, &len);
        o.cardinality = k;
        WSL_ASSERT_OK(wsl_votes_read_mem(&R, bytes, len, path, &o));
        assert_same(L, R);
        wsl_label_matrix_free(R);
        free(bytes);
    }
    wsl_label_matrix_free(L);
    free(votes);
    ck_assert_uint_eq(tmpdir_entries(), 1); /* no temporary files left */
    remove_tmpdir();
}
END_TEST

START_TEST(test_triples_layouts)
{
    static const char text[] = "item,worker,label\n0,1,2\n2,0,1\n0,1,0\n1,1,-1\n";
    static const int32_t want[] = {-1, 2, -1, -1, 1, -1};
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_TRIPLES, text, strlen(text), 0));
    assert_cells(L, want, 3, 2); /* duplicate (0, 1): the first answer, 2, is kept */
    ck_assert_int_eq(wsl_label_matrix_cardinality(L), 3);
    wsl_label_matrix_free(L);
    /* Shape from the options: trailing empty rows and columns. */
    o.format = WSL_FORMAT_TRIPLES;
    o.n_points = 5;
    o.n_sources = 4;
    o.storage = WSL_STORAGE_SPARSE;
    WSL_ASSERT_OK(wsl_votes_read_mem(&L, text, strlen(text), NULL, &o));
    ck_assert_uint_eq(wsl_label_matrix_n_points(L), 5);
    ck_assert_uint_eq(wsl_label_matrix_n_sources(L), 4);
    ck_assert_int_eq(wsl_label_matrix_storage(L), WSL_STORAGE_SPARSE);
    wsl_label_matrix_free(L);
    /* No header, CRLF, blanks. */
    WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_TRIPLES, " 0 , 1 ,2\r\n2,0,1", 16, 0));
    ck_assert_uint_eq(wsl_label_matrix_n_points(L), 3);
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_npy_variants)
{
    /* The same 2 x 3 matrix in many encodings. */
    static const int32_t want[] = {0, -1, 1, 2, 1, -1};
    static const int8_t c8[] = {0, -1, 1, 2, 1, -1};
    static const int8_t f8[] = {0, 2, -1, 1, 1, -1}; /* column-major */
    static const unsigned char be16[] = {0, 0, 0xff, 0xff, 0, 1, 0, 2, 0, 1, 0xff, 0xff};
    static const unsigned char le32[] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0,
                                         2, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    unsigned char le64[48], be64[48];
    struct {
        int version;
        const char *dict;
        const void *body;
        size_t len;
    } cases[] = {
        {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }", c8, 6},
        {2, "{'descr': '<i1', 'fortran_order': False, 'shape': (2, 3), }", c8, 6},
        {3, "{'shape': (2, 3), 'descr': '|i1', 'fortran_order': False}", c8, 6},
        {1, "{ \"fortran_order\" : True ,'shape':(2,3) , 'descr':'|i1' }", f8, 6},
        {1, "{'descr': '>i2', 'fortran_order': False, 'shape': (2L, 3L), }", be16, 12},
        {1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", le32, 24},
        {1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", le64, 48},
        {1, "{'descr': '>i8', 'fortran_order': False, 'shape': (2, 3), }", be64, 48},
    };
    for (size_t c = 0; c < 6; c++) {
        uint64_t u = (uint64_t)(int64_t)want[c];
        for (int b = 0; b < 8; b++) {
            le64[c * 8 + (size_t)b] = (unsigned char)(u >> (8 * b));
            be64[c * 8 + (size_t)(7 - b)] = (unsigned char)(u >> (8 * b));
        }
    }
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        size_t len;
        char *img = npy_image(cases[t].version, cases[t].dict, cases[t].body, cases[t].len, &len);
        wsl_label_matrix *L = NULL;
        WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_NPY, img, len, 0));
        assert_cells(L, want, 2, 3);
        ck_assert_int_eq(wsl_label_matrix_cardinality(L), 3);
        wsl_label_matrix_free(L);
        free(img);
    }
    /* Unsigned and 1-D. */
    {
        static const uint8_t u8[] = {0, 1, 1, 0};
        static const unsigned char u16[] = {1, 0, 0, 0, 2, 0};
        size_t len;
        wsl_label_matrix *L = NULL;
        char *img = npy_image(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", u8,
                              4, &len);
        WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_NPY, img, len, 0));
        ck_assert_uint_eq(wsl_label_matrix_n_points(L), 4);
        ck_assert_uint_eq(wsl_label_matrix_n_sources(L), 1);
        wsl_label_matrix_free(L);
        free(img);
        img = npy_image(1, "{'descr': '<u2', 'fortran_order': False, 'shape': (1, 3), }", u16, 6,
                        &len);
        WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_NPY, img, len, 0));
        ck_assert_int_eq(wsl_label_matrix_cardinality(L), 3);
        wsl_label_matrix_free(L);
        free(img);
        /* Zero rows. */
        img = npy_image(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (0, 4), }", NULL,
                        0, &len);
        WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_NPY, img, len, 0));
        ck_assert_uint_eq(wsl_label_matrix_n_points(L), 0);
        ck_assert_uint_eq(wsl_label_matrix_n_sources(L), 4);
        wsl_label_matrix_free(L);
        free(img);
    }
}
END_TEST

START_TEST(test_wrench_layouts)
{
    /* Keys out of order: rows follow the numeric order 2 < 10 < 11. */
    static const char doc[] =
        "{\"10\": {\"label\": 1, \"weak_labels\": [1, -1], \"data\": {\"text\": \"b\"}},\n"
        " \"2\": {\"weak_labels\": [0, 0], \"label\": null},\n"
        " \"11\": {\"label\": 3, \"weak_labels\": [-1, 1]}}";
    static const int32_t want[] = {0, 0, 1, -1, -1, 1};
    wsl_label_matrix *L = NULL;
    int32_t *gold = NULL;
    make_tmpdir();
    write_file(tpath("a.json"), doc, strlen(doc));
    WSL_ASSERT_OK(wsl_wrench_read(&L, &gold, tpath("a.json"), NULL));
    assert_cells(L, want, 3, 2);
    ck_assert_int_eq(wsl_label_matrix_cardinality(L), 4); /* the label 3 counts */
    ck_assert_int_eq(gold[0], -1);
    ck_assert_int_eq(gold[1], 1);
    ck_assert_int_eq(gold[2], 3);
    wsl_array_free(gold, NULL);
    /* Write and read back: keys "0".."n-1", labels kept. */
    {
        int32_t g2[] = {-1, 1, 3};
        wsl_label_matrix *R = NULL;
        int32_t *back = NULL;
        WSL_ASSERT_OK(wsl_wrench_write(L, g2, tpath("b.json")));
        WSL_ASSERT_OK(wsl_wrench_read(&R, &back, tpath("b.json"), NULL));
        assert_same(L, R);
        for (int i = 0; i < 3; i++)
            ck_assert_int_eq(back[i], g2[i]);
        wsl_array_free(back, NULL);
        wsl_label_matrix_free(R);
    }
    wsl_label_matrix_free(L);
    /* Keys that are not all numbers: document order. */
    {
        static const char d2[] = "{\"b\": {\"weak_labels\": [1]}, \"a\": {\"weak_labels\": [0]},"
                                 " \"3\": {\"weak_labels\": [-1]}}";
        static const int32_t w2[] = {1, 0, -1};
        WSL_ASSERT_OK(read_mem(&L, WSL_FORMAT_WRENCH, d2, strlen(d2), 0));
        assert_cells(L, w2, 3, 1);
        wsl_label_matrix_free(L);
    }
    remove_tmpdir();
}
END_TEST

START_TEST(test_gold_roundtrip)
{
    int32_t g[] = {0, -1, 3, 1, -1, 2};
    int32_t *back = NULL;
    size_t n = 0;
    make_tmpdir();
    WSL_ASSERT_OK(wsl_gold_write(g, 6, tpath("y.csv")));
    WSL_ASSERT_OK(wsl_gold_read(&back, &n, tpath("y.csv"), 4, NULL));
    ck_assert_uint_eq(n, 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_int_eq(back[i], g[i]);
    wsl_array_free(back, NULL);
    WSL_ASSERT_STATUS(wsl_gold_read(&back, &n, tpath("y.csv"), 3, NULL), WSL_ERANGE);
    ASSERT_ERR_HAS("y.csv:3:1:");
    ck_assert_ptr_null(back);
    write_file(tpath("z.csv"), " 1 \r\n-1\r\n0", 10);
    WSL_ASSERT_OK(wsl_gold_read(&back, &n, tpath("z.csv"), 0, NULL));
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(back[0], 1);
    ck_assert_int_eq(back[2], 0);
    wsl_array_free(back, NULL);
    remove_tmpdir();
}
END_TEST

START_TEST(test_probs_roundtrip)
{
    double p[] = {0.1, 0.9, 1.0 / 3.0, 2.0 / 3.0, 5e-324, 1.0 - 1e-16, 0.0, 1.0,
                  1e-300, 0.123456789012345678, -0.0, 0.5};
    const char *names[] = {"p.csv", "p.npy"};
    make_tmpdir();
    for (int f = 0; f < 2; f++) {
        double *back = NULL;
        size_t n = 0, k = 0;
        WSL_ASSERT_OK(wsl_probs_write(p, 6, 2, tpath(names[f]), WSL_FORMAT_AUTO));
        WSL_ASSERT_OK(wsl_probs_read(&back, &n, &k, tpath(names[f]), WSL_FORMAT_AUTO, NULL));
        ck_assert_uint_eq(n, 6);
        ck_assert_uint_eq(k, 2);
        for (size_t i = 0; i < 12; i++)
            ck_assert_msg(memcmp(&back[i], &p[i], sizeof(double)) == 0,
                          "value %zu: %.17g != %.17g", i, back[i], p[i]);
        wsl_array_free(back, NULL);
    }
    /* CSV text is the shortest that round-trips. */
    {
        size_t len;
        char *text = slurp(tpath("p.csv"), &len);
        ck_assert_msg(strncmp(text, "0.1,0.9\n", 8) == 0, "got '%.20s'", text);
        free(text);
    }
    /* float32 and big-endian float64 NPY. */
    {
        float f4[] = {0.25f, 0.75f};
        unsigned char be[16];
        double d[] = {0.125, 0.875}, *back = NULL;
        size_t len, n, k;
        char *img = npy_image(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
                              f4, sizeof f4, &len);
        write_file(tpath("f4.npy"), img, len);
        free(img);
        WSL_ASSERT_OK(wsl_probs_read(&back, &n, &k, tpath("f4.npy"), WSL_FORMAT_NPY, NULL));
        ck_assert_double_eq(back[0], 0.25);
        ck_assert_double_eq(back[1], 0.75);
        wsl_array_free(back, NULL);
        for (int i = 0; i < 2; i++) {
            uint64_t u;
            memcpy(&u, &d[i], 8);
            for (int b = 0; b < 8; b++)
                be[i * 8 + 7 - b] = (unsigned char)(u >> (8 * b));
        }
        img = npy_image(1, "{'descr': '>f8', 'fortran_order': True, 'shape': (2,), }", be, 16,
                        &len);
        write_file(tpath("be.npy"), img, len);
        free(img);
        WSL_ASSERT_OK(wsl_probs_read(&back, &n, &k, tpath("be.npy"), WSL_FORMAT_AUTO, NULL));
        ck_assert_uint_eq(n, 2);
        ck_assert_uint_eq(k, 1);
        ck_assert_double_eq(back[0], 0.125);
        ck_assert_double_eq(back[1], 0.875);
        wsl_array_free(back, NULL);
    }
    remove_tmpdir();
}
END_TEST

START_TEST(test_write_overwrites_and_keeps_mode)
{
    wsl_label_matrix *L = NULL, *R = NULL;
    static const int32_t v[] = {0, 1, -1, 1};
    struct stat sb;
    make_tmpdir();
    write_file(tpath("old.csv"), "junk\n", 5);
    ck_assert_int_eq(chmod(tpath("old.csv"), 0640), 0);
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, v, 2, 2, 2, 2, WSL_STORAGE_DENSE, NULL));
    WSL_ASSERT_OK(wsl_votes_write(L, tpath("old.csv"), WSL_FORMAT_AUTO));
    ck_assert_int_eq(stat(tpath("old.csv"), &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0640);
    WSL_ASSERT_OK(wsl_votes_read(&R, tpath("old.csv"), NULL));
    assert_cells(R, v, 2, 2);
    wsl_label_matrix_free(R);
    /* Through a symbolic link: the file is replaced, the link stays. */
    ck_assert_int_eq(symlink("old.csv", tpath("link.csv")), 0);
    WSL_ASSERT_OK(wsl_votes_write(L, tpath("link.csv"), WSL_FORMAT_TRIPLES));
    ck_assert_int_eq(lstat(tpath("link.csv"), &sb), 0);
    ck_assert(S_ISLNK(sb.st_mode));
    {
        size_t len;
        char *text = slurp(tpath("old.csv"), &len);
        ck_assert_str_eq(text, "0,0,0\n0,1,1\n1,1,1\n");
        free(text);
    }
    ck_assert_uint_eq(tmpdir_entries(), 2);
    wsl_label_matrix_free(L);
    remove_tmpdir();
}
END_TEST

/* A FIFO: NPY of unknown size is read whole before sizes are checked; writes go in place.
 * The other end runs on a thread (not a child process, so leak checkers see one process). */
typedef struct fifo_end {
    pthread_t thread;
    char path[4096]; /* copied: tpath() reuses its buffer */
    const char *data;
    size_t len;
    int ok;
} fifo_end;
static fifo_end fifo_peer;

static void *fifo_writer(void *arg)
{
    fifo_end *e = arg;
    FILE *f = fopen(e->path, "wb");
    e->ok = f && fwrite(e->data, 1, e->len, f) == e->len;
    if (f)
        e->ok &= fclose(f) == 0;
    return NULL;
}

static void *fifo_reader(void *arg)
{
    fifo_end *e = arg;
    char buf[64] = {0};
    FILE *f = fopen(e->path, "rb");
    size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    e->ok = got == 4 && strcmp(buf, "0,1\n") == 0;
    return NULL;
}

static void feed_fifo(const char *path, const char *data, size_t len)
{
    snprintf(fifo_peer.path, sizeof fifo_peer.path, "%s", path);
    fifo_peer.data = data;
    fifo_peer.len = len;
    fifo_peer.ok = 0;
    ck_assert_int_eq(pthread_create(&fifo_peer.thread, NULL, fifo_writer, &fifo_peer), 0);
}

static void reap(void)
{
    ck_assert_int_eq(pthread_join(fifo_peer.thread, NULL), 0);
    ck_assert(fifo_peer.ok);
}

START_TEST(test_fifo)
{
    static const int8_t body[] = {0, 1, -1, 1};
    static const int32_t want[] = {0, 1, -1, 1};
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    size_t len;
    char *img = npy_image(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), }", body,
                          4, &len);
    make_tmpdir();
    ck_assert_int_eq(mkfifo(tpath("p.npy"), 0600), 0);
    feed_fifo(tpath("p.npy"), img, len);
    WSL_ASSERT_OK(wsl_votes_read(&L, tpath("p.npy"), NULL));
    reap();
    assert_cells(L, want, 2, 2);
    wsl_label_matrix_free(L);
    /* Truncated through a pipe. */
    feed_fifo(tpath("p.npy"), img, len - 1);
    WSL_ASSERT_STATUS(wsl_votes_read(&L, tpath("p.npy"), NULL), WSL_EFORMAT);
    ASSERT_ERR_HAS("needs 4 bytes, 3 present");
    reap();
    /* CSV and WRENCH through a pipe. */
    feed_fifo(tpath("p.npy"), "0,1\n-1,1\n", 9);
    o.format = WSL_FORMAT_CSV;
    WSL_ASSERT_OK(wsl_votes_read(&L, tpath("p.npy"), &o));
    reap();
    assert_cells(L, want, 2, 2);
    wsl_label_matrix_free(L);
    feed_fifo(tpath("p.npy"), "{\"0\": {\"weak_labels\": [0, 1]}}", 30);
    o.format = WSL_FORMAT_WRENCH;
    WSL_ASSERT_OK(wsl_votes_read(&L, tpath("p.npy"), &o));
    reap();
    ck_assert_uint_eq(wsl_label_matrix_n_points(L), 1);
    /* Writing into a FIFO writes in place: the reader sees the data, the FIFO stays. */
    {
        snprintf(fifo_peer.path, sizeof fifo_peer.path, "%s", tpath("p.npy"));
        fifo_peer.ok = 0;
        ck_assert_int_eq(pthread_create(&fifo_peer.thread, NULL, fifo_reader, &fifo_peer), 0);
        WSL_ASSERT_OK(wsl_votes_write(L, tpath("p.npy"), WSL_FORMAT_CSV));
        reap();
    }
    {
        struct stat sb;
        ck_assert_int_eq(lstat(tpath("p.npy"), &sb), 0);
        ck_assert(S_ISFIFO(sb.st_mode));
    }
    ck_assert_uint_eq(tmpdir_entries(), 1);
    wsl_label_matrix_free(L);
    free(img);
    remove_tmpdir();
}
END_TEST

/* ---------------------------------------------------------------- errors */

typedef struct bad_case {
    wsl_format format;
    const char *text;
    int32_t k;
    wsl_status status;
    const char *where; /* substring of the message: position or record */
    const char *what;  /* substring of the message: the problem */
} bad_case;

static const bad_case bad_cases[] = {
    {WSL_FORMAT_CSV, "1,0\n1\n", 0, WSL_EFORMAT, "mem:2:2:", "expected 2 fields (as on line 1), got 1"},
    {WSL_FORMAT_CSV, "1,0\n1,0,1\n", 0, WSL_EFORMAT, "mem:2:5:", "expected 2 fields"},
    {WSL_FORMAT_CSV, "1,,0\n", 0, WSL_EFORMAT, "mem:1:3:", "field 2 is empty"},
    {WSL_FORMAT_CSV, "1,0,\n", 0, WSL_EFORMAT, "mem:1:5:", "field 3 is empty"},
    {WSL_FORMAT_CSV, "1,0\n0,abc\n", 0, WSL_EFORMAT, "mem:2:3:", "expected an integer vote, got 'abc'"},
    {WSL_FORMAT_CSV, "1,0x1\n", 0, WSL_EFORMAT, "mem:1:3:", "got '0x1'"},
    {WSL_FORMAT_CSV, "1 2,0\n", 0, WSL_EFORMAT, "mem:1:1:", "expected an integer"},
    {WSL_FORMAT_CSV, "1,0.5\n", 0, WSL_EFORMAT, "mem:1:3:", "expected an integer"},
    {WSL_FORMAT_CSV, "1,99999999999999999999\n", 0, WSL_EFORMAT, "mem:1:3:", "out of range"},
    {WSL_FORMAT_CSV, "0,1\n1,-2\n", 0, WSL_EFORMAT, "mem:2:3:", "vote -2 is below -1"},
    {WSL_FORMAT_CSV, "0,1\n1,2\n", 2, WSL_ERANGE, "mem:2:3:", "vote 2 is outside -1..1"},
    {WSL_FORMAT_CSV, "0,1000000\n", 0, WSL_ERANGE, "mem:1:3:", "exceeds the largest class"},
    {WSL_FORMAT_CSV, "0,3000000000\n", 0, WSL_ERANGE, "mem:1:3:", "3000000000"},
    {WSL_FORMAT_CSV, "", 0, WSL_EFORMAT, "mem", "no rows"},
    {WSL_FORMAT_CSV, "0,1\n\n0,1\n", 0, WSL_EFORMAT, "mem:2:1:", "empty line"},
    {WSL_FORMAT_CSV, "0,1\n0,1\n\n", 0, WSL_EFORMAT, "mem:3:1:", "empty line"},
    {WSL_FORMAT_TRIPLES, "0,0\n", 0, WSL_EFORMAT, "mem:1:1:", "expected 3 fields (item,source,label), got 2"},
    {WSL_FORMAT_TRIPLES, "0,0,1,2\n", 0, WSL_EFORMAT, "mem:1:", "got 4"},
    {WSL_FORMAT_TRIPLES, "0,0,1\n-1,0,1\n", 0, WSL_EFORMAT, "mem:2:1:", "negative item -1"},
    {WSL_FORMAT_TRIPLES, "0,-4,1\n", 0, WSL_EFORMAT, "mem:1:3:", "negative source -4"},
    {WSL_FORMAT_TRIPLES, "0,0,-2\n", 0, WSL_EFORMAT, "mem:1:5:", "label -2 is below -1"},
    {WSL_FORMAT_TRIPLES, "0,0,5\n", 2, WSL_ERANGE, "mem:1:5:", "label 5 is outside -1..1"},
    {WSL_FORMAT_TRIPLES, "0,x,1\n", 0, WSL_EFORMAT, "mem:1:3:", "expected a source index, got 'x'"},
    {WSL_FORMAT_TRIPLES, "0,,1\n", 0, WSL_EFORMAT, "mem:1:3:", "field 2 is empty"},
    {WSL_FORMAT_TRIPLES, "item,source,label\n", 0, WSL_EFORMAT, "mem", "no rows"},
    {WSL_FORMAT_TRIPLES, "0,0,1\nitem,source,label\n", 0, WSL_EFORMAT, "mem:2:1:", "expected an item index"},
    {WSL_FORMAT_TRIPLES, "0,0,1\n1000000000,0,1\n", 0, WSL_EFORMAT, "mem:2:1:", "set opts->n_points"},
    {WSL_FORMAT_TRIPLES, "0,99999999999999999999,1\n", 0, WSL_EFORMAT, "mem:1:3:", "out of range"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1, 0]},\n \"1\": {\"weak_labels\": [1, 0}\n}", 0, WSL_EFORMAT, "mem:2:", "invalid JSON"},
    {WSL_FORMAT_WRENCH, "[1, 2]", 0, WSL_EFORMAT, "mem:", "top level must be an object"},
    {WSL_FORMAT_WRENCH, "{}", 0, WSL_EFORMAT, "mem:", "no records"},
    {WSL_FORMAT_WRENCH, "", 0, WSL_EFORMAT, "mem:", "empty input"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1]}} x", 0, WSL_EFORMAT, "mem:1:29:", "unexpected text"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1]}, \"1\": {\"label\": 0}}", 0, WSL_EFORMAT, "record \"1\"", "no \"weak_labels\""},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1]}, \"1\": {\"weak_labels\": 3}}", 0, WSL_EFORMAT, "record \"1\"", "not an array"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1, 0]}, \"7\": {\"weak_labels\": [1]}}", 0, WSL_EFORMAT, "record \"7\"", "has 1 votes, expected 2 (as in record \"0\")"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1, 0.5]}}", 0, WSL_EFORMAT, "record \"0\"", "weak_labels[1] (0.5) is not a 32-bit integer"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1, \"a\"]}}", 0, WSL_EFORMAT, "record \"0\"", "weak_labels[1] is not a number"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1, -3]}}", 0, WSL_EFORMAT, "record \"0\"", "below -1"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1, 0], \"label\": 2}}", 2, WSL_ERANGE, "record \"0\"", "label 2 is outside -1..1"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": [1, 0], \"label\": \"x\"}}", 0, WSL_EFORMAT, "record \"0\"", "label is not a number"},
    {WSL_FORMAT_WRENCH, "{\"0\": {\"weak_labels\": []}}", 0, WSL_EFORMAT, "record \"0\"", "empty"},
    {WSL_FORMAT_WRENCH, "{\"0\": [1]}", 0, WSL_EFORMAT, "record \"0\"", "not an object"},
    {WSL_FORMAT_WRENCH, "{\"1\": {\"weak_labels\": [1]}, \"01\": {\"weak_labels\": [1]}}", 0, WSL_EFORMAT, "record \"01\"", "duplicate record id 1"},
};

START_TEST(test_malformed_text)
{
    const bad_case *c = &bad_cases[_i];
    wsl_label_matrix *L = (wsl_label_matrix *)&L;
    size_t len = strlen(c->text);
    wsl_clear_error();
    WSL_ASSERT_STATUS(read_mem(&L, c->format, c->text, len, c->k), c->status);
    ck_assert_ptr_null(L);
    ASSERT_ERR_HAS(c->where);
    ASSERT_ERR_HAS(c->what);
    ASSERT_ERR_HAS("wsl_votes_read_mem");
}
END_TEST

START_TEST(test_embedded_nul)
{
    static const char text[] = "0,1\n0,1\0002\n";
    wsl_label_matrix *L = NULL;
    WSL_ASSERT_STATUS(read_mem(&L, WSL_FORMAT_CSV, text, sizeof text - 1, 0), WSL_EFORMAT);
    ASSERT_ERR_HAS("mem:2:3:");
    ASSERT_ERR_HAS("got '1?2'");
}
END_TEST

START_TEST(test_malformed_file_has_path)
{
    wsl_label_matrix *L = NULL;
    make_tmpdir();
    write_file(tpath("bad.csv"), "0,1\r\n1,0\r\n1,0,1\r\n", 17);
    WSL_ASSERT_STATUS(wsl_votes_read(&L, tpath("bad.csv"), NULL), WSL_EFORMAT);
    ASSERT_ERR_HAS("bad.csv:3:5: expected 2 fields (as on line 1), got 3");
    ck_assert_ptr_null(L);
    remove_tmpdir();
}
END_TEST

START_TEST(test_long_lines)
{
    /* A line longer than 64 MiB, in memory and in a file: WSL_EFORMAT, not a huge allocation. */
    size_t len = WSL__IO_MAX_LINE + 16;
    char *big = malloc(len);
    wsl_label_matrix *L = NULL;
    ck_assert_ptr_nonnull(big);
    memset(big, '1', len);
    WSL_ASSERT_STATUS(read_mem(&L, WSL_FORMAT_CSV, big, len, 0), WSL_EFORMAT);
    ASSERT_ERR_HAS("line 1 longer than 67108864 bytes");
    make_tmpdir();
    memcpy(big, "0,1\n", 4);
    write_file(tpath("long.csv"), big, len);
    free(big);
    WSL_ASSERT_STATUS(wsl_votes_read(&L, tpath("long.csv"), NULL), WSL_EFORMAT);
    ASSERT_ERR_HAS("long.csv:2: line 2 longer than");
    remove_tmpdir();
}
END_TEST

START_TEST(test_reader_lines)
{
    /* Lines across chunk boundaries and the limit, on a small line limit. */
    wsl__reader r;
    const char *line;
    size_t len, total = 3 * WSL__IO_CHUNK;
    bool got;
    char *text = malloc(total);
    ck_assert_ptr_nonnull(text);
    for (size_t i = 0; i < total; i++)
        text[i] = (char)('a' + i % 26);
    text[WSL__IO_CHUNK + 5] = '\n';      /* line 1 spans the first chunk boundary */
    text[WSL__IO_CHUNK + 7] = '\r';      /* line 2: "x" + CRLF */
    text[WSL__IO_CHUNK + 8] = '\n';
    make_tmpdir();
    write_file(tpath("lines.txt"), text, total);
    WSL_ASSERT_OK(wsl__reader_open_file(&r, "t", tpath("lines.txt"), NULL));
    WSL_ASSERT_OK(wsl__reader_line(&r, "t", &line, &len, &got));
    ck_assert(got);
    ck_assert_uint_eq(len, WSL__IO_CHUNK + 5);
    ck_assert(memcmp(line, text, len) == 0);
    WSL_ASSERT_OK(wsl__reader_line(&r, "t", &line, &len, &got));
    ck_assert_uint_eq(len, 1);
    ck_assert_uint_eq(r.line_no, 2);
    r.max_line = 1000;
    WSL_ASSERT_STATUS(wsl__reader_line(&r, "t", &line, &len, &got), WSL_EFORMAT);
    ASSERT_ERR_HAS("line 3 longer than 1000 bytes");
    wsl__reader_close(&r);
    /* The final line without a newline is returned, then the end. */
    WSL_ASSERT_OK(wsl__reader_open_file(&r, "t", tpath("lines.txt"), NULL));
    {
        size_t lines = 0;
        for (;;) {
            WSL_ASSERT_OK(wsl__reader_line(&r, "t", &line, &len, &got));
            if (!got)
                break;
            lines++;
        }
        ck_assert_uint_eq(lines, 3);
        ck_assert_uint_eq(len, 0);
    }
    wsl__reader_close(&r);
    free(text);
    remove_tmpdir();
}
END_TEST

typedef struct bad_npy {
    int version;
    const char *dict;
    size_t body_len; /* bytes of zeros appended */
    wsl_status status;
    const char *what;
} bad_npy;

static const bad_npy bad_npys[] = {
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 32, WSL_EFORMAT, "dtype '<f8' is floating point"},
    {1, "{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", 32, WSL_EFORMAT, "object dtype '|O'"},
    {1, "{'descr': '|i2', 'fortran_order': False, 'shape': (2, 2), }", 8, WSL_EFORMAT, "no byte order"},
    {1, "{'descr': '<U3', 'fortran_order': False, 'shape': (2, 2), }", 48, WSL_EFORMAT, "unsupported dtype '<U3'"},
    {1, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }", 8, WSL_EFORMAT, "structured"},
    {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2, 2), }", 8, WSL_EFORMAT, "got 3 dimensions"},
    {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (), }", 1, WSL_EFORMAT, "got 0 dimensions"},
    {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (3, 0), }", 0, WSL_EFORMAT, "no columns"},
    {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), }", 3, WSL_EFORMAT, "needs 4 bytes, 3 present"},
    {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), }", 5, WSL_EFORMAT, "1 unexpected bytes"},
    {1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1000000000000000000, 1), }", 64, WSL_EFORMAT, "truncated .npy data"},
    {1, "{'descr': '<i8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 64, WSL_EFORMAT, "overflows"},
    {1, "{'descr': '<i8', 'fortran_order': False, 'shape': (99999999999999999999, 1), }", 64, WSL_EFORMAT, "shape overflows"},
    {1, "{'descr': '|i1', 'fortran_order': False}", 4, WSL_EFORMAT, "missing 'shape'"},
    {1, "{'descr': '|i1', 'shape': (2, 2)}", 4, WSL_EFORMAT, "missing 'fortran_order'"},
    {1, "{'descr': '|i1', 'fortran_order': false, 'shape': (2, 2)}", 4, WSL_EFORMAT, "True or False"},
    {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", 4, WSL_EFORMAT, "unknown key"},
    {1, "{'descr': '|i1', 'descr': '|i1', 'fortran_order': False, 'shape': (2, 2)}", 4, WSL_EFORMAT, "given twice"},
    {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2)} junk", 4, WSL_EFORMAT, "after the dictionary"},
    {1, "('descr', '|i1')", 4, WSL_EFORMAT, "expected '{'"},
    {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2", 4, WSL_EFORMAT, "npy header (byte"},
    {1, "{'descr: '|i1', 'fortran_order': False, 'shape': (2, 2)}", 4, WSL_EFORMAT, "npy header"},
    {4, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), }", 4, WSL_EFORMAT, "version 4.0"},
};

START_TEST(test_malformed_npy)
{
    const bad_npy *c = &bad_npys[_i];
    char zeros[64] = {0};
    size_t len;
    char *img = npy_image(c->version == 4 ? 2 : c->version, c->dict, zeros, c->body_len, &len);
    wsl_label_matrix *L = NULL;
    if (c->version == 4)
        img[6] = 4;
    WSL_ASSERT_STATUS(read_mem(&L, WSL_FORMAT_NPY, img, len, 0), c->status);
    ck_assert_ptr_null(L);
    ASSERT_ERR_HAS(c->what);
    ASSERT_ERR_HAS("mem");
    free(img);
}
END_TEST

/* An allocator that remembers the largest request. */
typedef struct big_alloc {
    size_t largest;
} big_alloc;
static void *ba_malloc(size_t size, void *p)
{
    big_alloc *b = p;
    if (size > b->largest)
        b->largest = size;
    return malloc(size);
}
static void *ba_realloc(void *ptr, size_t size, void *p)
{
    big_alloc *b = p;
    if (size > b->largest)
        b->largest = size;
    return realloc(ptr, size);
}
static void ba_free(void *ptr, void *p)
{
    (void)p;
    free(ptr);
}

/* A pattern table's header: magic, version, m, k, patterns, rows (little-endian u64s). */
static size_t pattern_header(unsigned char *out, uint64_t m, uint64_t k, uint64_t n, uint64_t rows)
{
    uint64_t f[4] = {m, k, n, rows};
    memcpy(out, "WSLPAT\x01\n", 8);
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 8; b++)
            out[8 + 8 * i + b] = (unsigned char)(f[i] >> (8 * b));
    return 40;
}

START_TEST(test_pattern_table_hostile)
{
    /* m = 2^32 - 1 sources claimed (a fuzz finding: the loader took 16 GB of scratch for them
     * before reading a vote); the scratch grows with the votes read instead. */
    big_alloc b = {0};
    wsl_allocator a = {ba_malloc, ba_realloc, ba_free, &b};
    unsigned char img[128] = {0};
    size_t len = pattern_header(img, UINT32_MAX, 2, 1, 3);
    wsl_pattern_table *T = NULL;
    img[len] = 3; /* count 3, no vote: the all-abstain pattern */
    len += 12;
    WSL_ASSERT_OK(wsl_pattern_table_load_buf(&T, img, len, "hostile", &a));
    ck_assert_uint_eq(wsl_pattern_table_n_sources(T), UINT32_MAX);
    ck_assert_uint_eq(wsl_pattern_table_n_rows(T), 3);
    ck_assert_uint_lt(b.largest, 1 << 16);
    wsl_pattern_table_free(T);
    /* A pattern claiming 2^32 - 1 votes, with two present: truncated, and small requests. */
    b.largest = 0;
    len = pattern_header(img, UINT32_MAX, 2, 1, 1);
    memset(img + len, 0, 28);
    img[len] = 1;
    memset(img + len + 8, 0xff, 4);
    img[len + 12 + 8] = 1; /* second vote: source 1 */
    len += 28;
    WSL_ASSERT_STATUS(wsl_pattern_table_load_buf(&T, img, len, "hostile", &a), WSL_EFORMAT);
    ck_assert_ptr_null(T);
    ck_assert_uint_lt(b.largest, 1 << 16);
    /* Patterns claimed beyond what the bytes hold: refused before allocating. */
    b.largest = 0;
    len = pattern_header(img, 4, 2, UINT64_MAX / 2, 1);
    WSL_ASSERT_STATUS(wsl_pattern_table_load_buf(&T, img, len + 12, "hostile", &a), WSL_EFORMAT);
    ASSERT_ERR_HAS("hostile claims");
    ck_assert_uint_lt(b.largest, 1 << 16);
}
END_TEST

START_TEST(test_npy_hostile)
{
    big_alloc b = {0};
    wsl_allocator a = {ba_malloc, ba_realloc, ba_free, &b};
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    char zeros[64] = {0};
    size_t len;
    char *img;
    /* 10^18 rows claimed, 64 bytes present: refused before any large allocation. */
    img = npy_image(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (1000000000000000000, "
                       "3), }", zeros, 64, &len);
    o.format = WSL_FORMAT_NPY;
    o.alloc = &a;
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, img, len, "hostile.npy", &o), WSL_EFORMAT);
    ASSERT_ERR_HAS("hostile.npy: truncated .npy data");
    ck_assert_uint_lt(b.largest, 1 << 20);
    /* The same from a file. */
    make_tmpdir();
    write_file(tpath("hostile.npy"), img, len);
    WSL_ASSERT_STATUS(wsl_votes_read(&L, tpath("hostile.npy"), &o), WSL_EFORMAT);
    ck_assert_uint_lt(b.largest, 1 << 20);
    free(img);
    /* A header length of 4 GiB - 1 (version 2) with a short file. */
    img = npy_image(2, "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 1), }", zeros, 1,
                    &len);
    img[8] = img[9] = img[10] = img[11] = (char)0xff;
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, img, len, "h2", &o), WSL_EFORMAT);
    ASSERT_ERR_HAS("too long");
    img[10] = img[11] = 0; /* 65535: longer than the file */
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, img, len, "h2", &o), WSL_EFORMAT);
    ASSERT_ERR_HAS("truncated .npy header");
    ck_assert_uint_lt(b.largest, 1 << 20);
    free(img);
    /* Bad magic, truncated preamble. */
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "NUMPY!!!!!!!", 12, "m", &o), WSL_EFORMAT);
    ASSERT_ERR_HAS("bad magic");
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "\x93NUMPY\x01", 7, "m", &o), WSL_EFORMAT);
    ASSERT_ERR_HAS("truncated");
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "", 0, "m", &o), WSL_EFORMAT);
    remove_tmpdir();
}
END_TEST

/* A generator on a FIFO: up to 1 GiB of '1' without a newline, stopping when the reader hangs
 * up (EPIPE). Nothing of that size is ever on disk or in memory. */
typedef struct gen_end {
    pthread_t thread;
    char path[4096];
    const char *prefix; /* written first */
    uint64_t written;
} gen_end;

static void *gen_writer(void *arg)
{
    gen_end *g = arg;
    static char block[1 << 20];
    int fd = open(g->path, O_WRONLY);
    memset(block, '1', sizeof block);
    g->written = 0;
    if (fd < 0)
        return NULL;
    if (write(fd, g->prefix, strlen(g->prefix)) > 0)
        g->written += strlen(g->prefix);
    while (g->written < ((uint64_t)1 << 30)) {
        ssize_t w = write(fd, block, sizeof block);
        if (w <= 0)
            break; /* EPIPE: the reader gave up */
        g->written += (uint64_t)w;
    }
    close(fd);
    return NULL;
}

/*
 * Hostile sizes. A line of 1 GB without a newline (CSV votes, triples, gold labels,
 * probabilities, JSON Lines records), a triples file whose indices claim 10^18 items or a 2^20 x 2^20 dense matrix,
 * a k of 2^31, a label matrix whose n * m overflows: each is a clear error, read in bounded
 * memory, and nothing near the claimed size is asked of the allocator.
 */
START_TEST(test_hostile_sizes)
{
    big_alloc b = {0};
    wsl_allocator a = {ba_malloc, ba_realloc, ba_free, &b};
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    gen_end g;
    static const struct {
        const char *name, *prefix;
        wsl_format format;
        int what; /* 0 votes, 1 gold, 2 probabilities, 3 JSON Lines records */
    } lines[] = {{"v.csv", "0,1\n", WSL_FORMAT_CSV, 0},
                 {"t.csv", "item,source,label\n", WSL_FORMAT_TRIPLES, 0},
                 {"y.csv", "1\n", WSL_FORMAT_CSV, 1},
                 {"p.csv", "0.5,0.5\n0.", WSL_FORMAT_CSV, 2},
                 {"r.jsonl", "{\"text\": \"a\"}\n", WSL_FORMAT_CSV, 3}};
    signal(SIGPIPE, SIG_IGN);
    make_tmpdir();
    for (size_t c = 0; c < sizeof lines / sizeof lines[0]; c++) {
        int32_t *gold = NULL;
        double *probs = NULL;
        wsl_records *records = NULL;
        const char *const text_field[] = {"text"};
        size_t n, k;
        wsl_status st;
        b.largest = 0;
        ck_assert_int_eq(mkfifo(tpath(lines[c].name), 0600), 0);
        snprintf(g.path, sizeof g.path, "%s", tpath(lines[c].name));
        g.prefix = lines[c].prefix;
        ck_assert_int_eq(pthread_create(&g.thread, NULL, gen_writer, &g), 0);
        o.format = lines[c].format;
        o.alloc = &a;
        if (lines[c].what == 0)
            st = wsl_votes_read(&L, g.path, &o);
        else if (lines[c].what == 1)
            st = wsl_gold_read(&gold, &n, g.path, 0, &a);
        else if (lines[c].what == 2)
            st = wsl_probs_read(&probs, &n, &k, g.path, WSL_FORMAT_CSV, &a);
        else
            st = wsl_records_read(&records, g.path, text_field, 1, &a);
        ck_assert_int_eq(pthread_join(g.thread, NULL), 0);
        WSL_ASSERT_STATUS(st, WSL_EFORMAT);
        ASSERT_ERR_HAS(":2: line 2 longer than 67108864 bytes");
        ck_assert_ptr_null(L);
        ck_assert_ptr_null(gold);
        ck_assert_ptr_null(probs);
        ck_assert_ptr_null(records);
        /* the reader stopped at the limit, and held about one line */
        ck_assert_uint_lt(g.written, WSL__IO_MAX_LINE + ((uint64_t)4 << 20));
        ck_assert_uint_le(b.largest, WSL__IO_MAX_LINE + 1);
        unlink(tpath(lines[c].name));
    }
    /* Indices claiming 10^18 items, or a 2^20 x 2^20 dense matrix from one line. */
    b.largest = 0;
    o.format = WSL_FORMAT_TRIPLES;
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "1000000000000000000,0,1\n", 24, "t", &o),
                      WSL_EFORMAT);
    ASSERT_ERR_HAS("set opts->n_points");
    o.storage = WSL_STORAGE_DENSE;
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "1048575,1048575,1\n", 18, "t", &o), WSL_EFORMAT);
    ASSERT_ERR_HAS("would make a dense 1048576 x 1048576 matrix");
    o.storage = WSL_STORAGE_AUTO; /* sparse: as much memory as the data */
    WSL_ASSERT_OK(wsl_votes_read_mem(&L, "1048575,1048575,1\n", 18, "t", &o));
    ck_assert_uint_eq(wsl_label_matrix_storage(L), WSL_STORAGE_SPARSE);
    wsl_label_matrix_free(L);
    ck_assert_uint_lt(b.largest, (size_t)16 << 20);
    /* k of 2^31: as an option, a vote, a label. */
    b.largest = 0;
    o.cardinality = INT32_MIN; /* 2^31 in an int32_t */
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "0,1\n", 4, "k", &o), WSL_EINVAL);
    o.cardinality = 0;
    o.format = WSL_FORMAT_CSV;
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "0,2147483648\n", 13, "k", &o), WSL_ERANGE);
    ASSERT_ERR_HAS("2147483648 exceeds the largest class");
    o.format = WSL_FORMAT_WRENCH;
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "{\"0\": {\"weak_labels\": [2147483648]}}", 36,
                                         "k", &o), WSL_EFORMAT);
    WSL_ASSERT_STATUS(wsl_label_matrix_create(&L, 1, 1, INT32_MIN, WSL_STORAGE_DENSE, &a),
                      WSL_EINVAL);
    {
        double p[2] = {0.5, 0.5};
        int32_t y = 0, lab;
        wsl_metrics met;
        WSL_ASSERT_STATUS(wsl_metrics_compute(p, 1, (size_t)1 << 31, &y, 1, NULL, 0, &met, NULL,
                                              0, NULL, 0), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_probs_to_labels(p, 1, (size_t)1 << 31, WSL_TIE_LOWEST, 0, &lab, 1),
                          WSL_EINVAL);
    }
    /* n * m overflowing, and n * m * cell bytes of 2^64 / 2: WSL_ENOMEM before any request. */
    WSL_ASSERT_STATUS(wsl_label_matrix_create(&L, SIZE_MAX / 2, 3, 2, WSL_STORAGE_DENSE, &a),
                      WSL_ENOMEM);
    WSL_ASSERT_STATUS(wsl_label_matrix_create(&L, (size_t)1 << 32, (size_t)1 << 31, 1000,
                                              WSL_STORAGE_DENSE, &a), WSL_ENOMEM);
    ck_assert_ptr_null(L);
    ck_assert_uint_lt(b.largest, (size_t)1 << 20);
    remove_tmpdir();
}
END_TEST

START_TEST(test_npy_values_out_of_range)
{
    static const int8_t v8[] = {0, 1, 5, 1};
    static const int8_t neg[] = {0, 1, -3, 1};
    unsigned char u64[32] = {0};
    wsl_label_matrix *L = NULL;
    size_t len;
    char *img = npy_image(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), }", v8, 4,
                          &len);
    WSL_ASSERT_STATUS(read_mem(&L, WSL_FORMAT_NPY, img, len, 2), WSL_ERANGE);
    ASSERT_ERR_HAS("row 1, column 0: vote 5 is outside -1..1");
    free(img);
    img = npy_image(1, "{'descr': '|i1', 'fortran_order': True, 'shape': (2, 2), }", neg, 4, &len);
    WSL_ASSERT_STATUS(read_mem(&L, WSL_FORMAT_NPY, img, len, 0), WSL_ERANGE);
    ASSERT_ERR_HAS("row 0, column 1: vote -3");
    free(img);
    memset(u64 + 8, 0xff, 8);
    img = npy_image(1, "{'descr': '<u8', 'fortran_order': False, 'shape': (2, 2), }", u64, 32,
                    &len);
    WSL_ASSERT_STATUS(read_mem(&L, WSL_FORMAT_NPY, img, len, 0), WSL_ERANGE);
    ASSERT_ERR_HAS("row 0, column 1: vote 18446744073709551615");
    free(img);
    /* Probabilities: NaN and integer dtypes are refused. */
    {
        double p[] = {0.5, NAN};
        double *back = NULL;
        size_t n, k;
        make_tmpdir();
        img = npy_image(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", p,
                        sizeof p, &len);
        write_file(tpath("nan.npy"), img, len);
        free(img);
        WSL_ASSERT_STATUS(wsl_probs_read(&back, &n, &k, tpath("nan.npy"), WSL_FORMAT_AUTO, NULL),
                          WSL_EFORMAT);
        ASSERT_ERR_HAS("row 0, column 1: value is not finite");
        img = npy_image(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2), }", v8, 2,
                        &len);
        write_file(tpath("int.npy"), img, len);
        free(img);
        WSL_ASSERT_STATUS(wsl_probs_read(&back, &n, &k, tpath("int.npy"), WSL_FORMAT_AUTO, NULL),
                          WSL_EFORMAT);
        ASSERT_ERR_HAS("float32 or float64");
        ck_assert_ptr_null(back);
        remove_tmpdir();
    }
}
END_TEST

START_TEST(test_gold_errors)
{
    static const struct {
        const char *text;
        int32_t k;
        wsl_status st;
        const char *what;
    } cases[] = {
        {"1\n\n0\n", 0, WSL_EFORMAT, "y.csv:2:1: empty line"},
        {"1\n0,1\n", 0, WSL_EFORMAT, "y.csv:2:2: expected one label per line, got 2 fields"},
        {"1\nabc\n", 0, WSL_EFORMAT, "y.csv:2:1: field 1: expected one integer label, got 'abc'"},
        {"1\n-2\n", 0, WSL_ERANGE, "y.csv:2:1: label -2 is outside"},
        {"1\n5\n", 2, WSL_ERANGE, "y.csv:2:1: label 5 is outside -1..1 (k = 2)"},
        {"99999999999999999999\n", 0, WSL_EFORMAT, "y.csv:1:1:"},
        {"", 0, WSL_EFORMAT, "no labels"},
    };
    make_tmpdir();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int32_t *g = (int32_t *)&g;
        size_t n = 7;
        write_file(tpath("y.csv"), cases[c].text, strlen(cases[c].text));
        WSL_ASSERT_STATUS(wsl_gold_read(&g, &n, tpath("y.csv"), cases[c].k, NULL), cases[c].st);
        ASSERT_ERR_HAS(cases[c].what);
        ck_assert_ptr_null(g);
        ck_assert_uint_eq(n, 0);
    }
    {
        int32_t *g;
        size_t n;
        WSL_ASSERT_STATUS(wsl_gold_read(&g, &n, tpath("y.csv"), -1, NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_gold_read(&g, &n, tpath("missing.csv"), 0, NULL), WSL_EIO);
        ASSERT_ERR_HAS("missing.csv");
        ASSERT_ERR_HAS("No such file");
        WSL_ASSERT_STATUS(wsl_gold_read(NULL, &n, tpath("y.csv"), 0, NULL), WSL_EINVAL);
    }
    remove_tmpdir();
}
END_TEST

START_TEST(test_probs_errors)
{
    static const struct {
        const char *text;
        const char *what;
    } cases[] = {
        {"0.5,0.5\n0.5\n", "p.csv:2:1: expected 2 fields (as on line 1), got 1"},
        {"0.5,abc\n", "p.csv:1:5: field 2: expected a number, got 'abc'"},
        {"0.5,nan\n", "p.csv:1:5: field 2: 'nan' is not a finite number"},
        {"0.5,-Inf\n", "'-Inf' is not a finite number"},
        {"0.5,1e999\n", "out of range"},
        {"0.5,\n", "p.csv:1:5: field 2 is empty"},
        {"0.5,0x1p3\n", "expected a number"},
        {"", "no rows"},
    };
    double *p = NULL;
    size_t n, k;
    double bad[] = {0.5, INFINITY};
    make_tmpdir();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        write_file(tpath("p.csv"), cases[c].text, strlen(cases[c].text));
        WSL_ASSERT_STATUS(wsl_probs_read(&p, &n, &k, tpath("p.csv"), WSL_FORMAT_AUTO, NULL),
                          WSL_EFORMAT);
        ASSERT_ERR_HAS(cases[c].what);
        ck_assert_ptr_null(p);
    }
    WSL_ASSERT_STATUS(wsl_probs_read(&p, &n, &k, tpath("p.txt"), WSL_FORMAT_AUTO, NULL),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_probs_read(&p, &n, &k, tpath("p.csv"), WSL_FORMAT_WRENCH, NULL),
                      WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_probs_write(bad, 1, 0, tpath("q.csv"), WSL_FORMAT_AUTO), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_probs_write(bad, 1, 2, tpath("q.csv"), WSL_FORMAT_AUTO), WSL_EINVAL);
    ASSERT_ERR_HAS("probs[1] (row 0, column 1) is not finite");
    WSL_ASSERT_STATUS(wsl_probs_write(bad, 1, 2, tpath("q.npy"), WSL_FORMAT_AUTO), WSL_EINVAL);
    ck_assert_uint_eq(tmpdir_entries(), 1); /* only p.csv */
    remove_tmpdir();
}
END_TEST

START_TEST(test_read_errors)
{
    wsl_label_matrix *L = NULL;
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    make_tmpdir();
    write_file(tpath("votes.txt"), "0,1\n", 4);
    WSL_ASSERT_STATUS(wsl_votes_read(&L, tpath("votes.txt"), NULL), WSL_EINVAL);
    ASSERT_ERR_HAS("votes.txt");
    ASSERT_ERR_HAS("--format");
    o.format = WSL_FORMAT_CSV;
    WSL_ASSERT_OK(wsl_votes_read(&L, tpath("votes.txt"), &o));
    wsl_label_matrix_free(L);
    WSL_ASSERT_STATUS(wsl_votes_read(&L, tpath("nope.csv"), NULL), WSL_EIO);
    ASSERT_ERR_HAS("nope.csv");
    ASSERT_ERR_HAS("No such file or directory");
    WSL_ASSERT_STATUS(wsl_votes_read(&L, tmpdir, &o), WSL_EIO);
    ASSERT_ERR_HAS("directory");
    WSL_ASSERT_STATUS(wsl_votes_read(NULL, tpath("votes.txt"), &o), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_votes_read(&L, NULL, &o), WSL_EINVAL);
    o.cardinality = -3;
    WSL_ASSERT_STATUS(wsl_votes_read(&L, tpath("votes.txt"), &o), WSL_EINVAL);
    ASSERT_ERR_HAS("wsl_votes_read: opts->cardinality must be in 0..1000000 (got -3)");
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "0,1", 3, NULL, NULL), WSL_EINVAL);
    ASSERT_ERR_HAS("opts->format");
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, NULL, 3, NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_wrench_read(&L, NULL, tpath("nope.json"), NULL), WSL_EIO);
    WSL_ASSERT_STATUS(read_mem(&L, WSL_FORMAT_CSV, "0,1", 3, 0), WSL_OK);
    wsl_label_matrix_free(L);
    remove_tmpdir();
}
END_TEST

START_TEST(test_write_errors_keep_previous)
{
    static const int32_t v[] = {0, 1, -1, 1};
    wsl_label_matrix *L = NULL;
    size_t len0, len1;
    char *before, *after;
    int32_t bad_gold[] = {0, 1, -5, 1};
    double bad_probs[] = {0.5, 0.5, 0.1, NAN};
    make_tmpdir();
    WSL_ASSERT_OK(wsl_label_matrix_from_buffer(&L, v, 2, 2, 2, 2, WSL_STORAGE_DENSE, NULL));
    /* A directory that does not exist. */
    {
        char p[600];
        snprintf(p, sizeof p, "%s/no/such/dir/x.csv", tmpdir);
        WSL_ASSERT_STATUS(wsl_votes_write(L, p, WSL_FORMAT_AUTO), WSL_EIO);
        ASSERT_ERR_HAS("no/such/dir/x.csv");
        ASSERT_ERR_HAS("No such file or directory");
        WSL_ASSERT_STATUS(wsl_gold_write(bad_gold, 2, p), WSL_EIO);
        WSL_ASSERT_STATUS(wsl_probs_write(bad_probs, 1, 2, p, WSL_FORMAT_AUTO), WSL_EIO);
    }
    /* A directory as the target. */
    WSL_ASSERT_STATUS(wsl_votes_write(L, tmpdir, WSL_FORMAT_CSV), WSL_EIO);
    ASSERT_ERR_HAS("Is a directory");
    /* Unknown extension. */
    WSL_ASSERT_STATUS(wsl_votes_write(L, tpath("x.txt"), WSL_FORMAT_AUTO), WSL_EINVAL);
    ASSERT_ERR_HAS("--format");
    WSL_ASSERT_STATUS(wsl_votes_write(NULL, tpath("x.csv"), WSL_FORMAT_AUTO), WSL_EINVAL);
    /* Failures midway leave the previous file and no temporary file. */
    WSL_ASSERT_OK(wsl_gold_write(bad_gold, 2, tpath("y.csv")));
    before = slurp(tpath("y.csv"), &len0);
    WSL_ASSERT_STATUS(wsl_gold_write(bad_gold, 4, tpath("y.csv")), WSL_EINVAL);
    ASSERT_ERR_HAS("gold[2] = -5");
    after = slurp(tpath("y.csv"), &len1);
    ck_assert_uint_eq(len0, len1);
    ck_assert(memcmp(before, after, len0) == 0);
    free(before);
    free(after);
    WSL_ASSERT_OK(wsl_probs_write(bad_probs, 1, 2, tpath("p.csv"), WSL_FORMAT_AUTO));
    before = slurp(tpath("p.csv"), &len0);
    WSL_ASSERT_STATUS(wsl_probs_write(bad_probs, 2, 2, tpath("p.csv"), WSL_FORMAT_AUTO),
                      WSL_EINVAL);
    after = slurp(tpath("p.csv"), &len1);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    /* WRENCH gold outside -1..k-1 midway. */
    WSL_ASSERT_OK(wsl_wrench_write(L, NULL, tpath("w.json")));
    before = slurp(tpath("w.json"), &len0);
    WSL_ASSERT_STATUS(wsl_wrench_write(L, bad_gold + 1, tpath("w.json")), WSL_EINVAL);
    after = slurp(tpath("w.json"), &len1);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    ck_assert_uint_eq(tmpdir_entries(), 3);
    /* /dev/full: written in place (never renamed over), the error is reported. */
    if (access("/dev/full", W_OK) == 0) {
        struct stat sb;
        double many[4096];
        for (size_t i = 0; i < 4096; i++)
            many[i] = 1.0 / (double)(i + 3);
        WSL_ASSERT_STATUS(wsl_votes_write(L, "/dev/full", WSL_FORMAT_CSV), WSL_EIO);
        ASSERT_ERR_HAS("/dev/full");
        ASSERT_ERR_HAS("No space left on device");
        WSL_ASSERT_STATUS(wsl_probs_write(many, 1024, 4, "/dev/full", WSL_FORMAT_NPY), WSL_EIO);
        WSL_ASSERT_STATUS(wsl_gold_write(bad_gold, 2, "/dev/full"), WSL_EIO);
        ck_assert_int_eq(stat("/dev/full", &sb), 0);
        ck_assert(S_ISCHR(sb.st_mode));
    } else {
        fprintf(stderr, "test_io: /dev/full not writable; skipping that check\n");
    }
    wsl_label_matrix_free(L);
    remove_tmpdir();
}
END_TEST

/*
 * Nothing lost. Every writer (votes in four formats, WRENCH with gold, gold labels,
 * probabilities as CSV and NPY, label models) fails with a message naming the path and the
 * system error, and leaves the previous file intact and no temporary file, when: the parent
 * directory is missing; the directory is read-only; the disk fills up (/dev/full for the
 * message; a file size limit, RLIMIT_FSIZE, for a regular file filling up midway). The same
 * path is written fine afterwards.
 */
typedef struct nl_data {
    wsl_label_matrix *L;
    int32_t *gold;
    double *probs;
    wsl_label_model *M;
    size_t n;
} nl_data;

typedef struct nl_writer {
    const char *name; /* file name: its extension picks the format */
    int kind;         /* 0 votes, 1 wrench+gold, 2 gold, 3 probs, 4 model */
    wsl_format format;
} nl_writer;

static wsl_status nl_write(const nl_writer *w, const nl_data *d, const char *path)
{
    switch (w->kind) {
    case 0:
        return wsl_votes_write(d->L, path, w->format);
    case 1:
        return wsl_wrench_write(d->L, d->gold, path);
    case 2:
        return wsl_gold_write(d->gold, d->n, path);
    case 3:
        return wsl_probs_write(d->probs, d->n, 2, path, w->format);
    default:
        return wsl_label_model_save(d->M, path);
    }
}

/* The previous file is intact and alone in its directory. */
static void assert_previous(const char *dir, const char *path)
{
    size_t len, entries = 0;
    char *text = slurp(path, &len);
    DIR *dd = opendir(dir);
    struct dirent *e;
    ck_assert_str_eq(text, "previous\n");
    free(text);
    ck_assert_ptr_nonnull(dd);
    while ((e = readdir(dd)) != NULL)
        entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dd);
    ck_assert_uint_eq(entries, 1);
}

START_TEST(test_writers_nothing_lost)
{
    static const nl_writer writers[] = {
        {"v.csv", 0, WSL_FORMAT_CSV},   {"v.txt", 0, WSL_FORMAT_TRIPLES},
        {"v.npy", 0, WSL_FORMAT_NPY},   {"v.json", 0, WSL_FORMAT_WRENCH},
        {"w.json", 1, WSL_FORMAT_AUTO}, {"y.csv", 2, WSL_FORMAT_AUTO},
        {"p.csv", 3, WSL_FORMAT_CSV},   {"p.npy", 3, WSL_FORMAT_NPY},
        {"m.json", 4, WSL_FORMAT_AUTO}};
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    nl_data d;
    char ro[600], path[700];
    const int root = geteuid() == 0;
    signal(SIGXFSZ, SIG_IGN); /* over the size limit, write() fails with EFBIG */
    so.n_points = 2000;
    d.n = 2000;
    d.gold = malloc(d.n * sizeof *d.gold);
    d.probs = malloc(d.n * 2 * sizeof *d.probs);
    ck_assert(d.gold && d.probs);
    WSL_ASSERT_OK(wsl_synth_generate(&d.L, &so, d.gold, d.n, NULL, 0, NULL, 0));
    for (size_t i = 0; i < d.n; i++) {
        d.probs[2 * i] = 1.0 / (double)(i + 3);
        d.probs[2 * i + 1] = 1 - d.probs[2 * i];
    }
    WSL_ASSERT_OK(wsl_label_model_create(&d.M, wsl_label_matrix_cardinality(d.L), NULL));
    WSL_ASSERT_OK(wsl_label_model_fit(d.M, d.L, NULL));
    make_tmpdir();
    ck_assert_int_eq(chmod(tmpdir, 0755), 0); /* traversable by the unprivileged user below */
    snprintf(ro, sizeof ro, "%s/ro", tmpdir);
    for (size_t w = 0; w < sizeof writers / sizeof writers[0]; w++) {
        const nl_writer *wr = &writers[w];
        struct rlimit lim, small;
        wsl_status st;
        /* a missing parent directory */
        snprintf(path, sizeof path, "%s/missing/%s", tmpdir, wr->name);
        WSL_ASSERT_STATUS(nl_write(wr, &d, path), WSL_EIO);
        ASSERT_ERR_HAS(path);
        ASSERT_ERR_HAS("No such file or directory");
        /* a read-only directory (as root: written as an unprivileged user) */
        ck_assert_int_eq(mkdir(ro, 0755), 0);
        snprintf(path, sizeof path, "%s/%s", ro, wr->name);
        write_file(path, "previous\n", 9);
        ck_assert_int_eq(chmod(ro, 0555), 0);
        if (root)
            ck_assert_int_eq(seteuid(65534), 0);
        st = nl_write(wr, &d, path);
        if (root)
            ck_assert_int_eq(seteuid(0), 0);
        WSL_ASSERT_STATUS(st, WSL_EIO);
        ASSERT_ERR_HAS(path);
        ASSERT_ERR_HAS("Permission denied");
        assert_previous(ro, path);
        ck_assert_int_eq(chmod(ro, 0755), 0);
        /* the disk fills up midway: a 1 KB file size limit */
        ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &lim), 0);
        small = lim;
        small.rlim_cur = 1024;
        ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
        st = nl_write(wr, &d, path);
        ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
        WSL_ASSERT_STATUS(st, WSL_EIO);
        ASSERT_ERR_HAS(path);
        ASSERT_ERR_HAS("File too large");
        assert_previous(ro, path);
        /* and then the write goes through */
        WSL_ASSERT_OK(nl_write(wr, &d, path));
        unlink(path);
        rmdir(ro);
        /* a full disk: /dev/full is written in place (never renamed over) */
        if (access("/dev/full", W_OK) == 0) {
            struct stat sb;
            WSL_ASSERT_STATUS(nl_write(wr, &d, "/dev/full"), WSL_EIO);
            ASSERT_ERR_HAS("/dev/full");
            ASSERT_ERR_HAS("No space left on device");
            ck_assert_int_eq(stat("/dev/full", &sb), 0);
            ck_assert(S_ISCHR(sb.st_mode));
        }
    }
    ck_assert_uint_eq(tmpdir_entries(), 0);
    remove_tmpdir();
    wsl_label_model_free(d.M);
    wsl_label_matrix_free(d.L);
    free(d.gold);
    free(d.probs);
}
END_TEST

/* Fuzz finding (fuzz_triples, timeout): the 13 bytes "11100,11106,5" inferred an 11101 x 11107
 * shape, and dense storage allocated 123 MB for them (a one-line file could ask for 1 TB). A
 * dense result far larger than the data is refused unless the shape is given; sparse storage
 * holds it in memory proportional to the votes. */
START_TEST(test_fuzz_triples_dense)
{
    big_alloc b = {0};
    wsl_allocator a = {ba_malloc, ba_realloc, ba_free, &b};
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    int32_t v;
    o.format = WSL_FORMAT_TRIPLES;
    o.alloc = &a;
    o.storage = WSL_STORAGE_DENSE;
    WSL_ASSERT_STATUS(wsl_votes_read_mem(&L, "11100,11106,5", 13, "t", &o), WSL_EFORMAT);
    ASSERT_ERR_HAS("t: 1 lines would make a dense 11101 x 11107 matrix");
    ck_assert_ptr_null(L);
    ck_assert_uint_lt(b.largest, 1 << 20);
    o.storage = WSL_STORAGE_AUTO;
    WSL_ASSERT_OK(wsl_votes_read_mem(&L, "11100,11106,5", 13, "t", &o));
    ck_assert_uint_eq(wsl_label_matrix_storage(L), WSL_STORAGE_SPARSE);
    WSL_ASSERT_OK(wsl_label_matrix_get(L, 11100, 11106, &v));
    ck_assert_int_eq(v, 5);
    wsl_label_matrix_free(L);
    ck_assert_uint_lt(b.largest, 1 << 20);
    /* The shape given: the caller asked for it. */
    o.storage = WSL_STORAGE_DENSE;
    o.n_points = 11101;
    o.n_sources = 11107;
    o.alloc = NULL;
    WSL_ASSERT_OK(wsl_votes_read_mem(&L, "11100,11106,5", 13, "t", &o));
    ck_assert_uint_eq(wsl_label_matrix_storage(L), WSL_STORAGE_DENSE);
    wsl_label_matrix_free(L);
}
END_TEST

/* ---------------------------------------------------------------- oom */

/* A reader under the OOM walk: on failure *result is NULL; on success it is released. */
typedef wsl_status (*read_fn)(const wsl_allocator *a, void *ctx, void **result);

typedef struct read_case {
    read_fn fn;
    void *ctx;
    void (*release)(void *, const wsl_allocator *);
} read_case;

static wsl_status run_read_case(const wsl_allocator *a, void *ctx)
{
    read_case *rc = ctx;
    void *result = (void *)&result;
    wsl_status s = rc->fn(a, rc->ctx, &result);
    if (s != WSL_OK) {
        ck_assert_ptr_null(result);
        return s;
    }
    ck_assert_ptr_nonnull(result);
    rc->release(result, a);
    return WSL_OK;
}

static void oom_walk(read_fn fn, void *ctx, void (*release)(void *, const wsl_allocator *))
{
    read_case rc = {fn, ctx, release};
    wsl_test_oom_walk("reader", run_read_case, &rc);
}

typedef struct mem_ctx {
    wsl_format format;
    const char *data;
    size_t len;
    const char *path; /* file instead of memory */
    wsl_storage storage;
} mem_ctx;

static wsl_status read_votes_with(const wsl_allocator *a, void *ctx, void **result)
{
    mem_ctx *c = ctx;
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    wsl_status s;
    o.format = c->format;
    o.alloc = a;
    o.storage = c->storage;
    if (c->path)
        s = wsl_votes_read(&L, c->path, &o);
    else
        s = wsl_votes_read_mem(&L, c->data, c->len, "oom", &o);
    *result = L;
    return s;
}

static void release_matrix(void *p, const wsl_allocator *a)
{
    (void)a;
    wsl_label_matrix_free(p);
}

START_TEST(test_oom_readers)
{
    static const char csv[] = "0,1,-1\n1,1,0\n-1,-1,-1\n200,0,1\n";
    static const char triples[] = "item,source,label\n0,0,1\n1,2,0\n3,1,1\n0,0,0\n";
    static const char wrench[] = "{\"1\": {\"label\": 1, \"weak_labels\": [1, -1]},"
                                 " \"0\": {\"weak_labels\": [0, 0]}}";
    static const int16_t body[] = {0, 1, -1, 300, 1, 0};
    size_t nlen;
    char *npy = npy_image(1, "{'descr': '<i2', 'fortran_order': True, 'shape': (3, 2), }", body,
                          sizeof body, &nlen);
    mem_ctx cases[] = {
        {WSL_FORMAT_CSV, csv, sizeof csv - 1, NULL, WSL_STORAGE_AUTO},
        {WSL_FORMAT_CSV, csv, sizeof csv - 1, NULL, WSL_STORAGE_SPARSE},
        {WSL_FORMAT_TRIPLES, triples, sizeof triples - 1, NULL, WSL_STORAGE_DENSE},
        {WSL_FORMAT_TRIPLES, triples, sizeof triples - 1, NULL, WSL_STORAGE_SPARSE},
        {WSL_FORMAT_NPY, npy, nlen, NULL, WSL_STORAGE_AUTO},
        {WSL_FORMAT_NPY, npy, nlen, NULL, WSL_STORAGE_SPARSE},
        {WSL_FORMAT_WRENCH, wrench, sizeof wrench - 1, NULL, WSL_STORAGE_AUTO},
    };
    make_tmpdir();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        oom_walk(read_votes_with, &cases[c], release_matrix);
        /* The same from a file. */
        write_file(tpath("oom.bin"), cases[c].data, cases[c].len);
        cases[c].path = tpath("oom.bin");
        oom_walk(read_votes_with, &cases[c], release_matrix);
    }
    free(npy);
    remove_tmpdir();
}
END_TEST

static wsl_status read_wrench_gold(const wsl_allocator *a, void *ctx, void **result)
{
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    int32_t *gold = NULL;
    wsl_status s;
    o.alloc = a;
    s = wsl_wrench_read(&L, &gold, ctx, &o);
    ck_assert((s == WSL_OK) == (gold != NULL));
    wsl_array_free(gold, a);
    *result = L;
    return s;
}

static wsl_status read_gold(const wsl_allocator *a, void *ctx, void **result)
{
    size_t n;
    return wsl_gold_read((int32_t **)result, &n, ctx, 3, a);
}

static wsl_status read_probs(const wsl_allocator *a, void *ctx, void **result)
{
    size_t n, k;
    return wsl_probs_read((double **)result, &n, &k, ctx, WSL_FORMAT_AUTO, a);
}

static void release_array(void *p, const wsl_allocator *a)
{
    wsl_array_free(p, a);
}

static wsl_status read_patterns(const wsl_allocator *a, void *ctx, void **result)
{
    return wsl_pattern_table_load((wsl_pattern_table **)result, ctx, a);
}

static void release_patterns(void *p, const wsl_allocator *a)
{
    (void)a;
    wsl_pattern_table_free(p);
}

START_TEST(test_oom_gold_probs_wrench)
{
    static const char wrench[] = "{\"0\": {\"label\": 1, \"weak_labels\": [1, -1]}}";
    double p[] = {0.25, 0.75, 0.5, 0.5};
    make_tmpdir();
    write_file(tpath("w.json"), wrench, sizeof wrench - 1);
    oom_walk(read_wrench_gold, (void *)tpath("w.json"), release_matrix);
    write_file(tpath("y.csv"), "0\n-1\n2\n", 7);
    oom_walk(read_gold, (void *)tpath("y.csv"), release_array);
    WSL_ASSERT_OK(wsl_probs_write(p, 2, 2, tpath("p.csv"), WSL_FORMAT_AUTO));
    oom_walk(read_probs, (void *)tpath("p.csv"), release_array);
    WSL_ASSERT_OK(wsl_probs_write(p, 2, 2, tpath("p.npy"), WSL_FORMAT_AUTO));
    oom_walk(read_probs, (void *)tpath("p.npy"), release_array);
    {
        wsl_label_matrix *L = synth_votes(3, 200);
        wsl_pattern_table *T = NULL;
        WSL_ASSERT_OK(wsl_pattern_table_create(&T, 6, 3, NULL));
        WSL_ASSERT_OK(wsl_pattern_table_add(T, L, NULL, 0));
        WSL_ASSERT_OK(wsl_pattern_table_save(T, tpath("t.pat")));
        oom_walk(read_patterns, (void *)tpath("t.pat"), release_patterns);
        wsl_pattern_table_free(T);
        wsl_label_matrix_free(L);
    }
    remove_tmpdir();
}
END_TEST

/* A writer under the OOM walk: the matrix's allocator serves it; a failure leaves the previous
 * file and no temporary file behind. */
typedef struct write_case {
    const char *name;
    wsl_format format; /* WSL_FORMAT_AUTO: wsl_wrench_write with gold */
} write_case;

static wsl_status oom_write(const wsl_allocator *a, void *ctx)
{
    static const int32_t v[] = {0, 1, -1, 1, 1, 0};
    static const int32_t gold[] = {1, -1, 0};
    const write_case *c = ctx;
    wsl_label_matrix *L = NULL;
    wsl_status s;
    write_file(tpath(c->name), "previous\n", 9);
    s = wsl_label_matrix_from_buffer(&L, v, 3, 2, 2, 2, WSL_STORAGE_SPARSE, a);
    if (s == WSL_OK)
        s = c->format == WSL_FORMAT_AUTO ? wsl_wrench_write(L, gold, tpath(c->name))
                                         : wsl_votes_write(L, tpath(c->name), c->format);
    wsl_label_matrix_free(L);
    if (s != WSL_OK) {
        size_t len;
        char *text = slurp(tpath(c->name), &len);
        ck_assert_str_eq(text, "previous\n");
        free(text);
    }
    ck_assert_uint_eq(tmpdir_entries(), 1);
    return s;
}

/* The atomic output itself (what wsl_gold_write, wsl_probs_write and wsl_label_model_save
 * write through; the first two take no allocator, so they are walked here). */
static wsl_status oom_out(const wsl_allocator *a, void *ctx)
{
    wsl__out o;
    wsl_status s;
    (void)ctx;
    write_file(tpath("o.txt"), "previous\n", 9);
    s = wsl__out_open(&o, "oom_out", tpath("o.txt"), a);
    if (s == WSL_OK) {
        wsl__out_str(&o, "new\n");
        s = wsl__out_commit(&o);
    }
    {
        size_t len;
        char *text = slurp(tpath("o.txt"), &len);
        ck_assert_str_eq(text, s == WSL_OK ? "new\n" : "previous\n");
        free(text);
    }
    ck_assert_uint_eq(tmpdir_entries(), 1);
    return s;
}

START_TEST(test_oom_writers)
{
    static const write_case cases[] = {{"a.csv", WSL_FORMAT_CSV},
                                       {"a.triples", WSL_FORMAT_TRIPLES},
                                       {"a.npy", WSL_FORMAT_NPY},
                                       {"a.json", WSL_FORMAT_WRENCH},
                                       {"g.json", WSL_FORMAT_AUTO}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        make_tmpdir();
        wsl_test_oom_walk(cases[c].name, oom_write, (void *)&cases[c]);
        remove_tmpdir();
    }
    make_tmpdir();
    wsl_test_oom_walk("atomic output", oom_out, NULL);
    remove_tmpdir();
}
END_TEST

/* wsl_gold_write and wsl_probs_write take no allocator: the C library's allocations fail. */
typedef struct libc_write {
    const char *name;
    int kind; /* 0 gold, 1 probabilities as CSV, 2 as NPY */
} libc_write;

static wsl_status libc_write_call(void *ctx)
{
    static const int32_t gold[] = {1, -1, 0};
    static const double p[] = {0.25, 0.75, 0.5, 0.5};
    const libc_write *w = ctx;
    if (w->kind == 0)
        return wsl_gold_write(gold, 3, tpath(w->name));
    return wsl_probs_write(p, 2, 2, tpath(w->name), w->kind == 1 ? WSL_FORMAT_CSV
                                                                 : WSL_FORMAT_NPY);
}

static void libc_write_after(wsl_status st, void *ctx)
{
    const libc_write *w = ctx;
    if (st != WSL_OK) {
        size_t len;
        char *text = slurp(tpath(w->name), &len);
        ck_assert_str_eq(text, "previous\n");
        free(text);
    }
    ck_assert_uint_eq(tmpdir_entries(), 1);
    write_file(tpath(w->name), "previous\n", 9);
}

START_TEST(test_oom_libc_writers)
{
    static const libc_write cases[] = {{"y.csv", 0}, {"p.csv", 1}, {"p.npy", 2}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        make_tmpdir();
        write_file(tpath(cases[c].name), "previous\n", 9);
        wsl_test_libc_walk(cases[c].name, libc_write_call, libc_write_after, (void *)&cases[c]);
        remove_tmpdir();
    }
}
END_TEST

/* The functions for sharded and distributed fits: a shard of a file, pattern tables to and
 * from memory and files (allocator walks), the bytes of probabilities and raw atomic writes (C
 * library walks; the previous file stays). */
static wsl_status read_shard_with(const wsl_allocator *a, void *ctx, void **result)
{
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    o.alloc = a;
    return wsl_votes_read_shard((wsl_label_matrix **)result, ctx, &o, 1, 3);
}

static wsl_pattern_table *small_table(const wsl_allocator *a)
{
    static const int32_t rows[3][3] = {{0, 1, -1}, {1, 1, 0}, {-1, -1, -1}};
    wsl_pattern_table *T = NULL;
    if (wsl_pattern_table_create(&T, 3, 2, a) != WSL_OK)
        return NULL;
    for (int r = 0; r < 3; r++)
        if (wsl_pattern_table_add_row(T, rows[r], 3, (uint64_t)r + 1) != WSL_OK) {
            wsl_pattern_table_free(T);
            return NULL;
        }
    return T;
}

static void release_table(void *p, const wsl_allocator *a)
{
    (void)a;
    wsl_pattern_table_free(p);
}

static wsl_status table_buf_round_trip(const wsl_allocator *a, void *ctx, void **result)
{
    wsl_pattern_table *T = small_table(a);
    wsl_buf buf = WSL_BUF_INIT;
    wsl_status st;
    (void)ctx;
    *result = NULL;
    if (!T)
        return WSL_ENOMEM;
    if ((st = wsl_pattern_table_save_buf(T, &buf)) == WSL_OK)
        st = wsl_pattern_table_load_buf((wsl_pattern_table **)result, buf.ptr, buf.size, "t", a);
    else
        ck_assert_ptr_null(buf.ptr); /* empty after a failure */
    wsl_buf_dispose(&buf);
    wsl_pattern_table_free(T);
    return st;
}

static wsl_status table_file_round_trip(const wsl_allocator *a, void *ctx, void **result)
{
    wsl_pattern_table *T = small_table(a);
    wsl_status st;
    (void)ctx;
    *result = NULL;
    if (!T)
        return WSL_ENOMEM;
    if ((st = wsl_pattern_table_save(T, tpath("t.pat"))) == WSL_OK)
        st = wsl_pattern_table_load((wsl_pattern_table **)result, tpath("t.pat"), a);
    wsl_pattern_table_free(T);
    return st;
}

/* Armed: the library call alone (Check allocates too). ctx: the kind, and the bytes. */
typedef struct bytes_case {
    int kind; /* 0: wsl_bytes_write, 1: wsl_probs_write_buf */
    wsl_buf buf;
} bytes_case;

static wsl_status libc_bytes_call(void *ctx)
{
    static const double p[] = {0.25, 0.75, 0.5, 0.5};
    bytes_case *c = ctx;
    if (c->kind == 0)
        return wsl_bytes_write("new\n", 4, tpath("b.bin"));
    return wsl_probs_write_buf(p, 2, 2, WSL_FORMAT_CSV, &c->buf);
}

static void libc_bytes_after(wsl_status st, void *ctx)
{
    bytes_case *c = ctx;
    if (c->kind == 0) {
        size_t len;
        char *text = slurp(tpath("b.bin"), &len);
        ck_assert_str_eq(text, st == WSL_OK ? "new\n" : "previous\n");
        free(text);
        ck_assert_uint_eq(tmpdir_entries(), 1);
        write_file(tpath("b.bin"), "previous\n", 9);
        return;
    }
    if (st == WSL_OK)
        ck_assert_str_eq(c->buf.ptr, "0.25,0.75\n0.5,0.5\n");
    else
        ck_assert_ptr_null(c->buf.ptr); /* empty after a failure */
    wsl_buf_dispose(&c->buf);
}

START_TEST(test_oom_shards_tables_bytes)
{
    static const char csv[] = "0,1,-1\n1,1,0\n-1,-1,-1\n1,0,1\n0,0,0\n1,-1,1\n";
    bytes_case kinds[2] = {{0, WSL_BUF_INIT}, {1, WSL_BUF_INIT}};
    char shard_path[512];
    make_tmpdir();
    snprintf(shard_path, sizeof shard_path, "%s", tpath("s.csv"));
    write_file(shard_path, csv, sizeof csv - 1);
    oom_walk(read_shard_with, shard_path, release_matrix);
    oom_walk(table_buf_round_trip, NULL, release_table);
    oom_walk(table_file_round_trip, NULL, release_table);
    remove_tmpdir();
    /* wsl_probs_write_buf writes through open_memstream: glibc's own allocations, which the
     * link-time wrap cannot fail. */
    for (int c = 0; c < 1; c++) {
        make_tmpdir();
        write_file(tpath("b.bin"), "previous\n", 9);
        wsl_test_libc_walk(c ? "wsl_probs_write_buf" : "wsl_bytes_write", libc_bytes_call,
                           libc_bytes_after, &kinds[c]);
        remove_tmpdir();
    }
}
END_TEST

/* ---------------------------------------------------------------- real */

START_TEST(test_real_youtube_csv)
{
    wsl_label_matrix *L = NULL;
    wsl_label_matrix_stats st;
    if (!have_shared())
        return;
    WSL_ASSERT_OK(wsl_votes_read(&L, shared("youtube/L_train.csv"), NULL));
    ck_assert_uint_eq(wsl_label_matrix_n_points(L), 1586);
    ck_assert_uint_eq(wsl_label_matrix_n_sources(L), 10);
    ck_assert_int_eq(wsl_label_matrix_cardinality(L), 2);
    WSL_ASSERT_OK(wsl_label_matrix_stats_get(L, &st));
    ck_assert_uint_eq(st.n_covered, 1586 - 195); /* meta.json: 195 uncovered rows */
    {
        /* First row: -1,-1,1,-1,-1,-1,-1,-1,-1,-1 */
        int32_t row[10];
        WSL_ASSERT_OK(wsl_label_matrix_row(L, 0, row, 10));
        for (int j = 0; j < 10; j++)
            ck_assert_int_eq(row[j], j == 2 ? 1 : -1);
    }
    wsl_label_matrix_free(L);
}
END_TEST

START_TEST(test_real_youtube_wrench)
{
    static const char *splits[] = {"train", "valid", "test"};
    static const size_t sizes[] = {1586, 120, 250};
    if (!have_shared())
        return;
    for (int s = 0; s < 3; s++) {
        char p[128];
        wsl_label_matrix *W = NULL, *C = NULL;
        int32_t *gw = NULL, *gy = NULL;
        size_t n = 0;
        snprintf(p, sizeof p, "youtube/wrench/%s.json", splits[s]);
        WSL_ASSERT_OK(wsl_wrench_read(&W, &gw, shared(p), NULL));
        snprintf(p, sizeof p, "youtube/L_%s.csv", splits[s]);
        WSL_ASSERT_OK(wsl_votes_read(&C, shared(p), NULL));
        snprintf(p, sizeof p, "youtube/y_%s.csv", splits[s]);
        WSL_ASSERT_OK(wsl_gold_read(&gy, &n, shared(p), 2, NULL));
        ck_assert_uint_eq(wsl_label_matrix_n_points(W), sizes[s]);
        ck_assert_uint_eq(n, sizes[s]);
        assert_same(W, C);
        ck_assert_int_eq(wsl_label_matrix_cardinality(W), 2);
        for (size_t i = 0; i < n; i++)
            ck_assert_int_eq(gw[i], gy[i]);
        wsl_array_free(gw, NULL);
        wsl_array_free(gy, NULL);
        wsl_label_matrix_free(W);
        wsl_label_matrix_free(C);
    }
}
END_TEST

START_TEST(test_real_crowd_triples)
{
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *T = NULL, *D = NULL;
    if (!have_shared())
        return;
    o.format = WSL_FORMAT_TRIPLES;
    WSL_ASSERT_OK(wsl_votes_read(&T, shared("crowd_dog/answers_test.csv"), &o));
    ck_assert_uint_eq(wsl_label_matrix_n_points(T), 807);
    ck_assert_uint_eq(wsl_label_matrix_n_sources(T), 109);
    WSL_ASSERT_OK(wsl_votes_read(&D, shared("crowd_dog/L_test.csv"), NULL));
    assert_same(T, D);
    ck_assert_int_eq(wsl_label_matrix_cardinality(T), wsl_label_matrix_cardinality(D));
    wsl_label_matrix_free(T);
    wsl_label_matrix_free(D);
}
END_TEST

START_TEST(test_real_every_split)
{
    /* Every L/y pair in the shared data reads, with matching row counts and k from meta.json. */
    static const char *sets[] = {"youtube", "sms", "trec", "chemprot", "tennis_train_valid_only",
                                 "crowd_bluebirds", "crowd_dog", "crowd_face", "crowd_rte",
                                 "crowd_temp"};
    static const int32_t ks[] = {2, 2, 6, 10, 2, 2, 4, 4, 2, 2};
    static const char *splits[] = {"train", "valid", "test"};
    size_t read = 0;
    if (!have_shared())
        return;
    for (size_t d = 0; d < sizeof sets / sizeof sets[0]; d++) {
        for (int s = 0; s < 3; s++) {
            char rel[128];
            wsl_read_options o = WSL_READ_OPTIONS_INIT;
            wsl_label_matrix *L = NULL;
            int32_t *y = NULL;
            size_t n = 0;
            struct stat sb;
            snprintf(rel, sizeof rel, "%s/L_%s.csv", sets[d], splits[s]);
            if (stat(shared(rel), &sb) != 0)
                continue;
            o.cardinality = ks[d];
            WSL_ASSERT_OK(wsl_votes_read(&L, shared(rel), &o));
            snprintf(rel, sizeof rel, "%s/y_%s.csv", sets[d], splits[s]);
            if (stat(shared(rel), &sb) == 0) {
                WSL_ASSERT_OK(wsl_gold_read(&y, &n, shared(rel), ks[d], NULL));
                ck_assert_uint_eq(n, wsl_label_matrix_n_points(L));
                wsl_array_free(y, NULL);
            }
            wsl_label_matrix_free(L);
            read++;
        }
    }
    ck_assert_uint_ge(read, 15);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static wsl_label_matrix *synth_votes(uint64_t seed, size_t n)
{
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    o.n_points = n;
    o.n_sources = 6;
    o.cardinality = 3;
    o.seed = seed;
    WSL_ASSERT_OK(wsl_synth_generate(&L, &o, NULL, 0, NULL, 0, NULL, 0));
    return L;
}

START_TEST(test_pattern_table_file)
{
    /* Save, load, add more votes, merge: the same statistics and the same fit, bit for bit,
     * as one table built from all the votes. */
    wsl_label_matrix *L1 = synth_votes(1, 3000), *L2 = synth_votes(2, 2000);
    wsl_pattern_table *T1 = NULL, *T2 = NULL, *both = NULL, *back = NULL, *back2 = NULL;
    wsl_label_model *A = NULL, *B = NULL;
    double *pa = malloc(3000 * 3 * sizeof *pa), *pb = malloc(3000 * 3 * sizeof *pb);
    char *x, *y;
    size_t lx, ly;
    make_tmpdir(); /* without it the files went to "/" (or a removed directory with CK_FORK=no) */
    WSL_ASSERT_OK(wsl_pattern_table_create(&T1, 6, 3, NULL));
    WSL_ASSERT_OK(wsl_pattern_table_add(T1, L1, NULL, 0));
    WSL_ASSERT_OK(wsl_pattern_table_create(&T2, 6, 3, NULL));
    WSL_ASSERT_OK(wsl_pattern_table_add(T2, L2, NULL, 0));
    WSL_ASSERT_OK(wsl_pattern_table_create(&both, 6, 3, NULL));
    WSL_ASSERT_OK(wsl_pattern_table_add(both, L2, NULL, 0)); /* the other order on purpose */
    WSL_ASSERT_OK(wsl_pattern_table_add(both, L1, NULL, 0));
    WSL_ASSERT_OK(wsl_pattern_table_save(T1, tpath("t1.pat")));
    WSL_ASSERT_OK(wsl_pattern_table_save(T2, tpath("t2.pat")));
    WSL_ASSERT_OK(wsl_pattern_table_save(both, tpath("both.pat")));
    WSL_ASSERT_OK(wsl_pattern_table_load(&back, tpath("t1.pat"), NULL));
    ck_assert_uint_eq(wsl_pattern_table_n_patterns(back), wsl_pattern_table_n_patterns(T1));
    ck_assert_uint_eq(wsl_pattern_table_n_rows(back), 3000);
    /* Partial fit: the loaded table plus the new votes equals the table of all votes. */
    WSL_ASSERT_OK(wsl_pattern_table_add(back, L2, NULL, 0));
    WSL_ASSERT_OK(wsl_pattern_table_save(back, tpath("back.pat")));
    x = slurp(tpath("back.pat"), &lx);
    y = slurp(tpath("both.pat"), &ly);
    ck_assert_uint_eq(lx, ly);
    ck_assert_mem_eq(x, y, lx);
    free(x);
    /* Merge of two loaded tables: the same again. */
    WSL_ASSERT_OK(wsl_pattern_table_load(&back2, tpath("t2.pat"), NULL));
    wsl_pattern_table_free(back);
    WSL_ASSERT_OK(wsl_pattern_table_load(&back, tpath("t1.pat"), NULL));
    WSL_ASSERT_OK(wsl_pattern_table_merge(back, back2));
    WSL_ASSERT_OK(wsl_pattern_table_save(back, tpath("merged.pat")));
    x = slurp(tpath("merged.pat"), &lx);
    ck_assert_uint_eq(lx, ly);
    ck_assert_mem_eq(x, y, lx);
    free(x);
    /* And the same fit. */
    WSL_ASSERT_OK(wsl_label_model_create(&A, 3, NULL));
    WSL_ASSERT_OK(wsl_label_model_create(&B, 3, NULL));
    WSL_ASSERT_OK(wsl_label_model_fit_patterns(A, back, NULL));
    WSL_ASSERT_OK(wsl_label_model_fit_patterns(B, both, NULL));
    WSL_ASSERT_OK(wsl_label_model_predict_proba(A, L1, pa, 9000, NULL, 0));
    WSL_ASSERT_OK(wsl_label_model_predict_proba(B, L1, pb, 9000, NULL, 0));
    ck_assert_mem_eq(pa, pb, 9000 * sizeof *pa);

    /* Damaged files are format errors naming the file; missing ones I/O errors. */
    {
        wsl_pattern_table *bad = NULL;
        char *copy = malloc(ly + 16);
        WSL_ASSERT_STATUS(wsl_pattern_table_load(&bad, tpath("none.pat"), NULL), WSL_EIO);
        for (size_t cut = 0; cut < ly; cut += (cut < 64 ? 1 : 37)) {
            write_file(tpath("cut.pat"), y, cut);
            WSL_ASSERT_STATUS(wsl_pattern_table_load(&bad, tpath("cut.pat"), NULL), WSL_EFORMAT);
            ck_assert_ptr_null(bad);
        }
        memcpy(copy, y, ly);
        copy[0] = 'X';
        write_file(tpath("bad.pat"), copy, ly);
        WSL_ASSERT_STATUS(wsl_pattern_table_load(&bad, tpath("bad.pat"), NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "not a libwsl pattern table"));
        memcpy(copy, y, ly);
        copy[6] = 2;
        write_file(tpath("bad.pat"), copy, ly);
        WSL_ASSERT_STATUS(wsl_pattern_table_load(&bad, tpath("bad.pat"), NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "version 2"));
        memcpy(copy, y, ly);
        memset(copy + 24, 0x7f, 8); /* 9e18 patterns claimed */
        write_file(tpath("bad.pat"), copy, ly);
        WSL_ASSERT_STATUS(wsl_pattern_table_load(&bad, tpath("bad.pat"), NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "claims"));
        memcpy(copy, y, ly);
        copy[32] ^= 1; /* the row count no longer matches */
        write_file(tpath("bad.pat"), copy, ly);
        WSL_ASSERT_STATUS(wsl_pattern_table_load(&bad, tpath("bad.pat"), NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "add up"));
        memcpy(copy, y, ly);
        memset(copy + ly, 0, 4);
        write_file(tpath("bad.pat"), copy, ly + 4);
        WSL_ASSERT_STATUS(wsl_pattern_table_load(&bad, tpath("bad.pat"), NULL), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "after the last pattern"));
        WSL_ASSERT_STATUS(wsl_pattern_table_load(NULL, tpath("t1.pat"), NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_pattern_table_load(&bad, NULL, NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_pattern_table_save(NULL, tpath("x.pat")), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_pattern_table_save(T1, NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_pattern_table_save(T1, tpath("no/such/dir/x.pat")), WSL_EIO);
        free(copy);
    }
    free(y);
    free(pa);
    free(pb);
    wsl_label_model_free(A);
    wsl_label_model_free(B);
    wsl_pattern_table_free(T1);
    wsl_pattern_table_free(T2);
    wsl_pattern_table_free(both);
    wsl_pattern_table_free(back);
    wsl_pattern_table_free(back2);
    wsl_label_matrix_free(L1);
    wsl_label_matrix_free(L2);
    remove_tmpdir();
}
END_TEST

START_TEST(test_pattern_table_buf)
{
    /* The bytes in memory are the file's; they load back to the same table. */
    wsl_label_matrix *L = synth_votes(3, 2500);
    wsl_pattern_table *T = NULL, *back = NULL, *bad = NULL;
    wsl_buf b = WSL_BUF_INIT, b2 = WSL_BUF_INIT;
    char *file;
    size_t len;
    make_tmpdir();
    WSL_ASSERT_OK(wsl_pattern_table_create(&T, 6, 3, NULL));
    WSL_ASSERT_OK(wsl_pattern_table_add(T, L, NULL, 0));
    WSL_ASSERT_OK(wsl_pattern_table_save(T, tpath("t.pat")));
    WSL_ASSERT_OK(wsl_pattern_table_save_buf(T, &b));
    file = slurp(tpath("t.pat"), &len);
    ck_assert_uint_eq(b.size, len);
    ck_assert_mem_eq(b.ptr, file, len);
    WSL_ASSERT_OK(wsl_pattern_table_load_buf(&back, b.ptr, b.size, "rank 1", NULL));
    ck_assert_uint_eq(wsl_pattern_table_n_rows(back), 2500);
    WSL_ASSERT_OK(wsl_pattern_table_save_buf(back, &b2));
    ck_assert_uint_eq(b2.size, b.size);
    ck_assert_mem_eq(b2.ptr, b.ptr, b.size);
    for (size_t cut = 0; cut < b.size; cut += (cut < 64 ? 1 : 53)) {
        WSL_ASSERT_STATUS(wsl_pattern_table_load_buf(&bad, b.ptr, cut, "rank 1", NULL),
                          WSL_EFORMAT);
        ck_assert_ptr_null(bad);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "rank 1"));
    }
    WSL_ASSERT_STATUS(wsl_pattern_table_load_buf(&bad, NULL, 0, NULL, NULL), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "<memory>"));
    WSL_ASSERT_STATUS(wsl_pattern_table_load_buf(&bad, NULL, 5, NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_pattern_table_load_buf(NULL, b.ptr, b.size, NULL, NULL), WSL_EINVAL);
    wsl_buf_dispose(&b2);
    b2.ptr = (char *)&b2; /* any previous value */
    WSL_ASSERT_STATUS(wsl_pattern_table_save_buf(NULL, &b2), WSL_EINVAL);
    ck_assert_ptr_null(b2.ptr); /* emptied on failure */
    WSL_ASSERT_STATUS(wsl_pattern_table_save_buf(T, NULL), WSL_EINVAL);
    wsl_buf_dispose(&b);
    wsl_buf_dispose(&b2);
    free(file);
    wsl_pattern_table_free(T);
    wsl_pattern_table_free(back);
    wsl_label_matrix_free(L);
    remove_tmpdir();
}
END_TEST

START_TEST(test_probs_write_buf)
{
    /* In memory, the bytes of the file; CSV buffers of blocks of rows concatenate to the file. */
    static const double p[] = {0.25, 0.75, 1.0 / 3, 2.0 / 3, 0.1, 0.9, 1, 0, 0.5, 0.5};
    wsl_buf a = WSL_BUF_INIT, b = WSL_BUF_INIT, x = WSL_BUF_INIT;
    char *file;
    size_t len;
    make_tmpdir();
    WSL_ASSERT_OK(wsl_probs_write(p, 5, 2, tpath("p.csv"), WSL_FORMAT_AUTO));
    WSL_ASSERT_OK(wsl_probs_write_buf(p, 2, 2, WSL_FORMAT_CSV, &a));
    WSL_ASSERT_OK(wsl_probs_write_buf(p + 4, 3, 2, WSL_FORMAT_CSV, &b));
    file = slurp(tpath("p.csv"), &len);
    ck_assert_uint_eq(a.size + b.size, len);
    ck_assert_mem_eq(a.ptr, file, a.size);
    ck_assert_mem_eq(b.ptr, file + a.size, b.size);
    free(file);
    WSL_ASSERT_OK(wsl_probs_write(p, 5, 2, tpath("p.npy"), WSL_FORMAT_AUTO));
    WSL_ASSERT_OK(wsl_probs_write_buf(p, 5, 2, WSL_FORMAT_NPY, &x));
    file = slurp(tpath("p.npy"), &len);
    ck_assert_uint_eq(x.size, len);
    ck_assert_mem_eq(x.ptr, file, len);
    free(file);
    /* wsl_bytes_write: atomic, like the others */
    WSL_ASSERT_OK(wsl_bytes_write(a.ptr, a.size, tpath("bytes.csv")));
    file = slurp(tpath("bytes.csv"), &len);
    ck_assert_uint_eq(len, a.size);
    ck_assert_mem_eq(file, a.ptr, len);
    free(file);
    WSL_ASSERT_OK(wsl_bytes_write(NULL, 0, tpath("empty")));
    WSL_ASSERT_STATUS(wsl_bytes_write(a.ptr, a.size, tpath("no/such/dir/x")), WSL_EIO);
    WSL_ASSERT_STATUS(wsl_bytes_write(NULL, 3, tpath("x")), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_bytes_write(a.ptr, a.size, NULL), WSL_EINVAL);
    wsl_buf_dispose(&a);
    wsl_buf_dispose(&b);
    wsl_buf_dispose(&x);
    {
        double bad[2] = {0.5, NAN};
        WSL_ASSERT_STATUS(wsl_probs_write_buf(bad, 1, 2, WSL_FORMAT_CSV, &a), WSL_EINVAL);
        ck_assert_ptr_null(a.ptr);
    }
    WSL_ASSERT_STATUS(wsl_probs_write_buf(p, 5, 2, WSL_FORMAT_AUTO, &a), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_probs_write_buf(p, 5, 0, WSL_FORMAT_CSV, &a), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_probs_write_buf(NULL, 5, 2, WSL_FORMAT_CSV, &a), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_probs_write_buf(p, 5, 2, WSL_FORMAT_CSV, NULL), WSL_EINVAL);
    remove_tmpdir();
}
END_TEST

/* The votes of L as a malloc'ed n x m buffer. */
static int32_t *all_votes(const wsl_label_matrix *L)
{
    size_t cells = wsl_label_matrix_n_points(L) * wsl_label_matrix_n_sources(L);
    int32_t *v = malloc((cells ? cells : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    WSL_ASSERT_OK(wsl_label_matrix_to_buffer(L, v, cells));
    return v;
}

/* Shards 0..P-1 of path, end to end, are the whole file's rows; returns the empty shards. */
static size_t check_shards(const char *path, wsl_format fmt, size_t P)
{
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *W = NULL;
    int32_t *whole;
    size_t n, m, row = 0, empty = 0;
    o.format = fmt;
    o.cardinality = 3;
    WSL_ASSERT_OK(wsl_votes_read(&W, path, &o));
    n = wsl_label_matrix_n_points(W);
    m = wsl_label_matrix_n_sources(W);
    whole = all_votes(W);
    for (size_t i = 0; i < P; i++) {
        wsl_label_matrix *S = NULL;
        int32_t *part;
        size_t ns;
        WSL_ASSERT_OK(wsl_votes_read_shard(&S, path, &o, i, P));
        ns = wsl_label_matrix_n_points(S);
        ck_assert_uint_eq(wsl_label_matrix_n_sources(S), m);
        ck_assert_int_eq(wsl_label_matrix_cardinality(S), 3);
        ck_assert_uint_le(row + ns, n);
        part = all_votes(S);
        if (ns)
            ck_assert_mem_eq(part, whole + row * m, ns * m * sizeof *part);
        row += ns;
        empty += ns == 0;
        free(part);
        wsl_label_matrix_free(S);
    }
    ck_assert_uint_eq(row, n);
    free(whole);
    wsl_label_matrix_free(W);
    return empty;
}

START_TEST(test_votes_read_shard)
{
    /* Lines of different lengths, CRLF, a BOM, no final newline: every P cuts the rows once. */
    static const char csv[] = "\xEF\xBB\xBF"
                              "0,1,-1\r\n2,2,2\n-1,-1,-1\n1,0,2\n0,0,0\r\n"
                              "-1,2,1\n2,-1,0\n1,1,1\n0,2,-1\n-1,-1,2";
    wsl_label_matrix *L = synth_votes(4, 1000), *S = NULL;
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    make_tmpdir();
    write_file(tpath("a.csv"), csv, sizeof csv - 1);
    for (size_t P = 1; P <= 16; P++) {
        size_t empty = check_shards(tpath("a.csv"), WSL_FORMAT_CSV, P);
        if (P > 10)
            ck_assert_uint_ge(empty, P - 10); /* more shards than rows */
    }
    WSL_ASSERT_OK(wsl_votes_write(L, tpath("big.csv"), WSL_FORMAT_CSV));
    WSL_ASSERT_OK(wsl_votes_write(L, tpath("big.npy"), WSL_FORMAT_NPY));
    WSL_ASSERT_OK(wsl_votes_write(L, tpath("big.json"), WSL_FORMAT_WRENCH));
    for (size_t P = 1; P <= 7; P++) {
        ck_assert_uint_eq(check_shards(tpath("big.csv"), WSL_FORMAT_AUTO, P), 0);
        ck_assert_uint_eq(check_shards(tpath("big.npy"), WSL_FORMAT_AUTO, P), 0);
        ck_assert_uint_eq(check_shards(tpath("big.json"), WSL_FORMAT_AUTO, P), 0);
    }
    check_shards(tpath("big.csv"), WSL_FORMAT_CSV, 1000); /* lines differ: some shards empty */
    /* .npy in C and Fortran order, every item size and byte order: the same cut */
    {
        static const int8_t c8[] = {0, -1, 1, 2, 1, -1, 1, 1, 0};
        static const int8_t f8[] = {0, 2, 1, -1, 1, 1, 1, -1, 0}; /* column-major */
        static const unsigned char be16[] = {0, 0, 0xff, 0xff, 0, 1, 0, 2, 0, 1,
                                             0xff, 0xff, 0, 1, 0, 1, 0, 0};
        static const int8_t bad[] = {0, 1, 1, 2, 1, -1, 1, 7, 0};
        size_t len;
        char *img;
        img = npy_image(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (3, 3), }", c8, 9,
                        &len);
        write_file(tpath("c.npy"), img, len);
        free(img);
        img = npy_image(1, "{'descr': '|i1', 'fortran_order': True, 'shape': (3, 3), }", f8, 9,
                        &len);
        write_file(tpath("f.npy"), img, len);
        free(img);
        img = npy_image(2, "{'descr': '>i2', 'fortran_order': False, 'shape': (3, 3), }", be16,
                        18, &len);
        write_file(tpath("b.npy"), img, len);
        free(img);
        for (size_t P = 1; P <= 5; P++) {
            ck_assert_uint_eq(check_shards(tpath("c.npy"), WSL_FORMAT_NPY, P), P > 3 ? P - 3 : 0);
            ck_assert_uint_eq(check_shards(tpath("f.npy"), WSL_FORMAT_NPY, P), P > 3 ? P - 3 : 0);
            ck_assert_uint_eq(check_shards(tpath("b.npy"), WSL_FORMAT_NPY, P), P > 3 ? P - 3 : 0);
        }
        /* a vote out of range in row 2: the shard holding it says so, with the file's row */
        img = npy_image(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (3, 3), }", bad, 9,
                        &len);
        write_file(tpath("bad.npy"), img, len);
        free(img);
        o.cardinality = 3;
        WSL_ASSERT_OK(wsl_votes_read_shard(&S, tpath("bad.npy"), &o, 0, 3));
        wsl_label_matrix_free(S);
        WSL_ASSERT_STATUS(wsl_votes_read_shard(&S, tpath("bad.npy"), &o, 2, 3), WSL_ERANGE);
        ck_assert_msg(strstr(wsl_last_error(), "row 2, column 1") != NULL, "%s",
                      wsl_last_error());
        o.cardinality = 0;
    }
    ck_assert_uint_gt(check_shards(tpath("big.csv"), WSL_FORMAT_CSV, 5000), 0);

    /* Errors name the line of the file, whichever shard finds them. */
    o.cardinality = 3;
    write_file(tpath("bad.csv"), "0,1\n1,1\n2,0\n0,x\n1,1\n", 20);
    for (size_t P = 1; P <= 5; P++) {
        int failed = 0;
        for (size_t i = 0; i < P; i++) {
            wsl_status st = wsl_votes_read_shard(&S, tpath("bad.csv"), &o, i, P);
            if (st != WSL_OK) {
                ck_assert_int_eq(st, WSL_EFORMAT);
                ck_assert_ptr_null(S);
                ck_assert_msg(strstr(wsl_last_error(), "bad.csv:4:") != NULL, "%s",
                              wsl_last_error());
                failed++;
            }
            wsl_label_matrix_free(S);
            S = NULL;
        }
        ck_assert_int_eq(failed, 1);
    }
    /* A ragged line is ragged against line 1, also in a shard that does not hold line 1. */
    write_file(tpath("ragged.csv"), "0,1\n1,1\n2,0\n0,1,2\n1,1\n", 22);
    WSL_ASSERT_STATUS(wsl_votes_read_shard(&S, tpath("ragged.csv"), &o, 1, 2), WSL_EFORMAT);
    ck_assert_msg(strstr(wsl_last_error(), "ragged.csv:4:") != NULL &&
                      strstr(wsl_last_error(), "as on line 1") != NULL,
                  "%s", wsl_last_error());
    /* An empty file or a blank line 1: every shard fails as the whole file does. */
    write_file(tpath("empty.csv"), "", 0);
    write_file(tpath("blank.csv"), "\n0,1\n1,1\n", 9);
    for (size_t i = 0; i < 3; i++) {
        WSL_ASSERT_STATUS(wsl_votes_read_shard(&S, tpath("empty.csv"), &o, i, 3), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "no rows"));
        WSL_ASSERT_STATUS(wsl_votes_read_shard(&S, tpath("blank.csv"), &o, i, 3), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "blank.csv:1:"));
    }
    WSL_ASSERT_STATUS(wsl_votes_read_shard(&S, tpath("none.csv"), &o, 0, 2), WSL_EIO);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "none.csv"));
    WSL_ASSERT_STATUS(wsl_votes_read_shard(&S, tpath("a.csv"), &o, 2, 2), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "shard 2 of 2"));
    WSL_ASSERT_STATUS(wsl_votes_read_shard(&S, tpath("a.csv"), &o, 0, 0), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_votes_read_shard(NULL, tpath("a.csv"), &o, 0, 1), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_votes_read_shard(&S, NULL, &o, 0, 1), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_votes_read_shard(&S, tpath("a.txt"), &o, 0, 1), WSL_EINVAL);
    wsl_label_matrix_free(L);
    remove_tmpdir();
}
END_TEST

static Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *core = tcase_create("core"), *errors = tcase_create("errors");
    TCase *oom = tcase_create("oom"), *real = tcase_create("real");
    TCase *fuzz = tcase_create("fuzz");

    tcase_add_test(core, test_format_names);
    tcase_add_test(core, test_options_validate);
    tcase_add_test(core, test_csv_layouts);
    tcase_add_test(core, test_csv_cardinality);
    tcase_add_test(core, test_csv_storage);
    tcase_add_loop_test(core, test_roundtrip, 0, 24);
    tcase_add_test(core, test_triples_layouts);
    tcase_add_test(core, test_npy_variants);
    tcase_add_test(core, test_wrench_layouts);
    tcase_add_test(core, test_gold_roundtrip);
    tcase_add_test(core, test_probs_roundtrip);
    tcase_add_test(core, test_write_overwrites_and_keeps_mode);
    tcase_add_test(core, test_fifo);
    tcase_add_test(core, test_pattern_table_file);
    tcase_add_test(core, test_pattern_table_buf);
    tcase_add_test(core, test_votes_read_shard);
    tcase_add_test(core, test_probs_write_buf);
    suite_add_tcase(s, core);

    tcase_add_loop_test(errors, test_malformed_text, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(errors, test_embedded_nul);
    tcase_add_test(errors, test_malformed_file_has_path);
    tcase_add_test(errors, test_long_lines);
    tcase_add_test(errors, test_reader_lines);
    tcase_add_loop_test(errors, test_malformed_npy, 0,
                        (int)(sizeof bad_npys / sizeof bad_npys[0]));
    tcase_add_test(errors, test_npy_hostile);
    tcase_add_test(errors, test_pattern_table_hostile);
    tcase_add_test(errors, test_hostile_sizes);
    tcase_add_test(errors, test_npy_values_out_of_range);
    tcase_add_test(errors, test_gold_errors);
    tcase_add_test(errors, test_probs_errors);
    tcase_add_test(errors, test_read_errors);
    tcase_add_test(errors, test_write_errors_keep_previous);
    tcase_add_test(errors, test_writers_nothing_lost);
    suite_add_tcase(s, errors);

    tcase_add_test(oom, test_oom_readers);
    tcase_add_test(oom, test_oom_gold_probs_wrench);
    tcase_add_test(oom, test_oom_writers);
    tcase_add_test(oom, test_oom_libc_writers);
    tcase_add_test(oom, test_oom_shards_tables_bytes);
    suite_add_tcase(s, oom);
    tcase_add_test(fuzz, test_fuzz_triples_dense);
    suite_add_tcase(s, fuzz);

    tcase_add_test(real, test_real_youtube_csv);
    tcase_add_test(real, test_real_youtube_wrench);
    tcase_add_test(real, test_real_crowd_triples);
    tcase_add_test(real, test_real_every_split);
    suite_add_tcase(s, real);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(io_suite());
}
