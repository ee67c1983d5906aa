/* JSON Lines records: fields as text, labels, line numbers, malformed lines, errors, OOM. */
#include "wsl_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const TL[] = {"text", "label"};

static wsl_records *read_mem(const char *data, const char *const *fields, size_t n_fields)
{
    wsl_records *r = NULL;
    WSL_ASSERT_OK(wsl_records_read_mem(&r, data, strlen(data), "mem.jsonl", fields, n_fields,
                                       NULL));
    ck_assert_ptr_nonnull(r);
    return r;
}

START_TEST(test_fields_as_text)
{
    const char *data = "\xef\xbb\xbf{\"text\": \"caf\\u00e9 \\\"au\\\" lait\", \"label\": 1}\n"
                       "\n"
                       "  \t\r\n"
                       "{\"label\": 0, \"text\": \"two\", \"other\": [1, 2]}\r\n"
                       "{\"text\": null, \"label\": 2.5}\n"
                       "{\"label\": true, \"text\": {\"a\": [1, \"x\"]}}\n"
                       "{\"text\": \"no newline at the end\", \"label\": -1e300}";
    wsl_records *r = read_mem(data, TL, 2);
    ck_assert_uint_eq(wsl_records_count(r), 5);
    ck_assert_str_eq(wsl_records_get(r, 0, 0), "caf\xc3\xa9 \"au\" lait");
    ck_assert_str_eq(wsl_records_get(r, 0, 1), "1");
    ck_assert_uint_eq(wsl_records_line(r, 0), 1);
    ck_assert_str_eq(wsl_records_get(r, 1, 0), "two");
    ck_assert_uint_eq(wsl_records_line(r, 1), 4); /* blank lines are skipped, not renumbered */
    ck_assert_ptr_null(wsl_records_get(r, 2, 0));  /* null */
    ck_assert_str_eq(wsl_records_get(r, 2, 1), "2.5");
    ck_assert_str_eq(wsl_records_get(r, 3, 0), "{\"a\":[1,\"x\"]}");
    ck_assert_str_eq(wsl_records_get(r, 3, 1), "true");
    ck_assert_str_eq(wsl_records_get(r, 4, 0), "no newline at the end");
    ck_assert_str_eq(wsl_records_get(r, 4, 1), "-1.0000000000000001e+300");
    ck_assert_uint_eq(wsl_records_line(r, 4), 7);
    /* Out of range: NULL / 0, never a crash. */
    ck_assert_ptr_null(wsl_records_get(r, 5, 0));
    ck_assert_ptr_null(wsl_records_get(r, 0, 2));
    ck_assert_ptr_null(wsl_records_get(NULL, 0, 0));
    ck_assert_uint_eq(wsl_records_line(r, 5), 0);
    ck_assert_uint_eq(wsl_records_count(NULL), 0);
    wsl_records_free(r);
    wsl_records_free(NULL);
}
END_TEST

START_TEST(test_texts_and_labels)
{
    const char *data = "{\"text\": \"a\", \"label\": 1}\n"
                       "{\"text\": \"b\"}\n"
                       "{\"text\": \"c\", \"label\": null}\n"
                       "{\"text\": \"d\", \"label\": 0.0}\n";
    wsl_records *r = read_mem(data, TL, 2);
    const char *texts[4] = {NULL, NULL, NULL, NULL};
    int32_t labels[4] = {9, 9, 9, 9};
    WSL_ASSERT_OK(wsl_records_texts(r, 0, texts, 4));
    ck_assert_str_eq(texts[0], "a");
    ck_assert_str_eq(texts[3], "d");
    WSL_ASSERT_OK(wsl_records_labels(r, 1, 2, labels, 4));
    ck_assert_int_eq(labels[0], 1);
    ck_assert_int_eq(labels[1], -1);
    ck_assert_int_eq(labels[2], -1);
    ck_assert_int_eq(labels[3], 0);
    WSL_ASSERT_OK(wsl_records_labels(r, 1, 0, labels, 4)); /* k = 0: any label >= -1 */
    /* A label outside -1..k-1 names its line; nothing is written. */
    labels[0] = 7;
    WSL_ASSERT_STATUS(wsl_records_labels(r, 1, 1, labels, 4), WSL_ERANGE);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "mem.jsonl:1"));
    ck_assert_int_eq(labels[0], 7);
    /* Buffers, fields, arguments. */
    WSL_ASSERT_STATUS(wsl_records_texts(r, 0, texts, 3), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_records_labels(r, 1, 2, labels, 3), WSL_EBUFS);
    WSL_ASSERT_STATUS(wsl_records_texts(r, 2, texts, 4), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_records_labels(r, 2, 2, labels, 4), WSL_ERANGE);
    WSL_ASSERT_STATUS(wsl_records_texts(NULL, 0, texts, 4), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_texts(r, 0, NULL, 4), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_labels(NULL, 1, 2, labels, 4), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_labels(r, 1, 2, NULL, 4), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_labels(r, 1, -1, labels, 4), WSL_EINVAL);
    /* "text" read as labels: not a number, line named. */
    WSL_ASSERT_STATUS(wsl_records_labels(r, 0, 2, labels, 4), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "mem.jsonl:1: \"text\" is not a number"));
    wsl_records_free(r);

    /* A missing text names its line; so does a text that is not a string. */
    r = read_mem("{\"text\": \"a\"}\n\n{\"label\": 1}\n", TL, 2);
    WSL_ASSERT_STATUS(wsl_records_texts(r, 0, texts, 4), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "mem.jsonl:3: \"text\" is absent or null"));
    wsl_records_free(r);
    r = read_mem("{\"text\": 5}\n", TL, 2);
    WSL_ASSERT_STATUS(wsl_records_texts(r, 0, texts, 4), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "not a string"));
    wsl_records_free(r);
    /* Labels that are not integers, or too large. */
    r = read_mem("{\"label\": 1.5}\n", TL, 2);
    WSL_ASSERT_STATUS(wsl_records_labels(r, 1, 2, labels, 4), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "not an integer label"));
    wsl_records_free(r);
    r = read_mem("{\"label\": \"1\"}\n{\"label\": 1e20}\n", TL, 2);
    WSL_ASSERT_STATUS(wsl_records_labels(r, 1, 2, labels, 4), WSL_EFORMAT);
    wsl_records_free(r);
    r = read_mem("{\"label\": 1e20}\n", TL, 2);
    WSL_ASSERT_STATUS(wsl_records_labels(r, 1, 0, labels, 4), WSL_EFORMAT);
    wsl_records_free(r);
    r = read_mem("{\"label\": -2}\n", TL, 2);
    WSL_ASSERT_STATUS(wsl_records_labels(r, 1, 0, labels, 4), WSL_ERANGE);
    wsl_records_free(r);
}
END_TEST

/* Malformed lines: the message names the file, the line and the column. */
static const struct {
    const char *data;
    const char *where;
} bad_lines[] = {
    {"{\"text\": \"a\"}\n{\"text\": \"b\"\n", "mem.jsonl:2:"},
    {"{\"text\": \"a\"}\n[1, 2]\n", "mem.jsonl:2:1: expected a JSON object"},
    {"\"just a string\"\n", "mem.jsonl:1:1: expected a JSON object"},
    {"{} {}\n", "mem.jsonl:1:4: text after the JSON object"},
    {"\n\n{\"text\": tru}\n", "mem.jsonl:3:"},
    {"{\"text\": \"a\"}\n{\"text\": \"unterminated}\n", "mem.jsonl:2:"},
    {"nul\n", "mem.jsonl:1:"},
};

START_TEST(test_malformed_lines)
{
    wsl_records *r = (wsl_records *)1;
    const char *data = bad_lines[_i].data;
    WSL_ASSERT_STATUS(wsl_records_read_mem(&r, data, strlen(data), "mem.jsonl", TL, 2, NULL),
                      WSL_EFORMAT);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(wsl_last_error(), bad_lines[_i].where) != NULL, "'%s' not in '%s'",
                  bad_lines[_i].where, wsl_last_error());
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "wsl_records_read_mem"));
}
END_TEST

START_TEST(test_arguments)
{
    wsl_records *r = (wsl_records *)1;
    const char *dup[] = {"text", "text"};
    const char *empty[] = {""};
    const char *null_name[] = {NULL};
    WSL_ASSERT_STATUS(wsl_records_read_mem(NULL, "{}", 2, NULL, TL, 2, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_read_mem(&r, NULL, 2, NULL, TL, 2, NULL), WSL_EINVAL);
    ck_assert_ptr_null(r);
    WSL_ASSERT_STATUS(wsl_records_read_mem(&r, "{}", 2, NULL, NULL, 2, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_read_mem(&r, "{}", 2, NULL, TL, 0, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_read_mem(&r, "{}", 2, NULL, dup, 2, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "\"text\" is named twice"));
    WSL_ASSERT_STATUS(wsl_records_read_mem(&r, "{}", 2, NULL, empty, 1, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_read_mem(&r, "{}", 2, NULL, null_name, 1, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_read(NULL, "x.jsonl", TL, 2, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_read(&r, NULL, TL, 2, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_read(&r, "x.jsonl", TL, 0, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_records_read(&r, "/nonexistent/dir/x.jsonl", TL, 2, NULL), WSL_EIO);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "/nonexistent/dir/x.jsonl"));
    WSL_ASSERT_STATUS(wsl_records_read(&r, "/", TL, 2, NULL), WSL_EIO);
    ck_assert_ptr_null(r);
    /* An empty input is zero records, not an error. */
    WSL_ASSERT_OK(wsl_records_read_mem(&r, "", 0, NULL, TL, 2, NULL));
    ck_assert_uint_eq(wsl_records_count(r), 0);
    WSL_ASSERT_OK(wsl_records_texts(r, 0, NULL, 0));
    wsl_records_free(r);
}
END_TEST

START_TEST(test_file_and_shared_data)
{
    const char *data = "{\"text\": \"x\", \"label\": 0}\n{\"text\": \"y\", \"label\": 1}\n";
    char *path = wsl_test_write_temp(".jsonl", data, strlen(data));
    char shared[512];
    wsl_records *r = NULL;
    WSL_ASSERT_OK(wsl_records_read(&r, path, TL, 2, NULL));
    ck_assert_uint_eq(wsl_records_count(r), 2);
    ck_assert_str_eq(wsl_records_get(r, 1, 0), "y");
    wsl_records_free(r);
    unlink(path);
    free(path);
    /* A file of the benchmark data, where present: 1586 records, labels 0/1, no error. */
    snprintf(shared, sizeof shared, "%s/youtube/texts_train.jsonl", WSL_SHARED_DATA_DIR);
    if (access(shared, R_OK) == 0) {
        int32_t *labels = malloc(1586 * sizeof *labels);
        const char **texts = malloc(1586 * sizeof *texts);
        WSL_ASSERT_OK(wsl_records_read(&r, shared, TL, 2, NULL));
        ck_assert_uint_eq(wsl_records_count(r), 1586);
        WSL_ASSERT_OK(wsl_records_texts(r, 0, texts, 1586));
        WSL_ASSERT_OK(wsl_records_labels(r, 1, 2, labels, 1586));
        ck_assert_uint_eq(wsl_records_line(r, 1585), 1586);
        free(labels);
        free(texts);
        wsl_records_free(r);
    }
}
END_TEST

/* cJSON reads a NUL byte between tokens as a space and keeps one inside a string, where the
 * value then ended: {"text": "ab<NUL>cd"} loaded as "ab", silently. A line holding a NUL byte
 * is now refused, naming its column, from memory and from a file; "\u0000" still cuts. */
START_TEST(test_nul_bytes)
{
    static const struct {
        const char *data;
        size_t len;
        const char *where;
    } cases[] = {
        {"{\"text\": \"ab\0cd\"}\n", 18, "nul.jsonl:1:13: NUL byte"},
        {"{\"text\": \"a\"}\n{\"text\":\0 \"b\"}\n", 28, "nul.jsonl:2:9: NUL byte"},
        {"{\"text\": \"a\"}\n\0\n", 16, "nul.jsonl:2:1: NUL byte"},
        {"{\"text\": \"a\"}\0\n", 15, "nul.jsonl:1:14: NUL byte"},
    };
    wsl_records *r = (wsl_records *)1;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *path = wsl_test_write_temp(".jsonl", cases[c].data, cases[c].len);
        WSL_ASSERT_STATUS(wsl_records_read_mem(&r, cases[c].data, cases[c].len, "nul.jsonl", TL,
                                               2, NULL),
                          WSL_EFORMAT);
        ck_assert_ptr_null(r);
        ck_assert_msg(strstr(wsl_last_error(), cases[c].where) != NULL, "'%s' not in '%s'",
                      cases[c].where, wsl_last_error());
        WSL_ASSERT_STATUS(wsl_records_read(&r, path, TL, 2, NULL), WSL_EFORMAT);
        ck_assert_ptr_null(r);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), strchr(cases[c].where, ':')));
        unlink(path);
        free(path);
    }
    r = read_mem("{\"text\": \"ab\\u0000cd\"}\n", TL, 2);
    ck_assert_str_eq(wsl_records_get(r, 0, 0), "ab");
    wsl_records_free(r);
}
END_TEST

START_TEST(test_oom_walk)
{
    /* Enough records and text that the row arrays and the text arena grow several times. */
    size_t cap = 64 * 1024, len = 0, fails = 0;
    char *data = malloc(cap);
    const char *path;
    ck_assert_ptr_nonnull(data);
    for (int i = 0; i < 600; i++)
        len += (size_t)snprintf(data + len, cap - len,
                                "{\"text\": \"record number %d with some words\", \"label\": %d, "
                                "\"meta\": {\"i\": %d}}\n", i, i % 2, i);
    path = wsl_test_write_temp(".jsonl", data, len);
    for (int file = 0; file < 2; file++) {
        for (size_t n = 1;; n++) {
            wsl_test_alloc st = {0, n, 0, 0};
            wsl_allocator a = wsl_test_allocator(&st);
            const char *fields[] = {"text", "label", "meta"};
            wsl_records *r = NULL;
            wsl_status s = file ? wsl_records_read(&r, path, fields, 3, &a)
                                : wsl_records_read_mem(&r, data, len, NULL, fields, 3, &a);
            if (s == WSL_OK) {
                ck_assert_uint_eq(wsl_records_count(r), 600);
                ck_assert_str_eq(wsl_records_get(r, 599, 2), "{\"i\":599}");
                wsl_records_free(r);
                ck_assert_int_eq(st.live, 0);
                ck_assert_uint_gt(fails, 0);
                break;
            }
            ck_assert_msg(s == WSL_ENOMEM, "fail_at %zu: %s", n, wsl_last_error());
            ck_assert_ptr_null(r);
            ck_assert_msg(st.live == 0, "fail_at %zu: %ld blocks leaked", n, st.live);
            ck_assert_uint_lt(n, 1000);
            fails++;
        }
        fails = 0;
    }
    unlink(path);
    free((void *)path);
    free(data);
}
END_TEST

static Suite *records_suite(void)
{
    Suite *s = suite_create("records");
    TCase *core = tcase_create("core");
    TCase *errors = tcase_create("errors");
    TCase *oom = tcase_create("oom");
    tcase_add_test(core, test_fields_as_text);
    tcase_add_test(core, test_texts_and_labels);
    tcase_add_test(core, test_file_and_shared_data);
    tcase_add_loop_test(errors, test_malformed_lines, 0,
                        (int)(sizeof bad_lines / sizeof bad_lines[0]));
    tcase_add_test(errors, test_arguments);
    tcase_add_test(errors, test_nul_bytes);
    tcase_add_test(oom, test_oom_walk);
    suite_add_tcase(s, core);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(records_suite());
}
