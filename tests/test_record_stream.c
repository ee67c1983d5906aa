/* Record streams: JSON Lines and CSV records in batches, fields by name, malformed records
 * (stop or skip), header checks, progress, argument errors, out of memory. */
#include "wsl_test_util.h"

#include "io/record_stream.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static wsl_record_stream *open_mem(const char *data, const char *name,
                                   const wsl_record_stream_options *o)
{
    wsl_record_stream *s = NULL;
    WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, data, strlen(data), name, o, NULL));
    ck_assert_ptr_nonnull(s);
    return s;
}

/* Every record of the stream, read `batch` at a time; returns how many, lines into lines[]. */
static size_t read_lines(wsl_record_stream *s, size_t batch, size_t *lines, size_t cap)
{
    const wsl_record *recs[16];
    size_t n = 0, got;
    do {
        WSL_ASSERT_OK(wsl_record_stream_next(s, recs, batch, &got));
        for (size_t i = 0; i < got; i++, n++)
            if (n < cap)
                lines[n] = wsl_record_line(recs[i]);
    } while (got);
    return n;
}

START_TEST(test_jsonl_fields)
{
    const char *data = "\xef\xbb\xbf{\"text\": \"caf\\u00e9\", \"n\": 2.5, \"o\": {\"a\": 1}}\n"
                       "\n"
                       "  \t\r\n"
                       "{\"text\": null, \"n\": \"3\"}\r\n"
                       "{\"n\": -7, \"big\": -1e999}";
    wsl_record_stream *s = open_mem(data, "mem.jsonl", NULL);
    const wsl_record *r[4];
    size_t got;
    double v = 0;
    ck_assert_int_eq(wsl_record_stream_format(s), WSL_RECORDS_JSONL);
    WSL_ASSERT_OK(wsl_record_stream_next(s, r, 4, &got));
    ck_assert_uint_eq(got, 3);
    ck_assert_str_eq(wsl_record_string(r[0], "text"), "caf\xc3\xa9");
    ck_assert_int_eq(wsl_record_number(r[0], "n", &v), 1);
    ck_assert(v == 2.5);
    ck_assert_ptr_null(wsl_record_string(r[0], "n"));   /* a number is not a string */
    ck_assert_ptr_null(wsl_record_string(r[0], "o"));
    ck_assert_ptr_null(wsl_record_string(r[0], "Text")); /* case-sensitive */
    ck_assert_ptr_nonnull(wsl_record_json(r[0]));
    ck_assert_uint_eq(wsl_record_line(r[0]), 1);
    ck_assert_ptr_null(wsl_record_string(r[1], "text")); /* null */
    ck_assert_int_eq(wsl_record_number(r[1], "n", &v), 0); /* a string is not a number */
    ck_assert_uint_eq(wsl_record_line(r[1]), 4);
    ck_assert_int_eq(wsl_record_number(r[2], "n", &v), 1);
    ck_assert(v == -7);
    ck_assert_int_eq(wsl_record_number(r[2], "big", &v), 0); /* fuzz finding: 1e999 is inf */
    ck_assert(v == -7);
    ck_assert_uint_eq(wsl_record_line(r[2]), 5);
    /* NULL arguments: NULL / 0, never a crash. */
    ck_assert_ptr_null(wsl_record_string(NULL, "text"));
    ck_assert_ptr_null(wsl_record_string(r[0], NULL));
    ck_assert_int_eq(wsl_record_number(NULL, "n", &v), 0);
    ck_assert_int_eq(wsl_record_number(r[0], "n", NULL), 0);
    ck_assert_uint_eq(wsl_record_line(NULL), 0);
    ck_assert_ptr_null(wsl_record_json(NULL));
    WSL_ASSERT_OK(wsl_record_stream_next(s, r, 4, &got));
    ck_assert_uint_eq(got, 0);
    {
        uint64_t done, total;
        wsl_record_stream_progress(s, &done, &total);
        ck_assert_uint_eq(total, strlen(data));
        ck_assert_uint_eq(done, total);
    }
    wsl_record_stream_close(s);
    wsl_record_stream_close(NULL);
}
END_TEST

START_TEST(test_batches)
{
    char data[2000] = "";
    size_t lines[64];
    wsl_record_stream *s;
    for (int i = 0; i < 50; i++)
        snprintf(data + strlen(data), sizeof data - strlen(data), "{\"i\": %d}\n%s", i,
                 i % 7 == 0 ? "\n" : "");
    for (size_t batch = 1; batch <= 16; batch += 5) {
        size_t expect = 1;
        s = open_mem(data, "b.jsonl", NULL);
        ck_assert_uint_eq(read_lines(s, batch, lines, 64), 50);
        for (int i = 0; i < 50; i++) {
            ck_assert_uint_eq(lines[i], expect);
            expect += i % 7 == 0 ? 2 : 1;
        }
        wsl_record_stream_close(s);
    }
}
END_TEST

START_TEST(test_csv_fields)
{
    const char *data = "\xef\xbb\xbfid,text,score\r\n"
                       "1,plain,0.5\r\n"
                       "2,\"a, b\",\" 7 \"\n"
                       "\n"
                       "3,\"say \"\"hi\"\"\nsecond line\",\n"
                       "4,it\"s,x\n"
                       ",,\n";
    wsl_record_stream *s = open_mem(data, "mem.CSV", NULL);
    const wsl_record *r[8];
    size_t got;
    double v = 0;
    ck_assert_int_eq(wsl_record_stream_format(s), WSL_RECORDS_CSV);
    WSL_ASSERT_OK(wsl_record_stream_next(s, r, 8, &got));
    ck_assert_uint_eq(got, 5);
    ck_assert_str_eq(wsl_record_string(r[0], "text"), "plain");
    ck_assert_int_eq(wsl_record_number(r[0], "score", &v), 1);
    ck_assert(v == 0.5);
    ck_assert_int_eq(wsl_record_number(r[0], "id", &v), 1);
    ck_assert(v == 1);
    ck_assert_uint_eq(wsl_record_line(r[0]), 2);
    ck_assert_str_eq(wsl_record_string(r[1], "text"), "a, b");
    ck_assert_int_eq(wsl_record_number(r[1], "score", &v), 1); /* blanks around a number */
    ck_assert(v == 7);
    ck_assert_uint_eq(wsl_record_line(r[1]), 3);
    ck_assert_str_eq(wsl_record_string(r[2], "text"), "say \"hi\"\nsecond line");
    ck_assert_str_eq(wsl_record_string(r[2], "score"), "");
    ck_assert_int_eq(wsl_record_number(r[2], "score", &v), 0); /* empty */
    ck_assert_uint_eq(wsl_record_line(r[2]), 5);
    ck_assert_str_eq(wsl_record_string(r[3], "text"), "it\"s"); /* a quote inside is a char */
    ck_assert_int_eq(wsl_record_number(r[3], "score", &v), 0);  /* not a number */
    ck_assert_uint_eq(wsl_record_line(r[3]), 7);
    ck_assert_str_eq(wsl_record_string(r[4], "id"), "");
    ck_assert_ptr_null(wsl_record_string(r[4], "nope"));
    ck_assert_int_eq(wsl_record_number(r[4], "nope", &v), 0);
    ck_assert_ptr_null(wsl_record_json(r[0]));
    WSL_ASSERT_OK(wsl_record_stream_next(s, r, 8, &got));
    ck_assert_uint_eq(got, 0);
    wsl_record_stream_close(s);
}
END_TEST

/* A malformed input: the error names the line (and column), and the stream stops. */
static void expect_bad(const char *data, const char *name, const char *where)
{
    wsl_record_stream *s = open_mem(data, name, NULL);
    const wsl_record *r[4];
    size_t got = 99, n = 0;
    wsl_status st;
    while ((st = wsl_record_stream_next(s, r, 1, &got)) == WSL_OK && got)
        n++;
    ck_assert_msg(st == WSL_EFORMAT, "%s: status %d", data, (int)st);
    ck_assert_uint_eq(got, 0);
    ck_assert_msg(strstr(wsl_last_error(), where), "'%s' not in '%s'", where, wsl_last_error());
    WSL_ASSERT_STATUS(wsl_record_stream_next(s, r, 1, &got), WSL_ESTATE);
    wsl_record_stream_close(s);
}

START_TEST(test_malformed)
{
    expect_bad("{\"a\": 1}\n{\"a\": }\n", "m.jsonl", "m.jsonl:2:7: not a JSON object");
    expect_bad("{\"a\": 1}\n[1, 2]\n", "m.jsonl", "m.jsonl:2:1: expected a JSON object");
    expect_bad("{\"a\": 1} x\n", "m.jsonl", "m.jsonl:1:10: text after the JSON object");
    expect_bad("a,b\n1,2\n1,2,3\n", "m.csv", "m.csv:3: 3 fields, the header has 2");
    expect_bad("a,b\n1\n", "m.csv", "m.csv:2: 1 field, the header has 2");
    expect_bad("a,b\n\"x\"y,2\n", "m.csv", "m.csv:2:4: text after the closing quote");
    expect_bad("a,b\n1,2\n\"open,2\nmore\n", "m.csv",
               "m.csv:3: a quoted field opened in this record is not closed");
}
END_TEST

START_TEST(test_required_fields)
{
    static const char *const req[] = {"text"};
    wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
    wsl_record_stream *s = NULL;
    o.required = req;
    o.n_required = 1;
    WSL_ASSERT_STATUS(wsl_record_stream_open_mem(&s, "id,body\n1,x\n", 12, "h.csv", &o, NULL),
                      WSL_EFORMAT);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "h.csv:1: the header has no column \"text\""));
    s = open_mem("{\"text\": \"a\"}\n{\"text\": null}\n", "r.jsonl", &o);
    {
        const wsl_record *r[4];
        size_t got;
        WSL_ASSERT_STATUS(wsl_record_stream_next(s, r, 4, &got), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "r.jsonl:2: the record has no field"));
    }
    wsl_record_stream_close(s);
}
END_TEST

START_TEST(test_bad_headers)
{
    static const struct {
        const char *data, *msg;
    } cases[] = {
        {"", "no header line"},
        {"\n\n", "no header line"},
        {"a,,b\n", "column 2 of the header has no name"},
        {"a,b,a\n", "names column \"a\" twice"},
        {"\"a\"x,b\n", "text after the closing quote"},
        {"\"a,b\n", "a quoted field opened in this record is not closed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
        wsl_record_stream *s = (wsl_record_stream *)1;
        o.skip_bad = 1; /* a bad header is never skipped */
        WSL_ASSERT_STATUS(wsl_record_stream_open_mem(&s, cases[i].data, strlen(cases[i].data),
                                                     "h.csv", &o, NULL),
                          WSL_EFORMAT);
        ck_assert_ptr_null(s);
        ck_assert_msg(strstr(wsl_last_error(), cases[i].msg), "case %zu: %s", i,
                      wsl_last_error());
    }
}
END_TEST

typedef struct bad_log {
    size_t lines[8];
    size_t n;
} bad_log;

static void log_bad(size_t line, const char *message, void *payload)
{
    bad_log *b = payload;
    ck_assert_ptr_nonnull(strstr(message, "skip."));
    if (line == 8) /* the fault is on the record's second line */
        ck_assert_ptr_nonnull(strstr(message, "skip.csv:9:3: text after the closing quote"));
    if (line == 10)
        ck_assert_ptr_nonnull(strstr(message, "skip.csv:10:4: a NUL byte"));
    if (b->n < 8)
        b->lines[b->n] = line;
    b->n++;
}

START_TEST(test_skip_bad)
{
    static const char *const req[] = {"a"};
    wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
    bad_log log = {{0}, 0};
    size_t lines[16];
    wsl_record_stream *s;
    o.skip_bad = 1;
    o.on_bad = log_bad;
    o.on_bad_payload = &log;
    /* A bad record that spans lines is skipped whole: its quotes still say where it ends (a
     * quoted field opened after the fault does not turn its next line into a record). The
     * callback gets the record's first line, the message the fault's line and column. */
    {
        static const char csv[] = "a,b\n1,2\n3\n\"x\"y,\"p\nq\",1\n4,5\n\"6\",\"7\"\n\"m\nn\"z,1\n"
                                  "\"go\0od\nbad\",1\n8,9\n";
        WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, csv, sizeof csv - 1, "skip.csv", &o, NULL));
    }
    ck_assert_uint_eq(read_lines(s, 2, lines, 16), 4);
    ck_assert_uint_eq(lines[0], 2);
    ck_assert_uint_eq(lines[1], 6);
    ck_assert_uint_eq(lines[2], 7);
    ck_assert_uint_eq(lines[3], 12);
    ck_assert_uint_eq(wsl_record_stream_skipped(s), 4);
    ck_assert_uint_eq(log.n, 4);
    ck_assert_uint_eq(log.lines[0], 3);
    ck_assert_uint_eq(log.lines[1], 4);
    ck_assert_uint_eq(log.lines[2], 8);
    ck_assert_uint_eq(log.lines[3], 10);
    wsl_record_stream_close(s);
    /* An unclosed quote is never skipped: nothing after it can be trusted. */
    s = open_mem("a,b\n1,2\n\"oops,2\n3,4\n5,6\n", "skip.csv", &o);
    {
        const wsl_record *r[8];
        size_t got;
        WSL_ASSERT_STATUS(wsl_record_stream_next(s, r, 8, &got), WSL_EFORMAT);
        ck_assert_ptr_nonnull(strstr(wsl_last_error(), "skip.csv:3: a quoted field opened"));
    }
    wsl_record_stream_close(s);

    memset(&log, 0, sizeof log);
    o.required = req;
    o.n_required = 1;
    s = open_mem("{\"a\": 1}\nnope\n{\"b\": 2}\n[]\n{\"a\": 3}\n", "skip.jsonl", &o);
    ck_assert_uint_eq(read_lines(s, 3, lines, 16), 2);
    ck_assert_uint_eq(lines[0], 1);
    ck_assert_uint_eq(lines[1], 5);
    ck_assert_uint_eq(wsl_record_stream_skipped(s), 3);
    ck_assert_uint_eq(log.n, 3);
    ck_assert_uint_eq(log.lines[1], 3);
    wsl_record_stream_close(s);
    ck_assert_uint_eq(wsl_record_stream_skipped(NULL), 0);
}
END_TEST

START_TEST(test_files)
{
    const char *data = "text,y\n\"a\",1\nb,0\n";
    char *path = wsl_test_write_temp(".csv", data, strlen(data));
    wsl_record_stream *s = NULL;
    size_t lines[4];
    uint64_t done = 1, total = 1;
    WSL_ASSERT_OK(wsl_record_stream_open(&s, path, NULL, NULL));
    ck_assert_int_eq(wsl_record_stream_format(s), WSL_RECORDS_CSV);
    wsl_record_stream_progress(s, &done, &total);
    ck_assert_uint_eq(total, strlen(data));
    ck_assert_uint_eq(read_lines(s, 4, lines, 4), 2);
    wsl_record_stream_progress(s, &done, NULL);
    ck_assert_uint_eq(done, strlen(data));
    wsl_record_stream_close(s);
    /* --format overrides the extension: the same bytes as JSON Lines are malformed. */
    {
        wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
        const wsl_record *r[2];
        size_t got;
        o.format = WSL_RECORDS_JSONL;
        WSL_ASSERT_OK(wsl_record_stream_open(&s, path, &o, NULL));
        WSL_ASSERT_STATUS(wsl_record_stream_next(s, r, 2, &got), WSL_EFORMAT);
        wsl_record_stream_close(s);
    }
    unlink(path);
    free(path);
    WSL_ASSERT_STATUS(wsl_record_stream_open(&s, "/nonexistent/r.jsonl", NULL, NULL), WSL_EIO);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "/nonexistent/r.jsonl"));
    ck_assert_ptr_null(s);
    WSL_ASSERT_STATUS(wsl_record_stream_open(&s, "/tmp", NULL, NULL), WSL_EIO);
    wsl_record_stream_progress(NULL, &done, &total);
    ck_assert_uint_eq(done + total, 0);
    ck_assert_int_eq(wsl_record_stream_format(NULL), WSL_RECORDS_AUTO);
}
END_TEST

START_TEST(test_arguments)
{
    wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
    static const char *const empty[] = {""};
    wsl_record_stream *s = NULL;
    const wsl_record *r[1];
    size_t got;
    WSL_ASSERT_STATUS(wsl_record_stream_open(NULL, "x", NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_record_stream_open(&s, NULL, NULL, NULL), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_record_stream_open_mem(&s, NULL, 3, NULL, NULL, NULL), WSL_EINVAL);
    o.version = 7;
    WSL_ASSERT_STATUS(wsl_record_stream_open_mem(&s, "", 0, NULL, &o, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "options.version"));
    o.version = WSL_RECORD_STREAM_OPTIONS_VERSION;
    o.format = (wsl_records_format)9;
    WSL_ASSERT_STATUS(wsl_record_stream_open_mem(&s, "", 0, NULL, &o, NULL), WSL_EINVAL);
    o.format = WSL_RECORDS_AUTO;
    o.skip_bad = 2;
    WSL_ASSERT_STATUS(wsl_record_stream_open_mem(&s, "", 0, NULL, &o, NULL), WSL_EINVAL);
    o.skip_bad = 0;
    o.n_required = 1;
    WSL_ASSERT_STATUS(wsl_record_stream_open_mem(&s, "", 0, NULL, &o, NULL), WSL_EINVAL);
    o.required = empty;
    WSL_ASSERT_STATUS(wsl_record_stream_open_mem(&s, "", 0, NULL, &o, NULL), WSL_EINVAL);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "options.required[0]"));
    ck_assert_ptr_null(s);
    /* An empty JSON Lines input is no records; NULL data with length 0 too. */
    WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, NULL, 0, NULL, NULL, NULL));
    WSL_ASSERT_STATUS(wsl_record_stream_next(s, r, 0, &got), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_record_stream_next(s, NULL, 1, &got), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_record_stream_next(NULL, r, 1, &got), WSL_EINVAL);
    WSL_ASSERT_STATUS(wsl_record_stream_next(s, r, 1, NULL), WSL_EINVAL);
    WSL_ASSERT_OK(wsl_record_stream_next(s, r, 1, &got));
    ck_assert_uint_eq(got, 0);
    wsl_record_stream_close(s);
}
END_TEST

/* A quoted field may not run on forever: it is bounded like a line. */
START_TEST(test_quoted_field_limit)
{
    const char *data = "a\n\"x\ny\nz\nw\"\n";
    wsl_record_stream *s = open_mem(data, "long.csv", NULL);
    const wsl_record *r[1];
    size_t got;
    s->rd.max_line = 5; /* "x\ny\nz\n" already runs past it */
    WSL_ASSERT_STATUS(wsl_record_stream_next(s, r, 1, &got), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "long.csv:2: a quoted field runs over"));
    wsl_record_stream_close(s);
}
END_TEST

/* Two streams read on two threads at once (cJSON's parser writes a global: libwsl serializes
 * its parses; ThreadSanitizer runs this case, scripts/tsan.sh). */
static void *read_stream_thread(void *arg)
{
    const char *data = arg;
    size_t *n = calloc(1, sizeof *n);
    wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
    o.skip_bad = 1;
    for (int rep = 0; n && rep < 50; rep++) {
        wsl_record_stream *s = NULL;
        const wsl_record *r[4];
        size_t got, total = 0;
        if (wsl_record_stream_open_mem(&s, data, strlen(data), "t.jsonl", &o, NULL) != WSL_OK)
            return n;
        while (wsl_record_stream_next(s, r, 4, &got) == WSL_OK && got)
            total += got;
        wsl_record_stream_close(s);
        *n += total;
    }
    return n;
}

START_TEST(test_two_threads)
{
    static const char a[] = "{\"text\": \"a\"}\n{\"text\": \"b\"}\nnot json\n",
                      b[] = "{\"x\": [1, 2, 3]}\n{bad\n";
    pthread_t t1, t2;
    void *r1, *r2;
    ck_assert_int_eq(pthread_create(&t1, NULL, read_stream_thread, (void *)a), 0);
    ck_assert_int_eq(pthread_create(&t2, NULL, read_stream_thread, (void *)b), 0);
    pthread_join(t1, &r1);
    pthread_join(t2, &r2);
    ck_assert_ptr_nonnull(r1);
    ck_assert_ptr_nonnull(r2);
    ck_assert_uint_eq(*(size_t *)r1, 100); /* 2 records, 50 times */
    ck_assert_uint_eq(*(size_t *)r2, 50);
    free(r1);
    free(r2);
}
END_TEST

typedef struct oom_input {
    const char *data, *name;
} oom_input;

static wsl_status oom_case(const wsl_allocator *a, void *ctx)
{
    const oom_input *in = ctx;
    wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
    static const char *const req[] = {"text"};
    wsl_record_stream *s = NULL;
    const wsl_record *r[3];
    size_t got;
    wsl_status st;
    o.required = req;
    o.n_required = 1;
    o.skip_bad = 1;
    if ((st = wsl_record_stream_open_mem(&s, in->data, strlen(in->data), in->name, &o, a)))
        return st;
    do
        st = wsl_record_stream_next(s, r, 3, &got);
    while (st == WSL_OK && got);
    wsl_record_stream_close(s);
    return st;
}

START_TEST(test_oom_walk)
{
    static const oom_input inputs[] = {
        {"id,text\n1,\"a, b\"\n2,x\n3\n4,\"long cell long cell long cell\"\n5,y\n", "o.csv"},
        {"{\"text\": \"a\"}\n{\"text\": \"b\"}\nbad\n{\"text\": \"c\"}\n{\"t\": 1}\n", "o.jsonl"},
    };
    for (size_t i = 0; i < 2; i++)
        ck_assert_uint_gt(wsl_test_oom_walk(inputs[i].name, oom_case, (void *)&inputs[i]), 2);
}
END_TEST

/* Fuzz finding: a CSV record whose first cell is "" (quoted, empty) copied 0 bytes into an arena that did
 * not exist yet (memcpy to NULL + 0, undefined). And NUL bytes, which would cut a field short,
 * are malformed records in both formats. */
START_TEST(test_fuzz_empty_first_cell_and_nul)
{
    static const char csv[] = "a,b\n,x\n1,y\0z\n\"p\0\",2\n3,4\n";
    static const char jsonl[] = "{\"text\": \"a\"}\n{\"text\": \"b\0c\"}\n{\0\"text\": 1}\n";
    wsl_record_stream_options o = WSL_RECORD_STREAM_OPTIONS_INIT;
    wsl_record_stream *s = NULL;
    const wsl_record *r[8];
    size_t got;
    o.format = WSL_RECORDS_CSV;
    WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, "a,b\n\"\",\n", 8, "e.csv", &o, NULL));
    WSL_ASSERT_OK(wsl_record_stream_next(s, r, 8, &got));
    ck_assert_uint_eq(got, 1);
    ck_assert_str_eq(wsl_record_string(r[0], "a"), "");
    wsl_record_stream_close(s);
    WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, csv, sizeof csv - 1, "n.csv", &o, NULL));
    WSL_ASSERT_STATUS(wsl_record_stream_next(s, r, 8, &got), WSL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(wsl_last_error(), "n.csv:3:4: a NUL byte"));
    wsl_record_stream_close(s);
    o.skip_bad = 1;
    WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, csv, sizeof csv - 1, "n.csv", &o, NULL));
    WSL_ASSERT_OK(wsl_record_stream_next(s, r, 8, &got));
    ck_assert_uint_eq(got, 2);
    ck_assert_uint_eq(wsl_record_line(r[1]), 5);
    ck_assert_uint_eq(wsl_record_stream_skipped(s), 2);
    wsl_record_stream_close(s);
    o.format = WSL_RECORDS_JSONL;
    WSL_ASSERT_OK(wsl_record_stream_open_mem(&s, jsonl, sizeof jsonl - 1, "n.jsonl", &o, NULL));
    WSL_ASSERT_OK(wsl_record_stream_next(s, r, 8, &got));
    ck_assert_uint_eq(got, 1);
    ck_assert_uint_eq(wsl_record_stream_skipped(s), 2);
    wsl_record_stream_close(s);
}
END_TEST

static Suite *record_stream_suite(void)
{
    Suite *s = suite_create("record_stream");
    TCase *read = tcase_create("read");
    TCase *errors = tcase_create("errors");
    TCase *oom = tcase_create("oom");
    TCase *threads = tcase_create("threads");
    tcase_add_test(threads, test_two_threads);
    tcase_add_test(read, test_jsonl_fields);
    tcase_add_test(read, test_batches);
    tcase_add_test(read, test_csv_fields);
    tcase_add_test(read, test_files);
    tcase_add_test(errors, test_malformed);
    tcase_add_test(errors, test_required_fields);
    tcase_add_test(errors, test_bad_headers);
    tcase_add_test(errors, test_skip_bad);
    tcase_add_test(errors, test_arguments);
    tcase_add_test(errors, test_quoted_field_limit);
    tcase_add_test(errors, test_fuzz_empty_first_cell_and_nul);
    tcase_add_test(oom, test_oom_walk);
    suite_add_tcase(s, read);
    suite_add_tcase(s, errors);
    suite_add_tcase(s, oom);
    suite_add_tcase(s, threads);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(record_stream_suite());
}
