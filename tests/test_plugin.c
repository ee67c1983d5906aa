/* LF plugins: table checks (every way a table can be wrong), LF sets from tables, loading
 * shared objects (missing file, not a plugin, ABI mismatch, failing init), applying a loaded
 * plugin to a record stream, out of memory. */
#include "libc_fail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN(name) WSL_TEST_PLUGIN_DIR "/" name ".so"

static int32_t vote_one(const wsl_lf_input *in, void *payload)
{
    (void)in;
    (void)payload;
    return 1;
}

static int pp_run(const wsl_lf_input *in, void *view, void *payload)
{
    (void)in;
    (void)view;
    (void)payload;
    return 0;
}

static const char *const CLASSES[] = {"ham", "spam"};
static const char *const FIELDS[] = {"text", "n"};

/* A valid table the cases below break one field at a time. */
static wsl_plugin valid_table(wsl_plugin_lf *lfs, wsl_preprocessor *pps)
{
    wsl_plugin t = {WSL_PLUGIN_HEADER, .k = 2, .class_names = CLASSES, .lfs = lfs, .n_lfs = 3,
                    .preprocessors = pps, .n_preprocessors = 1, .fields = FIELDS, .n_fields = 2};
    lfs[0] = (wsl_plugin_lf){"a", vote_one, NULL};
    lfs[1] = (wsl_plugin_lf){"b", vote_one, NULL};
    lfs[2] = (wsl_plugin_lf){"c", vote_one, NULL};
    pps[0] = (wsl_preprocessor){"view", 8, pp_run, NULL, NULL};
    return t;
}

START_TEST(test_check_valid)
{
    wsl_plugin_lf lfs[3];
    wsl_preprocessor pps[1];
    wsl_plugin t = valid_table(lfs, pps);
    wsl_lf_set *set = NULL;
    WSL_ASSERT_OK(wsl_plugin_check(&t));
    WSL_ASSERT_OK(wsl_plugin_lf_set(&t, &set, NULL));
    ck_assert_uint_eq(wsl_lf_set_size(set), 3);
    ck_assert_int_eq(wsl_lf_set_cardinality(set), 2);
    ck_assert_str_eq(wsl_lf_set_name(set, 2), "c");
    wsl_lf_set_free(set);
    /* Optional parts absent. */
    t.class_names = NULL;
    t.preprocessors = NULL;
    t.n_preprocessors = 0;
    t.fields = NULL;
    t.n_fields = 0;
    WSL_ASSERT_OK(wsl_plugin_check(&t));
}
END_TEST

/* Break the valid table with `edit`; the check must fail with status and message. */
#define EXPECT_BAD(edit, status, text)                                                          \
    do {                                                                                        \
        wsl_plugin_lf lfs_[3];                                                                  \
        wsl_preprocessor pps_[1];                                                               \
        wsl_plugin t = valid_table(lfs_, pps_);                                                 \
        wsl_lf_set *set_ = (wsl_lf_set *)1;                                                     \
        edit;                                                                                   \
        WSL_ASSERT_STATUS(wsl_plugin_check(&t), status);                                        \
        ck_assert_msg(strstr(wsl_last_error(), text), "'%s' not in '%s'", text,                 \
                      wsl_last_error());                                                        \
        WSL_ASSERT_STATUS(wsl_plugin_lf_set(&t, &set_, NULL), status);                          \
        ck_assert_ptr_null(set_);                                                               \
    } while (0)

START_TEST(test_check_errors)
{
    static const char *const dup_classes[] = {"x", "x"};
    static const char *const null_class[] = {"x", NULL};
    static const char *const comma_class[] = {"x", "a,b"};
    static const char *const dup_fields[] = {"text", "text"};
    EXPECT_BAD(t.abi_version = 2, WSL_ERANGE, "plugin ABI 2");
    EXPECT_BAD(t.abi_version = 0, WSL_ERANGE, "rebuild the plugin");
    EXPECT_BAD(t.struct_size = 8, WSL_ERANGE, "struct_size is 8");
    EXPECT_BAD(t.k = 0, WSL_EFORMAT, "k is 0");
    EXPECT_BAD(t.k = -3, WSL_EFORMAT, "k is -3");
    EXPECT_BAD(t.k = WSL_MAX_CARDINALITY + 1, WSL_EFORMAT, "expected 1..");
    EXPECT_BAD(t.class_names = dup_classes, WSL_EFORMAT,
               "class_names[0] and class_names[1] are both named \"x\"");
    EXPECT_BAD(t.class_names = null_class, WSL_EFORMAT, "class_names[1] has no name");
    EXPECT_BAD(t.class_names = comma_class, WSL_EFORMAT, "class_names[1] (\"a,b\"): a control");
    EXPECT_BAD(t.n_lfs = 0, WSL_EFORMAT, "no LF");
    EXPECT_BAD(t.lfs = NULL, WSL_EFORMAT, "lfs is NULL but n_lfs is 3");
    EXPECT_BAD(t.n_lfs = WSL_PLUGIN_MAX_ITEMS + 1, WSL_EFORMAT, "more than the");
    EXPECT_BAD(lfs_[1].name = NULL, WSL_EFORMAT, "lfs[1] has no name");
    EXPECT_BAD(lfs_[1].name = "", WSL_EFORMAT, "lfs[1] has no name");
    EXPECT_BAD(lfs_[1].name = "tab\there", WSL_EFORMAT, "at byte 3");
    EXPECT_BAD(lfs_[2].fn = NULL, WSL_EFORMAT, "lfs[2] (\"c\"): fn is NULL");
    EXPECT_BAD(lfs_[2].name = "a", WSL_EFORMAT, "lfs[0] and lfs[2] are both named \"a\"");
    EXPECT_BAD(lfs_[1].name = "view", WSL_EFORMAT,
               "lfs[1] and preprocessors[0] are both named \"view\"");
    EXPECT_BAD(t.preprocessors = NULL, WSL_EFORMAT, "preprocessors is NULL");
    EXPECT_BAD(pps_[0].run = NULL, WSL_EFORMAT, "preprocessors[0] (\"view\"): run is NULL");
    EXPECT_BAD(pps_[0].view_size = 0, WSL_EFORMAT, "view_size is 0");
    EXPECT_BAD(pps_[0].name = NULL, WSL_EFORMAT, "preprocessors[0] has no name");
    EXPECT_BAD(t.fields = NULL, WSL_EFORMAT, "fields is NULL but n_fields is 2");
    EXPECT_BAD(t.fields = dup_fields, WSL_EFORMAT, "fields[0] and fields[1]");
    EXPECT_BAD(t.n_fields = SIZE_MAX, WSL_EFORMAT, "n_fields is");
    WSL_ASSERT_STATUS(wsl_plugin_check(NULL), WSL_EINVAL);
    {
        wsl_lf_set *set = (wsl_lf_set *)1;
        WSL_ASSERT_STATUS(wsl_plugin_lf_set(NULL, &set, NULL), WSL_EINVAL);
        ck_assert_ptr_null(set);
        WSL_ASSERT_STATUS(wsl_plugin_lf_set(NULL, NULL, NULL), WSL_EINVAL);
    }
}
END_TEST

/* A table of many LFs checks and builds without trouble (duplicates found by sorting). */
START_TEST(test_many_lfs)
{
    size_t n = WSL_PLUGIN_MAX_ITEMS;
    wsl_plugin_lf *lfs = calloc(n, sizeof *lfs);
    char *names = calloc(n, 16);
    wsl_plugin t = {WSL_PLUGIN_HEADER, .k = 2, .lfs = lfs, .n_lfs = n};
    wsl_lf_set *set = NULL;
    ck_assert_ptr_nonnull(lfs);
    ck_assert_ptr_nonnull(names);
    for (size_t j = 0; j < n; j++) {
        snprintf(names + 16 * j, 16, "lf%zu", (j * 7919) % n);
        lfs[j] = (wsl_plugin_lf){names + 16 * j, vote_one, NULL};
    }
    WSL_ASSERT_OK(wsl_plugin_lf_set(&t, &set, NULL));
    ck_assert_uint_eq(wsl_lf_set_size(set), n);
    wsl_lf_set_free(set);
    lfs[n - 1].name = lfs[n / 2].name;
    WSL_ASSERT_STATUS(wsl_plugin_check(&t), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "are both named"));
    free(lfs);
    free(names);
}
END_TEST

START_TEST(test_open_errors)
{
    wsl_plugin_lib *lib = (wsl_plugin_lib *)1;
    char *not_elf = wsl_test_write_temp(".so", "not a shared object\n", 20);
    WSL_ASSERT_STATUS(wsl_plugin_open(&lib, "/nonexistent/lfs.so"), WSL_EIO);
    ck_assert_ptr_null(lib);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "cannot load /nonexistent/lfs.so"));
    WSL_ASSERT_STATUS(wsl_plugin_open(&lib, "no_such_plugin_here.so"), WSL_EIO);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "./no_such_plugin_here.so")); /* not searched */
    WSL_ASSERT_STATUS(wsl_plugin_open(&lib, not_elf), WSL_EIO);
    remove(not_elf);
    free(not_elf);
    WSL_ASSERT_STATUS(wsl_plugin_open(&lib, PLUGIN("plugin_nosymbol")), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "exports no wsl_plugin_table"));
    WSL_ASSERT_STATUS(wsl_plugin_open(&lib, PLUGIN("plugin_abi")), WSL_ERANGE);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "plugin_abi.so: wsl_plugin_check: the table "
                                                   "is for plugin ABI 2"));
    WSL_ASSERT_STATUS(wsl_plugin_open(&lib, PLUGIN("plugin_dupe")), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "lfs[0] and lfs[2] are both named \"same\""));
    WSL_ASSERT_STATUS(wsl_plugin_open(&lib, PLUGIN("plugin_initfail")), WSL_ECALLBACK);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "init failed (returned 3): cannot open the "
                                                   "keyword list"));
    ck_assert_ptr_null(lib);
    WSL_ASSERT_STATUS(wsl_plugin_open(NULL, PLUGIN("plugin_good")), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_plugin_open(&lib, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_plugin_open(&lib, ""), WSL_EINVAL);
    ck_assert_ptr_null(wsl_plugin_lib_table(NULL));
    wsl_plugin_close(NULL);
}
END_TEST

/* Load the test plugin, apply it to records of both formats, unload it (fini runs). */
START_TEST(test_open_and_apply)
{
    static const char *const inputs[][2] = {
        {"{\"text\": \"a good day\", \"n\": 3}\n"
         "{\"text\": \"bad\", \"n\": -1}\n"
         "{\"text\": \"a rather long text, neither\"}\n",
         "r.jsonl"},
        {"n,text\n3,a good day\n-1,bad\n,\"a rather long text, neither\"\n", "r.csv"},
    };
    static const int32_t want[3][4] = {{1, -1, -1, 1}, {-1, 0, -1, 0}, {-1, -1, 2, -1}};
    for (int f = 0; f < 2; f++) {
        wsl_plugin_lib *lib = NULL;
        const wsl_plugin *t;
        wsl_lf_set *set = NULL;
        wsl_record_stream *s = NULL;
        wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
        wsl_label_matrix *L = NULL;
        unsetenv("WSL_TEST_PLUGIN_FINI");
        WSL_ASSERT_OK(wsl_plugin_open(&lib, PLUGIN("plugin_good")));
        t = wsl_plugin_lib_table(lib);
        ck_assert_str_eq(t->name, "test_good");
        ck_assert_str_eq(t->class_names[2], "long");
        WSL_ASSERT_OK(wsl_plugin_lf_set(t, &set, NULL));
        o.required = t->fields;
        o.n_required = t->n_fields;
        WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, inputs[f][0], strlen(inputs[f][0]),
                                                 inputs[f][1], &o, NULL));
        WSL_ASSERT_OK(wsl_lf_apply_records(&L, set, s, NULL, NULL));
        ck_assert_uint_eq(wsl_label_matrix_n_points(L), 3);
        ck_assert_uint_eq(wsl_label_matrix_n_sources(L), 4);
        for (size_t i = 0; i < 3; i++)
            for (size_t j = 0; j < 4; j++)
            {
                int32_t v;
                WSL_ASSERT_OK(wsl_label_matrix_get(L, i, j, &v));
                ck_assert_int_eq(v, want[i][j]);
            }
        wsl_label_matrix_free(L);
        wsl_record_stream_close(s);
        wsl_lf_set_free(set);
        wsl_plugin_close(lib);
        ck_assert_ptr_nonnull(getenv("WSL_TEST_PLUGIN_FINI"));
    }
}
END_TEST

/* A file opened twice is one shared object: init runs once, fini when the last handle closes
 * (closing the first handle must not free what the second one's LFs use). */
START_TEST(test_open_twice)
{
    wsl_plugin_lib *a = NULL, *b = NULL;
    wsl_label_matrix *L = NULL;
    unsetenv("WSL_TEST_PLUGIN_FINI");
    WSL_ASSERT_OK(wsl_plugin_open(&a, PLUGIN("plugin_good")));
    WSL_ASSERT_OK(wsl_plugin_open(&b, PLUGIN("plugin_good")));
    ck_assert_ptr_eq(wsl_plugin_lib_table(a), wsl_plugin_lib_table(b));
    wsl_plugin_close(a);
    ck_assert_ptr_null(getenv("WSL_TEST_PLUGIN_FINI"));
    {
        const wsl_plugin *t = wsl_plugin_lib_table(b);
        wsl_lf_set *set = NULL;
        wsl_record_stream *s = NULL;
        const char *data = "{\"text\": \"a rather long text, neither\"}\n";
        int32_t v;
        WSL_ASSERT_OK(wsl_plugin_lf_set(t, &set, NULL));
        WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, data, strlen(data), "r.jsonl", NULL, NULL));
        WSL_ASSERT_OK(wsl_lf_apply_records(&L, set, s, NULL, NULL)); /* long_text needs init */
        WSL_ASSERT_OK(wsl_label_matrix_get(L, 0, 2, &v));
        ck_assert_int_eq(v, 2);
        wsl_label_matrix_free(L);
        wsl_record_stream_close(s);
        wsl_lf_set_free(set);
    }
    wsl_plugin_close(b);
    ck_assert_ptr_nonnull(getenv("WSL_TEST_PLUGIN_FINI"));
}
END_TEST

/* Records and LFs at fault, threads, arguments. */
static wsl_status apply_text(wsl_plugin_lib *lib, const char *data, const char *name,
                             int n_threads, int tolerant, wsl_label_matrix **L,
                             wsl_apply_report *rep)
{
    const wsl_plugin *t = wsl_plugin_lib_table(lib);
    wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
    wsl_apply_options ao = WSL_APPLY_OPTIONS_INIT;
    wsl_record_stream *s = NULL;
    wsl_lf_set *set = NULL;
    wsl_status st;
    o.required = t->fields;
    o.n_required = t->n_fields;
    ao.n_threads = n_threads;
    ao.fault_tolerant = tolerant;
    ao.chunk_size = 3;
    WSL_ASSERT_OK(wsl_plugin_lf_set(t, &set, NULL));
    WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, data, strlen(data), name, &o, NULL));
    st = wsl_lf_apply_records(L, set, s, &ao, rep);
    wsl_record_stream_close(s);
    wsl_lf_set_free(set);
    return st;
}

START_TEST(test_apply_faults)
{
    wsl_plugin_lib *lib = NULL;
    wsl_label_matrix *L = NULL, *L2 = NULL;
    size_t faults[4];
    wsl_apply_report rep = {0, 0, 0, faults, 4};
    char data[8192] = "";
    WSL_ASSERT_OK(wsl_plugin_open(&lib, PLUGIN("plugin_good")));
    /* An LF failing on the record of line 4 (index 2): the message names the line. */
    WSL_ASSERT_STATUS(apply_text(lib, "{\"text\": \"a\"}\n\n{\"text\": \"b\"}\n"
                                      "{\"text\": \"fail\"}\n", "f.jsonl", 1, 0, &L, &rep),
                      WSL_ECALLBACK);
    ck_assert_ptr_null(L);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "LF \"long_text\" signalled an error"));
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "on record 2 (column 2); the record is on line 4"));
    /* Fault-tolerant: counted, the vote abstains. */
    WSL_ASSERT_OK(apply_text(lib, "{\"text\": \"fail good\"}\n", "f.jsonl", 2, 1, &L, &rep));
    ck_assert_uint_eq(rep.n_faults, 1);
    ck_assert_uint_eq(faults[2], 1);
    wsl_label_matrix_free(L);
    L = NULL;
    /* The records at fault: the stream's status and message. */
    WSL_ASSERT_STATUS(apply_text(lib, "{\"text\": \"a\"}\n{oops\n", "m.jsonl", 1, 0, &L, &rep),
                      WSL_EFORMAT);
    ck_assert_msg(strstr(wsl_last_error(), "m.jsonl:2:3: not a JSON object"), "%s", wsl_last_error());
    WSL_ASSERT_STATUS(apply_text(lib, "{\"text\": \"a\"}\n{\"n\": 2}\n", "m.jsonl", 1, 0, &L,
                                 &rep),
                      WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "m.jsonl:2: the record has no field \"text\""));
    /* Threads: the same votes, in order. */
    for (int i = 0; i < 100; i++)
        snprintf(data + strlen(data), sizeof data - strlen(data),
                 "{\"text\": \"%s %d %s\", \"n\": %d}\n", i % 3 ? "good" : "bad", i,
                 i % 5 ? "" : "and a long tail of words", i % 7 - 3);
    WSL_ASSERT_OK(apply_text(lib, data, "t.jsonl", 1, 0, &L, NULL));
    WSL_ASSERT_OK(apply_text(lib, data, "t.jsonl", 3, 0, &L2, NULL));
    ck_assert_uint_eq(wsl_label_matrix_n_points(L2), 100);
    for (size_t i = 0; i < 100; i++)
        for (size_t j = 0; j < 4; j++) {
            int32_t a, b;
            WSL_ASSERT_OK(wsl_label_matrix_get(L, i, j, &a));
            WSL_ASSERT_OK(wsl_label_matrix_get(L2, i, j, &b));
            ck_assert_int_eq(a, b);
        }
    wsl_label_matrix_free(L);
    wsl_label_matrix_free(L2);
    {
        wsl_lf_set *set = NULL;
        wsl_record_stream *s = NULL;
        WSL_ASSERT_OK(wsl_plugin_lf_set(wsl_plugin_lib_table(lib), &set, NULL));
        WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, "", 0, NULL, NULL, NULL));
        L = (wsl_label_matrix *)1;
        WSL_ASSERT_STATUS(wsl_lf_apply_records(&L, NULL, s, NULL, NULL), WSL_EINVAL);
        ck_assert_ptr_null(L);
        WSL_ASSERT_STATUS(wsl_lf_apply_records(&L, set, NULL, NULL, NULL), WSL_EINVAL);
        WSL_ASSERT_STATUS(wsl_lf_apply_records(NULL, set, s, NULL, NULL), WSL_EINVAL);
        WSL_ASSERT_OK(wsl_lf_apply_records(&L, set, s, NULL, NULL)); /* no records */
        ck_assert_uint_eq(wsl_label_matrix_n_points(L), 0);
        wsl_label_matrix_free(L);
        wsl_record_stream_close(s);
        wsl_lf_set_free(set);
    }
    wsl_plugin_close(lib);
}
END_TEST

/* wsl_plugin_check and _lf_set allocate from the C library / the allocator: walk both. */
static wsl_status check_call(void *ctx)
{
    return wsl_plugin_check(ctx);
}

static void no_after(wsl_status st, void *ctx)
{
    (void)st;
    (void)ctx;
}

static wsl_status lf_set_case(const wsl_allocator *a, void *ctx)
{
    wsl_lf_set *set = NULL;
    wsl_status st = wsl_plugin_lf_set(ctx, &set, a);
    wsl_lf_set_free(set);
    return st;
}

/* An LF set from a table applied to a stream, every allocation through one allocator. */
static wsl_status apply_records_case(const wsl_allocator *a, void *ctx)
{
    static const char data[] = "{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"text\": \"c\"}\n";
    wsl_lf_set *set = NULL;
    wsl_record_stream *s = NULL;
    wsl_label_matrix *L = NULL;
    wsl_apply_options ao = WSL_APPLY_OPTIONS_INIT;
    wsl_status st;
    ao.chunk_size = 2;
    if ((st = wsl_plugin_lf_set(ctx, &set, a)) != WSL_OK)
        return st;
    if ((st = wsl_record_stream_open_mem(&s, data, sizeof data - 1, "o.jsonl", NULL, a)) == WSL_OK)
        st = wsl_lf_apply_records(&L, set, s, &ao, NULL);
    if (st == WSL_OK)
        ck_assert_uint_eq(wsl_label_matrix_n_points(L), 3);
    else
        ck_assert_ptr_null(L);
    wsl_label_matrix_free(L);
    wsl_record_stream_close(s);
    wsl_lf_set_free(set);
    return st;
}

/* wsl_plugin_open allocates from the C library (the handle, the open count). */
static wsl_status open_call(void *ctx)
{
    return wsl_plugin_open(ctx, PLUGIN("plugin_minimal"));
}

static void open_after(wsl_status st, void *ctx)
{
    wsl_plugin_lib **lib = ctx;
    ck_assert((st == WSL_OK) == (*lib != NULL));
    wsl_plugin_close(*lib);
    *lib = NULL;
}

START_TEST(test_oom)
{
    wsl_plugin_lf lfs[3];
    wsl_preprocessor pps[1];
    wsl_plugin t = valid_table(lfs, pps);
    wsl_plugin_lib *lib = NULL;
    ck_assert_uint_gt(wsl_test_libc_walk("wsl_plugin_check", check_call, no_after, &t), 1);
    ck_assert_uint_gt(wsl_test_oom_walk("wsl_plugin_lf_set", lf_set_case, &t), 4);
    t.preprocessors = NULL;
    t.n_preprocessors = 0;
    ck_assert_uint_gt(wsl_test_oom_walk("wsl_lf_apply_records", apply_records_case, &t), 8);
    ck_assert_uint_ge(wsl_test_libc_walk("wsl_plugin_open", open_call, open_after, &lib), 2);
}
END_TEST

static Suite *plugin_suite(void)
{
    Suite *s = suite_create("plugin");
    TCase *check = tcase_create("check");
    TCase *open = tcase_create("open");
    tcase_add_test(check, test_check_valid);
    tcase_add_test(check, test_check_errors);
    tcase_add_test(check, test_many_lfs);
    tcase_add_test(open, test_open_errors);
    tcase_add_test(open, test_open_and_apply);
    tcase_add_test(open, test_apply_faults);
    tcase_add_test(open, test_open_twice);
    tcase_add_test(check, test_oom);
    suite_add_tcase(s, check);
    suite_add_tcase(s, open);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(plugin_suite());
}
