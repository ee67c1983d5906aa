/* The CLI's names files (--names) and dependency groups (wsl fit --deps): src/cli/sources_file.c,
 * compiled in. Long lines, NUL bytes, CRLF, failing allocations. */
#include "wsl_test_util.h"

#include "libc_fail.h"

#include "cli/sources_file.c"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The CLI's error printer (main.c): the last message is kept for the checks. */
static char last_msg[1024];
void wsl_cli_errorf(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    (void)cmd;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
}

#define ASSERT_MSG_HAS(s)                                                                      \
    ck_assert_msg(strstr(last_msg, (s)) != NULL, "'%s' not in '%s'", (s), last_msg)

static char *temp_file(const char *data, size_t len)
{
    return wsl_test_write_temp(".txt", data, len);
}

/* A name of `len` bytes: 'a' + its index mod 26. */
static char *long_name(size_t len)
{
    char *s = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        s[i] = (char)('a' + i % 26);
    s[len] = '\0';
    return s;
}

/* Regression: names were read through a 1100-byte buffer, so a longer name became two lines
 * and the file "had" one name too many. Names of any length up to 1 MiB now read whole; a longer
 * line is refused, naming it. */
START_TEST(test_long_names)
{
    char *n1 = long_name(1099), *n2 = long_name(5000), *n3 = long_name(MAX_LINE), *doc, *path;
    char **names = NULL;
    size_t len = strlen(n1) + strlen(n2) + strlen(n3) + 16;
    doc = malloc(len);
    snprintf(doc, len, "%s\n%s\r\n%s\nlast", n1, n2, n3);
    path = temp_file(doc, strlen(doc));
    ck_assert_int_eq(wsl_cli_read_names("t", path, 4, &names), WSL_EXIT_OK);
    ck_assert_str_eq(names[0], n1);
    ck_assert_str_eq(names[1], n2);
    ck_assert_str_eq(names[2], n3);
    ck_assert_str_eq(names[3], "last");
    wsl_cli_free_names(names, 4);
    ck_assert_int_eq(wsl_cli_read_names("t", path, 5, &names), WSL_EXIT_INPUT);
    ck_assert_ptr_null(names);
    ASSERT_MSG_HAS("has 4 names, the votes have 5 sources");
    unlink(path);
    free(path);
    /* One byte more than the limit. */
    snprintf(doc, len, "%s\n%sb\nc\n", n1, n3);
    path = temp_file(doc, strlen(doc));
    ck_assert_int_eq(wsl_cli_read_names("t", path, 3, &names), WSL_EXIT_INPUT);
    ck_assert_ptr_null(names);
    ASSERT_MSG_HAS(":2: line longer than 1048576 bytes");
    unlink(path);
    free(path);
    free(doc);
    free(n1);
    free(n2);
    free(n3);
}
END_TEST

/* A NUL byte would have cut a name short silently; an empty line is an empty name; a last line
 * without a newline counts; CRLF is one line end, a lone CR part of the name. */
START_TEST(test_names_bytes)
{
    char **names = NULL, *path;
    path = temp_file("a\nb\0c\nd\n", 8);
    ck_assert_int_eq(wsl_cli_read_names("t", path, 3, &names), WSL_EXIT_INPUT);
    ck_assert_ptr_null(names);
    ASSERT_MSG_HAS(":2: NUL byte in a name");
    unlink(path);
    free(path);
    path = temp_file("x\r\n\ny\rz", 7);
    ck_assert_int_eq(wsl_cli_read_names("t", path, 3, &names), WSL_EXIT_OK);
    ck_assert_str_eq(names[0], "x");
    ck_assert_str_eq(names[1], "");
    ck_assert_str_eq(names[2], "y\rz");
    wsl_cli_free_names(names, 3);
    unlink(path);
    free(path);
    path = temp_file("", 0);
    ck_assert_int_eq(wsl_cli_read_names("t", path, 0, &names), WSL_EXIT_OK);
    wsl_cli_free_names(names, 0);
    ck_assert_int_eq(wsl_cli_read_names("t", path, 1, &names), WSL_EXIT_INPUT);
    unlink(path);
    free(path);
    ck_assert_int_eq(wsl_cli_read_names("t", "/nonexistent/names.txt", 1, &names), WSL_EXIT_IO);
    ck_assert_ptr_null(names);
}
END_TEST

/* Regression: a failing strdup left a NULL name in a list reported as read (wsl report then
 * dereferenced it). Every failing allocation is now an error with nothing returned. */
START_TEST(test_names_oom)
{
    char *path = temp_file("alpha\nbeta\ngamma\n", 17);
    char **names = NULL;
    size_t total, failed = 0;
    int rc0;
    wsl_test_libc_arm(0, 0);
    rc0 = wsl_cli_read_names("t", path, 3, &names);
    total = wsl_test_libc_disarm(); /* (Check's own bookkeeping allocates: assert after this) */
    ck_assert_int_eq(rc0, WSL_EXIT_OK);
    wsl_cli_free_names(names, 3);
    ck_assert_uint_ge(total, 5); /* the list, the line, three names */
    for (int once = 0; once < 2; once++) {
        for (size_t n = 1; n <= total; n++) {
            int rc;
            names = (char **)1;
            last_msg[0] = '\0';
            wsl_test_libc_arm(n, once);
            rc = wsl_cli_read_names("t", path, 3, &names);
            wsl_test_libc_disarm();
            ck_assert_msg(rc == WSL_EXIT_INPUT, "allocation %zu of %zu%s failing: exit %d", n,
                          total, once ? " alone" : " on", rc);
            ck_assert_ptr_null(names);
            ASSERT_MSG_HAS("out of memory reading");
            failed++;
        }
    }
    ck_assert_uint_eq(failed, 2 * total);
    unlink(path);
    free(path);
}
END_TEST

static int read_groups(const char *doc, size_t len, size_t m, char *const *names,
                       size_t **members, size_t **sizes, size_t *n_groups)
{
    char *path = temp_file(doc, len);
    int rc;
    *members = *sizes = NULL;
    *n_groups = 0;
    rc = wsl_cli_read_groups("t", path, m, names, members, sizes, n_groups);
    unlink(path);
    free(path);
    return rc;
}

/* Groups by index and by name (a name wins over an index), comments, blank lines, CRLF. */
START_TEST(test_groups)
{
    char *names[] = {"kw_a", "kw b", "3", "copy1", "copy2", "x"};
    static const char doc[] = "# groups\r\n\r\n  kw_a , 1\r\n3,copy1 ,copy2\n";
    size_t *mem, *sz, ng;
    ck_assert_int_eq(read_groups(doc, strlen(doc), 6, names, &mem, &sz, &ng), WSL_EXIT_OK);
    ck_assert_uint_eq(ng, 2);
    ck_assert_uint_eq(sz[0], 2);
    ck_assert_uint_eq(sz[1], 3);
    ck_assert_uint_eq(mem[0], 0);
    ck_assert_uint_eq(mem[1], 1);
    ck_assert_uint_eq(mem[2], 2); /* the name "3" */
    ck_assert_uint_eq(mem[3], 3);
    ck_assert_uint_eq(mem[4], 4);
    free(mem);
    free(sz);
    ck_assert_int_eq(read_groups("0,1\n2,0\n", 8, 6, NULL, &mem, &sz, &ng), WSL_EXIT_INPUT);
    ASSERT_MSG_HAS(":2: source '0' is already in a group");
    ck_assert_int_eq(read_groups("0,1\n2,6\n", 8, 6, NULL, &mem, &sz, &ng), WSL_EXIT_INPUT);
    ASSERT_MSG_HAS(":2: '6' is not a source (an index in 0..5)");
    ck_assert_int_eq(read_groups("0,1\n2\n", 6, 6, NULL, &mem, &sz, &ng), WSL_EXIT_INPUT);
    ASSERT_MSG_HAS(":2: a group needs at least two sources");
    ck_assert_int_eq(read_groups("0,1\n2,\0003\n", 9, 6, NULL, &mem, &sz, &ng), WSL_EXIT_INPUT);
    ASSERT_MSG_HAS(":2: NUL byte");
    ck_assert_ptr_null(mem);
    ck_assert_ptr_null(sz);
}
END_TEST

/* Lines of the 64 KB buffer's size and more were refused as "too long"; a group of 20,000
 * sources (a 109 KB line) now reads, and only lines beyond 1 MiB are refused. */
START_TEST(test_groups_long_lines)
{
    const size_t m = 20000;
    char *doc = malloc(MAX_LINE + 64), *p = doc;
    size_t *mem, *sz, ng;
    for (size_t j = 0; j < m; j++)
        p += sprintf(p, j ? ",%zu" : "%zu", j);
    *p++ = '\n';
    ck_assert_uint_gt((size_t)(p - doc), 100000);
    ck_assert_int_eq(read_groups(doc, (size_t)(p - doc), m, NULL, &mem, &sz, &ng), WSL_EXIT_OK);
    ck_assert_uint_eq(ng, 1);
    ck_assert_uint_eq(sz[0], m);
    ck_assert_uint_eq(mem[m - 1], m - 1);
    free(mem);
    free(sz);
    memset(doc, ' ', MAX_LINE + 1);
    memcpy(doc + MAX_LINE + 1, "0,1\n", 4);
    ck_assert_int_eq(read_groups(doc, MAX_LINE + 5, m, NULL, &mem, &sz, &ng), WSL_EXIT_INPUT);
    ASSERT_MSG_HAS(":1: line longer than 1048576 bytes");
    free(doc);
}
END_TEST

START_TEST(test_groups_oom)
{
    static const char doc[] = "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n18,19\n20,21\n22,23\n"
                              "24,25\n26,27\n";
    char *path = temp_file(doc, strlen(doc));
    size_t *mem = NULL, *sz = NULL, ng = 0, total;
    int rc0;
    wsl_test_libc_arm(0, 0);
    rc0 = wsl_cli_read_groups("t", path, 30, NULL, &mem, &sz, &ng);
    total = wsl_test_libc_disarm();
    ck_assert_int_eq(rc0, WSL_EXIT_OK);
    ck_assert_uint_eq(ng, 6);
    free(mem);
    free(sz);
    ck_assert_uint_ge(total, 5); /* members, sizes, flags, the line, growing both lists */
    for (int once = 0; once < 2; once++) {
        for (size_t n = 1; n <= total; n++) {
            int rc;
            mem = sz = NULL;
            last_msg[0] = '\0';
            wsl_test_libc_arm(n, once);
            rc = wsl_cli_read_groups("t", path, 30, NULL, &mem, &sz, &ng);
            wsl_test_libc_disarm();
            ck_assert_msg(rc == WSL_EXIT_INPUT, "allocation %zu of %zu%s failing: exit %d", n,
                          total, once ? " alone" : " on", rc);
            ck_assert_ptr_null(mem);
            ck_assert_ptr_null(sz);
            ASSERT_MSG_HAS("out of memory reading");
        }
    }
    unlink(path);
    free(path);
}
END_TEST

static Suite *cli_sources_suite(void)
{
    Suite *s = suite_create("cli_sources");
    TCase *names = tcase_create("names");
    TCase *groups = tcase_create("groups");
    TCase *oom = tcase_create("oom");
    tcase_add_test(names, test_long_names);
    tcase_add_test(names, test_names_bytes);
    tcase_add_test(groups, test_groups);
    tcase_add_test(groups, test_groups_long_lines);
    tcase_add_test(oom, test_names_oom);
    tcase_add_test(oom, test_groups_oom);
    suite_add_tcase(s, names);
    suite_add_tcase(s, groups);
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    return wsl_test_run_suite(cli_sources_suite());
}
